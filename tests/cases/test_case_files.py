"""Handlers attach files to the case file: cleaned like a whistle-blower's, sealed internally."""

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from PIL import Image

from cases import actions
from cases.models import CaseFile
from lacs.models import AuditEvent, Role
from tests.cases.factories import open_case
from tests.conftest import make_user, sign_in

pytestmark = pytest.mark.django_db


def _jpeg_with_exif() -> bytes:
    image = Image.new("RGB", (8, 8), "red")
    exif = Image.Exif()
    exif[0x010F] = "CameraMakerCanary"
    out = io.BytesIO()
    image.save(out, format="JPEG", exif=exif)
    return out.getvalue()


def test_a_handler_attaches_a_cleaned_sealed_file_to_the_case(entity, client, other_entity):
    contact = make_user(Role.CONTACT, entity)
    case, _key = open_case(entity)
    actions.case_route(case_id=case.pk)
    sign_in(client, contact)
    photo = _jpeg_with_exif()
    assert b"CameraMakerCanary" in photo
    client.post(
        reverse("cases:files_add", args=[case.pk]),
        {"files": [SimpleUploadedFile("foto.jpg", photo), SimpleUploadedFile("n.txt", b"acta 9")]},
    )
    rows = list(CaseFile.objects.filter(case=case))
    assert len(rows) == 2
    assert all(b"acta 9" not in bytes(r.content) for r in rows)
    assert AuditEvent.objects.get(action="case.files_add").actor == contact
    page = client.get(reverse("cases:detail", args=[case.pk])).content.decode()
    assert "foto.jpg" in page and "n.txt" in page
    download = client.get(reverse("cases:file_download", args=[case.pk, rows[0].pk]))
    assert download.status_code == 200 and download.content.startswith(b"\xff\xd8")
    assert b"CameraMakerCanary" not in download.content
    text = client.get(reverse("cases:file_download", args=[case.pk, rows[1].pk]))
    assert text.content == b"acta 9"

    sign_in(client, make_user(Role.CONTACT, other_entity))
    assert client.get(reverse("cases:file_download", args=[case.pk, rows[1].pk])).status_code == 404


def test_a_refused_file_adds_nothing(entity, client):
    contact = make_user(Role.CONTACT, entity)
    case, _key = open_case(entity)
    actions.case_route(case_id=case.pk)
    sign_in(client, contact)
    client.post(
        reverse("cases:files_add", args=[case.pk]),
        {
            "files": [
                SimpleUploadedFile("ok.txt", b"bien"),
                SimpleUploadedFile("x.bin", b"\x00\x01"),
            ]
        },
    )
    assert not CaseFile.objects.exists()
    assert not AuditEvent.objects.filter(action="case.files_add").exists()
