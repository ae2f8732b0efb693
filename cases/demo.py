"""Demo data for the cases app: a routing rule, a few cases from other sources, all routed."""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.utils import timezone

from cases.actions import case_open, routing_sweep
from cases.models import Case, CaseSource, RoutingRule, RuleMode
from lacs.models import Category, Entity

DEMO_CASES = [
    (CaseSource.AUDIT, "peculado", "analyst"),
    (CaseSource.RED_FLAG, "cohecho", "analyst"),
    (CaseSource.STAFF, "abuso-funciones", "contact"),
]


def seed(*, users: dict, stdout) -> None:
    """Idempotent: one routing rule, three non-report cases at SEMOVI once, then route all."""
    entity = Entity.objects.filter(acronym="SEMOVI").first()
    comptroller = Entity.objects.filter(is_comptroller=True).first()
    retaliation = Category.objects.filter(code="represalias").first()
    if comptroller and retaliation:
        RoutingRule.objects.get_or_create(
            category=retaliation,
            entity=None,
            target=comptroller,
            defaults={"mode": RuleMode.ALSO},
        )
    if entity is not None and not Case.objects.exclude(source=CaseSource.REPORT).exists():
        _open_demo_cases(entity, users)
    routed = routing_sweep(older_than_seconds=0)
    if routed:
        stdout.write(f"cases: {routed} case(s) routed; sign in as 'contact' and open /cases/")


@transaction.atomic
def _open_demo_cases(entity: Entity, users: dict) -> None:
    for position, (source, code, who) in enumerate(DEMO_CASES):
        category = Category.objects.get(code=code)
        case, _key = case_open(entity=entity, category=category, source=source, actor=users[who])
        if position == 0:  # one case whose acknowledgement is overdue, for the badges
            overdue = timezone.localdate() - dt.timedelta(days=2)
            Case.objects.filter(pk=case.pk).update(acknowledge_by=overdue)
