"""Read-only queries other apps use: declared interests for procurement cross-checks and
per-entity compliance figures for the dashboards. Signatures here are kept stable."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable, Iterator
from decimal import Decimal
from typing import NamedTuple

from django.db.models import Count, Q, Sum
from django.utils import timezone

from ethics import interest as interest_format
from ethics import registry
from ethics.deadlines import obligations
from ethics.models import (
    CodeAcknowledgement,
    CodeVersion,
    Declaration,
    EducationModule,
    Gift,
    GiftDecision,
    ModuleCompletion,
    ProcurementRole,
)
from lacs.models import Entity, Role, RoleAssignment


class DeclaredInterest(NamedTuple):
    servant_id: int
    entity_id: int
    counterpart_name: str
    counterpart_rfc: str  # upper case; "" when the declarant gave none
    declaration_id: int
    section: str  # key of the System 1 section, e.g. "participacion", "clientesPrincipales"


def _latest_filed(entity_ids: Iterable[int] | None):
    filed = Declaration.objects.filed()
    if entity_ids is not None:
        filed = filed.filter(entity_id__in=list(entity_ids))
    return filed.order_by("appointment_id", "-filed_at", "-pk").distinct("appointment_id")


def declared_supplier_interests(
    *, entity_ids: Iterable[int] | None = None
) -> Iterator[DeclaredInterest]:
    """Companies named in each appointment's latest filed declaration (items not given BAJA).

    Covers company participation, decision-making bodies, representation, main clients (the
    declarant's own business and legal-person clients), private benefits and trusts. Natural
    persons are left out: their names are private under the national rules. Items of the
    partner or dependants are included (a spouse's shareholding is still a conflict), so the
    result is for internal cross-checks only, never for publication.
    """
    rows = _latest_filed(entity_ids).values_list("pk", "declarant_id", "entity_id", "interest")
    for declaration_id, servant_id, entity_id, data in rows.iterator(chunk_size=500):
        for section, name, rfc in interest_format.counterparts(data or {}):
            yield DeclaredInterest(servant_id, entity_id, name, rfc, declaration_id, section)


def _servants(entity_ids: Iterable[int] | None, on: dt.date):
    servants = RoleAssignment.objects.current(on).filter(role=Role.SERVANT)
    if entity_ids is not None:
        servants = servants.filter(entity_id__in=list(entity_ids))
    return servants


def acknowledgement_compliance(
    *, entity_ids: Iterable[int] | None = None, version: CodeVersion | None = None
) -> dict[int, dict[str, int]]:
    """``{entity_id: {"servants": n, "acknowledged": m}}`` for the current (or given) version."""
    version = version or CodeVersion.objects.current()
    ids = list(entity_ids) if entity_ids is not None else None
    servants = _servants(ids, timezone.localdate())
    result: dict[int, dict[str, int]] = {}
    for row in servants.values("entity_id").annotate(n=Count("user_id", distinct=True)):
        result[row["entity_id"]] = {"servants": row["n"], "acknowledged": 0}
    if version is None:
        return result
    acked_users = CodeAcknowledgement.objects.filter(version=version).values("user_id")
    acked = (
        servants.filter(user_id__in=acked_users)
        .values("entity_id")
        .annotate(n=Count("user_id", distinct=True))
    )
    for row in acked:
        result[row["entity_id"]]["acknowledged"] = row["n"]
    return result


class ObligationStatus(NamedTuple):
    appointment_id: int
    servant_id: int
    entity_id: int
    kind: str
    year: int | None
    due: dt.date
    state: str  # "on_time", "late", "missing", "pending"
    declaration_id: int | None


def declaration_obligations(
    *,
    entity_ids: Iterable[int] | None = None,
    today: dt.date | None = None,
    user_ids: Iterable[int] | None = None,
) -> Iterator[ObligationStatus]:
    """Each declaration owed by each servant appointment and whether it was filed on time."""
    today = today or timezone.localdate()
    appointments = RoleAssignment.objects.filter(role=Role.SERVANT, start__lte=today)
    if entity_ids is not None:
        appointments = appointments.filter(entity_id__in=list(entity_ids))
    if user_ids is not None:
        appointments = appointments.filter(user_id__in=list(user_ids))
    filed: dict[tuple, tuple[int, dt.date]] = {}
    for pk, appointment_id, kind, year, filed_at in (
        Declaration.objects.filed()
        .filter(appointment__in=appointments)
        .values_list("pk", "appointment_id", "kind", "year", "filed_at")
    ):
        filed[(appointment_id, kind, year)] = (pk, timezone.localdate(filed_at))
    for appointment in appointments.order_by("pk").iterator(chunk_size=1000):
        if appointment.entity_id is None:  # a servant's role is entity-bound (RoleAssignment.clean)
            continue
        for ob in obligations(appointment.start, appointment.end, today):
            found = filed.get((appointment.pk, ob.kind, ob.year))
            if found:
                state = "on_time" if found[1] <= ob.due else "late"
            else:
                state = "missing" if ob.due < today else "pending"
            yield ObligationStatus(
                appointment.pk,
                appointment.user_id,
                appointment.entity_id,
                ob.kind,
                ob.year,
                ob.due,
                state,
                found[0] if found else None,
            )


def declaration_compliance(
    *, entity_ids: Iterable[int] | None = None, today: dt.date | None = None
) -> dict[int, dict[str, int]]:
    """``{entity_id: {"on_time": a, "late": b, "missing": c, "pending": d}}``."""
    result: dict[int, dict[str, int]] = defaultdict(
        lambda: {"on_time": 0, "late": 0, "missing": 0, "pending": 0}
    )
    for status in declaration_obligations(entity_ids=entity_ids, today=today):
        result[status.entity_id][status.state] += 1
    return dict(result)


def gift_totals(
    *, entity_ids: Iterable[int] | None = None, year: int | None = None
) -> dict[int, dict[str, int | Decimal]]:
    """``{entity_id: {"count", "value", "over_threshold", "handed_over", "declined"}}``."""
    gifts = Gift.objects.all()
    if entity_ids is not None:
        gifts = gifts.filter(entity_id__in=list(entity_ids))
    if year is not None:
        gifts = gifts.filter(offered_on__year=year)
    rows = gifts.values("entity_id").annotate(
        count=Count("pk"),
        value=Sum("value"),
        over_threshold=Count("pk", filter=Q(over_threshold=True)),
        handed_over=Count("pk", filter=Q(decision=GiftDecision.HANDED_OVER)),
        declined=Count("pk", filter=Q(decision=GiftDecision.DECLINED)),
    )
    return {
        row["entity_id"]: {
            "count": row["count"],
            "value": row["value"] or Decimal(0),
            "over_threshold": row["over_threshold"],
            "handed_over": row["handed_over"],
            "declined": row["declined"],
        }
        for row in rows
    }


def education_completion(*, entity_ids: Iterable[int] | None = None) -> dict[int, dict[str, int]]:
    """``{entity_id: {"servants", "modules", "passed", "complete"}}``: ``passed`` counts
    servant × module passes; ``complete`` counts servants who passed every active module."""
    ids = list(entity_ids) if entity_ids is not None else None
    servants = _servants(ids, timezone.localdate())
    modules = list(EducationModule.objects.filter(active=True).values_list("pk", flat=True))
    result: dict[int, dict[str, int]] = {}
    members: dict[int, set[int]] = defaultdict(set)
    for entity_id, user_id in servants.values_list("entity_id", "user_id"):
        members[entity_id].add(user_id)
    passes: dict[int, int] = defaultdict(int)
    for user_id in ModuleCompletion.objects.filter(
        passed=True, module_id__in=modules, user_id__in=servants.values("user_id")
    ).values_list("user_id", flat=True):
        passes[user_id] += 1
    for entity_id, users in members.items():
        result[entity_id] = {
            "servants": len(users),
            "modules": len(modules),
            "passed": sum(passes[u] for u in users),
            "complete": sum(1 for u in users if modules and passes[u] == len(modules)),
        }
    return result


def supplier_matches(*, entity_ids: Iterable[int], rfcs: Iterable[str]) -> set[str]:
    """The RFCs among ``rfcs`` that procurement data shows as suppliers of those entities."""
    wanted = {r.upper() for r in rfcs if r}
    if not wanted:
        return set()
    return registry.suppliers_among(entity_ids=entity_ids, rfcs=wanted) & wanted


# --- Servants who take part in procurement (PDN System 2) ----------------------------------------
def procurement_roles_published():
    """Recorded procurement roles of current servant appointments with a procedure type."""
    current = RoleAssignment.objects.current().filter(role=Role.SERVANT).values("pk")
    return (
        ProcurementRole.objects.filter(appointment__in=current)
        .exclude(procedures=[])
        .select_related("appointment__user", "appointment__entity")
    )


def procurement_role_entities_published():
    """Entities with at least one servant published in System 2, by name."""
    used = procurement_roles_published().values("appointment__entity")
    return Entity.objects.filter(pk__in=used).order_by("name")
