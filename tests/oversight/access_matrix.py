import datetime as dt

from django.utils import timezone

from oversight.models import AuditFinding, PriorityArea
from tests.access import Row, only
from tests.oversight.factories import make_plan_action

VIEWERS = ("cpc", "admin")  # committee members see the same; the matrix has no committee column


def _action(ctx) -> dict:
    return {"pk": make_plan_action(ctx.entity).pk}


def _finding(ctx) -> dict:
    finding = AuditFinding.objects.create(
        entity=ctx.entity,
        title="Expedientes de compras incompletos",
        recommendation="Checklist de integración del expediente",
        owner="Dirección de Administración",
        due=timezone.localdate() + dt.timedelta(days=30),
    )
    return {"pk": finding.pk}


def _future() -> str:
    return (timezone.localdate() + dt.timedelta(days=30)).isoformat()


def _risk(ctx) -> dict:
    area = PriorityArea.objects.create(name="Área de la matriz")
    return {
        "risk-area": area.pk,
        "risk-name": "Riesgo de la matriz",
        "risk-likelihood": 3,
        "risk-impact": 2,
        "risk-owner_line": 1,
        "risk-evidence": "—",
    }


def _goal(ctx) -> dict:
    area = PriorityArea.objects.create(name="Área de la matriz")
    year = timezone.localdate().year
    return {"goal-year": year, "goal-area": area.pk, "goal-name": "Objetivo de la matriz"}


def _plan_action(ctx) -> dict:
    return {
        "action-goal": make_plan_action(ctx.entity).goal.pk,
        "action-name": "Acción de la matriz",
        "action-entity": ctx.entity.pk,
        "action-indicator": "Indicador",
        "action-baseline": "1",
        "action-target": "2",
        "action-start": timezone.localdate().isoformat(),
        "action-due": _future(),
    }


def _control(ctx) -> dict:
    return {
        "control-entity": ctx.entity.pk,
        "control-line": 1,
        "control-name": "Control de la matriz",
        "control-owner": "OIC",
    }


def _finding_form(ctx) -> dict:
    return {
        "finding-entity": ctx.entity.pk,
        "finding-title": "Hallazgo de la matriz",
        "finding-recommendation": "Recomendación",
        "finding-owner": "Área",
        "finding-due": _future(),
    }


EDIT = only("admin", ok=405)  # POST only, committee members and admins
# The API: anonymous 401, signed-in without a dashboard role 403.
API = {**only(*VIEWERS), "anonymous": 401}

MATRIX = {
    "oversight:dashboard": Row(only(*VIEWERS)),
    "oversight:export": Row(
        only(*VIEWERS), kwargs=lambda ctx: {"slug": "cases_status", "fmt": "csv"}
    ),
    "oversight:refresh": Row(only("admin", ok=405)),  # POST only, committee and admins
    "oversight:encig": Row(only(*VIEWERS)),
    "oversight:encig_import": Row(EDIT),  # its POST: tests/oversight/test_committee.py
    "oversight:risks": Row(only(*VIEWERS)),
    "oversight:risk_area_new": Row(
        EDIT, post=lambda ctx: {"area-name": "Área nueva"}, post_as=("admin",)
    ),
    "oversight:risk_new": Row(EDIT, post=_risk, post_as=("admin",)),
    "oversight:plan": Row(only(*VIEWERS, "contact", "contact_other", "investigator")),
    "oversight:goal_new": Row(EDIT, post=_goal, post_as=("admin",)),
    "oversight:plan_action_new": Row(EDIT, post=_plan_action, post_as=("admin",)),
    "oversight:plan_export": Row(
        only(*VIEWERS, "contact", "contact_other", "investigator"),
        kwargs=lambda ctx: {"fmt": "xlsx"},
    ),
    "oversight:plan_action": Row(
        only(*VIEWERS, "contact", "investigator", denied=404), kwargs=_action
    ),
    "oversight:monitoring": Row(only(*VIEWERS)),
    "oversight:control": Row(only(*VIEWERS)),
    "oversight:control_new": Row(EDIT, post=_control, post_as=("admin",)),
    "oversight:finding_new": Row(EDIT, post=_finding_form, post_as=("admin",)),
    "oversight:finding_close": Row(
        only("admin", ok=405), kwargs=_finding, post=lambda ctx: {}, post_as=("admin",)
    ),
    "api-dashboard-panels": Row(API),
    "api-dashboard-panel": Row(API, kwargs=lambda ctx: {"slug": "cases_entity"}),
}
