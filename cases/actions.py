"""Actions of the cases app: one transaction and one audit row each.

``case_open`` is the one door through which reports, red flags, audit findings and staff-entered
reports become cases; ``case_route`` is what the routing worker runs for each outbox row.
"""

from __future__ import annotations

import datetime as dt
import functools
import json
import logging
import os
import secrets
import time
from collections import Counter
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import connection, transaction
from django.db.models import Exists, F, OuterRef, Q, Subquery
from django.http import Http404
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from cases import registry
from cases.access import (
    access_grant,
    access_revoke,
    assignable_people,
    assigning_entity_ids,
    case_data_key,
    case_notes_key,
    sanction_case_for_user,
    sanction_entities,
)
from cases.calendar import next_working_day, working_days_add
from cases.models import (
    NEAR_DAYS,
    PROTECTION_OPEN,
    REFERRABLE,
    Case,
    CaseExclusion,
    CaseExport,
    CaseFile,
    CaseFinding,
    CaseKeyWrap,
    CaseNote,
    CaseRecipient,
    CaseRouting,
    CaseSeen,
    CaseSource,
    CaseStatus,
    Holiday,
    IndividualSanction,
    NoteKind,
    NoticeKind,
    Outcome,
    PendingNotice,
    RecipientRole,
    RecipientState,
    Recusal,
    ReferralKind,
    RetainedCount,
    RoutingRule,
    RoutingState,
    RuleMode,
    ServantSanction,
    Severity,
    WrapKind,
)
from cases.referral import AUTHORITIES, package_build, package_digest
from cases.routing import (
    Facts,
    Pick,
    Plan,
    facts_load,
    plan_from,
    receiving_escrow_keys,
    routing_plan,
    unrouted,
)
from lacs import crypto, keys
from lacs.actions import change_kind_register, optional
from lacs.audit import audit_record
from lacs.days import day_start, unordered_id
from lacs.db import execute_prepared
from lacs.figures import figure_rows
from lacs.mail import notify_after_commit
from lacs.models import (
    AuditEvent,
    Category,
    ContactPoint,
    ContactPointKind,
    Entity,
    Role,
    RoleAssignment,
    UserKeyPair,
)
from lacs.queue import publish_quickly

User = get_user_model()

log = logging.getLogger(__name__)


class CaseError(Exception):
    """An action was refused; the message is for the person who asked (already translated)."""


# Case numbers are drawn at random, not from a sequence (ids too: lacs.days.unordered_id): staff
# see both, and consecutive values would place a day-only report between timed cases.
CASE_NUMBER_DIGITS = 10


def _next_number(year: int) -> str:
    while True:
        number = f"CDMX-{year}-{secrets.randbelow(10**CASE_NUMBER_DIGITS):0{CASE_NUMBER_DIGITS}d}"
        if not Case.objects.filter(number=number).exists():
            return number


@transaction.atomic
def case_open(
    *,
    entity: Entity,
    category: Category,
    source: str,
    contact_point_implicated: bool = False,
    head_implicated: bool = False,
    actor=None,
) -> tuple[Case, bytes]:
    """Open a case and queue it for routing; returns the case and its fresh data key.

    Call it inside the caller's transaction (the report and the case commit together). The data
    key is wrapped for the intake key (and the entity's escrow key) only; the routing worker
    re-wraps it for the recipients after commit.
    """
    today = timezone.localdate()
    case = Case.objects.create(
        pk=unordered_id(Case),
        number=_next_number(today.year),
        source=source,
        entity=entity,
        category=category,
        received_on=today,
        contact_point_implicated=contact_point_implicated,
        head_implicated=head_implicated,
        acknowledge_by=working_days_add(today, settings.ACKNOWLEDGE_DAYS),  # días hábiles
        feedback_by=next_working_day(today + dt.timedelta(days=settings.FEEDBACK_DAYS)),
    )
    data_key = crypto.new_data_key()
    # Only the intake key: the worker adds the escrow copies for the entities that receive the
    # case, which may not be the reported one (its head or contact point may be named).
    CaseKeyWrap.objects.create(
        case=case,
        kind=WrapKind.INTAKE,
        wrapped_key=crypto.wrap_for(keys.intake_public_key(), data_key),
    )
    CaseRouting.objects.create(case=case)
    whistleblower = actor is None or source == CaseSource.REPORT
    audit_record(
        action="case.open",
        actor=None if whistleblower else actor,
        obj=case,
        entity=entity,
        data={"source": source, "category": category.code},
        day_only=whistleblower,
    )
    transaction.on_commit(lambda: case_routing_schedule(case_id=case.pk))
    return case, data_key


def case_routing_schedule(*, case_id: int) -> None:
    """Queue routing after commit; if the broker is down the outbox row waits for the sweep.

    One quick attempt on a kept connection, no retry loop: the whistle-blower's request must not
    hang on a dead broker (the report is already saved).
    """
    from cases.tasks import case_route_task

    try:
        publish_quickly(case_route_task, (case_id,))
    except Exception as exc:  # broker unreachable: the beat sweep routes it later
        log.warning("routing of case %s not queued (%s); the sweep will route it", case_id, exc)


# --- Routing ----------------------------------------------------------------------------------
# Who receives a case is decided in cases.routing; storing the decision is here.


def _wrap_for_user(case: Case, user, data_key: bytes, notes_key: bytes) -> bool:
    """Wrap both case keys for ``user``'s public key; False when they have no key pair yet.

    Reads ``user.keypair`` (one query, none when the caller selected it with the user).
    """
    pair = getattr(user, "keypair", None)
    if pair is None:
        return False
    public = crypto.b64d(pair.public_key)
    for kind, key in ((WrapKind.RECIPIENT, data_key), (WrapKind.NOTES, notes_key)):
        CaseKeyWrap.objects.update_or_create(
            case=case, kind=kind, user=user, defaults={"wrapped_key": crypto.wrap_for(public, key)}
        )
    return True


def _escrow_add(case: Case, entity: Entity, data_key: bytes, notes_key: bytes) -> None:
    """Give ``entity``'s escrow key a copy of the case keys when it starts receiving the case
    (a referral, a recusal's hand-over), unless the report names its head or contact point."""
    implicated = case.head_implicated or case.contact_point_implicated
    escrow = Entity.objects.filter(pk=entity.pk).values_list("escrow_public_key", flat=True)
    public = next(iter(escrow), "")
    if not public or (implicated and entity.pk == case.entity_id):
        return
    if CaseKeyWrap.objects.filter(case=case, kind=WrapKind.ESCROW, entity=entity).exists():
        return
    key_of = crypto.b64d(public)
    CaseKeyWrap.objects.bulk_create(
        CaseKeyWrap(case=case, kind=kind, entity=entity, wrapped_key=crypto.wrap_for(key_of, key))
        for kind, key in ((WrapKind.ESCROW, data_key), (WrapKind.NOTES_ESCROW, notes_key))
    )


def _recipient_add(case: Case, pick: Pick, data_key: bytes, notes_key: bytes, actor=None) -> str:
    has_key = _wrap_for_user(case, pick.user, data_key, notes_key)
    if has_key:
        _escrow_add(case, pick.entity, data_key, notes_key)
    state = RecipientState.ACTIVE if has_key else RecipientState.PENDING_KEY
    CaseRecipient.objects.update_or_create(
        case=case,
        user=pick.user,
        defaults={"role": pick.role, "state": state, "entity": pick.entity, "reason": pick.reason},
    )
    access_grant(case=case, users=[pick.user])
    audit_record(
        action="case.recipient_add",
        actor=actor,
        obj=case,
        entity=pick.entity,
        data={"user": pick.user.pk, "role": pick.role, "reason": pick.reason, "key": state},
        day_only=actor is None,  # nobody acted: the system's time would follow the filing's
    )
    return state


def _notify(case: Case, user_ids: list[int], subject: str, body: str) -> None:
    """E-mail a notice after commit: the case number and a link, never any content."""
    emails = list(
        User.objects.filter(pk__in=user_ids).exclude(email="").values_list("email", flat=True)
    )
    notify_after_commit(subject, body, emails)


def _notify_assigned(case: Case, user_ids: list[int]) -> None:
    _notify_users(case, list(User.objects.filter(pk__in=user_ids)))


def _notify_users(case: Case, users: list) -> None:
    """Routed, recusal or referral: the people get a line in the next batch of notices."""
    notice_queue(user_ids=[u.pk for u in users], kind=NoticeKind.ROUTED, case_id=case.pk)


def case_route(*, case_id: int) -> bool:
    """Route one case from its outbox row, exactly once.

    The row is claimed with ``FOR UPDATE SKIP LOCKED`` (in the statement that reads the routing
    facts) and marked done in the same transaction as the wraps and permissions: a duplicate
    delivery finds it done (or locked) and returns; a worker killed half-way rolls everything
    back and the row waits for redelivery or sweep. One audit row holds every decision (who, as
    what, why; who was skipped, why).
    """
    with transaction.atomic():
        facts = facts_load(case_id, claim=True)
        if facts is None:
            return False
        _routing_pause()
        case = facts.case
        plan = plan_from(facts)
        if not plan.keyed():
            _routing_wait(facts, plan)
            return False
        if facts.intake_key is None:
            raise CaseError(f"case {case.pk} has no intake key to route with")
        data_key = crypto.unwrap_with(keys.intake_private_key(), facts.intake_key)
        escrows = receiving_escrow_keys(facts, plan)
        decisions = _recipients_store(facts, plan, data_key, escrows)
        access_grant(case=case, users=[p.user for p in plan.picks])
        audit_record(
            action="case.route",
            obj=case,
            entity=case.entity_id,
            data={
                "recipients": decisions,
                "skipped": plan.skipped,
                "fallback": plan.fallback,
                "escrow": sorted(escrows),
            },
            day_only=True,
        )
        _notify_users(case, [p.user for p in plan.picks])
    return True


@functools.cache
def _route_store_sql() -> str:
    wrap, recipient = CaseKeyWrap._meta.db_table, CaseRecipient._meta.db_table
    return f"""
    WITH wraps AS (
        INSERT INTO {wrap} (case_id, kind, user_id, entity_id, wrapped_key)
        SELECT $1::bigint, w.kind, w.user_id, w.entity_id, w.wrapped_key
          FROM unnest($5::varchar[], $6::bigint[], $7::bigint[],
                      $8::bytea[]) AS w(kind, user_id, entity_id, wrapped_key)
    ), recipients AS (
        INSERT INTO {recipient} (case_id, user_id, role, state, entity_id, reason, added_on)
        SELECT $1::bigint, r.user_id, r.role, r.state, r.entity_id, r.reason, $4::date
          FROM unnest($9::bigint[], $10::varchar[], $11::varchar[],
                      $12::bigint[], $13::varchar[])
               AS r(user_id, role, state, entity_id, reason)
        ON CONFLICT (case_id, user_id) DO UPDATE
           SET role = EXCLUDED.role, state = EXCLUDED.state, entity_id = EXCLUDED.entity_id,
               reason = EXCLUDED.reason
    ), intake AS (
        DELETE FROM {wrap} WHERE case_id = $1::bigint AND kind = '{WrapKind.INTAKE}'
    ), outbox AS (
        UPDATE {CaseRouting._meta.db_table}
           SET state = '{RoutingState.DONE}', routed_at = $3::timestamptz, attempts = attempts + 1,
               last_error = ''
         WHERE id = $2::bigint
    )
    UPDATE {Case._meta.db_table} SET routed_at = $3::timestamptz, routed_via = $14::varchar
     WHERE id = $1::bigint
    """  # noqa: S608  # names from model meta, values as parameters


def _recipients_store(
    facts: Facts, plan: Plan, data_key: bytes, escrows: dict[int, str]
) -> list[dict]:
    """Wrap both keys for each pick and each receiving entity's escrow key, record recipients,
    drop the intake wrap, close the outbox row: one statement, so the whistle-blower's case
    reaches the inbox without a queue of round trips."""
    notes_key = crypto.new_data_key()
    wraps: list[tuple[str, int | None, int | None, bytes]] = []
    rows: list[tuple[int, str, str, int, str]] = []
    decisions = []
    for pick in plan.picks:
        state = RecipientState.ACTIVE if pick.public_key else RecipientState.PENDING_KEY
        if pick.public_key:
            public = crypto.b64d(pick.public_key)
            for kind, key in ((WrapKind.RECIPIENT, data_key), (WrapKind.NOTES, notes_key)):
                wraps.append((kind, pick.user.pk, None, crypto.wrap_for(public, key)))
        rows.append((pick.user.pk, pick.role, state, pick.entity.pk, pick.reason))
        decisions.append(
            {
                "user": pick.user.pk,
                "role": pick.role,
                "entity": pick.entity.pk,
                "reason": pick.reason,
                "key": state,
            }
        )
    for entity_id, escrow in sorted(escrows.items()):
        public = crypto.b64d(escrow)
        for kind, key in ((WrapKind.ESCROW, data_key), (WrapKind.NOTES_ESCROW, notes_key)):
            wraps.append((kind, None, entity_id, crypto.wrap_for(public, key)))
    w_kind, w_user, w_entity, w_key = (list(column) for column in zip(*wraps, strict=True))
    r_user, r_role, r_state, r_entity, r_reason = (list(c) for c in zip(*rows, strict=True))
    with connection.cursor() as cursor:
        execute_prepared(
            cursor,
            "cases_route_store",
            _route_store_sql(),
            [
                facts.case.pk,
                facts.outbox_id,
                day_start(),  # the day only: routing follows the filing by milliseconds
                timezone.localdate(),
                [str(k) for k in w_kind],
                w_user,
                w_entity,
                w_key,
                r_user,
                [str(r) for r in r_role],
                [str(x) for x in r_state],
                r_entity,
                r_reason,
                str(plan.fallback),
            ],
        )
    return decisions


def _routing_wait(facts: Facts, plan: Plan) -> None:
    """Nobody who could receive the case holds a key yet: keep the intake wrap and retry later."""
    error = "no_recipient_with_key" if plan.picks else "no_recipient"
    if facts.attempts == 0:
        audit_record(
            action="case.route_wait",
            obj=facts.case,
            entity=facts.case.entity_id,
            data={"reason": error, "candidates": [p.user.pk for p in plan.picks]},
            day_only=True,
        )
    CaseRouting.objects.filter(case_id=facts.case.pk).update(
        attempts=F("attempts") + 1, last_error=error
    )


def _routing_pause() -> None:
    """Tests widen the window between claim and commit to kill a worker inside it."""
    pause = float(os.environ.get("LACS_CASES_TEST_ROUTING_PAUSE", "0") or 0)
    if pause and settings.TESTING:
        time.sleep(pause)


def routing_sweep(*, older_than_seconds: int = 60, limit: int = 500) -> int:
    """Route outbox rows nobody routed (broker or worker down); returns how many it routed."""
    cutoff = timezone.now() - dt.timedelta(seconds=older_than_seconds)
    pending = CaseRouting.objects.filter(state=RoutingState.PENDING, created_at__lte=cutoff)
    ids = list(pending.order_by("created_at", "case_id").values_list("case_id", flat=True)[:limit])
    return sum(case_route(case_id=case_id) for case_id in ids)


def routing_unrouted_alert(*, now: dt.datetime | None = None) -> int:
    """Tell the administrators, once per case, that reports wait unrouted for over an hour.

    The notice holds a count and a link to /staff/routing/, never a case's content or number.
    Returns how many cases it newly reported.
    """
    moment = now or timezone.now()
    with transaction.atomic():
        ids = list(
            unrouted(moment)
            .filter(admins_alerted_on__isnull=True)
            .select_for_update(skip_locked=True)
            .values_list("pk", flat=True)
        )
        if not ids:
            return 0
        CaseRouting.objects.filter(pk__in=ids).update(admins_alerted_on=timezone.localdate())
        audit_record(action="case.unrouted_alert", data={"cases": len(ids)})
        admins = User.objects.filter(is_superuser=True, is_active=True).exclude(email="")
        subject = _("Denuncias sin turnar")
        body = _(
            "%(n)s denuncia(s) esperan desde hace más de una hora a una persona que pueda "
            "recibirlas. Este aviso no incluye su contenido. Revise las designaciones en "
            "%(path)s"
        ) % {"n": len(ids), "path": reverse("staff_routing")}
        notify_after_commit(subject, body, list(admins.values_list("email", flat=True)))
    return len(ids)


# --- Workflow ---------------------------------------------------------------------------------
def _bump(case: Case, version: int, **changes: Any) -> None:
    """Apply ``changes`` only if nobody changed the case since ``version`` was read."""
    updated = Case.objects.filter(pk=case.pk, version=version).update(
        version=F("version") + 1, **changes
    )
    if not updated:
        raise CaseError(
            _("Otra persona modificó este caso mientras usted lo editaba. Recargue la página.")
        )
    for name, value in changes.items():
        setattr(case, name, value)
    case.version = version + 1


def _note(case: Case, actor, notes_key: bytes, text: str, kind: str) -> CaseNote:
    note = CaseNote.objects.create(case=case, author=actor, kind=kind, sealed_body=b"")
    sealed = crypto.seal_text(notes_key, text, _note_aad(note))
    CaseNote.objects.filter(pk=note.pk).update(sealed_body=sealed)
    note.sealed_body = sealed
    return note


def _note_aad(note: CaseNote) -> bytes:
    return f"case-note:{note.case_id}:{note.pk}".encode()


def note_text(note: CaseNote, notes_key: bytes) -> str:
    return crypto.open_text(notes_key, bytes(note.sealed_body), _note_aad(note))


@transaction.atomic
def case_note_add(*, actor, case: Case, notes_key: bytes, text: str) -> CaseNote:
    """Add an internal note, sealed under the case-internal key."""
    if not text.strip():
        raise CaseError(_("La nota está vacía."))
    note = _note(case, actor, notes_key, text.strip(), NoteKind.NOTE)
    audit_record(action="case.note_add", actor=actor, obj=case, data={"note": note.pk})
    return note


@transaction.atomic
def case_transition(
    *,
    actor,
    case: Case,
    to: str,
    version: int,
    notes_key: bytes,
    reason: str = "",
    outcome: str = "",
    closure_reason: str = "",
    data_key: bytes | None = None,
) -> Case:
    """Move a case along the workflow; refuses what TRANSITIONS does not allow.

    Closing needs the case's ``data_key``: the closure reason is sealed for the whistle-blower.
    """
    allowed = case.allowed_transitions()
    if to not in allowed:
        raise CaseError(
            _("No se puede pasar de «%(a)s» a «%(b)s».")
            % {"a": case.get_status_display(), "b": _status_label(to)}
        )
    reason = reason.strip()
    if allowed[to] and not reason:
        raise CaseError(_("Indique el motivo de este cambio."))
    changes: dict[str, Any] = {"status": to}
    today = timezone.localdate()
    if to == CaseStatus.CLOSED:
        if outcome not in Outcome.values or not outcome:
            raise CaseError(_("Indique el resultado con que se cierra el caso."))
        if not closure_reason.strip():
            raise CaseError(_("Escriba el motivo de cierre que leerá la persona denunciante."))
        if data_key is None:
            raise CaseError(_("Abra el caso con sus llaves para cerrarlo."))
        sealed = case.closure_reason_seal(data_key, closure_reason.strip())
        changes.update(outcome=outcome, closure_reason_sealed=sealed)
        changes["feedback_given_on"] = case.feedback_given_on or today
    elif to == CaseStatus.ACKNOWLEDGED:
        changes["acknowledged_on"] = today
    elif case.status == CaseStatus.CLOSED:
        changes.update(outcome="", closure_reason_sealed=None)
    before = case.status
    _bump(case, version, **changes)
    data: dict[str, Any] = {"from": before, "to": to}
    if reason:
        data["note"] = _note(case, actor, notes_key, reason, NoteKind.TRANSITION).pk
    if outcome:
        data["outcome"] = outcome
    audit_record(action="case.transition", actor=actor, obj=case, entity=case.entity, data=data)
    return case


def _status_label(status: str) -> str:
    return str(CaseStatus(status).label) if status in CaseStatus.values else status


@transaction.atomic
def case_severity_set(*, actor, case: Case, severity: str, version: int) -> Case:
    """Classify the misconduct as serious or not (the law's falta grave / no grave)."""
    if severity not in Severity.values:
        raise CaseError(_("Gravedad desconocida."))
    before = case.severity
    _bump(case, version, severity=severity)
    audit_record(
        action="case.severity",
        actor=actor,
        obj=case,
        entity=case.entity,
        data={"from": before, "to": severity},
    )
    return case


@transaction.atomic
def case_feedback_given(*, actor, case: Case) -> None:
    """Record that the whistle-blower was told how their report stands (a message was sent)."""
    if Case.objects.filter(pk=case.pk, feedback_given_on__isnull=True).update(
        feedback_given_on=timezone.localdate()
    ):
        audit_record(action="case.feedback", actor=actor, obj=case, entity=case.entity)


# --- Recusal, referral, key sharing -----------------------------------------------------------
def _holders(case: Case) -> set[int]:
    return set(
        CaseRecipient.objects.filter(case=case)
        .exclude(state=RecipientState.REVOKED)
        .values_list("user_id", flat=True)
    )


@transaction.atomic
def case_recuse(*, actor, case: Case, reason: str, data_key: bytes, notes_key: bytes) -> list[Pick]:
    """Declare a conflict of interest: lose access, and hand the case to the next recipient.

    Refused (nothing changes) when nobody else could then read the case.
    """
    if not reason.strip():
        raise CaseError(_("Explique el conflicto de interés."))
    Recusal.objects.create(case=case, user=actor, reason=reason.strip())
    remaining = _holders(case) - {actor.pk}
    plan = routing_plan(case)
    new = [p for p in plan.picks if p.user.pk not in remaining]
    keyed = UserKeyPair.objects.filter(user_id__in=remaining | {p.user.pk for p in new})
    active_left = CaseRecipient.objects.filter(
        case=case, user_id__in=remaining, state=RecipientState.ACTIVE
    ).exists()
    if not active_left and not keyed.exclude(user_id__in=remaining).exists():
        raise CaseError(
            _(
                "No hay otra persona que pueda recibir este caso. Pida a la administración "
                "que designe un suplente antes de excusarse."
            )
        )
    recipient_access_remove(case=case, user=actor)
    CaseRecipient.objects.filter(case=case, user=actor).update(
        state=RecipientState.REVOKED, reason="recused"
    )
    audit_record(action="case.recuse", actor=actor, obj=case, entity=case.entity)
    for pick in new:
        pick.reason = f"recusal:{actor.pk};{pick.reason}"
        _recipient_add(case, pick, data_key, notes_key, actor=actor)
    _notify_assigned(case, [p.user.pk for p in new])
    return new


def exclusion_candidates(case: Case, actor):
    """Whom ``actor`` may declare implicated: the case's other recipients, and the contact
    points and investigators of the entities that hold or could be given the case."""
    day = timezone.localdate()
    holders = CaseRecipient.objects.filter(case=case).exclude(state=RecipientState.REVOKED)
    entities = {case.entity_id, *holders.values_list("entity_id", flat=True)} - {None}
    points = ContactPoint.objects.current(day).filter(entity_id__in=entities)
    investigators = RoleAssignment.objects.current(day).filter(
        entity_id__in=entities, role=Role.INVESTIGATOR
    )
    return (
        User.objects.filter(is_active=True)
        .filter(
            Q(pk__in=holders.values("user_id"))
            | Q(pk__in=points.values("user_id"))
            | Q(pk__in=investigators.values("user_id"))
        )
        .exclude(pk=actor.pk)
        .exclude(pk__in=case.barred_user_ids())
        .order_by("last_name", "first_name", "username")
    )


@transaction.atomic
def case_exclude(*, actor, case: Case, user) -> CaseExclusion:
    """Declare a named colleague implicated in ``case``: they lose access and are never routed,
    escalated, referred or assigned the case again.

    Refused (nothing changes) for oneself (that is a recusal), for someone outside the case's
    entities, and when nobody else would still hold the case's keys.
    """
    if user.pk == actor.pk:
        raise CaseError(_("Para apartarse usted del caso, declare un conflicto de interés."))
    if not exclusion_candidates(case, actor).filter(pk=user.pk).exists():
        raise CaseError(_("Esa persona no puede excluirse de este caso."))
    keyed_left = CaseRecipient.objects.filter(case=case, state=RecipientState.ACTIVE).exclude(
        user=user
    )
    if not keyed_left.exists():
        raise CaseError(_("Nadie más podría leer el caso si se excluye a esa persona."))
    exclusion = CaseExclusion.objects.create(case=case, user=user, declared_by=actor)
    recipient_access_remove(case=case, user=user)
    CaseRecipient.objects.filter(case=case, user=user).update(
        state=RecipientState.REVOKED, reason="excluded"
    )
    audit_record(
        action="case.exclude", actor=actor, obj=case, entity=case.entity, data={"user": user.pk}
    )
    return exclusion


@transaction.atomic
def case_refer(
    *,
    actor,
    case: Case,
    version: int,
    kind: str,
    summary: str,
    data_key: bytes,
    notes_key: bytes,
    target: Entity | None = None,
) -> list[Pick]:
    """Refer a case to another entity, an internal control body (OIC) or an external authority.

    What was sent is kept as a sealed note; people who receive it get the case keys re-wrapped.
    """
    if case.status not in REFERRABLE and case.status != CaseStatus.REFERRED:
        raise CaseError(_("Sólo se turnan casos en valoración o en investigación."))
    if kind not in ReferralKind.values:
        raise CaseError(_("Tipo de turno desconocido."))
    if not summary.strip():
        raise CaseError(_("Describa qué se turna."))
    picks = _referral_picks(case, kind, target)
    label = f"{ReferralKind(kind).label}: {target}" if target else str(ReferralKind(kind).label)
    _bump(case, version, status=CaseStatus.REFERRED, referred_to=label[:200])
    note = _note(case, actor, notes_key, summary.strip(), NoteKind.REFERRAL)
    audit_record(
        action="case.refer",
        actor=actor,
        obj=case,
        entity=target or case.entity,
        data={"kind": kind, "target": target.pk if target else None, "note": note.pk},
    )
    for pick in picks:
        _recipient_add(case, pick, data_key, notes_key, actor=actor)
    _notify_assigned(case, [p.user.pk for p in picks])
    if kind in (ReferralKind.PROSECUTOR, ReferralKind.COURT):
        case_referral_export(
            actor=actor, case=case, authority=kind, data_key=data_key, notes_key=notes_key
        )
    return picks


def _referral_picks(case: Case, kind: str, target: Entity | None) -> list[Pick]:
    if kind in (ReferralKind.PROSECUTOR, ReferralKind.COURT):
        return []  # external authorities receive the file outside the platform
    if target is None:
        raise CaseError(_("Elija el ente al que se turna."))
    excluded = case.barred_user_ids()
    day = timezone.localdate()
    if kind == ReferralKind.OIC:
        people = [
            a.user
            for a in RoleAssignment.objects.current(day)
            .filter(role=Role.INVESTIGATOR, entity=target, user__is_active=True)
            .select_related("user")
            if a.user_id not in excluded
        ]
        role = RecipientRole.INVESTIGATOR
    else:
        people = [
            p.user
            for p in ContactPoint.objects.current(day)
            .filter(entity=target, user__is_active=True)
            .select_related("user")
            if p.user_id not in excluded
        ]
        role = RecipientRole.REFERRAL
    if not people:
        raise CaseError(
            _("%(entity)s no tiene personas activas que puedan recibir el turno.")
            % {"entity": target}
        )
    return [Pick(user, role, target, f"referral:{kind}") for user in people]


def recipient_access_remove(*, case: Case, user) -> None:
    """Take away ``user``'s permissions on ``case`` and the key wraps that open it for them."""
    access_revoke(case=case, user=user)
    CaseKeyWrap.objects.filter(
        case=case, user=user, kind__in=(WrapKind.RECIPIENT, WrapKind.NOTES)
    ).delete()


@transaction.atomic
def case_keys_share_pending(*, actor, case: Case, data_key: bytes, notes_key: bytes) -> int:
    """Wrap the case keys for recipients who had no key pair when they were added.

    Run when a recipient who holds the keys opens the case; returns how many it completed.
    """
    done = 0
    pending = CaseRecipient.objects.select_for_update(of=("self",)).filter(
        case=case, state=RecipientState.PENDING_KEY
    )
    for recipient in pending.select_related("user__keypair"):
        if _wrap_for_user(case, recipient.user, data_key, notes_key):
            CaseRecipient.objects.filter(pk=recipient.pk).update(state=RecipientState.ACTIVE)
            audit_record(
                action="case.key_share",
                actor=actor,
                obj=case,
                data={"user": recipient.user_id},
            )
            done += 1
    return done


def user_keys_replaced(*, user) -> int:
    """A user got a new key pair (their password was reset): the wraps for the old key are dead.

    Their cases wait for the keys again, but not as a recipient added before their first log-in:
    whoever reset the password may hold the new pair, so nothing hands the keys over on its own
    (no co-recipient's visit, no escrow run). A current recipient must confirm the fingerprint
    change (``case_keys_share_replaced``). Returns how many cases now wait.
    """
    rows = CaseRecipient.objects.filter(
        user=user, state__in=(RecipientState.ACTIVE, RecipientState.PENDING_KEY)
    )
    case_ids = list(rows.values_list("case_id", flat=True))
    if not case_ids:
        return 0
    CaseKeyWrap.objects.filter(
        case_id__in=case_ids, user=user, kind__in=(WrapKind.RECIPIENT, WrapKind.NOTES)
    ).delete()
    rows.update(state=RecipientState.KEY_REPLACED)
    audit_record(action="case.key_lost", obj=user, data={"cases": len(case_ids)})
    return len(case_ids)


@transaction.atomic
def case_keys_share_replaced(
    *, actor, case: Case, recipient_id: int, fingerprint: str, data_key: bytes, notes_key: bytes
) -> CaseRecipient:
    """Hand the case keys to a recipient's replaced key pair, confirmed by a current recipient.

    ``fingerprint`` is the new key's fingerprint as the confirming person saw it: a pair replaced
    again after the page was shown is refused. The caller holds the keys (they opened them).
    """
    recipient = (
        CaseRecipient.objects.select_for_update(of=("self",))
        .select_related("user__keypair")
        .filter(case=case, pk=recipient_id, state=RecipientState.KEY_REPLACED)
        .first()
    )
    pair = getattr(recipient.user, "keypair", None) if recipient else None
    if recipient is None or pair is None or recipient.user_id == actor.pk:
        raise CaseError(_("Esta persona no espera la confirmación de una llave nueva."))
    if fingerprint.strip().upper() != pair.fingerprint:
        raise CaseError(_("La huella de la llave cambió desde que se mostró; revísela de nuevo."))
    _wrap_for_user(case, recipient.user, data_key, notes_key)
    CaseRecipient.objects.filter(pk=recipient.pk).update(state=RecipientState.ACTIVE)
    audit_record(
        action="case.key_share_replaced",
        actor=actor,
        obj=case,
        data={
            "user": recipient.user_id,
            "old_fingerprint": pair.replaced_fingerprint,
            "new_fingerprint": pair.fingerprint,
        },
    )
    return recipient


def escrow_waiting(entity: Entity | None = None):
    """Recipients waiting for the keys of cases that ``entity``'s escrow key opens (or any
    entity's: each row then carries ``escrow_entity_id``, the first entity whose key opens it).

    Escrow copies belong to the entities that received a case, never to the reported entity
    when its head or contact point is named.
    """

    def wraps(kind: str):
        rows = CaseKeyWrap.objects.filter(case_id=OuterRef("case_id"), kind=kind)
        return rows.filter(entity=entity) if entity is not None else rows

    return CaseRecipient.objects.filter(
        Exists(wraps(WrapKind.ESCROW)),
        Exists(wraps(WrapKind.NOTES_ESCROW)),
        state=RecipientState.PENDING_KEY,
        user__keypair__isnull=False,
    ).annotate(
        escrow_entity_id=Subquery(
            wraps(WrapKind.ESCROW).order_by("entity_id").values("entity_id")[:1]
        )
    )


@transaction.atomic
def escrow_recover(*, actor, entity: Entity, private_key: bytes) -> tuple[int, int]:
    """Give waiting recipients the keys of ``entity``'s cases, opened with its escrow key.

    The escrow private key is used in memory for this call only; nobody sees any content. A key
    that is not the entity's changes nothing. Returns (recipients served, cases).
    """
    try:
        matches = entity.escrow_public_key and crypto.public_from_private(private_key) == (
            crypto.b64d(entity.escrow_public_key)
        )
    except ValueError:
        matches = False
    if not matches:
        raise CaseError(_("La llave no es la llave de recuperación de este ente."))
    waiting = list(
        escrow_waiting(entity)
        .select_for_update(of=("self",))
        .select_related("case", "user__keypair")
    )
    by_case: dict[int, list[CaseRecipient]] = {}
    for recipient in waiting:
        by_case.setdefault(recipient.case_id, []).append(recipient)
    wraps = {
        (w.case_id, w.kind): bytes(w.wrapped_key)
        for w in CaseKeyWrap.objects.filter(
            case_id__in=by_case, entity=entity, kind__in=(WrapKind.ESCROW, WrapKind.NOTES_ESCROW)
        )
    }
    served = 0
    for case_id, recipients in by_case.items():
        data_key = crypto.unwrap_with(private_key, wraps[(case_id, WrapKind.ESCROW)])
        notes_key = crypto.unwrap_with(private_key, wraps[(case_id, WrapKind.NOTES_ESCROW)])
        case = recipients[0].case
        for recipient in recipients:
            _wrap_for_user(case, recipient.user, data_key, notes_key)
        CaseRecipient.objects.filter(pk__in=[r.pk for r in recipients]).update(
            state=RecipientState.ACTIVE
        )
        audit_record(
            action="case.escrow_recover",
            actor=actor,
            obj=case,
            entity=entity,
            data={"users": [r.user_id for r in recipients]},
        )
        served += len(recipients)
    for recipients in by_case.values():
        _notify_keys_ready(recipients[0].case, [r.user_id for r in recipients])
    return served, len(by_case)


def _notify_keys_ready(case: Case, user_ids: list[int]) -> None:
    subject = _("Ya puede abrir el caso %(number)s") % {"number": case.number}
    body = _(
        "Se recuperaron las llaves del caso %(number)s para usted. Por seguridad este aviso "
        "no incluye su contenido; ingrese a la plataforma para consultarlo."
    ) % {"number": case.number}
    _notify(case, user_ids, subject, body)


# --- Deadlines --------------------------------------------------------------------------------
def deadlines_check(*, today: dt.date | None = None) -> dict[str, int]:
    """Remind before each deadline, mark breaches after it and escalate (idempotent per day)."""
    day = today or timezone.localdate()
    near = day + dt.timedelta(days=NEAR_DAYS)
    counts = dict.fromkeys(("ack_reminded", "ack_breached", "fb_reminded", "fb_breached"), 0)
    received = Case.objects.filter(status=CaseStatus.RECEIVED, routed_at__isnull=False)
    pending_fb = Case.objects.open().filter(feedback_given_on__isnull=True, routed_at__isnull=False)
    for case_id in received.filter(
        acknowledge_reminded_on__isnull=True, acknowledge_by__range=(day, near)
    ).values_list("pk", flat=True):
        counts["ack_reminded"] += _remind(case_id, "acknowledge", day)
    for case_id in received.filter(
        acknowledge_breached_on__isnull=True, acknowledge_by__lt=day
    ).values_list("pk", flat=True):
        counts["ack_breached"] += _breach(case_id, "acknowledge", day)
    for case_id in pending_fb.filter(
        feedback_reminded_on__isnull=True, feedback_by__range=(day, near)
    ).values_list("pk", flat=True):
        counts["fb_reminded"] += _remind(case_id, "feedback", day)
    for case_id in pending_fb.filter(
        feedback_breached_on__isnull=True, feedback_by__lt=day
    ).values_list("pk", flat=True):
        counts["fb_breached"] += _breach(case_id, "feedback", day)
    return counts


DEADLINE_LABELS = {
    "acknowledge": gettext_lazy("acusar recibo"),
    "feedback": gettext_lazy("informar a la persona denunciante"),
}


@transaction.atomic
def _remind(case_id: int, which: str, day: dt.date) -> int:
    field_name = f"{which}_reminded_on"
    claimed = Case.objects.filter(pk=case_id, **{f"{field_name}__isnull": True}).update(
        **{field_name: day}
    )
    if not claimed:
        return 0
    case = Case.objects.get(pk=case_id)
    audit_record(action=f"case.{which}_reminder", obj=case, entity=case.entity_id)
    due = getattr(case, f"{which}_by")
    _notify(
        case,
        list(_holders(case)),
        _("Plazo por vencer en el caso %(number)s") % {"number": case.number},
        _("El plazo para %(what)s en el caso %(number)s vence el %(due)s.")
        % {"what": DEADLINE_LABELS[which], "number": case.number, "due": due},
    )
    return 1


@transaction.atomic
def _breach(case_id: int, which: str, day: dt.date) -> int:
    """Mark the breach once, and give the case to the alternates and the comptroller."""
    field_name = f"{which}_breached_on"
    claimed = Case.objects.filter(pk=case_id, **{f"{field_name}__isnull": True}).update(
        **{field_name: day}
    )
    if not claimed:
        return 0
    case = Case.objects.select_related("entity").get(pk=case_id)
    added = _escalate(case, which)
    audit_record(
        action=f"case.{which}_breach",
        obj=case,
        entity=case.entity,
        data={"escalated_to": added},
    )
    subject = _("Plazo vencido en el caso %(number)s") % {"number": case.number}
    body = _("Venció el plazo para %(what)s en el caso %(number)s.") % {
        "what": DEADLINE_LABELS[which],
        "number": case.number,
    }
    _notify(case, list(_holders(case)), subject, body)
    return 1


def case_escalate(*, case: Case, which: str) -> list[int]:
    """Escalate ``case`` for a missed deadline of another track (a protection request's)."""
    return _escalate(case, which)


def _escalate(case: Case, which: str) -> list[int]:
    """Add the entity's alternates and the comptroller as recipients waiting for the keys.

    Never anyone of an entity whose head or contact point the report names, and never a person
    who recused or was excluded. The worker no longer holds the case key: a current
    recipient's next visit shares it (or the receiving entity's escrow key recovers it).
    """
    barred = case.barred_user_ids() | _holders(case)
    implicated = (
        {case.entity_id} if case.head_implicated or case.contact_point_implicated else set()
    )
    points = (
        ContactPoint.objects.current(timezone.localdate())
        .filter(user__is_active=True)
        .exclude(entity_id__in=implicated)
        .select_related("user", "entity")
    )
    candidates = list(points.filter(entity=case.entity, kind=ContactPointKind.ALTERNATE)) + list(
        points.filter(entity__is_comptroller=True, kind=ContactPointKind.PRIMARY)
    )
    added: list[int] = []
    for point in candidates:
        if point.user_id in barred or point.user_id in added:
            continue
        CaseRecipient.objects.update_or_create(  # may hold an old revoked row
            case=case,
            user=point.user,
            defaults={
                "entity": point.entity,
                "role": RecipientRole.ESCALATION,
                "state": RecipientState.PENDING_KEY,
                "reason": f"deadline:{which}",
            },
        )
        access_grant(case=case, users=[point.user])
        added.append(point.user_id)
    return added


# --- Routing rules (applied only when a second administrator approves) ------------------------
@transaction.atomic
def routing_rule_save(
    *,
    actor,
    target: Entity,
    category: Category | None = None,
    entity: Entity | None = None,
    mode: str = RuleMode.INSTEAD,
    position: int = 0,
    active: bool = True,
    rule: RoutingRule | None = None,
    proposed_by=None,
) -> RoutingRule:
    """Create or change a routing rule (``change_approve`` calls this with both names)."""
    rule = rule or RoutingRule()
    rule.category, rule.entity, rule.target = category, entity, target
    rule.mode, rule.position, rule.active = mode, position, active
    rule.full_clean()
    rule.save()
    audit_record(
        action="cases.routing_rule_save",
        actor=actor,
        obj=rule,
        data={
            "category": rule.category_id,
            "entity": rule.entity_id,
            "target": rule.target_id,
            "mode": rule.mode,
            "proposed_by": getattr(proposed_by, "pk", None),
        },
    )
    return rule


@transaction.atomic
def routing_rule_toggle(*, actor, rule: RoutingRule, proposed_by=None) -> RoutingRule:
    """Switch a routing rule on or off."""
    RoutingRule.objects.filter(pk=rule.pk).update(active=~F("active"))
    rule.refresh_from_db(fields=["active"])
    audit_record(
        action="cases.routing_rule_toggle",
        actor=actor,
        obj=rule,
        data={"active": rule.active, "proposed_by": getattr(proposed_by, "pk", None)},
    )
    return rule


def _apply_routing_rule_save(*, actor, proposed_by, payload: dict) -> RoutingRule:
    return routing_rule_save(
        actor=actor,
        target=Entity.objects.get(pk=payload["target"]),
        category=optional(Category, payload.get("category")),
        entity=optional(Entity, payload.get("entity")),
        mode=payload["mode"],
        position=payload.get("position") or 0,
        active=payload.get("active", True),
        rule=optional(RoutingRule, payload.get("rule")),
        proposed_by=proposed_by,
    )


def _apply_routing_rule_toggle(*, actor, proposed_by, payload: dict) -> RoutingRule:
    rule = RoutingRule.objects.get(pk=payload["rule"])
    return routing_rule_toggle(actor=actor, rule=rule, proposed_by=proposed_by)


def change_kinds_register() -> None:
    """The changes of this app that need two administrators (see lacs.actions.change_approve)."""
    change_kind_register(
        "routing_rule.save", apply=_apply_routing_rule_save, label=_("Regla de turno")
    )
    change_kind_register(
        "routing_rule.toggle",
        apply=_apply_routing_rule_toggle,
        label=_("Activar o desactivar una regla de turno"),
    )


# --- Appointments that end ---------------------------------------------------------------------
def recipients_expire(*, today: dt.date | None = None) -> int:
    """Take cases away from people whose contact-point or investigator appointment ended.

    The last person holding a case's key keeps it (marked for hand-over) so the case stays
    readable until someone else holds the key; returns how many accesses were revoked.
    """
    day = today or timezone.localdate()
    appointed = ContactPoint.objects.current(day).filter(
        user_id=OuterRef("user_id"), entity_id=OuterRef("entity_id")
    )
    investigating = RoleAssignment.objects.current(day).filter(
        user_id=OuterRef("user_id"), entity_id=OuterRef("entity_id"), role=Role.INVESTIGATOR
    )
    stale = (
        CaseRecipient.objects.exclude(state=RecipientState.REVOKED)
        .exclude(reason="handover_needed")
        .annotate(appointed=Exists(appointed), investigating=Exists(investigating))
        .filter(appointed=False, investigating=False)
    )
    return sum(_recipient_expire(pk) for pk in stale.values_list("pk", flat=True))


@transaction.atomic
def _recipient_expire(recipient_id: int) -> int:
    recipient = (
        CaseRecipient.objects.select_for_update()
        .select_related("case", "user")
        .get(pk=recipient_id)
    )
    case = recipient.case
    others = CaseRecipient.objects.filter(case=case, state=RecipientState.ACTIVE).exclude(
        pk=recipient.pk
    )
    if recipient.state == RecipientState.ACTIVE and not others.exists():
        CaseRecipient.objects.filter(pk=recipient.pk).update(reason="handover_needed")
        audit_record(
            action="case.handover_needed",
            obj=case,
            entity=case.entity_id,
            data={"user": recipient.user_id},
        )
        return 0
    recipient_access_remove(case=case, user=recipient.user)
    CaseRecipient.objects.filter(pk=recipient.pk).update(
        state=RecipientState.REVOKED, reason="appointment_ended"
    )
    audit_record(
        action="case.recipient_expire",
        obj=case,
        entity=case.entity_id,
        data={"user": recipient.user_id},
    )
    return 1


# --- Cases opened by staff --------------------------------------------------------------------
@transaction.atomic
def case_finding_open(
    *, actor, entity: Entity, category: Category, summary: str, head_implicated: bool = False
) -> Case:
    """Open a case from an audit finding; the summary is sealed under the new case's data key.

    The person who opens it does not become a recipient: routing decides who works it.
    """
    if not summary.strip():
        raise CaseError(_("Describa el hallazgo."))
    case, data_key = case_open(
        entity=entity,
        category=category,
        source=CaseSource.AUDIT,
        head_implicated=head_implicated,
        actor=actor,
    )
    case_finding_seal(actor=actor, case=case, data_key=data_key, summary=summary.strip())
    return case


def case_finding_seal(*, actor, case: Case, data_key: bytes, summary: str) -> CaseFinding:
    """Keep what a case was opened from (an audit finding, a red flag's OCID and codes), sealed
    under its data key; call inside the transaction that opened the case."""
    finding = CaseFinding(case=case, opened_by=actor)
    finding.sealed_summary = crypto.seal_text(data_key, summary, finding.aad)
    finding.save()
    return finding


def finding_text(case: Case, data_key: bytes) -> str | None:
    finding = CaseFinding.objects.filter(case=case).first()
    if finding is None:
        return None
    return crypto.open_text(data_key, bytes(finding.sealed_summary), finding.aad)


# --- Sanctions registry (PDN System 3) ---------------------------------------------------------
def _sanction_links(*, actor, entity: Entity, case_number: str) -> Case | None:
    if not sanction_entities(actor).filter(pk=entity.pk).exists():
        raise CaseError(_("Sólo registra sanciones de los entes donde usted investiga."))
    if not case_number.strip():
        return None
    try:
        return sanction_case_for_user(actor, case_number)
    except Http404:
        raise CaseError(_("No encontramos ese caso entre los que usted puede ver.")) from None


@transaction.atomic
def servant_sanction_record(
    *, actor, entity: Entity, case_number: str = "", **fields: Any
) -> ServantSanction:
    """Record a sanction imposed on a public servant; it is published through PDN System 3."""
    case = _sanction_links(actor=actor, entity=entity, case_number=case_number)
    if not fields.get("kinds"):
        raise CaseError(_("Indique al menos un tipo de sanción."))
    sanction = ServantSanction.objects.create(entity=entity, case=case, recorded_by=actor, **fields)
    audit_record(
        action="sanction.servant_record",
        actor=actor,
        obj=sanction,
        entity=entity,
        data={"case": case.pk if case else None, "kinds": list(sanction.kinds)},
    )
    return sanction


@transaction.atomic
def individual_sanction_record(
    *, actor, entity: Entity, case_number: str = "", **fields: Any
) -> IndividualSanction:
    """Record a sanction imposed on a person or company; published through PDN System 3."""
    case = _sanction_links(actor=actor, entity=entity, case_number=case_number)
    if not fields.get("kinds"):
        raise CaseError(_("Indique al menos un tipo de sanción."))
    sanction = IndividualSanction.objects.create(
        entity=entity, case=case, recorded_by=actor, **fields
    )
    audit_record(
        action="sanction.individual_record",
        actor=actor,
        obj=sanction,
        entity=entity,
        data={"case": case.pk if case else None, "kinds": list(sanction.kinds)},
    )
    return sanction


# --- Notices --------------------------------------------------------------------------------------
# Notices about a case wait in ``PendingNotice`` (the day only) and go out in batches at random:
# a mail's time says nothing about when the event happened. See docs/cases.md for the window.
NOTICE_LINES = {
    NoticeKind.ROUTED: gettext_lazy("se le turnó el caso %(number)s"),
    NoticeKind.ASSIGNED: gettext_lazy("se le asignó el caso %(number)s"),
    NoticeKind.ACTIVITY: gettext_lazy(
        "hay novedades de la persona denunciante en el caso %(number)s"
    ),
    NoticeKind.PROTECTION: gettext_lazy("hay una solicitud de protección en el caso %(number)s"),
    NoticeKind.IDENTITY: gettext_lazy(
        "una solicitud para conocer una identidad espera su decisión"
    ),
}


def notice_queue(*, user_ids, kind: str, case_id: int | None = None) -> None:
    """Queue a notice for each user inside the caller's transaction (several events before a
    batch make one line: the row is unique per person, case and kind)."""
    ids = sorted({uid for uid in user_ids if uid})
    if not ids:
        return
    PendingNotice.objects.bulk_create(
        [PendingNotice(user_id=uid, case_id=case_id, kind=kind) for uid in ids],
        ignore_conflicts=True,
    )


def case_recipients_notify(*, case: Case, kind: str) -> None:
    """Queue ``kind`` for everyone who currently holds ``case`` (whistle-blower events)."""
    notice_queue(user_ids=list(_holders(case)), kind=kind, case_id=case.pk)


def case_activity_record(*, case: Case, kind: str = NoticeKind.ACTIVITY) -> None:
    """The whistle-blower wrote, added a file or asked for protection: the case is unread for
    its recipients (a counter, never a time) and they get a notice in the next batch."""
    Case.objects.filter(pk=case.pk).update(activity=F("activity") + 1)
    case_recipients_notify(case=case, kind=kind)


def notices_send(*, today: dt.date | None = None, chance: float | None = None) -> int:
    """Send each person's pending notices as one mail, at random: each run sends a person's
    batch with probability ``chance`` (``NOTICE_SEND_CHANCE``), and any batch holding a notice
    from an earlier day for sure. Returns how many mails were queued."""
    day = today or timezone.localdate()
    odds = settings.NOTICE_SEND_CHANCE if chance is None else chance
    user_ids = set(PendingNotice.objects.values_list("user_id", flat=True).distinct())
    overdue = set(PendingNotice.objects.filter(queued_on__lt=day).values_list("user_id", flat=True))
    draw = secrets.SystemRandom()
    chosen = [uid for uid in sorted(user_ids) if uid in overdue or draw.random() < odds]
    return sum(_notices_send_one(uid) for uid in chosen)


@transaction.atomic
def _notices_send_one(user_id: int) -> int:
    rows = list(
        PendingNotice.objects.select_for_update(of=("self",), skip_locked=True)
        .filter(user_id=user_id)
        .select_related("case", "user")
        .order_by("kind", "case_id")
    )
    if not rows:
        return 0
    user = rows[0].user
    PendingNotice.objects.filter(pk__in=[r.pk for r in rows]).delete()
    audit_record(action="notice.batch_send", obj=user, data={"lines": len(rows)}, day_only=True)
    if not user.email or not user.is_active:
        return 0
    lines = [
        "- " + str(NOTICE_LINES[NoticeKind(r.kind)]) % {"number": r.case.number if r.case else ""}
        for r in rows
    ]
    subject = _("Avisos de la plataforma de integridad")
    body = _(
        "Tiene avisos nuevos. Por seguridad no incluyen contenido ni la hora de lo ocurrido; "
        "ingrese a la plataforma para consultarlos: %(path)s"
    ) % {"path": reverse("cases:inbox")}
    notify_after_commit(subject, body + "\n\n" + "\n".join(lines), [user.email])
    return 1


# --- Unread markers -------------------------------------------------------------------------------
def case_seen(*, user, case: Case) -> None:
    """Record that ``user`` saw ``case`` as it stands (its activity counter, no time)."""
    CaseSeen.objects.update_or_create(user=user, case=case, defaults={"activity": case.activity})


# --- Assignment -----------------------------------------------------------------------------------
@transaction.atomic
def case_assign(*, actor, case: Case, assignee, data_key: bytes, notes_key: bytes) -> Case:
    """Put a named investigator of the entity in charge of ``case``.

    The assignee gets the case keys, wrapped by the assigning contact point (who holds them
    unlocked), access and a notice; a previous assignee who held the case only by assignment
    loses it. Refused, changing nothing, for anyone who is not a current investigator of the
    entity the contact point assigns for.
    """
    if not assignable_people(actor, case).filter(pk=assignee.pk).exists():
        raise CaseError(_("Esa persona no puede recibir este caso."))
    locked = Case.objects.select_for_update().get(pk=case.pk)
    before = locked.assigned_to_id
    if before == assignee.pk:
        raise CaseError(_("El caso ya está asignado a esa persona."))
    entity = _assignee_entity(actor, case, assignee)
    holding = CaseRecipient.objects.filter(case=case, user=assignee, state=RecipientState.ACTIVE)
    state: str
    if holding.exists():
        state = RecipientState.ACTIVE  # already holds the case (routed to them): keep their row
    else:
        pick = Pick(assignee, RecipientRole.INVESTIGATOR, entity, "assigned")
        state = _recipient_add(case, pick, data_key, notes_key, actor=actor)
    Case.objects.filter(pk=case.pk).update(assigned_to=assignee)
    case.assigned_to = assignee
    if before:
        _unassign(case, before)
    audit_record(
        action="case.assign",
        actor=actor,
        obj=case,
        entity=entity,
        data={"from": before, "to": assignee.pk, "key": state},
    )
    notice_queue(user_ids=[assignee.pk], kind=NoticeKind.ASSIGNED, case_id=case.pk)
    return case


def _assignee_entity(actor, case: Case, assignee) -> Entity:
    ids = assigning_entity_ids(actor, case)
    assignment = (
        RoleAssignment.objects.current()
        .filter(user=assignee, role=Role.INVESTIGATOR, entity_id__in=ids)
        .select_related("entity")
        .order_by("entity_id")
        .first()
    )
    assert assignment is not None and assignment.entity is not None  # checked by the caller
    return assignment.entity


def _unassign(case: Case, user_id: int) -> None:
    """The previous assignee loses the case unless they hold it for another reason."""
    row = CaseRecipient.objects.filter(case=case, user_id=user_id, reason="assigned").first()
    if row is None:
        return
    recipient_access_remove(case=case, user=row.user)
    CaseRecipient.objects.filter(pk=row.pk).update(
        state=RecipientState.REVOKED, reason="reassigned"
    )


def cases_bulk_acknowledge(*, actor, cases) -> int:
    """Acknowledge every received case of ``cases`` the actor may work; returns how many."""
    done = 0
    for case in cases:
        if case.status != CaseStatus.RECEIVED:
            continue
        try:
            case_transition(
                actor=actor,
                case=case,
                to=CaseStatus.ACKNOWLEDGED,
                version=case.version,
                notes_key=b"",
            )
        except CaseError:
            continue
        done += 1
    return done


def cases_bulk_assign(*, actor, cases, assignee, private_key: bytes) -> int:
    """Assign every case of ``cases`` to ``assignee``; cases whose keys the actor cannot open
    or that the assignee cannot receive are left as they were. Returns how many changed."""
    done = 0
    for case in cases:
        try:
            data_key = case_data_key(case=case, user=actor, private_key=private_key)
            notes_key = case_notes_key(case=case, user=actor, private_key=private_key)
            case_assign(
                actor=actor, case=case, assignee=assignee, data_key=data_key, notes_key=notes_key
            )
        except (CaseError, Http404):
            continue
        done += 1
    return done


# --- Holiday calendar -----------------------------------------------------------------------------
@transaction.atomic
def holiday_add(*, actor, day: dt.date, name: str) -> Holiday:
    """Declare a non-working day; terms that end on or run over it move on by a working day
    for deadlines set from now on (deadlines already set stay as they were told)."""
    if not name.strip():
        raise CaseError(_("Indique el motivo del día inhábil."))
    holiday, created = Holiday.objects.get_or_create(day=day, defaults={"name": name.strip()})
    if not created:
        raise CaseError(_("Ese día ya es inhábil."))
    audit_record(
        action="cases.holiday_add", actor=actor, obj=holiday, data={"day": day.isoformat()}
    )
    return holiday


@transaction.atomic
def holidays_statutory_add(*, actor, year: int) -> int:
    """Add the year's federal statutory rest days that are not on the calendar yet."""
    from cases.calendar import statutory_rest_days

    known = set(Holiday.objects.filter(day__year=year).values_list("day", flat=True))
    added = [
        Holiday.objects.create(day=day, name=name)
        for day, name in statutory_rest_days(year)
        if day not in known
    ]
    if added:
        audit_record(
            action="cases.holidays_statutory_add",
            actor=actor,
            data={"year": year, "days": [h.day.isoformat() for h in added]},
        )
    return len(added)


@transaction.atomic
def holiday_remove(*, actor, holiday: Holiday) -> None:
    """Take a day off the calendar of non-working days."""
    day = holiday.day.isoformat()
    audit_record(action="cases.holiday_remove", actor=actor, obj=holiday, data={"day": day})
    Holiday.objects.filter(pk=holiday.pk).delete()


# --- Referral packages ----------------------------------------------------------------------------
def _case_file(case: Case, data_key: bytes, notes_key: bytes) -> dict[str, Any]:
    """Everything the receiving authority gets, opened with the case's keys (days, no times)."""
    # The report's part comes from the app that made it (cases alone: findings and notes only).
    contents = next(
        (part for hook in registry.case_contents if (part := hook(case, data_key)) is not None),
        None,
    )
    events = AuditEvent.objects.filter(object_type="cases.case", object_id=str(case.pk))
    return {
        "case": {
            "number": case.number,
            "source": case.source,
            "entity": case.entity.name,
            "category": case.category.code,
            "status": case.status,
            "severity": case.severity,
            "outcome": case.outcome,
            "received_on": case.received_on.isoformat(),
            "referred_to": case.referred_to,
        },
        "report": contents,
        "finding": finding_text(case, data_key),
        "closure_reason": case.closure_reason_text(data_key),
        "notes": [
            {
                "kind": n.kind,
                "author": n.author.get_username() if n.author else None,
                "day": timezone.localdate(n.created_at).isoformat(),
                "text": note_text(n, notes_key),
            }
            for n in CaseNote.objects.filter(case=case).select_related("author")
        ],
        "history": [
            {
                "day": timezone.localdate(e.at).isoformat(),
                "action": e.action,
                "actor": e.actor_label,
            }
            for e in events.order_by("seq")
        ],
    }


@transaction.atomic
def case_referral_export(
    *, actor, case: Case, authority: str, data_key: bytes, notes_key: bytes
) -> CaseExport:
    """Make the signed, encrypted case file for the prosecutor or the administrative court.

    The package is encrypted to the authority's public key: the platform keeps it only so the
    handler can download and deliver it, and cannot open it again.
    """
    if authority not in AUTHORITIES:
        raise CaseError(_("Sólo se exporta el expediente para la fiscalía o el tribunal."))
    package = package_build(
        case_number=case.number,
        authority=authority,
        contents=_case_file(case, data_key, notes_key),
    )
    export = CaseExport.objects.create(
        case=case,
        authority=authority,
        created_by=actor,
        package=package,
        digest=package_digest(package),
    )
    audit_record(
        action="case.export",
        actor=actor,
        obj=case,
        entity=case.entity_id,
        data={"export": export.pk, "authority": authority, "sha256": export.digest},
    )
    return export


@transaction.atomic
def case_export_download_record(*, actor, export: CaseExport) -> None:
    """Every download of a referral package leaves an audit row."""
    audit_record(
        action="case.export_download",
        actor=actor,
        obj=export.case,
        entity=export.case.entity_id,
        data={"export": export.pk, "sha256": export.digest},
    )


# --- Handlers' files ------------------------------------------------------------------------------
@transaction.atomic
def case_files_add(*, actor, case: Case, notes_key: bytes, files: list) -> list[CaseFile]:
    """Attach cleaned files (``whistleblowing.files.CleanFile``) to the case file, sealed under
    the case-internal key."""
    if not files:
        raise CaseError(_("Elija al menos un archivo."))
    added = []
    for clean in files:
        row = CaseFile.objects.create(case=case, added_by=actor, meta=b"", content=b"")
        meta = json.dumps(clean.as_meta(), ensure_ascii=False)
        CaseFile.objects.filter(pk=row.pk).update(
            meta=crypto.seal_text(notes_key, meta, row.aad("meta")),
            content=crypto.seal(notes_key, clean.data, row.aad("content")),
        )
        added.append(row)
    audit_record(
        action="case.files_add",
        actor=actor,
        obj=case,
        entity=case.entity_id,
        data={"files": [f.pk for f in added]},
    )
    return added


def case_file_open(row: CaseFile, notes_key: bytes) -> tuple[dict, bytes]:
    """(name, type, cleaned) and the bytes of a handler's file."""
    meta = json.loads(crypto.open_text(notes_key, bytes(row.meta), row.aad("meta")))
    return meta, crypto.open_(notes_key, bytes(row.content), row.aad("content"))


# --- Retention (crypto-shredding; cases.retention finds what is due) -------------------------
def case_keys_destroy(*, case_id: int) -> bool:
    """Destroy every key that opens the case; True if the case was still due for it."""
    with transaction.atomic():
        case = (
            Case.objects.select_for_update()
            .filter(pk=case_id, status=CaseStatus.CLOSED)
            .exclude(protection_requests__status__in=PROTECTION_OPEN)  # filed since: wait
            .select_related("category")
            .first()
        )
        if case is None:
            return False
        wraps = CaseKeyWrap.objects.filter(case=case).delete()[0]
        for keys_destroy in registry.retention_keys_destroyers:  # the report's keys
            keys_destroy(case)
        audit_record(
            action="case.retention_delete",
            obj=case,
            entity=case.entity_id,
            data={
                "category": case.category.code,
                "retention_days": case.category.retention_days,
                "wraps": wraps,
            },
        )
    return True


def case_rows_delete(*, case_id: int) -> bool:
    """Count the case on the dashboards' retained figures, then delete its rows."""
    with transaction.atomic():
        case = (
            Case.objects.select_for_update()
            .filter(pk=case_id, status=CaseStatus.CLOSED)
            .exclude(Exists(CaseKeyWrap.objects.filter(case=OuterRef("pk"))))  # keys gone first
            .first()
        )
        if case is None:
            return False
        _retained_add(_counts(case))
        case.delete()
    return True


def _counts(case: Case) -> Counter:
    """What the case counts on the dashboards: the same figures ``cases.selectors`` gives them
    (and those the apps above register, such as protection requests)."""
    from cases.selectors import case_figures  # selectors read forms, which read actions

    one = Case.objects.filter(pk=case.pk)
    sources = case_figures(one, today=timezone.localdate())
    sources += [figures(one) for figures in registry.retention_figures]
    counts: Counter = Counter()
    for source in sources:
        for month, entity, dimension, key, n, _amount in figure_rows(source):
            counts[(month, entity, dimension, key)] += n
    return counts


def _retained_add(counts: Counter) -> None:
    table = connection.ops.quote_name(RetainedCount._meta.db_table)
    rows = [(month, entity, dim, key, n) for (month, entity, dim, key), n in counts.items()]
    with connection.cursor() as cursor:
        cursor.executemany(
            f"INSERT INTO {table} (month, entity_id, dimension, key, n) "  # noqa: S608
            "VALUES (%s, %s, %s, %s, %s) ON CONFLICT (month, entity_id, dimension, key) "
            f"DO UPDATE SET n = {table}.n + EXCLUDED.n",
            rows,
        )
