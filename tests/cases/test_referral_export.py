"""Referral to the prosecutor or the court exports a signed, encrypted case file."""

import json

import pytest
from django.core.management import call_command
from django.urls import reverse

from cases import actions
from cases.access import case_data_key, case_notes_key
from cases.models import CaseExport, CaseStatus
from cases.referral import (
    PackageError,
    authority_dev_private_key,
    package_open,
    package_verify,
    signing_public_key,
)
from lacs import crypto, keys
from lacs.models import AuditEvent, Role
from tests.conftest import make_user, sign_in
from tests.factories import PASSWORD, CategoryFactory
from whistleblowing.actions import report_submit
from whistleblowing.files import CleanFile

pytestmark = pytest.mark.django_db


@pytest.fixture
def referred(entity):
    """A report with a file, routed, assessed and referred to the prosecutor."""
    contact = make_user(Role.CONTACT, entity)
    report, _receipt = report_submit(
        entity=entity,
        category=CategoryFactory(),
        answers=[{"label": "¿Dónde?", "value": "Ventanilla 3"}],
        description="El inspector pidió 5,000 pesos",
        files=[CleanFile("recibo.txt", "text/plain; charset=utf-8", b"recibo 777", False)],
    )
    case = report.case
    actions.case_route(case_id=case.pk)
    case.refresh_from_db()
    private = keys.user_private_key(user=contact, password=PASSWORD)
    data_key = case_data_key(case=case, user=contact, private_key=private)
    notes_key = case_notes_key(case=case, user=contact, private_key=private)
    for to in (CaseStatus.ACKNOWLEDGED, CaseStatus.ASSESSMENT):
        actions.case_transition(
            actor=contact, case=case, to=to, version=case.version, notes_key=notes_key
        )
    actions.case_note_add(actor=contact, case=case, notes_key=notes_key, text="Testigo: Luis")
    actions.case_refer(
        actor=contact,
        case=case,
        version=case.version,
        kind="prosecutor",
        summary="Probable cohecho",
        data_key=data_key,
        notes_key=notes_key,
    )
    return case, contact


def test_referral_to_the_prosecutor_makes_a_signed_package_only_the_prosecutor_opens(referred):
    case, contact = referred
    export = CaseExport.objects.get(case=case)
    package = bytes(export.package)
    assert b"inspector" not in package and b"recibo 777" not in package
    event = AuditEvent.objects.get(action="case.export")
    assert event.actor == contact and event.data["sha256"] == export.digest
    opened = package_open(
        package,
        private_key=authority_dev_private_key("prosecutor"),
        signer_key=signing_public_key(),
    )
    assert opened["case"]["number"] == case.number
    assert opened["report"]["description"] == "El inspector pidió 5,000 pesos"
    (attachment,) = opened["report"]["attachments"]
    assert crypto.b64d(attachment["data"]) == b"recibo 777"
    assert {"Testigo: Luis", "Probable cohecho"} <= {n["text"] for n in opened["notes"]}
    assert "case.refer" in {h["action"] for h in opened["history"]}
    assert all("T" not in h["day"] for h in opened["history"])  # days, never times


def test_an_altered_package_or_another_key_is_refused(referred):
    case, _contact = referred
    package = bytes(CaseExport.objects.get(case=case).package)
    data = json.loads(package)
    data["case"] = "CDMX-0000-000000"
    with pytest.raises(PackageError, match="altered"):
        package_verify(json.dumps(data).encode(), signer_key=signing_public_key())
    with pytest.raises(PackageError, match="does not open"):
        package_open(
            package,
            private_key=authority_dev_private_key("court"),
            signer_key=signing_public_key(),
        )
    _private, stranger = crypto.new_keypair()
    with pytest.raises(PackageError, match="another key"):
        package_verify(package, signer_key=stranger)


def test_the_handler_downloads_the_package_and_the_download_is_audited(
    referred, client, other_entity
):
    case, contact = referred
    export = CaseExport.objects.get(case=case)
    url = reverse("cases:export_download", args=[case.pk, export.pk])
    sign_in(client, make_user(Role.CONTACT, other_entity))
    assert client.get(url).status_code == 404
    assert not AuditEvent.objects.filter(action="case.export_download").exists()
    sign_in(client, contact)
    response = client.get(url)
    assert response.status_code == 200 and response.content == bytes(export.package)
    assert AuditEvent.objects.get(action="case.export_download").actor == contact
    api = client.get(reverse("api-case-export", args=[case.pk, export.pk]))
    assert api.status_code == 200 and api.content == bytes(export.package)


def test_the_receiving_side_opens_the_package_with_the_command(referred, tmp_path):
    case, _contact = referred
    package = tmp_path / "case.lacsref"
    package.write_bytes(bytes(CaseExport.objects.get(case=case).package))
    key = tmp_path / "prosecutor.key"
    key.write_text(crypto.b64e(authority_dev_private_key("prosecutor")))
    signer = crypto.b64e(signing_public_key())
    out = tmp_path / "opened"
    call_command("referral_open", str(package), signer=signer, key=str(key), out=str(out))
    opened = json.loads((out / "case.json").read_text())
    assert opened["case"]["number"] == case.number
    assert (out / "001-recibo.txt").read_bytes() == b"recibo 777"
