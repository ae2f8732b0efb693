"""OCDS import: validation, merge, idempotence, per-file failure, the command and the task."""

from __future__ import annotations

import io
import json

import orjson
import pytest
from django.core.management import CommandError, call_command
from django.utils import translation

from lacs.models import AuditEvent
from procurement import ocds
from procurement.actions import ocds_batch_create, ocds_batch_run, ocds_file_import
from procurement.models import Buyer, ImportBatch, ImportStatus, Process, Release
from tests.fixtures import MEXICO_CITY_OCDS as MX
from tests.procurement.factories import batch_finished


def mx(name: str) -> bytes:
    return (MX / name).read_bytes()


@pytest.mark.parametrize("number", ["1", "2"])
def test_merge_of_mexico_city_packages_equals_their_compiled_releases(number):
    parsed = ocds.parse_file(mx(f"release-package-{number}.json"))
    assert not parsed.problems
    expected = json.loads(mx(f"compiled-release-{number}.json"))
    # A package without ``version`` is OCDS 1.0, whose rules ocdskit compiled these with.
    assert {parsed.version_of(r) for r in parsed.releases} == {"1.0"}
    assert ocds.compile_releases(parsed.releases, "1.0") == expected


@pytest.mark.django_db
def test_import_stores_compiled_release_and_query_columns():
    result = ocds_file_import(name="rp1.json", content=mx("release-package-1.json"))
    assert result.ok and result.releases_new == 2 and result.processes_changed == 1
    process = Process.objects.get()
    assert process.data == json.loads(mx("compiled-release-1.json"))
    assert process.method == "selective"
    assert process.buyer.key == "GDF9712054NA"
    assert process.buyer.name == "SECRETARÍA DE FINANZAS"
    assert process.currency == "MXN" and process.awarded_amount is not None
    assert process.year == 2015
    assert "ARTICULO 54" in process.method_rationale
    assert process.supplier_keys
    assert AuditEvent.objects.filter(action="procurement.import_file").count() == 1


@pytest.mark.django_db
def test_reimporting_the_same_data_changes_nothing():
    ocds_file_import(name="rp1.json", content=mx("release-package-1.json"))
    before = list(Process.objects.values_list("pk", "digest", "data"))
    releases = list(Release.objects.values_list("pk", "digest"))
    again = ocds_file_import(name="rp1.json", content=mx("release-package-1.json"))
    assert again.releases_new == 0 and again.releases_unchanged == 2
    assert again.processes_changed == 0
    assert list(Process.objects.values_list("pk", "digest", "data")) == before
    assert list(Release.objects.values_list("pk", "digest")) == releases


@pytest.mark.django_db
def test_a_later_release_updates_the_compiled_release():
    package = json.loads(mx("release-package-1.json"))
    first, second = package["releases"]
    ocds_file_import(name="a.json", content=orjson.dumps({**package, "releases": [first]}))
    assert Process.objects.get().digest
    ocds_file_import(name="b.json", content=orjson.dumps({**package, "releases": [second]}))
    assert Process.objects.get().data == json.loads(mx("compiled-release-1.json"))
    assert set(Release.objects.values_list("ocds_version", flat=True)) == {"1.0"}


@pytest.mark.django_db
def test_a_release_tagged_compiled_inside_a_release_package_is_merged_like_any_release():
    result = ocds_file_import(name="c.json", content=mx("release-package_1.1-1.json"))
    assert result.ok and result.releases_new == 1
    process = Process.objects.get()
    assert not process.published_compiled and process.ocid == "ocds-03ad3f-193399"
    (release,) = json.loads(mx("release-package_1.1-1.json"))["releases"]
    assert process.data == ocds.compile_releases([release], "1.1")


@pytest.mark.django_db
def test_a_compiled_release_on_its_own_line_is_kept_as_published():
    (release,) = json.loads(mx("release-package_1.1-1.json"))["releases"]
    content = orjson.dumps(release) + b"\n" + _line()
    result = ocds_file_import(name="c.jsonl", content=content)
    assert result.ok
    process = Process.objects.get(ocid="ocds-03ad3f-193399")
    assert process.published_compiled and process.data == release


@pytest.mark.django_db
def test_wrong_encoding_is_rejected_with_a_clear_reason():
    result = ocds_file_import(
        name="latin1.json", content=mx("release-package_encoding-iso-8859-1.json")
    )
    assert not result.ok
    assert "UTF-8" in result.problems[0]
    assert not Process.objects.exists() and not Release.objects.exists()


def _line(**changes) -> bytes:
    release = {
        "ocid": "ocds-x-1",
        "id": "1",
        "date": "2020-01-01T00:00:00Z",
        "tag": ["tender"],
        "initiationType": "tender",
        "tender": {"id": "t1", "value": {"amount": 10, "currency": "MXN"}},
    }
    release.update(changes)
    return orjson.dumps(release)


@pytest.mark.django_db
def test_bad_lines_are_reported_by_line_and_nothing_of_the_file_is_imported():
    content = b"\n".join(
        [
            _line(),
            b"{not json",
            _line(ocid=None, id="2"),
            _line(id="3", tender={"id": "t", "value": {"amount": 1, "currency": "ZZZ"}}),
            _line(id="4", date=5),
        ]
    )
    with translation.override("es-mx"):
        result = ocds_file_import(name="bad.jsonl", content=content)
    problems = "\n".join(result.problems)
    assert "line 2: JSON no válido" in problems
    assert "line 3: falta el «ocid»" in problems
    assert "line 4: esquema OCDS 1.1: tender/value/currency" in problems
    assert "line 5: esquema OCDS 1.1: date" in problems
    assert "line 1" not in problems
    assert not Release.objects.exists() and not Process.objects.exists()


@pytest.mark.django_db
def test_batch_imports_good_files_even_when_one_fails(django_user_model):
    from tests.conftest import make_user

    analyst = make_user("analyst")
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr("procurement.actions._batch_schedule", lambda batch_id: None)
        batch = ocds_batch_create(
            actor=analyst,
            files=[
                ("rp1.json", mx("release-package-1.json")),
                ("latin1.json", mx("release-package_encoding-iso-8859-1.json")),
                ("rp2.json", mx("release-package-2.json")),
            ],
        )
    assert ocds_batch_run(batch_id=batch.pk) is True
    assert ocds_batch_run(batch_id=batch.pk) is False  # claimed once only
    batch.refresh_from_db()
    assert batch.status == ImportStatus.FAILED
    assert batch.files_done == 3 and batch.percent == 100
    assert [p["file"] for p in batch.problems] == ["latin1.json"]
    assert Process.objects.count() == 2
    assert AuditEvent.objects.filter(action="procurement.import_queue").count() == 1


@pytest.mark.django_db
def test_import_command_reports_problems_and_imports_the_rest(tmp_path):
    good = tmp_path / "rp2.json"
    good.write_bytes(mx("release-package-2.json"))
    bad = tmp_path / "bad.jsonl"
    bad.write_bytes(b"{oops\n")
    out, err = io.StringIO(), io.StringIO()
    with pytest.raises(CommandError):
        call_command("ocds_import", str(good), str(bad), stdout=out, stderr=err)
    assert "rp2.json: 2 nuevas" in out.getvalue()
    assert "bad.jsonl: line 1: JSON no válido" in err.getvalue()
    assert Process.objects.count() == 1


@pytest.mark.django_db
def test_buyers_are_created_unmapped_for_admins_to_match():
    ocds_file_import(name="rp1.json", content=mx("release-package-1.json"))
    buyer = Buyer.objects.get(key="GDF9712054NA")
    assert buyer.entity is None


@pytest.mark.django_db
def test_record_package_imports_its_releases():
    package = json.loads(mx("release-package-2.json"))
    record = {
        "ocid": package["releases"][0]["ocid"],
        "releases": package["releases"],
        "compiledRelease": json.loads(mx("compiled-release-2.json")),
    }
    content = orjson.dumps(
        {"uri": "x", "publishedDate": "2020-01-01T00:00:00Z", "records": [record]}
    )
    result = ocds_file_import(name="record.json", content=content)
    assert result.ok and result.releases_new == 2
    assert Process.objects.get().data == json.loads(mx("compiled-release-2.json"))


@pytest.mark.django_db
def test_batch_task_claims_idempotently():
    batch = ImportBatch.objects.create(status=ImportStatus.DONE)
    assert ocds_batch_run(batch_id=batch.pk) is False


@pytest.mark.services
def test_import_runs_in_a_real_worker(celery_worker_process):
    from django.db import transaction

    from tests.conftest import make_user

    analyst = make_user("analyst")
    with transaction.atomic():
        batch = ocds_batch_create(actor=analyst, files=[("rp2.json", mx("release-package-2.json"))])
    assert batch_finished(batch, 60).status == ImportStatus.DONE
    assert Process.objects.filter(ocid="OCDS-87SD3T-AD-SF-DRM-065-2015").exists()


@pytest.mark.django_db
def test_copy_falls_back_to_upsert_when_a_concurrent_import_got_there_first():
    from procurement.bulk import copy_or_upsert

    Release.objects.create(ocid="o", release_id="1", digest="old", data={"a": 1})
    row = Release(ocid="o", release_id="1", digest="new", data={"a": 'tab\there \\ "q"'})
    columns = ["ocid", "release_id", "digest", "data", "date"]
    copy_or_upsert(
        Release._meta.db_table,
        columns,
        [[getattr(row, c) for c in columns]],
        lambda: Release.objects.bulk_create(
            [row],
            update_conflicts=True,
            unique_fields=["ocid", "release_id"],
            update_fields=["digest", "data"],
        ),
    )
    stored = Release.objects.get()
    assert stored.digest == "new" and stored.data == {"a": 'tab\there \\ "q"'}


@pytest.mark.django_db
def test_copy_escapes_text_and_arrays():
    from procurement.bulk import copy_rows

    copy_rows(
        Release._meta.db_table,
        ["ocid", "release_id", "digest", "data", "date"],
        [["o\tx", 'r"1\\', "d", {"k": "línea\nnueva"}, ""]],
    )
    stored = Release.objects.get()
    assert (stored.ocid, stored.release_id) == ("o\tx", 'r"1\\')
    assert stored.data == {"k": "línea\nnueva"}


@pytest.mark.django_db
def test_sweep_runs_batches_left_pending_when_the_broker_was_down():
    import datetime as dt

    from procurement.models import ImportFile
    from procurement.tasks import ocds_import_sweep_task

    batch = ImportBatch.objects.create(total_bytes=10, files_total=1)
    ImportFile.objects.create(batch=batch, name="rp2.json", content=mx("release-package-2.json"))
    ImportBatch.objects.filter(pk=batch.pk).update(
        created_at=batch.created_at - dt.timedelta(minutes=5)
    )
    assert ocds_import_sweep_task() == 1
    batch.refresh_from_db()
    assert batch.status == ImportStatus.DONE and Process.objects.count() == 1


@pytest.mark.django_db
def test_red_flags_compute_command_stores_a_run(tmp_path):
    from procurement.models import FlagRun

    ocds_file_import(name="rp1.json", content=mx("release-package-1.json"))
    ini = tmp_path / "s.ini"
    ini.write_text("[R003]\n")
    out = io.StringIO()
    call_command("red_flags", "compute", "-s", str(ini), stdout=out)
    assert out.getvalue().strip() == "1 flags"
    assert FlagRun.objects.get().result == {
        "OCID": {"OCDS-87SD3T-AD-SF-DRM-063-2015": {"R003": 1.0}}
    }
    assert AuditEvent.objects.filter(action="procurement.red_flags_compute").count() == 1


@pytest.mark.django_db
def test_a_json_array_of_releases_imports_and_an_empty_record_is_reported():
    releases = json.loads(mx("release-package-2.json"))["releases"]
    assert ocds_file_import(name="array.json", content=orjson.dumps(releases)).ok
    assert Process.objects.count() == 1
    empty = {"records": [{"ocid": "x", "releases": [{"url": "http://example.com/r.json"}]}]}
    result = ocds_file_import(name="linked.json", content=orjson.dumps(empty))
    assert not result.ok and "records[0]" in result.problems[0]


@pytest.mark.django_db
def test_new_buyers_named_like_an_entity_are_matched_to_it():
    from tests.factories import EntityFactory

    entity = EntityFactory(name="Secretaría de Finanzas")
    ocds_file_import(name="rp1.json", content=mx("release-package-1.json"))
    assert Buyer.objects.get(key="GDF9712054NA").entity == entity


@pytest.mark.django_db
def test_a_batch_abandoned_by_a_dead_worker_is_resumed_without_redoing_files():
    import datetime as dt

    from django.utils import timezone

    from procurement.models import ImportFile

    batch = ImportBatch.objects.create(
        status=ImportStatus.RUNNING,
        claimed_at=timezone.now() - dt.timedelta(hours=2),
        files_total=2,
        files_done=1,
    )
    ImportFile.objects.create(batch=batch, name="done.json", content=b"", imported=True)
    ImportFile.objects.create(batch=batch, name="rp2.json", content=mx("release-package-2.json"))
    fresh = ImportBatch.objects.create(status=ImportStatus.RUNNING, claimed_at=timezone.now())
    assert ocds_batch_run(batch_id=fresh.pk) is False  # its worker is still at it
    assert ocds_batch_run(batch_id=batch.pk) is True
    batch.refresh_from_db()
    assert batch.status == ImportStatus.DONE and batch.files_done == 2
    assert Process.objects.count() == 1


@pytest.mark.django_db
def test_a_file_that_breaks_the_importer_is_reported_and_the_batch_finishes(monkeypatch):
    from procurement.models import ImportFile

    batch = ImportBatch.objects.create(files_total=1)
    ImportFile.objects.create(batch=batch, name="rp2.json", content=mx("release-package-2.json"))

    def broken(**kwargs):
        raise KeyError("boom")

    monkeypatch.setattr("procurement.actions.ocds_file_import", broken)
    assert ocds_batch_run(batch_id=batch.pk) is True
    batch.refresh_from_db()
    assert batch.status == ImportStatus.FAILED
    assert "KeyError" in batch.problems[0]["problem"]


@pytest.mark.django_db
def test_overlong_ids_are_reported_and_absurd_amounts_kept_out_of_the_columns():
    result = ocds_file_import(name="long.jsonl", content=_line(ocid="o" * 201))
    assert not result.ok and "200" in result.problems[0]
    huge = _line(tender={"id": "t", "value": {"amount": 1e30, "currency": "MXN"}})
    assert ocds_file_import(name="huge.jsonl", content=huge).ok
    assert Process.objects.get().tender_amount is None


def test_parsing_never_crashes_on_arbitrary_input():
    from hypothesis import given, settings
    from hypothesis import strategies as st

    json_values = st.recursive(
        st.none() | st.booleans() | st.integers(-(2**63), 2**63 - 1) | st.text(max_size=4),
        lambda inner: (
            st.lists(inner, max_size=3)
            | st.dictionaries(
                st.sampled_from(
                    ["ocid", "id", "releases", "records", "tag", "compiledRelease", "date"]
                ),
                inner,
                max_size=4,
            )
        ),
        max_leaves=10,
    )

    @settings(max_examples=200, deadline=None)
    @given(st.one_of(st.binary(max_size=200), json_values.map(orjson.dumps)))
    def check(content):
        parsed = ocds.parse_file(content)
        assert all(isinstance(str(p), str) for p in parsed.problems)

    check()


@pytest.mark.django_db
def test_nul_characters_are_reported_not_crashing_the_import():
    content = _line() + b"\n" + _line(id="2", tender={"id": "t\\u0000", "title": "x"})
    content = content.replace(b"t\\\\u0000", b"t\\u0000")
    result = ocds_file_import(name="nul.jsonl", content=content)
    assert not result.ok and result.problems[0].startswith("line 2")


@pytest.mark.django_db
def test_json_lines_with_blank_lines_crlf_and_indentation_keep_their_line_numbers():
    content = b"\r\n".join(
        [
            _line(),
            b"",
            b"   ",
            b"  " + _line(id="2"),
            b"\t" + _line(id="3", date=5),
            _line(id="4"),
        ]
    )
    with translation.override("es-mx"):
        result = ocds_file_import(name="crlf.jsonl", content=content)
    assert result.problems == ['line 5: esquema OCDS 1.1: date: 5 is not of type "string"']
    fixed = content.replace(b'"date":5', b'"date":"2020-02-01T00:00:00Z"')
    result = ocds_file_import(name="crlf.jsonl", content=fixed + b"\r\n\r\n")
    assert result.ok and result.releases_new == 4 and result.processes_changed == 1


@pytest.mark.django_db
def test_a_document_on_one_line_is_not_taken_for_json_lines():
    package = orjson.loads(mx("release-package-2.json"))
    result = ocds_file_import(name="rp2.json", content=orjson.dumps(package) + b"\n\n")
    assert result.ok and result.releases_new == len(package["releases"])
    broken = ocds_file_import(name="rp2.json", content=orjson.dumps(package)[:-1] + b"\n")
    assert not broken.ok and len(broken.problems) == 1 and "JSON" in broken.problems[0]
