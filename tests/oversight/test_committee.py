"""The Co-ordination Committee's pages: ENCIG import, risk register, work plan, internal control."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from lacs.models import AuditEvent, Role
from oversight.models import (
    AuditFinding,
    Control,
    EncigValue,
    Light,
    PlanAction,
    PriorityArea,
    ProgressReport,
    Risk,
)
from oversight.panels import Filters, overdue
from tests.conftest import make_user, sign_in
from tests.oversight.factories import make_plan_action

pytestmark = pytest.mark.django_db

GOOD_CSV = (
    "year,indicator,procedure,value,ci_low,ci_high\n"
    "2021,perception,,90.1,88.5,91.7\n"
    "2023,perception,,88.0,86.2,89.8\n"
    "2023,prevalence,Trámites vehiculares,25000,21000,29000\n"
)


@pytest.fixture
def committee(client):
    user = make_user(Role.COMMITTEE)
    sign_in(client, user)
    client.user = user
    return client


def _upload(client, text: str):
    data = SimpleUploadedFile("encig.csv", text.encode(), content_type="text/csv")
    return client.post(reverse("oversight:encig_import"), {"file": data})


def test_committee_imports_encig_indicators_with_confidence_intervals(committee):
    response = _upload(committee, GOOD_CSV)
    assert response.status_code == 302
    assert EncigValue.objects.count() == 3
    value = EncigValue.objects.get(year=2023, indicator="prevalence")
    assert (value.procedure, value.ci_low, value.ci_high) == (
        "Trámites vehiculares",
        Decimal(21000),
        Decimal(29000),
    )
    assert AuditEvent.objects.filter(action="oversight.encig_import").count() == 1
    _upload(committee, GOOD_CSV)  # a re-import replaces, never duplicates
    assert EncigValue.objects.count() == 3


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("anio,indicador\n2023,perception\n", "Línea 1: las columnas deben ser"),
        (GOOD_CSV + "2023,perception,Licencias,muchos,1,2\n", "Línea 5: «muchos» en value"),
        (GOOD_CSV + "2023,felicidad,,1,0,2\n", "Línea 5: indicador desconocido"),
        (GOOD_CSV + "1990,perception,,1,0,2\n", "Línea 5: el año «1990» no es válido"),
        (GOOD_CSV + "2022,perception,,50,60,70\n", "Línea 5: el valor debe estar dentro"),
        (GOOD_CSV + "2023,perception,,1,0\n", "Línea 5: se esperaban 6 columnas"),
        (GOOD_CSV + "2023,perception,,88.0,86.2,89.8\n", "Línea 5: fila repetida"),
    ],
)
def test_malformed_encig_csv_is_rejected_with_line_and_reason_and_imports_nothing(
    committee, text, reason
):
    response = _upload(committee, text)
    assert response.status_code == 200
    assert reason in response.content.decode()
    assert not EncigValue.objects.exists()
    assert not AuditEvent.objects.filter(action="oversight.encig_import").exists()


def test_cpc_member_reads_but_cannot_import(client):
    sign_in(client, make_user(Role.CPC))
    assert client.get(reverse("oversight:encig")).status_code == 200
    assert _upload(client, GOOD_CSV).status_code == 403
    assert not EncigValue.objects.exists()


def test_risk_register_ranks_priority_areas_by_likelihood_times_impact(committee):
    for name in ("Obra pública", "Trámites vehiculares"):
        committee.post(reverse("oversight:risk_area_new"), {"area-name": name})
    works, permits = PriorityArea.objects.order_by("name")
    for area, likelihood, impact in ((works, 3, 3), (permits, 5, 4), (works, 2, 2)):
        response = committee.post(
            reverse("oversight:risk_new"),
            {
                "risk-area": area.pk,
                "risk-name": f"Riesgo {likelihood}x{impact}",
                "risk-likelihood": likelihood,
                "risk-impact": impact,
                "risk-owner_line": 2,
                "risk-evidence": "ENCIG 2023",
            },
        )
        assert response.status_code == 302
    assert sorted(r.score for r in Risk.objects.all()) == [4, 9, 20]
    page = committee.get(reverse("oversight:risks")).content.decode()
    assert page.index("Trámites vehiculares") < page.index("Obra pública")
    assert 'class="chart heatmap"' in page and 'style="' not in page
    assert AuditEvent.objects.filter(action="oversight.risk.create").count() == 3


def test_risk_outside_the_scale_is_refused(committee):
    area = PriorityArea.objects.create(name="Obra pública")
    response = committee.post(
        reverse("oversight:risk_new"),
        {
            "risk-area": area.pk,
            "risk-name": "X",
            "risk-likelihood": 9,
            "risk-impact": 1,
            "risk-owner_line": 1,
            "risk-evidence": "—",
        },
    )
    assert response.status_code == 200
    assert not Risk.objects.exists()


def _action_post(goal, entity, **overrides):
    today = timezone.localdate()
    data = {
        "action-goal": goal.pk,
        "action-name": "Digitalizar licencias",
        "action-entity": entity.pk,
        "action-indicator": "Trámites en línea (%)",
        "action-baseline": "10",
        "action-target": "60",
        "action-start": today.isoformat(),
        "action-due": (today + dt.timedelta(days=200)).isoformat(),
    }
    data.update(overrides)
    return data


def test_work_plan_goal_and_action_are_created_and_audited(committee, entity):
    area = PriorityArea.objects.create(name="Trámites vehiculares")
    year = timezone.localdate().year
    committee.post(
        reverse("oversight:goal_new"),
        {"goal-year": year, "goal-area": area.pk, "goal-name": "Menos cohecho"},
    )
    goal = area.goal_set.get()
    response = committee.post(reverse("oversight:plan_action_new"), _action_post(goal, entity))
    assert response.status_code == 302
    action = PlanAction.objects.get()
    assert action.light() == Light.GREY
    assert AuditEvent.objects.filter(action="oversight.plan_action.create").exists()


@pytest.mark.parametrize(
    ("override", "message"),
    [
        ({"action-baseline": ""}, "Una meta sin línea base no puede medirse."),
        ({"action-due": "2020-01-01"}, "La fecha compromiso ya pasó"),
    ],
)
def test_targets_without_baseline_or_with_past_due_dates_are_refused(
    committee, entity, override, message
):
    goal = make_plan_action(entity).goal
    PlanAction.objects.all().delete()
    response = committee.post(
        reverse("oversight:plan_action_new"), _action_post(goal, entity, **override)
    )
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not PlanAction.objects.exists()
    assert not AuditEvent.objects.filter(action="oversight.plan_action.create").exists()


def test_contact_point_reports_progress_for_its_entity_only(client, entity, other_entity):
    mine = make_plan_action(entity)
    theirs = make_plan_action(other_entity, name="ACCION-AJENA")
    sign_in(client, make_user(Role.CONTACT, entity))
    today = timezone.localdate().isoformat()
    response = client.post(
        reverse("oversight:plan_action", args=[mine.pk]), {"reported_on": today, "value": "40"}
    )
    assert response.status_code == 302
    assert ProgressReport.objects.get().value == Decimal(40)
    assert AuditEvent.objects.filter(action="oversight.progress.report").count() == 1
    response = client.post(
        reverse("oversight:plan_action", args=[theirs.pk]), {"reported_on": today, "value": "1"}
    )
    assert response.status_code == 404
    assert ProgressReport.objects.count() == 1
    plan = client.get(reverse("oversight:plan")).content.decode()
    assert mine.name in plan and "ACCION-AJENA" not in plan
    export = client.get(reverse("oversight:plan_export", args=["csv"])).content.decode("utf-8-sig")
    assert mine.name in export and "ACCION-AJENA" not in export and ",40.00," in export


def test_cpc_member_sees_the_plan_but_cannot_report_progress(client, entity):
    action = make_plan_action(entity)
    sign_in(client, make_user(Role.CPC))
    url = reverse("oversight:plan_action", args=[action.pk])
    assert client.get(url).status_code == 200
    today = timezone.localdate().isoformat()
    assert client.post(url, {"reported_on": today, "value": "5"}).status_code == 404
    assert not ProgressReport.objects.exists()


def test_traffic_light_follows_progress_against_time(entity):
    today = timezone.localdate()
    action = make_plan_action(
        entity, start=today - dt.timedelta(days=50), due=today + dt.timedelta(days=50)
    )
    assert action.light(today) == Light.GREY
    ProgressReport.objects.create(action=action, reported_on=today, value=Decimal(20))
    assert action.light(today) == Light.AMBER  # 20 % of the way, half the time gone
    ProgressReport.objects.create(action=action, reported_on=today, value=Decimal(40))
    assert action.light(today) == Light.GREEN
    assert action.light(today + dt.timedelta(days=60)) == Light.RED
    ProgressReport.objects.create(action=action, reported_on=today, value=Decimal(60))
    assert action.light(today + dt.timedelta(days=60)) == Light.GREEN


def test_monitoring_shows_values_over_time_next_to_the_target(committee, entity):
    action = make_plan_action(entity)
    for day, value in ((1, 15), (20, 30)):
        ProgressReport.objects.create(
            action=action, reported_on=action.start + dt.timedelta(days=day), value=value
        )
    page = committee.get(reverse("oversight:monitoring")).content.decode()
    assert "<polyline" in page and "30.00" in page and "60.00" in page


def test_internal_control_by_line_and_overdue_findings_on_the_dashboard(committee, entity):
    response = committee.post(
        reverse("oversight:control_new"),
        {
            "control-entity": entity.pk,
            "control-line": 3,
            "control-name": "Auditoría anual de adquisiciones",
            "control-owner": "OIC",
        },
    )
    assert response.status_code == 302
    control = Control.objects.get()
    future = timezone.localdate() + dt.timedelta(days=10)
    response = committee.post(
        reverse("oversight:finding_new"),
        {
            "finding-entity": entity.pk,
            "finding-control": control.pk,
            "finding-title": "Expedientes incompletos",
            "finding-recommendation": "Lista de verificación",
            "finding-owner": "Dirección de Administración",
            "finding-due": future.isoformat(),
        },
    )
    assert response.status_code == 302
    finding = AuditFinding.objects.get()
    AuditFinding.objects.filter(pk=finding.pk).update(due=timezone.localdate() - dt.timedelta(1))
    make_plan_action(entity, start=dt.date(2020, 1, 1), due=timezone.localdate() - dt.timedelta(1))
    assert overdue(Filters()).rows == [[entity.name, 1, 1]]
    page = committee.get(reverse("oversight:dashboard")).content.decode()
    assert "Compromisos vencidos por ente" in page
    committee.post(reverse("oversight:finding_close", args=[finding.pk]))
    finding.refresh_from_db()
    assert finding.status == "done"
    assert overdue(Filters()).rows == [[entity.name, 1, 0]]
    assert AuditEvent.objects.filter(action="oversight.finding.close").count() == 1


def test_finding_with_a_past_due_date_is_refused(committee, entity):
    response = committee.post(
        reverse("oversight:finding_new"),
        {
            "finding-entity": entity.pk,
            "finding-title": "X",
            "finding-recommendation": "Y",
            "finding-owner": "Z",
            "finding-due": "2020-01-01",
        },
    )
    assert response.status_code == 200
    assert not AuditFinding.objects.exists()
