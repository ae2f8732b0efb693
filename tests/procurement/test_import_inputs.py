"""What publishers actually send: files that break the schema in small ways (strict or lenient
import), JSON Lines of records (accepted) and versioned releases (refused, saying what to send)."""

from __future__ import annotations

import io

import orjson
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.urls import reverse
from django.utils import translation
from rest_framework.test import APIClient

from lacs.models import Role
from procurement.actions import ocds_file_import
from procurement.models import ImportBatch, Process, Release
from tests.conftest import make_user, sign_in

pytestmark = pytest.mark.django_db


def release(number: int = 1, **changes) -> dict:
    data = {
        "ocid": "ocds-x-1",
        "id": str(number),
        "date": f"2020-01-0{number}T00:00:00Z",
        "tag": ["tender"],
        "initiationType": "tender",
        "tender": {"id": "t1", "title": f"Compra {number}"},
    }
    data.update(changes)
    return data


def lines(*documents) -> bytes:
    return b"\n".join(orjson.dumps(d) for d in documents)


BROKEN = release(2, tender={"id": "t1", "submissionMethod": [None]})


def test_strict_refuses_a_file_with_a_release_outside_the_schema():
    result = ocds_file_import(name="a.jsonl", content=lines(release(1), BROKEN))
    assert not result.ok and "submissionMethod" in result.problems[0]
    assert not Release.objects.exists() and not Process.objects.exists()


def test_lenient_imports_the_file_and_keeps_each_violation_as_a_warning_per_release():
    result = ocds_file_import(name="a.jsonl", content=lines(release(1), BROKEN), lenient=True)
    assert result.ok and result.releases_new == 2
    (warning,) = result.warnings
    assert warning.startswith("line 2 (ocds-x-1 / 2): esquema OCDS 1.1: tender/submissionMethod")
    assert Process.objects.get().data["tender"]["submissionMethod"] == [None]


def test_lenient_still_refuses_what_cannot_be_imported():
    content = lines(release(1), release(2, ocid=None))
    result = ocds_file_import(name="a.jsonl", content=content, lenient=True)
    assert not result.ok and not Release.objects.exists()


@pytest.fixture
def analyst_client(client):
    sign_in(client, make_user(Role.ANALYST))
    return client


def test_the_import_page_offers_the_choice_and_shows_the_warnings(
    analyst_client, django_capture_on_commit_callbacks
):
    page = analyst_client.get(reverse("procurement:imports"))
    assert b'value="strict"' in page.content and b'value="lenient"' in page.content
    upload = SimpleUploadedFile("a.jsonl", lines(release(1), BROKEN))
    with django_capture_on_commit_callbacks(execute=True):
        response = analyst_client.post(
            reverse("procurement:imports"), {"files": [upload], "mode": "lenient"}
        )
    batch = ImportBatch.objects.get()
    assert batch.lenient and batch.status == "done"
    assert batch.warnings == [
        {"file": "a.jsonl", "problem": batch.warnings[0]["problem"]},
    ]
    with translation.override("es-mx"):
        detail = analyst_client.get(response["Location"]).content.decode()
    assert "Avisos" in detail and "ocds-x-1 / 2" in detail and "1 aviso" in detail


def test_the_import_page_is_strict_unless_told_otherwise(
    analyst_client, django_capture_on_commit_callbacks
):
    upload = SimpleUploadedFile("a.jsonl", lines(release(1), BROKEN))
    with django_capture_on_commit_callbacks(execute=True):
        analyst_client.post(reverse("procurement:imports"), {"files": [upload], "mode": "strict"})
    batch = ImportBatch.objects.get()
    assert not batch.lenient and batch.status == "failed" and not batch.warnings


def test_the_api_and_the_command_take_lenient(django_capture_on_commit_callbacks, tmp_path):
    api = APIClient()
    api.force_authenticate(make_user(Role.ANALYST))
    upload = SimpleUploadedFile("a.jsonl", lines(release(1), BROKEN))
    with django_capture_on_commit_callbacks(execute=True):
        response = api.post(
            "/api/v1/procurement/imports/",
            {"files": [upload], "lenient": "true"},
            format="multipart",
        )
    assert response.status_code == 202
    status = api.get(f"/api/v1/procurement/imports/{response.json()['id']}/").json()
    assert status["lenient"] is True and status["status"] == "done" and len(status["warnings"]) == 1
    path = tmp_path / "b.jsonl"
    path.write_bytes(lines(release(3, ocid="ocds-x-2", tender={"submissionMethod": [None]})))
    err = io.StringIO()
    call_command("ocds_import", str(path), "--lenient", stdout=io.StringIO(), stderr=err)
    assert "aviso" in err.getvalue() and Process.objects.filter(ocid="ocds-x-2").exists()


def test_json_lines_of_records_are_accepted():
    first, second = release(1), release(2)
    record = {"ocid": "ocds-x-1", "releases": [first, second]}
    compiled_only = {
        "ocid": "ocds-x-2",
        "releases": [{"url": "https://example.org/r.json", "date": "2020-01-01T00:00:00Z"}],
        "compiledRelease": release(1, ocid="ocds-x-2", tag=["compiled"]),
    }
    result = ocds_file_import(name="records.jsonl", content=lines(record, compiled_only))
    assert result.ok, result.problems
    assert Release.objects.filter(ocid="ocds-x-1").count() == 2
    assert Process.objects.get(ocid="ocds-x-1").data["tender"]["title"] == "Compra 2"
    assert Process.objects.get(ocid="ocds-x-2").published_compiled


def versioned() -> dict:
    history = [{"releaseID": "1", "releaseDate": "2020-01-01T00:00:00Z", "value": "Compra"}]
    return {
        "ocid": "ocds-x-1",
        "initiationType": [
            {"releaseID": "1", "releaseDate": "2020-01-01T00:00:00Z", "value": "tender"}
        ],
        "tender": {"title": history},
    }


def test_json_lines_of_versioned_releases_are_refused_saying_what_to_send():
    with translation.override("es-mx"):
        result = ocds_file_import(name="v.jsonl", content=lines(versioned(), versioned()))
    assert not result.ok and len(result.problems) == 2
    assert result.problems[0].startswith("line 1: es una entrega versionada")
    assert "envíe las entregas de las que se formó" in result.problems[0]
    assert not Release.objects.exists()


def test_a_record_with_only_its_versioned_release_is_refused_saying_what_to_send():
    record = {"ocid": "ocds-x-1", "versionedRelease": versioned()}
    with translation.override("es-mx"):
        result = ocds_file_import(name="r.jsonl", content=lines(record, record))
    assert not result.ok
    assert "solo trae «versionedRelease»" in result.problems[0]
    assert "«compiledRelease»" in result.problems[0]
