"""The CPC dashboard: figures from the pre-aggregated table, suppressed below the threshold
everywhere (page, CSV, XLSX), filters, and nothing that is free text."""

from __future__ import annotations

import csv
import datetime as dt
import io

import pytest
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from cases.models import CaseStatus
from lacs.models import AuditEvent, Role
from oversight import actions, figures
from oversight.models import Figure, FigureRefresh
from oversight.panels import Filters, panel
from tests.conftest import make_user, sign_in
from tests.factories import CategoryFactory, EntityFactory
from tests.oversight.factories import make_cases

pytestmark = pytest.mark.django_db


def _table(response) -> list[list[str]]:
    text = response.content.decode("utf-8-sig")
    return list(csv.reader(io.StringIO(text)))


def _cells(client, slug: str, **params) -> dict[str, list[str]]:
    """Rows of an exported table keyed by their first cell."""
    url = reverse("oversight:export", kwargs={"slug": slug, "fmt": "csv"})
    rows = _table(client.get(url, params))
    return {row[0]: row[1:] for row in rows[1:]}


@pytest.fixture
def cpc(client):
    sign_in(client, make_user(Role.CPC))
    return client


@pytest.fixture
def two_entities(entity, other_entity):
    """Seven "Cohecho" cases at one entity, three at the other; six of another category at a
    third entity (so that hiding the three does not force hiding the seven as well)."""
    category = CategoryFactory(name="Cohecho")
    make_cases(7, entity=entity, category=category)
    make_cases(3, entity=other_entity, category=category)
    make_cases(6, entity=EntityFactory(), category=CategoryFactory(name="Peculado"))
    actions.figures_refresh()
    return category


def test_dashboard_shows_figures_from_the_aggregate_table(cpc, entity, two_entities):
    response = cpc.get(reverse("oversight:dashboard"))
    assert response.status_code == 200
    page = response.content.decode()
    assert "<svg" in page and "Casos por ente" in page
    # The CSP forbids inline styles and scripts: charts use SVG presentation attributes only.
    assert 'style="' not in page and "<script" not in page and "<style" not in page
    assert "style-src 'self'" in response["Content-Security-Policy"]
    by_entity = _cells(cpc, "cases_entity")
    assert by_entity[entity.name] == ["7"]
    assert _cells(cpc, "cases_category")["Cohecho"] == ["10"]


def test_suppression_holds_when_an_entity_filter_narrows_a_figure_below_five(
    cpc, other_entity, two_entities
):
    """10 cases in all, 3 at the other entity: filtered to it, every output says "<5"."""
    params = {"entity": other_entity.pk}
    assert _cells(cpc, "cases_category")["Cohecho"] == ["10"]
    assert _cells(cpc, "cases_category", **params)["Cohecho"] == ["<5"]
    assert _cells(cpc, "cases_status", **params)["Recibido"] == ["<5"]
    assert _cells(cpc, "cases_entity")[other_entity.name] == ["<5"]
    page = cpc.get(reverse("oversight:dashboard"), params).content.decode()
    assert "&lt;5" in page
    assert ">3<" not in page  # neither in a table cell nor as a chart label
    url = reverse("oversight:export", kwargs={"slug": "cases_category", "fmt": "xlsx"})
    book = load_workbook(io.BytesIO(cpc.get(url, params).content))
    rows = list(book.active.iter_rows(values_only=True))
    assert rows[1] == ("Cohecho", "<5")


def test_one_hidden_row_is_not_recoverable_by_subtraction(cpc, entity, other_entity):
    """Total 10 is on the page (cases by month); 7 + "<5" would give the 3 away."""
    make_cases(7, entity=entity)
    make_cases(3, entity=other_entity)
    actions.figures_refresh()
    assert _cells(cpc, "cases_month")
    by_entity = _cells(cpc, "cases_entity")
    assert by_entity == {entity.name: ["<5"], other_entity.name: ["<5"]}


def test_shares_and_medians_from_few_cases_are_suppressed_too(other_entity):
    today = timezone.localdate()
    make_cases(
        3,
        entity=other_entity,
        status=CaseStatus.ACKNOWLEDGED,
        received_on=today - dt.timedelta(days=20),
        acknowledged_on=today - dt.timedelta(days=18),
    )
    actions.figures_refresh()
    row = panel("deadlines", Filters(entity=other_entity)).rows[0]
    assert row[1:] == ["<5", "<5", "<5"]


def test_acknowledgement_share_and_median_days(entity):
    today = timezone.localdate()
    received = today - dt.timedelta(days=40)
    for days in (1, 2, 3, 3, 5, 6, 10, 12, 15):
        make_cases(
            1,
            entity=entity,
            status=CaseStatus.ACKNOWLEDGED,
            received_on=received,
            acknowledged_on=received + dt.timedelta(days=days),
        )
    make_cases(2, entity=entity, received_on=received, acknowledge_by=received + dt.timedelta(7))
    actions.figures_refresh(today=today)
    ack = panel("deadlines", Filters()).rows[0]
    # 11 assessed: 6 acknowledged within 7 days; 3 late and 2 still pending past the deadline.
    assert ack[1:] == [11, round(100 * 6 / 11, 1), 5]


def test_a_share_is_hidden_when_the_cases_outside_it_are_few(entity):
    today = timezone.localdate()
    received = today - dt.timedelta(days=40)
    make_cases(
        9,
        entity=entity,
        status=CaseStatus.ACKNOWLEDGED,
        received_on=received,
        acknowledged_on=received + dt.timedelta(days=2),
    )
    make_cases(1, entity=entity, received_on=received, acknowledge_by=received + dt.timedelta(7))
    actions.figures_refresh(today=today)
    assert panel("deadlines", Filters()).rows[0][1:] == [10, "<5", 2]  # 90 % would reveal 1 late


def test_filters_by_period(cpc, entity):
    category = CategoryFactory(name="Peculado")
    make_cases(6, entity=entity, category=category, received_on=dt.date(2025, 1, 5))
    make_cases(5, entity=entity, category=category, received_on=dt.date(2025, 3, 5))
    actions.figures_refresh()
    assert _cells(cpc, "cases_category")["Peculado"] == ["11"]
    assert _cells(cpc, "cases_category", start="2025-02", end="2025-12")["Peculado"] == ["5"]
    months = _cells(cpc, "cases_month", start="2025-01", end="2025-01")
    assert list(months) == ["2025-01"]


def test_no_free_text_reaches_the_dashboard_or_its_exports(cpc, entity):
    make_cases(
        6,
        entity=entity,
        status=CaseStatus.REFERRED,
        referred_to="SECRETO-DESTINO",
        outcome="substantiated",
    )
    actions.figures_refresh()
    assert not Figure.objects.filter(key__contains="SECRETO").exists()
    page = cpc.get(reverse("oversight:dashboard")).content.decode()
    assert "SECRETO" not in page
    assert _cells(cpc, "outcomes")["Turnados a otra autoridad"] == ["6"]
    for slug in ("outcomes", "cases_status", "cases_entity"):
        assert "SECRETO" not in str(_cells(cpc, slug))


def test_refresh_on_demand_is_audited_and_beat_runs_it_daily(client, entity):
    from oversight.tasks import BEAT_SCHEDULE, figures_refresh_task

    assert BEAT_SCHEDULE["oversight-figures-refresh"]["task"] == "oversight.figures_refresh"
    committee = make_user(Role.COMMITTEE)
    sign_in(client, committee)
    make_cases(5, entity=entity)
    response = client.post(reverse("oversight:refresh"))
    assert response.status_code == 302
    event = AuditEvent.objects.get(action="oversight.figures_refresh")
    assert event.actor == committee
    assert Figure.objects.filter(dimension="cases", entity__isnull=True).get().n == 5
    assert figures_refresh_task.delay().get() > 0  # eager in tests, same action


def test_cpc_member_cannot_refresh_and_nothing_changes(cpc):
    response = cpc.post(reverse("oversight:refresh"))
    assert response.status_code == 403
    assert not FigureRefresh.objects.exists()
    assert not AuditEvent.objects.filter(action="oversight.figures_refresh").exists()


def test_a_missing_source_says_sin_datos_and_the_rest_still_renders(cpc, entity, monkeypatch):
    def broken(today):
        raise figures.SourceMissing("procurement.Process")

    monkeypatch.setitem(figures.SOURCES, "procurement", broken)
    make_cases(5, entity=entity)
    refresh = actions.figures_refresh()
    assert refresh.missing == ["procurement"]
    page = cpc.get(reverse("oversight:dashboard")).content.decode()
    assert "Sin datos: este módulo todavía no produce cifras." in page
    assert _cells(cpc, "cases_entity")[entity.name] == ["5"]


def test_dashboard_query_count_does_not_grow_with_entities(cpc, django_assert_max_num_queries):
    category = CategoryFactory()
    for _ in range(12):
        make_cases(5, entity=EntityFactory(), category=category)
    actions.figures_refresh()
    with django_assert_max_num_queries(45):
        assert cpc.get(reverse("oversight:dashboard")).status_code == 200


def test_committee_member_sees_the_dashboard(client):
    sign_in(client, make_user(Role.COMMITTEE))
    assert client.get(reverse("oversight:dashboard")).status_code == 200


def test_unknown_panel_export_is_not_found(cpc):
    url = reverse("oversight:export", kwargs={"slug": "nope", "fmt": "csv"})
    assert cpc.get(url).status_code == 404


@pytest.mark.services
def test_refresh_runs_in_a_real_worker(celery_worker_process, entity):
    from oversight.tasks import figures_refresh_task

    make_cases(6, entity=entity)
    assert figures_refresh_task.delay().get(timeout=60) > 0
    assert Figure.objects.get(dimension="cases", entity__isnull=True).n == 6
    assert AuditEvent.objects.filter(action="oversight.figures_refresh", actor=None).exists()
