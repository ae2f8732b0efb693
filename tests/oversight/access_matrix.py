import datetime as dt

from django.utils import timezone

from oversight.models import AuditFinding
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


# The API: anonymous 401, signed-in without a dashboard role 403.
API = {**only(*VIEWERS), "anonymous": 401}

MATRIX = {
    "oversight:dashboard": Row(only(*VIEWERS)),
    "oversight:export": Row(
        only(*VIEWERS), kwargs=lambda ctx: {"slug": "cases_status", "fmt": "csv"}
    ),
    "oversight:refresh": Row(only("admin", ok=405)),  # POST only, committee and admins
    "oversight:encig": Row(only(*VIEWERS)),
    "oversight:risks": Row(only(*VIEWERS)),
    "oversight:plan": Row(only(*VIEWERS, "contact", "contact_other", "investigator")),
    "oversight:plan_export": Row(
        only(*VIEWERS, "contact", "contact_other", "investigator"),
        kwargs=lambda ctx: {"fmt": "xlsx"},
    ),
    "oversight:plan_action": Row(
        only(*VIEWERS, "contact", "investigator", denied=404), kwargs=_action
    ),
    "oversight:monitoring": Row(only(*VIEWERS)),
    "oversight:control": Row(only(*VIEWERS)),
    "oversight:finding_close": Row(
        only("admin", ok=405), kwargs=_finding, post=lambda ctx: {}, post_as=("admin",)
    ),
    "api-dashboard-panels": Row(API),
    "api-dashboard-panel": Row(API, kwargs=lambda ctx: {"slug": "cases_entity"}),
}
