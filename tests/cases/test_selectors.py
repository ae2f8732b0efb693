"""The inbox's filters: one implementation behind the page and the API, same cases, same order."""

import datetime as dt
import re

import pytest
from django.urls import reverse

from cases import actions
from cases.models import Case, CaseStatus
from cases.selectors import case_history
from lacs.models import Role
from tests.cases.factories import open_case
from tests.conftest import make_user, sign_in
from tests.factories import CategoryFactory


def _routed(entity, n, **kw):
    cases = []
    for _ in range(n):
        case, _key = open_case(entity, **kw)
        actions.case_route(case_id=case.pk)
        cases.append(Case.objects.get(pk=case.pk))
    return cases


def _page_numbers(client, numbers, params) -> list[str]:
    body = client.get(reverse("cases:inbox"), params).content.decode()
    found = {n: body.find(n) for n in numbers}
    return sorted((n for n, at in found.items() if at >= 0), key=found.__getitem__)


def _api_numbers(client, params) -> list[str]:
    return [c["number"] for c in client.get(reverse("api-cases"), params).json()["results"]]


FILTERS = [
    {},
    {"status": CaseStatus.RECEIVED},
    {"status": CaseStatus.CLOSED},
    {"deadline": "missed"},
    {"deadline": "ok", "sort": "acknowledge"},
    {"sort": "oldest"},
    {"sort": "number"},
    {"entity": "999999"},  # not a valid choice: the whole form is ignored, as on the page
    {"sort": "nonsense"},
]


@pytest.mark.django_db
def test_page_and_api_filter_the_inbox_alike(client, entity):
    contact = make_user(Role.CONTACT, entity)
    harassment = CategoryFactory(code="acoso-sel")
    cases = _routed(entity, 4) + _routed(entity, 2, category=harassment)
    Case.objects.filter(pk=cases[0].pk).update(acknowledge_by=dt.date(2020, 1, 1))
    Case.objects.filter(pk=cases[1].pk).update(received_on=dt.date(2020, 1, 1))
    sign_in(client, contact)
    numbers = [c.number for c in cases]
    padded = f"  {cases[2].number[-6:]}  "
    for params in [*FILTERS, {"category": harassment.pk}, {"q": padded}]:
        page = _page_numbers(client, numbers, params)
        assert page == _api_numbers(client, params), params
    assert _api_numbers(client, {"q": padded}) == [cases[2].number]


@pytest.mark.django_db
def test_history_names_each_event_for_page_and_api(client, entity):
    contact = make_user(Role.CONTACT, entity)
    (case,) = _routed(entity, 1)
    history = case_history(case)
    assert [h["action"] for h in history][:2] == ["case.open", "case.route"]
    assert history[0]["label"] == "Caso abierto"
    sign_in(client, contact)
    api = client.get(reverse("api-case", args=[case.pk])).json()["history"]
    assert [h["action"] for h in api] == [h["action"] for h in history]
    page = client.get(reverse("cases:detail", args=[case.pk])).content.decode()
    assert "Caso abierto" in page and re.search(r"Turnado", page)
