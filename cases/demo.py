"""Demo data for the cases app: a routing rule, a few cases from other sources, all routed."""

from __future__ import annotations

import datetime as dt
import random
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
    CaseStatus,
    IndividualSanction,
    Outcome,
    RoutingRule,
    RuleMode,
    ServantSanction,
)
from lacs.access import role_entities
from lacs.days import day_start
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
    _seed_rest_days()
    history = _history()
    if history:
        stdout.write(f"cases: {history} closed cases of the past year (figures only, no contents)")
    routed = routing_sweep(older_than_seconds=0)
    if routed:
        stdout.write(f"cases: {routed} case(s) routed; sign in as 'contact' and open /cases/")


def _seed_rest_days() -> None:
    """This year's and next year's statutory rest days, so deadlines skip them."""
    from django.utils import timezone

    from cases.actions import holidays_statutory_add

    year = timezone.localdate().year
    for each in (year, year + 1):
        holidays_statutory_add(actor=None, year=each)


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


# Entities whose closed cases make up the demo's year of history, with their relative weight.
HISTORY_ENTITIES = {
    "SEMOVI": 9,
    "SSC": 8,
    "SEDUVI": 6,
    "SOBSE": 5,
    "SACMEX": 5,
    "SEDESA": 4,
    "SAF": 4,
    "STC": 4,
    "SECGOB": 3,
    "SEDECO": 2,
    "INVI": 2,
    "SEDEMA": 2,
}
HISTORY_SIZE = 360


def _history() -> int:
    """A year of closed cases, so the CPC dashboards show figures above the small-cell limit.

    They carry no report and no keys (numbers ``HIST-…``): nobody can open them, they only feed
    the aggregated figures. Closed, so no deadline or routing task ever touches them.
    """
    if Case.objects.filter(number__startswith="HIST-").exists():
        return 0
    entities = {e.acronym: e for e in Entity.objects.filter(acronym__in=HISTORY_ENTITIES)}
    categories = list(Category.objects.filter(active=True))
    if not entities or not categories:
        return 0
    rng = random.Random(2026)  # noqa: S311 - demo figures, not a secret
    names = [name for name in HISTORY_ENTITIES if name in entities]
    weights = [HISTORY_ENTITIES[name] for name in names]
    outcomes = [o for o in Outcome.values if o]
    today, now = timezone.localdate(), timezone.now()
    rows = []
    for n in range(HISTORY_SIZE):
        received = today - dt.timedelta(days=rng.randint(100, 365))
        rows.append(
            Case(
                number=f"HIST-{n:05d}",
                source=rng.choice(
                    [CaseSource.REPORT] * 4 + [CaseSource.STAFF, CaseSource.RED_FLAG]
                ),
                entity=entities[rng.choices(names, weights)[0]],
                category=rng.choice(categories),
                status=CaseStatus.CLOSED,
                received_on=received,
                routed_at=day_start(now),
                acknowledge_by=received + dt.timedelta(days=7),
                feedback_by=received + dt.timedelta(days=90),
                acknowledged_on=received + dt.timedelta(days=rng.choice([1, 2, 3, 4, 6, 9, 12])),
                feedback_given_on=received
                + dt.timedelta(days=rng.choice([15, 40, 60, 85, 100, 130])),
                outcome=rng.choice(outcomes),
            )
        )
    Case.objects.bulk_create(rows)
    return len(rows)
