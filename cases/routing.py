"""Who receives a case: the facts the routing rules need, read in one statement, and the rules.

Routing runs for every report, and its latency is how long a whistle-blower's case waits before
anyone can see it. So one statement reads everything the rules look at (the case, its
recusals, the active rules, the comptroller, and the current contact points of every entity a
rule could send the case to, with their absences, public keys and e-mail addresses), and the
rules themselves are plain Python over those facts. The worker's claim of the outbox row is the
same statement (``claim=True``); recusal and every other re-routing read the same facts.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass, field
from typing import Any

from django.contrib.auth import get_user_model
from django.db import connection
from django.utils import timezone

from cases.models import (
    Absence,
    Case,
    CaseKeyWrap,
    CaseRouting,
    RecipientRole,
    Recusal,
    RoutingRule,
    RoutingState,
    RuleMode,
    WrapKind,
)
from lacs.db import execute_prepared
from lacs.models import Category, ContactPoint, ContactPointKind, Entity, UserKeyPair


@dataclass
class Pick:
    """One routing decision: who receives the case, as what, and why."""

    user: Any
    role: str
    entity: Entity
    reason: str
    public_key: str | None = None  # known when the pick came from the routing facts


@dataclass
class Plan:
    picks: list[Pick] = field(default_factory=list)
    skipped: list[dict] = field(default_factory=list)

    def add(self, pick: Pick) -> None:
        if all(p.user.pk != pick.user.pk for p in self.picks):
            self.picks.append(pick)


@dataclass(frozen=True)
class Point:
    """A current contact point, as the rules see it."""

    entity_id: int
    user_id: int
    kind: str
    email: str
    public_key: str | None
    absent: bool


@dataclass
class Facts:
    """Everything routing decides on, read at one instant."""

    case: Case  # id, number, entity, category and the two "implicated" ticks only
    category_code: str
    specialised_unit_id: int | None
    escrow_public_key: str
    outbox_id: int | None
    attempts: int
    intake_key: bytes | None
    recused: set[int]
    rules: list[RoutingRule]  # active ones: id, category, entity, target and mode only
    comptroller_id: int | None
    points: dict[int, list[Point]]


_RULE_FIELDS = ["id", "category_id", "entity_id", "target_id", "mode"]  # as the SQL reads them


@functools.cache
def _facts_sql(claim: bool) -> str:
    t = {
        "case": Case._meta.db_table,
        "category": Category._meta.db_table,
        "entity": Entity._meta.db_table,
        "routing": CaseRouting._meta.db_table,
        "wrap": CaseKeyWrap._meta.db_table,
        "recusal": Recusal._meta.db_table,
        "rule": RoutingRule._meta.db_table,
        "point": ContactPoint._meta.db_table,
        "user": get_user_model()._meta.db_table,
        "keypair": UserKeyPair._meta.db_table,
        "absence": Absence._meta.db_table,
    }
    outbox = (
        f"JOIN {t['routing']} r ON r.case_id = c.id AND r.state = '{RoutingState.PENDING}'"
        if claim
        else f"LEFT JOIN {t['routing']} r ON r.case_id = c.id"
    )
    # The contact-point part is ContactPointQuerySet.current() (lacs.models) written in SQL;
    # tests/cases/test_routing.py holds both to the same dates.
    return f"""
    SELECT c.id, c.number, c.entity_id, c.category_id,
           c.contact_point_implicated, c.head_implicated,
           cat.code, cat.specialised_unit_id, e.escrow_public_key, r.id, r.attempts,
           (SELECT w.wrapped_key FROM {t["wrap"]} w
             WHERE w.case_id = c.id AND w.kind = '{WrapKind.INTAKE}'),
           ARRAY(SELECT s.user_id FROM {t["recusal"]} s WHERE s.case_id = c.id),
           (SELECT coalesce(json_agg(json_build_array(
                       x.id, x.category_id, x.entity_id, x.target_id, x.mode)
                       ORDER BY x.position, x.id), '[]'::json)
              FROM {t["rule"]} x WHERE x.active),
           (SELECT x.id FROM {t["entity"]} x
             WHERE x.active AND x.is_comptroller ORDER BY x.name LIMIT 1),
           (SELECT coalesce(json_agg(json_build_array(
                       p.entity_id, p.user_id, p.kind, u.email, k.public_key,
                       EXISTS (SELECT 1 FROM {t["absence"]} a
                                WHERE a.user_id = p.user_id
                                  AND a.start <= $2::date AND a."end" >= $2::date))
                       ORDER BY p.start, p.id), '[]'::json)
              FROM {t["point"]} p
              JOIN {t["user"]} u ON u.id = p.user_id AND u.is_active
              LEFT JOIN {t["keypair"]} k ON k.user_id = p.user_id
             WHERE p.start <= $2::date AND (p."end" IS NULL OR p."end" >= $2::date)  -- current()
               AND (p.entity_id IN (c.entity_id, cat.specialised_unit_id)
                    OR p.entity_id IN (SELECT x.target_id FROM {t["rule"]} x WHERE x.active)
                    OR p.entity_id IN (SELECT x.id FROM {t["entity"]} x
                                        WHERE x.active AND x.is_comptroller)))
      FROM {t["case"]} c
      JOIN {t["category"]} cat ON cat.id = c.category_id
      JOIN {t["entity"]} e ON e.id = c.entity_id
      {outbox}
     WHERE c.id = $1::bigint
     {"FOR UPDATE OF r SKIP LOCKED" if claim else ""}
    """  # noqa: S608  # names from model meta, values as parameters


def facts_load(case_id: int, *, claim: bool = False) -> Facts | None:
    """The routing facts of one case; with ``claim``, only if its outbox row is pending and not
    locked by another worker (the row stays locked until the caller's transaction ends)."""
    with connection.cursor() as cursor:
        name = "cases_route_facts_claim" if claim else "cases_route_facts"
        execute_prepared(cursor, name, _facts_sql(claim), [case_id, timezone.localdate()])
        row = cursor.fetchone()
    if row is None:
        return None
    (
        pk,
        number,
        entity_id,
        category_id,
        cp_implicated,
        head_implicated,
        code,
        unit_id,
        escrow,
        outbox_id,
        attempts,
        intake_key,
        recused,
        rules,
        comptroller_id,
        points,
    ) = row
    case = Case.from_db(
        "default",
        ["id", "number", "entity_id", "category_id", "contact_point_implicated", "head_implicated"],
        [pk, number, entity_id, category_id, cp_implicated, head_implicated],
    )
    by_entity: dict[int, list[Point]] = {}
    for item in points:
        by_entity.setdefault(item[0], []).append(Point(*item))
    return Facts(
        case=case,
        category_code=code,
        specialised_unit_id=unit_id,
        escrow_public_key=escrow,
        outbox_id=outbox_id,
        attempts=attempts or 0,
        intake_key=bytes(intake_key) if intake_key is not None else None,
        recused=set(recused),
        rules=[RoutingRule.from_db("default", _RULE_FIELDS, item) for item in rules],
        comptroller_id=comptroller_id,
        points=by_entity,
    )


def _user(point: Point):
    return get_user_model().from_db("default", ["id", "email"], [point.user_id, point.email])


def _entity(entity_id: int) -> Entity:
    return Entity.from_db("default", ["id"], [entity_id])


def _contact_points(plan: Plan, facts: Facts, entity_id: int, role: str, reason: str) -> bool:
    """Add the entity's primary, or its alternates when the primary cannot take the case."""
    points = facts.points.get(entity_id, [])
    named = facts.case.contact_point_implicated and entity_id == facts.case.entity_id

    def why_not(point: Point) -> str:
        if point.user_id in facts.recused:
            return "recused"
        if point.absent:
            return "absent"
        if named and point.kind == ContactPointKind.PRIMARY:
            return "named_by_whistleblower"
        return ""

    took, primary_out = False, ""
    for kind in (ContactPointKind.PRIMARY, ContactPointKind.ALTERNATE):
        if took:
            break
        for point in (p for p in points if p.kind == kind):
            if why := why_not(point):
                plan.skipped.append({"user": point.user_id, "entity": entity_id, "reason": why})
                primary_out = primary_out or why
            elif kind == ContactPointKind.PRIMARY:
                plan.add(Pick(_user(point), role, _entity(entity_id), reason, point.public_key))
                took = True
            else:
                because = f"{reason};alternate:{primary_out or 'no_primary'}"
                alternate = RecipientRole.ALTERNATE
                plan.add(
                    Pick(_user(point), alternate, _entity(entity_id), because, point.public_key)
                )
                took = True
    return took


def _targets(facts: Facts) -> list[tuple[int, str, str]]:
    """The entities a case goes to, in order, with the rule that sent it there."""
    case = facts.case
    if case.head_implicated and facts.comptroller_id is not None:
        return [(facts.comptroller_id, RecipientRole.COMPTROLLER, "head_implicated")]
    rules = [r for r in facts.rules if r.matches(case)]
    instead = [r for r in rules if r.mode == RuleMode.INSTEAD]
    targets: list[tuple[int, str, str]]
    if instead:
        targets = [(r.target_id, RecipientRole.RULE, f"rule:{r.pk}") for r in instead]
    elif facts.specialised_unit_id is not None:
        targets = [
            (
                facts.specialised_unit_id,
                RecipientRole.SPECIALISED,
                f"category:{facts.category_code}",
            )
        ]
    else:
        targets = [(case.entity_id, RecipientRole.PRIMARY, "reported_entity")]
    targets += [
        (r.target_id, RecipientRole.RULE, f"rule:{r.pk}") for r in rules if r.mode == RuleMode.ALSO
    ]
    return targets


def plan_from(facts: Facts) -> Plan:
    """Apply the rules, recusals, absences and the comptroller fallback to ``facts``."""
    plan = Plan()
    for entity_id, role, reason in _targets(facts):
        _contact_points(plan, facts, entity_id, role, reason)
    if not plan.picks and facts.comptroller_id is not None:
        _contact_points(
            plan,
            facts,
            facts.comptroller_id,
            RecipientRole.COMPTROLLER,
            "no_available_contact_point",
        )
    return plan


def routing_plan(case: Case) -> Plan:
    """Who should receive ``case`` now, applying rules, recusals, absences and escalation."""
    facts = facts_load(case.pk)
    return plan_from(facts) if facts is not None else Plan()
