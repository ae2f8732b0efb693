"""The sanctions registry: investigators record sanctions for their entities, with an audit row."""

import datetime as dt

import pytest
from django.urls import reverse

from cases import actions
from cases.models import IndividualSanction, ServantSanction
from lacs.audit import audit_verify
from lacs.models import AuditEvent, Role
from tests.cases.factories import open_case
from tests.conftest import make_user, sign_in

pytestmark = pytest.mark.django_db

SERVANT = {
    "given_names": "Rosa",
    "first_surname": "Pérez",
    "position": "Jefa de compras",
    "fault": "VPC",
    "kinds": ["I", "M"],
    "facts": "Adjudicó sin concurso.",
    "file_number": "OIC/001/2025",
    "fine_amount": "15000.00",
    "resolved_on": dt.date(2025, 3, 1),
}


def test_investigator_records_a_servant_sanction_with_an_audit_row(entity):
    investigator = make_user(Role.INVESTIGATOR, entity)
    sanction = actions.servant_sanction_record(actor=investigator, entity=entity, **SERVANT)
    assert sanction.recorded_by == investigator and sanction.case is None
    event = AuditEvent.objects.get(action="sanction.servant_record")
    assert event.data["kinds"] == ["I", "M"]
    assert audit_verify().ok


def test_sanction_for_another_entity_is_refused_and_nothing_changes(entity, other_entity):
    investigator = make_user(Role.INVESTIGATOR, entity)
    with pytest.raises(actions.CaseError):
        actions.servant_sanction_record(actor=investigator, entity=other_entity, **SERVANT)
    assert not ServantSanction.objects.exists()
    assert not AuditEvent.objects.filter(action__startswith="sanction.").exists()


def test_a_case_the_investigator_cannot_see_is_not_linked(entity):
    investigator = make_user(Role.INVESTIGATOR, entity)
    case, _key = open_case(entity)  # routed to the contact point, not to the investigator
    with pytest.raises(actions.CaseError):
        actions.individual_sanction_record(
            actor=investigator,
            entity=entity,
            case_number=case.number,
            name="Constructora Azteca",
            person_kind="M",
            kinds=["I"],
            facts="Documentos falsos.",
        )
    assert not IndividualSanction.objects.exists()


def test_a_case_the_investigator_works_is_linked(entity):
    from cases.access import access_grant

    investigator = make_user(Role.INVESTIGATOR, entity)
    case, _key = open_case(entity)
    access_grant(case=case, users=[investigator])
    sanction = actions.individual_sanction_record(
        actor=investigator,
        entity=entity,
        case_number=case.number,
        name="Constructora Azteca",
        person_kind="M",
        kinds=["I"],
        facts="Documentos falsos.",
    )
    assert sanction.case == case


def test_a_sanction_needs_a_kind(entity):
    investigator = make_user(Role.INVESTIGATOR, entity)
    with pytest.raises(actions.CaseError):
        actions.servant_sanction_record(
            actor=investigator, entity=entity, **{**SERVANT, "kinds": []}
        )
    assert not ServantSanction.objects.exists()


def test_sanction_pages_record_and_list(client, entity):
    investigator = make_user(Role.INVESTIGATOR, entity)
    sign_in(client, investigator)
    response = client.post(
        reverse("cases:sanction_servant_new"),
        {
            "entity": entity.pk,
            "given_names": "Rosa",
            "first_surname": "Pérez",
            "position": "Jefa de compras",
            "fault": "VPC",
            "kinds": ["I", "M"],
            "facts": "Adjudicó sin concurso.",
            "fine_currency": "MXN",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    response = client.post(
        reverse("cases:sanction_individual_new"),
        {
            "entity": entity.pk,
            "name": "Constructora Azteca",
            "person_kind": "M",
            "kinds": ["I"],
            "facts": "Documentos falsos.",
            "fine_currency": "MXN",
        },
    )
    assert response.status_code == 302
    page = client.get(reverse("cases:sanctions")).content.decode()
    assert "Rosa Pérez" in page and "Constructora Azteca" in page


def test_the_form_offers_only_the_investigators_entities(client, entity, other_entity):
    investigator = make_user(Role.INVESTIGATOR, entity)
    sign_in(client, investigator)
    response = client.post(
        reverse("cases:sanction_servant_new"),
        {**{k: v for k, v in SERVANT.items() if k != "resolved_on"}, "entity": other_entity.pk},
    )
    assert response.status_code == 200
    assert not ServantSanction.objects.exists()


def test_demo_sanctions_are_seeded_once(entity):
    from cases.demo import _record_demo_sanctions

    investigator = make_user(Role.INVESTIGATOR, entity)
    _record_demo_sanctions(investigator)
    _record_demo_sanctions(investigator)
    assert ServantSanction.objects.count() == IndividualSanction.objects.count() == 1


def test_the_inbox_leads_investigators_to_the_register(client, entity):
    sign_in(client, make_user(Role.INVESTIGATOR, entity))
    assert reverse("cases:sanctions") in client.get(reverse("cases:inbox")).content.decode()
    sign_in(client, make_user(Role.CONTACT, entity))
    assert reverse("cases:sanctions") not in client.get(reverse("cases:inbox")).content.decode()
