"""Demo data for the cases app: a routing rule, a few cases from other sources, all routed."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from cases.actions import (
    case_open,
    individual_sanction_record,
    routing_sweep,
    servant_sanction_record,
)
from cases.models import (
    Case,
    CaseSource,
    IndividualSanction,
    RoutingRule,
    RuleMode,
    ServantSanction,
)
from lacs.access import role_entities
from lacs.models import Category, Entity, Role

DEMO_CASES = [
    (CaseSource.AUDIT, "peculado", "analyst"),
    (CaseSource.RED_FLAG, "cohecho", "analyst"),
]


def seed(*, users: dict, stdout) -> None:
    """Idempotent: one routing rule, two non-report cases at SEMOVI once (staff-entered reports come from the whistleblowing demo, with contents), then route all."""
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
    if "investigator" in users:
        _record_demo_sanctions(users["investigator"])
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


def _record_demo_sanctions(investigator) -> None:
    """Two sanctions at the investigator's entity, once, so that PDN System 3 answers rows."""
    entity = role_entities(investigator, Role.INVESTIGATOR).first()
    if entity is None or ServantSanction.objects.exists() or IndividualSanction.objects.exists():
        return
    servant_sanction_record(
        actor=investigator,
        entity=entity,
        given_names="Rodrigo",
        first_surname="Méndez",
        second_surname="Salas",
        gender="M",
        position="Subdirector de Adquisiciones",
        level="Estructura",
        fault="VPC",
        kinds=["I", "M"],
        facts="Fraccionó compras para adjudicarlas directamente.",
        file_number="SCG/OIC/DEMO/001/2025",
        authority="Órgano Interno de Control",
        fine_amount=Decimal("48000.00"),
        ban_term="2 años",
        ban_start=dt.date(2025, 6, 1),
        ban_end=dt.date(2027, 6, 1),
        resolved_on=dt.date(2025, 5, 20),
    )
    individual_sanction_record(
        actor=investigator,
        entity=entity,
        name="Suministros Demostración SA de CV",
        person_kind="M",
        rfc="SDE010101AA1",
        kinds=["I"],
        facts="Presentó información falsa en una licitación.",
        file_number="SCG/OIC/DEMO/P/002/2025",
        authority="Órgano Interno de Control",
        contract_subject="Suministro de uniformes",
        ban_term="3 años",
        ban_start=dt.date(2025, 7, 1),
        ban_end=dt.date(2028, 7, 1),
    )
