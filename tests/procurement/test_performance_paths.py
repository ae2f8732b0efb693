"""The faster paths give the same results: the indicators over imported data equal the
indicators over the compiled releases themselves, whether a process's indicator document was
written at import or is derived in SQL, and the COPY of pre-serialised documents stores them
as they are."""

from __future__ import annotations

import datetime as dt
import importlib.util
import random
from pathlib import Path

import orjson
import pytest

from procurement import ocds
from procurement.actions import DEFAULT_SETTINGS, ocds_file_import, red_flags_compute
from procurement.indicators import Settings, indicators_compute, release_facts, with_org_ids
from procurement.models import Process
from tests.fixtures import MEXICO_CITY_OCDS

BENCH = Path(__file__).resolve().parents[2] / "bench" / "ocds.py"
_spec = importlib.util.spec_from_file_location("bench_ocds", BENCH)
assert _spec and _spec.loader
bench = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(bench)  # the benchmark's generator, without putting bench/ on the path


def releases(count: int) -> list[dict]:
    rng = random.Random(7)
    out = [bench.compiled_release(number, rng) for number in range(count)]
    # Mexico City's 1.0 data: organisations keyed by their identifier, not an id.
    del out[0]["buyer"]["id"]
    out[0]["buyer"]["identifier"] = {"id": "GDF9712054NA"}
    out[1]["tender"]["procuringEntity"] = {"name": "Unidad sin clave"}
    out[2]["awards"][0]["suppliers"] = [{"name": "Proveedora sin RFC"}]
    out[3]["tender"]["description"] = 'tab\there, newline\nhere, backslash \\ and "quotes"'
    out[4]["tender"]["title"] = 'título con\ttab, \\ y "comillas"'
    return out


@pytest.mark.django_db
def test_indicators_over_imported_data_equal_those_over_the_releases():
    data = releases(300)
    content = b"\n".join(orjson.dumps(r) for r in data)
    assert ocds_file_import(name="bench.jsonl", content=content).ok
    settings = Settings.from_ini(DEFAULT_SETTINGS)
    expected = indicators_compute((with_org_ids(r) for r in data), settings)
    assert expected  # the generated data raises flags

    written = red_flags_compute(actor=None, settings_text=DEFAULT_SETTINGS).result
    assert written == expected
    assert not Process.objects.filter(indicator_facts__isnull=True).exists()

    Process.objects.update(indicator_facts=None)  # rows written before the column
    derived = red_flags_compute(actor=None, settings_text=DEFAULT_SETTINGS).result
    assert derived == expected


@pytest.mark.django_db
def test_copied_documents_are_stored_as_they_were_and_reimport_changes_nothing():
    data = releases(40)
    content = b"\n".join(orjson.dumps(r) for r in data)
    ocds_file_import(name="a.jsonl", content=content)
    stored = dict(Process.objects.values_list("ocid", "data"))
    assert stored == {r["ocid"]: r for r in data}
    titles = dict(Process.objects.values_list("ocid", "title"))
    assert titles == {r["ocid"]: r["tender"]["title"] for r in data}
    for process in Process.objects.all():
        assert process.digest == ocds.digest(process.data)
        assert orjson.loads(process.indicator_facts) == release_facts(process.data)
    before = list(Process.objects.order_by("pk").values_list("pk", "digest", "data"))
    again = ocds_file_import(name="a.jsonl", content=content)
    assert again.processes_changed == 0 and again.releases_unchanged == 40
    assert list(Process.objects.order_by("pk").values_list("pk", "digest", "data")) == before


def test_the_collector_is_back_on_after_a_failure():
    import gc

    assert gc.isenabled()
    with pytest.raises(RuntimeError), ocds.gc_paused():
        assert not gc.isenabled()
        raise RuntimeError
    assert gc.isenabled()


def test_release_facts_say_what_the_release_says():
    data = releases(60)
    for release in data:
        facts = release_facts(release)
        assert facts["ocid"] == release["ocid"] and facts["date"] == release["date"]
        tender = release["tender"]
        for key in ("status", "procurementMethod", "procurementMethodDetails"):
            assert facts["tender"][key] == tender[key]
        period = tender["tenderPeriod"]
        start, end = (dt.datetime.fromisoformat(period[k]) for k in ("startDate", "endDate"))
        assert facts["tender"]["days"] == (end - start).days
        for bid, kept in zip(release["bids"]["details"], facts["bids"], strict=True):
            assert kept["status"] == bid["status"] and kept["value"] == bid["value"]
            assert kept.get("late", False) == (dt.datetime.fromisoformat(bid["date"]) > end)
            assert kept["tenderers"] == [t["id"] for t in bid["tenderers"]]
        for award, kept in zip(release["awards"], facts["awards"], strict=True):
            assert kept["value"] == award["value"] and kept["status"] == award["status"]
            assert kept["codes"] == [i["classification"]["id"] for i in award["items"]]
            assert kept["suppliers"] == [
                s.get("id") or s.get("identifier", {}).get("id") or s["name"]
                for s in award["suppliers"]
            ]
    # Organisations without an id are keyed by their identifier, else their name.
    assert release_facts(data[0])["buyer"] == "GDF9712054NA"
    assert release_facts(data[2])["awards"][0]["suppliers"] == ["Proveedora sin RFC"]
    assert "buyer" not in release_facts(data[0], fill_ids=False)
    # A bid's tenderer without an id leaves the bid out of the price comparisons.
    bid = {"status": "valid", "tenderers": [{"name": "sin id"}], "value": {"amount": 1}}
    odd = {"ocid": "o", "bids": {"details": [bid, "not a bid"]}, "awards": [{"status": 3}]}
    facts = release_facts(odd)
    assert facts["bids"] == [{"status": "valid", "value": {"amount": 1}, "tenderers": None}]
    assert facts["awards"] == [{"suppliers": [], "codes": []}]


def test_indicators_over_facts_equal_those_over_mexico_city_compiled_releases():
    folder = MEXICO_CITY_OCDS
    compiled = [orjson.loads(p.read_bytes()) for p in sorted(folder.glob("compiled-release-*"))]
    settings = Settings.from_ini(DEFAULT_SETTINGS)
    from procurement.indicators import indicators_compute_facts

    over_facts = indicators_compute_facts((release_facts(r) for r in compiled), settings)
    assert over_facts == indicators_compute((with_org_ids(r) for r in compiled), settings)


@pytest.mark.django_db
def test_a_problem_after_the_first_written_batch_rolls_the_whole_file_back():
    from procurement.actions import STREAM_BATCH

    data = releases(STREAM_BATCH + 5)
    lines = [orjson.dumps(r) for r in data] + [b'{"ocid": 5}']
    result = ocds_file_import(name="late.jsonl", content=b"\n".join(lines))
    assert not result.ok and result.problems[0].startswith(f"line {len(lines)}")
    assert result.releases_new == 0
    assert not Process.objects.exists()
    good = ocds_file_import(name="good.jsonl", content=b"\n".join(lines[:-1]))
    assert good.ok and good.releases_new == Process.objects.count() == STREAM_BATCH + 5


@pytest.mark.django_db
def test_a_compiled_release_beside_its_own_releases_is_not_kept_as_published():
    folder = MEXICO_CITY_OCDS
    package = orjson.loads((folder / "release-package-1.json").read_bytes())
    compiled = orjson.loads((folder / "compiled-release-1.json").read_bytes())
    compiled = {**compiled, "tag": ["compiled"], "title": "publicado"}
    # Each release in a package of its own without ``version`` (1.0, as the data).
    lines = [orjson.dumps(compiled)] + [
        orjson.dumps({**package, "releases": [r]}) for r in package["releases"]
    ]
    result = ocds_file_import(name="mixed.jsonl", content=b"\n".join(lines))
    assert result.ok and result.releases_new == 2 and result.processes_changed == 1
    process = Process.objects.get()
    assert not process.published_compiled
    assert process.data == orjson.loads((folder / "compiled-release-1.json").read_bytes())


@pytest.mark.django_db
def test_a_kept_compiled_release_beside_its_new_releases_gives_way_to_the_merge():
    folder = MEXICO_CITY_OCDS
    package = orjson.loads((folder / "release-package-1.json").read_bytes())
    compiled = orjson.loads((folder / "compiled-release-1.json").read_bytes())
    compiled = orjson.dumps({**compiled, "tag": ["compiled"], "title": "publicado"})
    assert ocds_file_import(name="published.jsonl", content=compiled).releases_new == 1
    lines = [compiled] + [orjson.dumps({**package, "releases": [r]}) for r in package["releases"]]
    result = ocds_file_import(name="mixed.jsonl", content=b"\n".join(lines))
    assert (result.releases_new, result.releases_unchanged, result.processes_changed) == (2, 0, 1)
    process = Process.objects.get()
    assert not process.published_compiled
    assert process.data == orjson.loads((folder / "compiled-release-1.json").read_bytes())
