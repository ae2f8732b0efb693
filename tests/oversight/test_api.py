"""Dashboard figures over the API, suppressed exactly like the pages."""

import pytest
from django.urls import reverse

from lacs.models import Role
from oversight import actions
from tests.conftest import make_user, sign_in
from tests.factories import CategoryFactory
from tests.oversight.factories import make_cases

pytestmark = pytest.mark.django_db


@pytest.fixture
def cpc(client):
    sign_in(client, make_user(Role.CPC))
    return client


def test_api_lists_the_panels(cpc):
    slugs = [p["slug"] for p in cpc.get(reverse("api-dashboard-panels")).json()]
    assert "cases_entity" in slugs and "procurement_entities" in slugs


def test_api_suppresses_a_figure_an_entity_filter_narrows_below_five(cpc, entity, other_entity):
    category = CategoryFactory(name="Cohecho")
    make_cases(7, entity=entity, category=category)
    make_cases(3, entity=other_entity, category=category)
    actions.figures_refresh()
    url = reverse("api-dashboard-panel", kwargs={"slug": "cases_category"})
    assert cpc.get(url).json()["rows"] == [["Cohecho", 10]]
    body = cpc.get(url, {"entity": other_entity.pk}).json()
    assert body["rows"] == [["Cohecho", "<5"]]
    assert body["refreshed_at"] is not None


def test_api_refuses_a_malformed_filter(cpc):
    url = reverse("api-dashboard-panel", kwargs={"slug": "cases_category"})
    response = cpc.get(url, {"start": "marzo"})
    assert response.status_code == 400
    assert "start" in response.json()["errors"]


def test_api_unknown_panel_is_not_found(cpc):
    url = reverse("api-dashboard-panel", kwargs={"slug": "nope"})
    assert cpc.get(url).status_code == 404
