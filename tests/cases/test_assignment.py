"""Assignment: a contact point puts a named investigator of the entity in charge of a case."""

import pytest
from django.urls import reverse

from cases import actions
from cases.access import case_data_key, case_notes_key, cases_visible_to
from cases.models import Case, CaseRecipient, CaseStatus, RecipientState
from lacs import keys
from lacs.models import AuditEvent, Role
from tests.cases.factories import open_case
from tests.conftest import make_user, sign_in
from tests.factories import PASSWORD


@pytest.fixture
def contact(entity):
    return make_user(Role.CONTACT, entity)


@pytest.fixture
def routed(entity, contact):
    case, data_key = open_case(entity)
    actions.case_route(case_id=case.pk)
    case.refresh_from_db()
    return case, data_key


def _keys_of(user, case):
    private = keys.user_private_key(user=user, password=PASSWORD)
    return (
        case_data_key(case=case, user=user, private_key=private),
        case_notes_key(case=case, user=user, private_key=private),
    )


@pytest.mark.django_db
def test_assigned_investigator_gets_the_case_and_its_keys(entity, contact, routed, client):
    case, data_key = routed
    ana = make_user(Role.INVESTIGATOR, entity, username="ana")
    sign_in(client, contact)
    response = client.post(reverse("cases:assign", args=[case.pk]), {"assignee": ana.pk})
    assert response.status_code == 302
    case.refresh_from_db()
    assert case.assigned_to == ana
    assert list(cases_visible_to(ana)) == [case]
    assert _keys_of(ana, case)[0] == data_key
    row = CaseRecipient.objects.get(case=case, user=ana)
    assert row.state == RecipientState.ACTIVE and row.reason == "assigned"
    event = AuditEvent.objects.get(action="case.assign")
    assert event.actor == contact and event.data == {"from": None, "to": ana.pk, "key": "active"}


@pytest.mark.django_db
def test_reassigning_takes_the_case_from_the_previous_investigator(entity, contact, routed):
    case, data_key = routed
    ana = make_user(Role.INVESTIGATOR, entity, username="ana")
    beto = make_user(Role.INVESTIGATOR, entity, username="beto")
    keys_ = _keys_of(contact, case)
    actions.case_assign(
        actor=contact, case=case, assignee=ana, data_key=keys_[0], notes_key=keys_[1]
    )
    actions.case_assign(
        actor=contact, case=case, assignee=beto, data_key=keys_[0], notes_key=keys_[1]
    )
    assert Case.objects.get(pk=case.pk).assigned_to == beto
    assert not cases_visible_to(ana).exists()
    assert CaseRecipient.objects.get(case=case, user=ana).state == RecipientState.REVOKED
    assert _keys_of(beto, case)[0] == data_key
    assert list(cases_visible_to(contact)) == [case]  # the contact point keeps the case


@pytest.mark.django_db
def test_investigator_of_another_entity_cannot_be_assigned(
    entity, other_entity, contact, routed, client
):
    case, _ = routed
    outsider = make_user(Role.INVESTIGATOR, other_entity)
    sign_in(client, contact)
    client.post(reverse("cases:assign", args=[case.pk]), {"assignee": outsider.pk})
    assert Case.objects.get(pk=case.pk).assigned_to is None
    assert not cases_visible_to(outsider).exists()
    assert not AuditEvent.objects.filter(action="case.assign").exists()


@pytest.mark.django_db
def test_investigator_cannot_assign_even_holding_the_case(entity, contact, routed, client):
    case, _ = routed
    ana = make_user(Role.INVESTIGATOR, entity, username="ana")
    beto = make_user(Role.INVESTIGATOR, entity, username="beto")
    keys_ = _keys_of(contact, case)
    actions.case_assign(
        actor=contact, case=case, assignee=ana, data_key=keys_[0], notes_key=keys_[1]
    )
    sign_in(client, ana)
    client.post(reverse("cases:assign", args=[case.pk]), {"assignee": beto.pk})
    assert Case.objects.get(pk=case.pk).assigned_to == ana
    assert not cases_visible_to(beto).exists()


@pytest.mark.django_db
def test_workload_counts_open_assigned_cases_per_person(entity, contact, client):
    ana = make_user(Role.INVESTIGATOR, entity, username="ana")
    make_user(Role.INVESTIGATOR, entity, username="beto")
    for _ in range(2):
        case, _key = open_case(entity)
        actions.case_route(case_id=case.pk)
        keys_ = _keys_of(contact, case)
        actions.case_assign(
            actor=contact, case=case, assignee=ana, data_key=keys_[0], notes_key=keys_[1]
        )
    sign_in(client, contact)
    rows = client.get(reverse("api-cases-workload")).json()
    assert [(r["username"], r["open"]) for r in rows] == [("ana", 2), ("beto", 0)]
    assert ana.get_full_name() in client.get(reverse("cases:workload")).content.decode()


@pytest.mark.django_db
def test_bulk_acknowledge_and_assign_from_the_inbox(entity, contact, client):
    ana = make_user(Role.INVESTIGATOR, entity, username="ana")
    cases = []
    for _ in range(3):
        case, _key = open_case(entity)
        actions.case_route(case_id=case.pk)
        cases.append(case)
    sign_in(client, contact)
    picked = [cases[0].pk, cases[1].pk]
    client.post(reverse("cases:bulk"), {"op": "acknowledge", "cases": picked})
    statuses = dict(Case.objects.values_list("pk", "status"))
    assert statuses[cases[0].pk] == statuses[cases[1].pk] == CaseStatus.ACKNOWLEDGED
    assert statuses[cases[2].pk] == CaseStatus.RECEIVED
    client.post(reverse("cases:bulk"), {"op": "assign", "cases": picked, "assignee": ana.pk})
    assert set(cases_visible_to(ana).values_list("pk", flat=True)) == set(picked)


@pytest.mark.django_db
def test_bulk_with_a_case_the_user_cannot_work_changes_nothing(
    entity, other_entity, contact, client
):
    mine, _ = open_case(entity)
    actions.case_route(case_id=mine.pk)
    make_user(Role.CONTACT, other_entity)
    theirs, _ = open_case(other_entity)
    actions.case_route(case_id=theirs.pk)
    sign_in(client, contact)
    client.post(reverse("cases:bulk"), {"op": "acknowledge", "cases": [mine.pk, theirs.pk]})
    assert set(Case.objects.values_list("status", flat=True)) == {CaseStatus.RECEIVED}
    huge = client.post(reverse("cases:bulk"), {"op": "acknowledge", "cases": ["9" * 30]})
    assert huge.status_code == 302
    response = client.post(
        reverse("api-cases-bulk"),
        {"op": "acknowledge", "cases": [mine.pk, theirs.pk]},
        content_type="application/json",
    )
    assert response.status_code == 404
    assert set(Case.objects.values_list("status", flat=True)) == {CaseStatus.RECEIVED}


@pytest.mark.django_db
def test_api_assigns_a_case(entity, contact, routed, client):
    case, data_key = routed
    ana = make_user(Role.INVESTIGATOR, entity, username="ana")
    sign_in(client, contact)
    url = reverse("api-case-assign", args=[case.pk])
    response = client.post(url, {"assignee": ana.pk}, content_type="application/json")
    assert response.status_code == 200 and response.json()["assigned_to"] == "ana"
    assert _keys_of(ana, case)[0] == data_key
    response = client.post(url, {"assignee": contact.pk}, content_type="application/json")
    assert response.status_code == 400
