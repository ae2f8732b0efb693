"""The oversight actions: each one transaction and one audit row."""

from __future__ import annotations

import datetime as dt
import time
from decimal import Decimal
from typing import Any

from django.contrib.auth.models import User
from django.db import models, transaction
from django.utils import timezone

from lacs.audit import audit_record
from lacs.models import Entity
from oversight import figures
from oversight.encig import EncigRow
from oversight.models import (
    AuditFinding,
    Control,
    EncigValue,
    FigureRefresh,
    FindingStatus,
    Goal,
    PlanAction,
    PriorityArea,
    ProgressReport,
    Risk,
    WorkPlan,
)


def _record_create(*, actor, obj: models.Model, action: str, data: dict[str, Any]) -> None:
    """Validate, save and audit a new committee record (one transaction: the caller's)."""
    obj.full_clean()
    obj.save()
    audit_record(
        action=f"oversight.{action}.create",
        actor=actor,
        obj=obj,
        entity=getattr(obj, "entity_id", None),
        data={name: str(value) for name, value in data.items()},
    )


@transaction.atomic
def figures_refresh(*, actor=None, today: dt.date | None = None) -> FigureRefresh:
    """Rebuild every dashboard figure from the domain apps (beat task daily, or on demand)."""
    began = time.monotonic()
    rows, missing = figures.rebuild(today)
    refresh = FigureRefresh.objects.create(
        finished_at=timezone.now(),
        seconds=round(time.monotonic() - began, 3),
        rows=rows,
        actor=actor if getattr(actor, "is_authenticated", False) else None,
        missing=missing,
    )
    audit_record(
        action="oversight.figures_refresh",
        actor=actor,
        obj=refresh,
        data={"rows": rows, "missing": missing},
    )
    return refresh


@transaction.atomic
def encig_import(*, actor, rows: list[EncigRow]) -> int:
    """Store parsed ENCIG rows (a re-import of a year replaces its values). Returns the count."""
    for row in rows:
        EncigValue.objects.update_or_create(
            year=row.year,
            indicator=row.indicator,
            procedure=row.procedure,
            defaults={"value": row.value, "ci_low": row.ci_low, "ci_high": row.ci_high},
        )
    audit_record(
        action="oversight.encig_import",
        actor=actor,
        data={"rows": len(rows), "years": sorted({r.year for r in rows})},
    )
    return len(rows)


@transaction.atomic
def priority_area_create(*, actor: User, name: str) -> PriorityArea:
    """Add a priority area of the risk assessment."""
    area = PriorityArea(name=name)
    _record_create(actor=actor, obj=area, action="area", data={"name": name})
    return area


@transaction.atomic
def risk_create(
    *,
    actor: User,
    area: PriorityArea,
    name: str,
    likelihood: int,
    impact: int,
    owner_line: int,
    evidence: str = "",
    encig: EncigValue | None = None,
) -> Risk:
    """Add a risk to the register (likelihood and impact on the 1–5 scale)."""
    fields = {
        "area": area,
        "name": name,
        "likelihood": likelihood,
        "impact": impact,
        "owner_line": owner_line,
        "evidence": evidence,
        "encig": encig,
    }
    risk = Risk(**fields)
    _record_create(actor=actor, obj=risk, action="risk", data=fields)
    return risk


@transaction.atomic
def goal_create(*, actor: User, year: int, area: PriorityArea, name: str) -> Goal:
    """Add a goal to the year's work plan (the plan is created with its first goal)."""
    plan, _created = WorkPlan.objects.get_or_create(year=year)
    goal = Goal(plan=plan, area=area, name=name)
    _record_create(
        actor=actor, obj=goal, action="goal", data={"year": year, "area": area, "name": name}
    )
    return goal


@transaction.atomic
def plan_action_create(
    *,
    actor: User,
    goal: Goal,
    name: str,
    entity: Entity,
    indicator: str,
    baseline: Decimal,
    target: Decimal,
    due: dt.date,
    start: dt.date | None = None,
) -> PlanAction:
    """Add an action; the page's form has refused a missing baseline and a due date in the past."""
    fields = {
        "goal": goal,
        "name": name,
        "entity": entity,
        "indicator": indicator,
        "baseline": baseline,
        "target": target,
        "start": start or timezone.localdate(),
        "due": due,
    }
    action = PlanAction(**fields)
    _record_create(actor=actor, obj=action, action="plan_action", data=fields)
    return action


@transaction.atomic
def control_create(*, actor: User, entity: Entity, line: int, name: str, owner: str) -> Control:
    """Add an internal control of an entity, on one of the three lines."""
    fields = {"entity": entity, "line": line, "name": name, "owner": owner}
    control = Control(**fields)
    _record_create(actor=actor, obj=control, action="control", data=fields)
    return control


@transaction.atomic
def finding_create(
    *,
    actor: User,
    entity: Entity,
    title: str,
    recommendation: str,
    owner: str,
    due: dt.date,
    control: Control | None = None,
) -> AuditFinding:
    """Record an audit finding with its recommendation and due date."""
    fields = {
        "entity": entity,
        "control": control,
        "title": title,
        "recommendation": recommendation,
        "owner": owner,
        "due": due,
    }
    finding = AuditFinding(**fields)
    _record_create(actor=actor, obj=finding, action="finding", data=fields)
    return finding


@transaction.atomic
def progress_report(
    *, actor, action: PlanAction, reported_on: dt.date, value: Decimal
) -> ProgressReport:
    """Record an entity's value of the action's indicator on a day."""
    report = ProgressReport.objects.create(
        action=action, reported_on=reported_on, value=value, reported_by=actor
    )
    audit_record(
        action="oversight.progress.report",
        actor=actor,
        obj=report,
        entity=action.entity_id,
        data={"action": action.pk, "reported_on": reported_on, "value": value},
    )
    return report


@transaction.atomic
def finding_close(*, actor, finding: AuditFinding) -> bool:
    """Mark a finding as attended; a second close changes nothing (returns False)."""
    today = timezone.localdate()
    changed = AuditFinding.objects.filter(pk=finding.pk, status=FindingStatus.OPEN).update(
        status=FindingStatus.DONE, closed_on=today
    )
    if changed:
        audit_record(
            action="oversight.finding.close", actor=actor, obj=finding, entity=finding.entity_id
        )
    return bool(changed)
