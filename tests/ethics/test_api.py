import pytest
from django.urls import reverse

from ethics.models import Declaration, DeclarationStatus, Gift
from lacs.models import Role
from tests.conftest import make_user, sign_in
from tests.ethics.factories import DeclarationFactory, sample_interest

pytestmark = pytest.mark.django_db


def _json(client, method, url, data=None):
    return getattr(client, method)(url, data or {}, content_type="application/json")


def test_servant_files_a_declaration_through_the_api(client, servant, appointment):
    sign_in(client, servant)
    started = _json(
        client,
        "post",
        reverse("api-ethics-declaration-start"),
        {"appointment": appointment.pk, "kind": "ACTUALIZACION"},
    )
    assert started.status_code == 201
    pk = started.json()["id"]
    url = reverse("api-ethics-declaration-interest", args=[pk])
    assert _json(client, "put", url, {"interest": sample_interest()}).status_code == 200
    filed = _json(client, "post", reverse("api-ethics-declaration-file", args=[pk]))
    assert filed.status_code == 200 and filed.json()["status"] == "filed"


def test_invalid_declaration_answers_400_with_paths_and_stays_a_draft(client, servant, appointment):
    sign_in(client, servant)
    pk = _json(
        client,
        "post",
        reverse("api-ethics-declaration-start"),
        {"appointment": appointment.pk, "kind": "ACTUALIZACION"},
    ).json()["id"]
    bad = sample_interest()
    bad["participacion"]["participacion"][0]["rfc"] = "BAD"
    _json(client, "put", reverse("api-ethics-declaration-interest", args=[pk]), {"interest": bad})
    response = _json(client, "post", reverse("api-ethics-declaration-file", args=[pk]))
    assert response.status_code == 400
    body = response.json()
    assert body["errors"]["interest"][0]["path"] == "participacion.participacion.0.rfc"
    assert Declaration.objects.get(pk=pk).status == DeclarationStatus.DRAFT


def test_unknown_fields_and_other_peoples_drafts_are_refused(client, servant, appointment, entity):
    sign_in(client, servant)
    response = _json(
        client,
        "post",
        reverse("api-ethics-declaration-start"),
        {"appointment": appointment.pk, "kind": "ACTUALIZACION", "extra": 1},
    )
    assert response.status_code == 400
    assert Declaration.objects.count() == 0
    other = DeclarationFactory(status=DeclarationStatus.DRAFT, filed_at=None)
    url = reverse("api-ethics-declaration-interest", args=[other.pk])
    assert _json(client, "put", url, {"interest": {}}).status_code == 404
    other.refresh_from_db()
    assert other.interest == sample_interest()


def test_public_declaration_api_has_no_private_fields(client):
    declaration = DeclarationFactory()
    body = client.get(reverse("api-ethics-declaration-public", args=[declaration.pk])).content
    assert b"Constructora Azteca" in body
    for private in (b"Pinturas Secretas", b"Juana Privada", b"PEPJ800101AB1"):
        assert private not in body


def test_gift_api_records_and_the_public_list_hides_private_fields(client, servant):
    sign_in(client, servant)
    data = {
        "kind": "gift",
        "giver_kind": "FISICA",
        "giver_name": "Rodolfo Particular",
        "giver_rfc": "PAGR800101AB1",
        "value": "5000.00",
        "offered_on": "2026-01-05",
        "occasion": "Fin de año",
        "decision": "accepted",
        "notes": "Nota privada",
    }
    response = _json(client, "post", reverse("api-ethics-gifts"), data)
    assert response.status_code == 201 and response.json()["over_threshold"] is True
    bad = _json(client, "post", reverse("api-ethics-gifts"), {**data, "value": "-1"})
    assert bad.status_code == 400 and Gift.objects.count() == 1
    public = client.get(reverse("api-ethics-gifts-public")).content
    for private in (b"Rodolfo", b"PAGR800101AB1", b"Nota privada", servant.username.encode()):
        assert private not in public


def test_reviewer_reads_full_declarations_of_their_entity_only(client, entity, other_entity):
    declaration = DeclarationFactory()
    investigator = make_user(Role.INVESTIGATOR, declaration.entity)
    sign_in(client, investigator)
    url = reverse("api-ethics-declaration", args=[declaration.pk])
    assert b"Pinturas Secretas" in client.get(url).content
    sign_in(client, make_user(Role.INVESTIGATOR, other_entity))
    assert client.get(url).status_code == 404
