"""The inbox and the case page, through the test client."""

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from cases import actions
from cases.models import Case, CaseNote, CaseStatus
from lacs.models import Role
from tests.cases.factories import open_case
from tests.conftest import make_user, sign_in
from tests.factories import CategoryFactory


@pytest.fixture
def contact(entity):
    return make_user(Role.CONTACT, entity)


@pytest.fixture
def contact_client(client, contact):
    sign_in(client, contact)
    return client


def routed_cases(entity, n, **kw):
    cases = []
    for _ in range(n):
        case, _key = open_case(entity, **kw)
        actions.case_route(case_id=case.pk)
        cases.append(case)
    return cases


def inbox_queries(client, **params) -> int:
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(reverse("cases:inbox"), params)
    assert response.status_code == 200
    return len(ctx.captured_queries)


@pytest.mark.django_db
def test_inbox_query_count_does_not_grow_with_cases(entity, contact, contact_client):
    routed_cases(entity, 3)
    few = inbox_queries(contact_client)
    routed_cases(entity, 30)
    assert inbox_queries(contact_client) == few
    assert inbox_queries(contact_client, page=2, sort="acknowledge", deadline="ok") == few
    assert few <= 13  # 12, and the bulk form's list of the entity's investigators


@pytest.mark.django_db
def test_inbox_lists_only_the_users_cases(entity, other_entity, contact, contact_client):
    mine = routed_cases(entity, 2)
    make_user(Role.CONTACT, other_entity)
    theirs = routed_cases(other_entity, 2)
    body = contact_client.get(reverse("cases:inbox")).content.decode()
    assert all(c.number in body for c in mine)
    assert not any(c.number in body for c in theirs)


@pytest.mark.django_db
def test_inbox_filters_search_and_deadline_badges(entity, contact, contact_client):
    harassment = CategoryFactory(code="acoso")
    late, on_time = routed_cases(entity, 2)
    (special,) = routed_cases(entity, 1, category=harassment)
    Case.objects.filter(pk=late.pk).update(acknowledge_by=dt.date(2020, 1, 1))
    url = reverse("cases:inbox")
    body = contact_client.get(url, {"deadline": "missed"}).content.decode()
    assert late.number in body and on_time.number not in body and "Plazo vencido" in body
    body = contact_client.get(url, {"category": harassment.pk}).content.decode()
    assert special.number in body and late.number not in body
    body = contact_client.get(url, {"q": on_time.number[-6:]}).content.decode()
    assert on_time.number in body and late.number not in body
    body = contact_client.get(url, {"status": CaseStatus.CLOSED}).content.decode()
    assert "No hay casos" in body


@pytest.mark.django_db
def test_case_page_shows_history_and_sealed_notes_to_the_recipient(entity, contact, contact_client):
    (case,) = routed_cases(entity, 1)
    url = reverse("cases:note", args=[case.pk])
    assert contact_client.post(url, {"note-text": "Revisar contratos de 2025"}).status_code == 302
    note = CaseNote.objects.get(case=case)
    assert b"Revisar" not in bytes(note.sealed_body)
    body = contact_client.get(reverse("cases:detail", args=[case.pk])).content.decode()
    assert "Revisar contratos de 2025" in body
    assert "Turnado" in body and case.number in body
    assert "Punto de contacto titular (reported_entity)" in body


@pytest.mark.django_db
def test_transition_through_the_page_and_refusal_with_message(entity, contact, contact_client):
    (case,) = routed_cases(entity, 1)
    url = reverse("cases:transition", args=[case.pk])
    response = contact_client.post(
        url, {"transition-to": "acknowledged", "transition-version": case.version}, follow=True
    )
    assert "Estado actualizado" in response.content.decode()
    stale = contact_client.post(
        url, {"transition-to": "assessment", "transition-version": case.version}, follow=True
    )
    assert "Otra persona modificó" in stale.content.decode()
    assert Case.objects.get(pk=case.pk).status == CaseStatus.ACKNOWLEDGED


@pytest.mark.django_db
def test_contact_point_of_another_entity_gets_404(entity, other_entity, client):
    (case,) = routed_cases(entity, 1)
    outsider = make_user(Role.CONTACT, other_entity)
    sign_in(client, outsider)
    assert client.get(reverse("cases:detail", args=[case.pk])).status_code == 404
    assert client.get(reverse("cases:detail", args=[case.pk + 999])).status_code == 404
    before = Case.objects.get(pk=case.pk).version
    response = client.post(
        reverse("cases:transition", args=[case.pk]),
        {"transition-to": "acknowledged", "transition-version": before},
    )
    assert response.status_code == 404
    assert Case.objects.get(pk=case.pk).version == before


@pytest.mark.django_db
def test_admin_manages_routing_rules_but_sees_no_cases(entity, other_entity, client):
    admin = make_user(Role.ADMIN)
    sign_in(client, admin)
    response = client.post(
        reverse("cases:routing_rules"),
        {"entity": entity.pk, "target": other_entity.pk, "mode": "also", "position": 1},
    )
    assert response.status_code == 302
    assert client.get(reverse("cases:inbox")).status_code == 403


@pytest.mark.django_db
def test_inbox_speaks_english_when_asked(entity, contact, contact_client):
    routed_cases(entity, 1)
    contact_client.cookies["django_language"] = "en"
    body = contact_client.get(reverse("cases:inbox")).content.decode()
    assert "Case inbox" in body and "Received" in body


@pytest.mark.django_db
def test_investigator_opens_a_finding_that_only_the_recipients_read(entity, contact, client):
    from cases.models import CaseFinding, CaseSource

    investigator = make_user(Role.INVESTIGATOR, entity)
    sign_in(client, investigator)
    response = client.post(
        reverse("cases:finding_new"),
        {"entity": entity.pk, "category": CategoryFactory().pk, "summary": "Pagos duplicados"},
    )
    assert response.status_code == 302
    case = Case.objects.get(source=CaseSource.AUDIT)
    assert b"duplicados" not in bytes(CaseFinding.objects.get(case=case).sealed_summary)
    actions.case_route(case_id=case.pk)
    assert client.get(reverse("cases:detail", args=[case.pk])).status_code == 404
    sign_in(client, contact)
    body = client.get(reverse("cases:detail", args=[case.pk])).content.decode()
    assert "Pagos duplicados" in body


@pytest.mark.django_db
def test_empty_finding_is_refused(entity, contact, contact_client):
    response = contact_client.post(
        reverse("cases:finding_new"),
        {"entity": entity.pk, "category": CategoryFactory().pk, "summary": "   "},
    )
    assert response.status_code == 200
    assert not Case.objects.exists()
