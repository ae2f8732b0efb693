"""Actions of the cases app: one transaction and one audit row each.

``case_open`` is the one door through which reports, red flags, audit findings and staff-entered
reports become cases; ``case_route`` is what the routing worker runs for each outbox row.
"""

from __future__ import annotations

import datetime as dt
import functools
import logging
import os
import time
from collections import Counter
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import connection, transaction
from django.db.models import Exists, F, OuterRef
from django.http import Http404
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from cases.access import access_grant, access_revoke, sanction_case_for_user, sanction_entities
from cases.models import (
    NEAR_DAYS,
    REFERRABLE,
    Case,
    CaseFinding,
    CaseKeyWrap,
    CaseNote,
    CaseRecipient,
    CaseRouting,
    CaseSource,
    CaseStatus,
    IndividualSanction,
    NoteKind,
    Outcome,
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
from cases.routing import Facts, Pick, Plan, facts_load, plan_from, routing_plan
from lacs import crypto, keys
from lacs.actions import change_kind_register, optional
from lacs.audit import audit_record
from lacs.db import execute_prepared
from lacs.mail import notify_after_commit
from lacs.models import (
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


def _next_number(year: int) -> str:
    with connection.cursor() as cursor:
        cursor.execute("SELECT nextval('cases_case_number_seq')")
        (value,) = cursor.fetchone()
    return f"CDMX-{year}-{value:06d}"


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
        number=_next_number(today.year),
        source=source,
        entity=entity,
        category=category,
        received_on=today,
        contact_point_implicated=contact_point_implicated,
        head_implicated=head_implicated,
        acknowledge_by=today + dt.timedelta(days=settings.ACKNOWLEDGE_DAYS),
        feedback_by=today + dt.timedelta(days=settings.FEEDBACK_DAYS),
    )
    data_key = crypto.new_data_key()
    wraps = [
        CaseKeyWrap(
            case=case,
            kind=WrapKind.INTAKE,
            wrapped_key=crypto.wrap_for(keys.intake_public_key(), data_key),
        )
    ]
    if entity.escrow_public_key:
        wraps.append(
            CaseKeyWrap(
                case=case,
                kind=WrapKind.ESCROW,
                entity=entity,
                wrapped_key=crypto.wrap_for(crypto.b64d(entity.escrow_public_key), data_key),
            )
        )
    CaseKeyWrap.objects.bulk_create(wraps)
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


def _recipient_add(case: Case, pick: Pick, data_key: bytes, notes_key: bytes, actor=None) -> str:
    has_key = _wrap_for_user(case, pick.user, data_key, notes_key)
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
    path = reverse("cases:detail", kwargs={"pk": case.pk})
    emails = [u.email for u in users if u.email]
    if not emails:
        return
    subject = _("Se le turnó el caso %(number)s") % {"number": case.number}
    body = _(
        "Se le turnó el caso %(number)s. Por seguridad este aviso no incluye su contenido; "
        "ingrese a la plataforma para consultarlo: %(path)s"
    ) % {"number": case.number, "path": path}
    notify_after_commit(subject, body, emails)


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
        if not any(p.public_key for p in plan.picks):
            _routing_wait(facts, plan)
            return False
        if facts.intake_key is None:
            raise CaseError(f"case {case.pk} has no intake key to route with")
        data_key = crypto.unwrap_with(keys.intake_private_key(), facts.intake_key)
        decisions = _recipients_store(facts, plan, data_key)
        access_grant(case=case, users=[p.user for p in plan.picks])
        audit_record(
            action="case.route",
            obj=case,
            entity=case.entity_id,
            data={"recipients": decisions, "skipped": plan.skipped},
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
    UPDATE {Case._meta.db_table} SET routed_at = $3::timestamptz WHERE id = $1::bigint
    """  # noqa: S608  # names from model meta, values as parameters


def _recipients_store(facts: Facts, plan: Plan, data_key: bytes) -> list[dict]:
    """Wrap both keys for each pick, record recipients, drop the intake wrap, close the outbox
    row: one statement, so the whistle-blower's case reaches the inbox without a queue of
    round trips."""
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
    if facts.escrow_public_key:
        wrapped = crypto.wrap_for(crypto.b64d(facts.escrow_public_key), notes_key)
        wraps.append((WrapKind.NOTES_ESCROW, None, facts.case.entity_id, wrapped))
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
                timezone.now(),
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
    ids = list(pending.order_by("created_at").values_list("case_id", flat=True)[:limit])
    return sum(case_route(case_id=case_id) for case_id in ids)


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
    return picks


def _referral_picks(case: Case, kind: str, target: Entity | None) -> list[Pick]:
    if kind in (ReferralKind.PROSECUTOR, ReferralKind.COURT):
        return []  # external authorities receive the file outside the platform
    if target is None:
        raise CaseError(_("Elija el ente al que se turna."))
    excluded = set(Recusal.objects.filter(case=case).values_list("user_id", flat=True))
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

    Their cases wait for the keys again, as a recipient added before their first log-in does: a
    recipient who holds the keys shares them on the next visit, or the entity's escrow key
    recovers them. Returns how many cases now wait.
    """
    rows = CaseRecipient.objects.filter(user=user, state=RecipientState.ACTIVE)
    case_ids = list(rows.values_list("case_id", flat=True))
    if not case_ids:
        return 0
    CaseKeyWrap.objects.filter(
        case_id__in=case_ids, user=user, kind__in=(WrapKind.RECIPIENT, WrapKind.NOTES)
    ).delete()
    rows.update(state=RecipientState.PENDING_KEY)
    audit_record(action="case.key_lost", obj=user, data={"cases": len(case_ids)})
    return len(case_ids)


def escrow_waiting(entity: Entity | None = None):
    """Recipients waiting for the keys of cases whose escrow copy belongs to ``entity`` (or to
    any entity: the one each case was reported against, whose key its escrow copy is for)."""
    owner = entity if entity is not None else OuterRef("case__entity_id")

    def wrap(kind: str) -> Exists:
        return Exists(
            CaseKeyWrap.objects.filter(case_id=OuterRef("case_id"), kind=kind, entity=owner)
        )

    return CaseRecipient.objects.filter(
        wrap(WrapKind.ESCROW),
        wrap(WrapKind.NOTES_ESCROW),
        state=RecipientState.PENDING_KEY,
        user__keypair__isnull=False,
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


def _escalate(case: Case, which: str) -> list[int]:
    """Add the entity's alternates and the comptroller as recipients waiting for the keys.

    The worker no longer holds the case key: a current recipient's next visit shares it.
    """
    excluded = set(Recusal.objects.filter(case=case).values_list("user_id", flat=True))
    holders = _holders(case)
    day = timezone.localdate()
    points = ContactPoint.objects.current(day).filter(user__is_active=True)
    candidates = list(
        points.filter(entity=case.entity, kind=ContactPointKind.ALTERNATE).select_related(
            "user", "entity"
        )
    ) + list(
        points.filter(entity__is_comptroller=True, kind=ContactPointKind.PRIMARY).select_related(
            "user", "entity"
        )
    )
    added = []
    for point in candidates:
        if point.user_id in excluded | holders or point.user_id in added:
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
    finding = CaseFinding(case=case, opened_by=actor)
    finding.sealed_summary = crypto.seal_text(data_key, summary.strip(), finding.aad)
    finding.save()
    return case


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


# --- Retention (crypto-shredding; cases.retention finds what is due) -------------------------
# The dashboards' own caps on the day histograms (oversight.figures), kept in step.
ACK_DAYS_CAP = 60
FEEDBACK_DAYS_CAP = 180


def case_keys_destroy(*, case_id: int) -> bool:
    """Destroy every key that opens the case; True if the case was still due for it."""
    from whistleblowing.models import IdentityRequest, IdentityVault, Report

    with transaction.atomic():
        case = (
            Case.objects.select_for_update()
            .filter(pk=case_id, status=CaseStatus.CLOSED)
            .select_related("category")
            .first()
        )
        if case is None:
            return False
        wraps = CaseKeyWrap.objects.filter(case=case).delete()[0]
        Report.objects.filter(case=case).update(receipt_sealed_key=b"")
        IdentityVault.objects.filter(report__case=case).update(
            receipt_sealed_key=b"", custodian_wraps={}
        )
        IdentityRequest.objects.filter(vault__report__case=case).update(
            reader_wrap=None, reasoning_wraps={}
        )
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
    """The figures ``oversight.figures.cases_source``/``protection_source`` take from it."""
    from whistleblowing.models import ProtectionRequest

    month, entity = case.received_on.replace(day=1), case.entity_id
    keys = [("cases", ""), ("category", str(case.category_id))]
    keys += [("status", case.status), ("source", case.source)]
    if case.outcome:
        keys.append(("outcome", case.outcome))
    if case.status == CaseStatus.REFERRED or case.referred_to:
        keys.append(("referred", ""))
    if case.acknowledged_on:
        days = min((case.acknowledged_on - case.received_on).days, ACK_DAYS_CAP)
        keys.append(("ack_days", str(days)))
    if case.feedback_given_on:
        days = min((case.feedback_given_on - case.received_on).days, FEEDBACK_DAYS_CAP)
        keys.append(("fb_days", str(days)))
    counts: Counter = Counter((month, entity, dim, key) for dim, key in keys)
    for filed_on, status in ProtectionRequest.objects.filter(case=case).values_list(
        "filed_on", "status"
    ):
        counts[(filed_on.replace(day=1), entity, "protection", status)] += 1
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
