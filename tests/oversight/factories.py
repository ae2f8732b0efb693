"""Test data for the oversight app: cases in bulk (routing metadata only) and plan records."""

from __future__ import annotations

import datetime as dt
import itertools
from decimal import Decimal

from django.utils import timezone

from cases.models import Case, CaseSource, CaseStatus
from lacs.models import Category
from oversight.models import Goal, PlanAction, PriorityArea, WorkPlan
from tests.factories import CategoryFactory

_numbers = itertools.count(1)


def make_cases(n: int, *, entity, category: Category | None = None, **fields) -> list[Case]:
    """``n`` cases of ``entity`` received on ``received_on`` (default: the 10th of this month)."""
    category = category or CategoryFactory()
    defaults = {
        "source": CaseSource.REPORT,
        "status": CaseStatus.RECEIVED,
        "received_on": timezone.localdate().replace(day=10),
    }
    defaults.update(fields)
    return Case.objects.bulk_create(
        Case(number=f"T-{next(_numbers):06d}", entity=entity, category=category, **defaults)
        for _ in range(n)
    )


def make_plan_action(entity, *, due: dt.date | None = None, **fields) -> PlanAction:
    today = timezone.localdate()
    plan, _ = WorkPlan.objects.get_or_create(year=today.year)
    area, _ = PriorityArea.objects.get_or_create(name="Trámites vehiculares")
    goal, _ = Goal.objects.get_or_create(plan=plan, area=area, name="Reducir la prevalencia")
    values = {
        "name": "Digitalizar el trámite de licencias",
        "indicator": "Trámites en línea (%)",
        "baseline": Decimal(10),
        "target": Decimal(60),
        "start": today - dt.timedelta(days=30),
        "due": due or today + dt.timedelta(days=330),
    }
    values.update(fields)
    return PlanAction.objects.create(goal=goal, entity=entity, **values)
