"""The staff API for cases: same policy and actions as the pages."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from cases import actions
from cases.models import Case, CaseStatus
from lacs.models import Role
from tests.cases.factories import open_case
from tests.conftest import make_user, sign_in


@pytest.fixture
def contact(entity):
    return make_user(Role.CONTACT, entity)


@pytest.fixture
def api(client, contact):
    sign_in(client, contact)
    return client


def routed(entity, n=1):
    cases = []
    for _ in range(n):
        case, _key = open_case(entity)
        actions.case_route(case_id=case.pk)
        cases.append(Case.objects.get(pk=case.pk))
    return cases


@pytest.mark.django_db
def test_list_shows_only_visible_cases_with_constant_queries(entity, other_entity, api):
    mine = routed(entity, 2)
    make_user(Role.CONTACT, other_entity)
    routed(other_entity, 2)
    with CaptureQueriesContext(connection) as few:
        body = api.get(reverse("api-cases")).json()
    assert {c["number"] for c in body["results"]} == {c.number for c in mine}
    routed(entity, 10)
    with CaptureQueriesContext(connection) as many:
        assert api.get(reverse("api-cases"), {"status": "received"}).json()["count"] == 12
    assert len(many.captured_queries) == len(few.captured_queries)


@pytest.mark.django_db
def test_transition_note_and_read_back(entity, api):
    (case,) = routed(entity)
    url = reverse("api-case-transition", args=[case.pk])
    answer = api.post(
        url, {"to": "acknowledged", "version": case.version}, content_type="application/json"
    )
    assert answer.status_code == 200 and answer.json()["status"] == CaseStatus.ACKNOWLEDGED
    note = api.post(
        reverse("api-case-note", args=[case.pk]),
        {"text": "Llamar al área"},
        content_type="application/json",
    )
    assert note.status_code == 200
    body = api.get(reverse("api-case", args=[case.pk])).json()
    assert [n["text"] for n in body["notes"]] == ["Llamar al área"]
    assert body["allowed_transitions"] == ["assessment", "closed"]


@pytest.mark.django_db
def test_refused_transition_answers_400_and_changes_nothing(entity, api):
    (case,) = routed(entity)
    answer = api.post(
        reverse("api-case-transition", args=[case.pk]),
        {"to": "investigation", "version": case.version},
        content_type="application/json",
    )
    assert answer.status_code == 400 and answer.json()["code"] == "refused"
    assert Case.objects.get(pk=case.pk).version == case.version


@pytest.mark.django_db
def test_other_entitys_contact_point_gets_404(entity, other_entity, client):
    make_user(Role.CONTACT, entity)
    (case,) = routed(entity)
    sign_in(client, make_user(Role.CONTACT, other_entity))
    assert client.get(reverse("api-case", args=[case.pk])).status_code == 404
    answer = client.post(
        reverse("api-case-transition", args=[case.pk]),
        {"to": "acknowledged", "version": 0},
        content_type="application/json",
    )
    assert answer.status_code == 404
