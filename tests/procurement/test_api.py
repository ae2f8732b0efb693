"""The procurement API: import through the task, read flags, export a release package."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from rest_framework.test import APIClient

from lacs.models import Role
from procurement.actions import ocds_file_import, red_flags_compute
from procurement.models import ImportBatch
from tests.conftest import make_user
from tests.fixtures import MEXICO_CITY_OCDS as MX

pytestmark = pytest.mark.django_db


@pytest.fixture
def api():
    client = APIClient()
    client.force_authenticate(make_user(Role.ANALYST))
    return client


def test_import_through_the_api_and_follow_it(api, django_capture_on_commit_callbacks):
    upload = SimpleUploadedFile("rp2.json", (MX / "release-package-2.json").read_bytes())
    with django_capture_on_commit_callbacks(execute=True):
        response = api.post("/api/v1/procurement/imports/", {"files": [upload]}, format="multipart")
    assert response.status_code == 202
    status = api.get(f"/api/v1/procurement/imports/{response.json()['id']}/").json()
    assert status["status"] == "done" and status["releases_new"] == 2


def test_import_without_files_is_refused_and_creates_nothing(api):
    response = api.post("/api/v1/procurement/imports/", {}, format="multipart")
    assert response.status_code == 400
    assert not ImportBatch.objects.exists()


def test_flags_and_release_package_export(api):
    ocds_file_import(name="rp1.json", content=(MX / "release-package-1.json").read_bytes())
    red_flags_compute(actor=None, settings_text="[R003]\n")
    flags = api.get("/api/v1/procurement/flags/", {"code": "R003"}).json()
    assert flags["results"][0]["code"] == "R003"
    assert flags["results"][0]["ocid"] == "OCDS-87SD3T-AD-SF-DRM-063-2015"
    package = api.get("/api/v1/procurement/ocds/release-package/").json()
    assert package["version"] == "1.1"
    assert package["releases"][0]["tag"] == ["compiled"]
    assert "links" not in package  # one page only
    assert (
        api.get("/api/v1/procurement/ocds/release-package/", {"page_size": 500}).status_code == 400
    )


def test_flag_list_query_count_does_not_grow(api, django_assert_max_num_queries):
    from procurement.models import FlagRun, RedFlag
    from tests.procurement.factories import ProcessFactory

    run = FlagRun.objects.create()
    for _ in range(30):
        RedFlag.objects.create(
            run=run, group="OCID", key="k", code="R018", value=1, process=ProcessFactory()
        )
    with django_assert_max_num_queries(8):
        assert len(api.get("/api/v1/procurement/flags/").json()["results"]) == 30
