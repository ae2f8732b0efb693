"""The oversight actions: each one transaction and one audit row."""

from __future__ import annotations

import datetime as dt
import time
from decimal import Decimal

from django.db import transaction
from django.forms import ModelForm
from django.utils import timezone

from lacs.audit import audit_record
from oversight import figures
from oversight.encig import EncigRow
from oversight.models import (
    AuditFinding,
    EncigValue,
    FigureRefresh,
    FindingStatus,
    Goal,
    PlanAction,
    ProgressReport,
    WorkPlan,
)


def _changed(form: ModelForm) -> dict:
    return {name: str(form.cleaned_data.get(name)) for name in form.changed_data}


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
def form_save(*, actor, form: ModelForm, action: str):
    """Create or update a committee record (area, risk, control, finding) from a valid form."""
    created = form.instance.pk is None
    obj = form.save()
    audit_record(
        action=f"oversight.{action}.{'create' if created else 'update'}",
        actor=actor,
        obj=obj,
        entity=getattr(obj, "entity_id", None),
        data=_changed(form),
    )
    return obj


@transaction.atomic
def goal_create(*, actor, year: int, form: ModelForm) -> Goal:
    """Add a goal to the year's work plan (the plan is created with its first goal)."""
    plan, _created = WorkPlan.objects.get_or_create(year=year)
    form.instance.plan = plan
    goal = form.save()
    audit_record(
        action="oversight.goal.create", actor=actor, obj=goal, data={"year": year, **_changed(form)}
    )
    return goal


@transaction.atomic
def plan_action_create(*, actor, form: ModelForm) -> PlanAction:
    """Add an action; the form has refused a missing baseline and a due date in the past."""
    action = form.save()
    audit_record(
        action="oversight.plan_action.create",
        actor=actor,
        obj=action,
        entity=action.entity_id,
        data=_changed(form),
    )
    return action


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
