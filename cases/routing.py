"""Who receives a case: the facts the routing rules need, read in one statement, and the rules.

Every report must reach a person holding a key the day it is filed. Each entity the rules send
a case to is tried down a chain — its primary contact point, else its alternates, else its
internal control body's (OIC) investigators — and when nobody on any chain holds a key, the
Comptroller's contact points take it. An entity whose head or contact point the report names
is never tried at all: none of its people and not its escrow key. Which link of the chain
took the case is recorded on the case (``Case.routed_via``) and in the audit row.

Routing runs for every report, and its latency is how long a whistle-blower's case waits before
anyone can see it. So one statement reads everything the rules look at (the case, its
recusals, the active rules, the comptroller, and the current contact points of every entity a
rule could send the case to, with their absences, public keys and e-mail addresses), and the
rules themselves are plain Python over those facts. The worker's claim of the outbox row is the
same statement (``claim=True``); recusal and every other re-routing read the same facts.
"""

from __future__ import annotations

import datetime as dt
import functools
from dataclasses import dataclass, field
from typing import Any

from django.contrib.auth import get_user_model
from django.db import connection
from django.db.models import Exists, OuterRef, Subquery
from django.utils import timezone

from cases.models import (
    Absence,
    Case,
    CaseExclusion,
    CaseKeyWrap,
    CaseRouting,
    RecipientRole,
    Recusal,
    RoutingFallback,
    RoutingRule,
    RoutingState,
    RuleMode,
    WrapKind,
)
from lacs.db import execute_prepared
from lacs.models import (
    Category,
    ContactPoint,
    ContactPointKind,
    Entity,
    Role,
    RoleAssignment,
    UserKeyPair,
)

INVESTIGATOR = "investigator"  # a Point's kind for an OIC investigator (not a contact point)


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
    fallback: str = ""  # the RoutingFallback that gave the case its first key holder

    def keyed(self) -> bool:
        return any(p.public_key for p in self.picks)

    def add(self, pick: Pick) -> None:
        if all(p.user.pk != pick.user.pk for p in self.picks):
            self.picks.append(pick)


@dataclass(frozen=True)
class Point:
    """A current contact point (or an OIC investigator), as the rules see it."""

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
    outbox_id: int | None
    attempts: int
    intake_key: bytes | None
    recused: set[int]
    excluded: set[int]  # named implicated by a recipient: never routed this case
    rules: list[RoutingRule]  # active ones: id, category, entity, target and mode only
    comptroller_id: int | None
    points: dict[int, list[Point]]
    escrow_keys: dict[int, str] = field(default_factory=dict)  # entity id → escrow public key

    def implicated(self) -> set[int]:
        """Entities whose head or contact point the report names: nobody there receives it."""
        case = self.case
        named = case.head_implicated or case.contact_point_implicated
        return {case.entity_id} if named else set()


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
        "exclusion": CaseExclusion._meta.db_table,
        "role": RoleAssignment._meta.db_table,
    }
    outbox = (
        f"JOIN {t['routing']} r ON r.case_id = c.id AND r.state = '{RoutingState.PENDING}'"
        if claim
        else f"LEFT JOIN {t['routing']} r ON r.case_id = c.id"
    )
    # The contact-point part is ContactPointQuerySet.current() (lacs.models) written in SQL;
    # tests/cases/test_routing.py holds both to the same dates.
    # Every entity a rule could send the case to: the reported one, the category's unit, rule
    # targets and the comptroller.
    reachable = f"""(
                 x.id IN (c.entity_id, cat.specialised_unit_id)
              OR x.id IN (SELECT y.target_id FROM {t["rule"]} y WHERE y.active)
              OR x.id IN (SELECT y.id FROM {t["entity"]} y WHERE y.active AND y.is_comptroller))"""  # noqa: S608
    absent = f"""EXISTS (SELECT 1 FROM {t["absence"]} a
                         WHERE a.user_id = p.user_id
                           AND a.start <= $2::date AND a."end" >= $2::date)"""  # noqa: S608
    # Administrators run the platform and never receive reports, even when older data made one a
    # contact point or investigator too (lacs.access.is_administrator, in SQL).
    not_admin = f"""NOT (u.is_staff OR u.is_superuser) AND NOT EXISTS (
                    SELECT 1 FROM {t["role"]} a WHERE a.user_id = u.id AND a.role = '{Role.ADMIN}'
                       AND a.start <= $2::date AND (a."end" IS NULL OR a."end" >= $2::date))"""  # noqa: S608
    # The contact-point part is ContactPointQuerySet.current() (lacs.models) written in SQL;
    # tests/cases/test_routing.py holds both to the same dates. Investigators are the
    # RoleAssignmentQuerySet.current() of the OIC role, the chain's third link.
    return f"""
    SELECT c.id, c.number, c.entity_id, c.category_id,
           c.contact_point_implicated, c.head_implicated,
           cat.code, cat.specialised_unit_id, r.id, r.attempts,
           (SELECT w.wrapped_key FROM {t["wrap"]} w
             WHERE w.case_id = c.id AND w.kind = '{WrapKind.INTAKE}'),
           ARRAY(SELECT s.user_id FROM {t["recusal"]} s WHERE s.case_id = c.id),
           ARRAY(SELECT s.user_id FROM {t["exclusion"]} s WHERE s.case_id = c.id),
           (SELECT coalesce(json_agg(json_build_array(
                       x.id, x.category_id, x.entity_id, x.target_id, x.mode)
                       ORDER BY x.position, x.id), '[]'::json)
              FROM {t["rule"]} x WHERE x.active),
           (SELECT x.id FROM {t["entity"]} x
             WHERE x.active AND x.is_comptroller ORDER BY x.name LIMIT 1),
           (SELECT coalesce(json_agg(json_build_array(
                       q.entity_id, q.user_id, q.kind, q.email, q.public_key, q.absent)
                       ORDER BY q.start, q.id), '[]'::json)
              FROM (SELECT p.entity_id, p.user_id, p.kind, u.email, k.public_key,
                           {absent} AS absent, p.start, p.id
                      FROM {t["point"]} p
                      JOIN {t["user"]} u ON u.id = p.user_id AND u.is_active AND {not_admin}
                      JOIN {t["entity"]} x ON x.id = p.entity_id
                      LEFT JOIN {t["keypair"]} k ON k.user_id = p.user_id
                     WHERE p.start <= $2::date
                       AND (p."end" IS NULL OR p."end" >= $2::date)  -- current()
                       AND {reachable}
                    UNION ALL
                    SELECT p.entity_id, p.user_id, '{INVESTIGATOR}', u.email, k.public_key,
                           {absent}, p.start, p.id
                      FROM {t["role"]} p
                      JOIN {t["user"]} u ON u.id = p.user_id AND u.is_active AND {not_admin}
                      JOIN {t["entity"]} x ON x.id = p.entity_id
                      LEFT JOIN {t["keypair"]} k ON k.user_id = p.user_id
                     WHERE p.role = '{Role.INVESTIGATOR}' AND p.start <= $2::date
                       AND (p."end" IS NULL OR p."end" >= $2::date)  -- current()
                       AND {reachable}) q),
           (SELECT coalesce(json_object_agg(x.id, x.escrow_public_key), '{{}}'::json)
              FROM {t["entity"]} x WHERE x.escrow_public_key <> '' AND {reachable})
      FROM {t["case"]} c
      JOIN {t["category"]} cat ON cat.id = c.category_id
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
        outbox_id,
        attempts,
        intake_key,
        recused,
        excluded,
        rules,
        comptroller_id,
        points,
        escrow_keys,
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
        outbox_id=outbox_id,
        attempts=attempts or 0,
        intake_key=bytes(intake_key) if intake_key is not None else None,
        recused=set(recused),
        excluded=set(excluded),
        rules=[RoutingRule.from_db("default", _RULE_FIELDS, item) for item in rules],
        comptroller_id=comptroller_id,
        points=by_entity,
        escrow_keys={int(k): v for k, v in escrow_keys.items()},
    )


def _user(point: Point):
    return get_user_model().from_db("default", ["id", "email"], [point.user_id, point.email])


def _entity(entity_id: int) -> Entity:
    return Entity.from_db("default", ["id"], [entity_id])


def _why_not(facts: Facts, point: Point) -> str:
    if point.user_id in facts.excluded:
        return "excluded"
    if point.user_id in facts.recused:
        return "recused"
    if point.absent:
        return "absent"
    return ""


# The chain inside one entity: (kind of point, role it receives as, fallback it records).
_LINKS = (
    (ContactPointKind.PRIMARY, None, RoutingFallback.PRIMARY),
    (ContactPointKind.ALTERNATE, RecipientRole.ALTERNATE, RoutingFallback.ALTERNATE),
    (INVESTIGATOR, RecipientRole.INVESTIGATOR, RoutingFallback.OIC),
)


def _entity_chain(plan: Plan, facts: Facts, entity_id: int, role: str, reason: str) -> str:
    """Walk the entity's chain until someone available holds a key; returns the link that did.

    Available people without a key pair on the links walked are added too (they wait for a key
    holder to share it), but only a key holder stops the walk.
    """
    points = facts.points.get(entity_id, [])
    out = ""
    for kind, link_role, fallback in _LINKS:
        took = False
        for point in (p for p in points if p.kind == kind):
            if why := _why_not(facts, point):
                plan.skipped.append({"user": point.user_id, "entity": entity_id, "reason": why})
                out = out or why
                continue
            because = reason if link_role is None else f"{reason};{fallback}:{out or 'none'}"
            pick = Pick(_user(point), link_role or role, _entity(entity_id), because)
            pick.public_key = point.public_key
            plan.add(pick)
            took = took or bool(point.public_key)
            if not point.public_key:
                out = out or "no_key"
        if took:
            return fallback
        out = out or f"no_{fallback}"
    return ""


def _targets(facts: Facts) -> list[tuple[int, str, str]]:
    """The entities a case goes to, in order, with the rule that sent it there."""
    case = facts.case
    implicated = facts.implicated()
    if implicated:
        if facts.comptroller_id is None or facts.comptroller_id in implicated:
            return []
        why = "head_implicated" if case.head_implicated else "contact_point_implicated"
        return [(facts.comptroller_id, RecipientRole.COMPTROLLER, why)]
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
    """Apply the rules, recusals, exclusions, absences and the fallback chain to ``facts``."""
    plan = Plan()
    for entity_id, role, reason in _targets(facts):
        took = _entity_chain(plan, facts, entity_id, role, reason)
        plan.fallback = plan.fallback or took
    if facts.implicated() and plan.fallback:
        plan.fallback = RoutingFallback.IMPLICATED
    comptroller = facts.comptroller_id
    if not plan.keyed() and comptroller is not None and not facts.implicated():
        role, reason = RecipientRole.COMPTROLLER, "no_available_contact_point"
        if _entity_chain(plan, facts, comptroller, role, reason):
            plan.fallback = RoutingFallback.COMPTROLLER
    return plan


def receiving_escrow_keys(facts: Facts, plan: Plan) -> dict[int, str]:
    """The escrow keys of the entities that received the case, never an implicated one's."""
    receiving = {p.entity.pk for p in plan.picks if p.public_key} - facts.implicated()
    return {pk: key for pk, key in facts.escrow_keys.items() if pk in receiving}


def routing_plan(case: Case) -> Plan:
    """Who should receive ``case`` now, applying rules, recusals, absences and escalation."""
    facts = facts_load(case.pk)
    return plan_from(facts) if facts is not None else Plan()


# --- Gaps an administrator must close ---------------------------------------------------------
UNROUTED_AFTER = dt.timedelta(hours=1)
ENDING_WITHIN_DAYS = 30


def entities_without_contact_point(day: dt.date):
    """Active entities with no current contact point, each with ``last_end`` (the day its last
    appointment ended; none if it never had one) and ``has_oic`` (investigators take its
    reports meanwhile; otherwise the Comptroller does)."""
    current = ContactPoint.objects.current(day).values("entity_id")
    investigators = RoleAssignment.objects.current(day).filter(
        entity_id=OuterRef("pk"), role=Role.INVESTIGATOR, user__is_active=True
    )
    ended = ContactPoint.objects.filter(entity_id=OuterRef("pk"), end__lt=day).order_by("-end")
    return (
        Entity.objects.active()
        .exclude(pk__in=current)
        .annotate(last_end=Subquery(ended.values("end")[:1]), has_oic=Exists(investigators))
        .order_by("name")
    )


def contact_points_ending(day: dt.date):
    """Current appointments that end within ``ENDING_WITHIN_DAYS`` days, soonest first."""
    until = day + dt.timedelta(days=ENDING_WITHIN_DAYS)
    return (
        ContactPoint.objects.current(day)
        .filter(end__isnull=False, end__lte=until)
        .select_related("user", "entity")
        .order_by("end", "entity__name")
    )


def unrouted(now: dt.datetime):
    """Outbox rows still waiting for a recipient an hour after the report was filed."""
    return (
        CaseRouting.objects.filter(state=RoutingState.PENDING, created_at__lte=now - UNROUTED_AFTER)
        .select_related("case__entity")
        .order_by("created_at")
    )
