"""The faster paths give the same results: the indicators over imported data equal the
indicators over the compiled releases themselves, whether a process's indicator document was
written at import or is derived in SQL, and the COPY of pre-serialised documents stores them
as they are."""

from __future__ import annotations

import importlib.util
import random
from pathlib import Path

import orjson
import pytest

from procurement import ocds
from procurement.actions import DEFAULT_SETTINGS, ocds_file_import, red_flags_compute
from procurement.indicators import Settings, indicators_compute, release_facts, with_org_ids
from procurement.models import Process

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
