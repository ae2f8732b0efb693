"""Actions of the ethics app: one transaction and one audit row each.

Audit rows carry identifiers and kinds only, never declaration contents, gift givers or the
text of advice requests.
"""

from __future__ import annotations

import datetime as dt
import zlib
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.mail import send_mail, send_mass_mail
from django.db import IntegrityError, transaction
from django.db.models import F, Max
from django.utils import timezone
from django.utils.translation import gettext as _

from ethics import interest as interest_format
from ethics import registry
from ethics.access import procurement_appointments
from ethics.deadlines import due_date
from ethics.models import (
    DEFAULT_GIFT_THRESHOLD,
    AdviceRequest,
    CodeAcknowledgement,
    CodeVersion,
    ConflictCase,
    ConflictMeasure,
    ConflictStatus,
    DeadlineNotice,
    Declaration,
    DeclarationKind,
    DeclarationStatus,
    EducationModule,
    EmploymentScreening,
    Gift,
    GiftDecision,
    ModuleCompletion,
    MoralReminder,
    PostEmploymentNotice,
    ProcurementRole,
    ReminderShown,
)
from lacs.audit import audit_record
from lacs.mail import notify_after_commit
from lacs.models import ContactPoint, Entity, Role, RoleAssignment

ADVICE_ANSWER_DAYS: int = getattr(settings, "ETHICS_ADVICE_ANSWER_DAYS", 10)
COOLING_OFF_DAYS = 365


class DeclarationInvalid(ValidationError):
    """The declaration does not validate; ``problems`` name each field."""

    def __init__(self, problems: list[interest_format.Problem]):
        self.problems = problems
        super().__init__([str(p) for p in problems])


# --- The code ------------------------------------------------------------------------------------
@transaction.atomic
def code_version_create(*, actor, **fields: Any) -> CodeVersion:
    """A new draft version of the code, numbered after the last one."""
    last = CodeVersion.objects.select_for_update().aggregate(n=Max("number"))["n"] or 0
    version = CodeVersion(number=last + 1, **fields)
    version.full_clean()
    version.save()
    audit_record(action="ethics.code_version_create", actor=actor, obj=version)
    return version


@transaction.atomic
def code_version_publish(*, actor, version: CodeVersion) -> CodeVersion:
    """Publish a draft; from now on every servant is asked to acknowledge it."""
    updated = CodeVersion.objects.filter(pk=version.pk, published_at__isnull=True).update(
        published_at=timezone.now(), published_by=actor
    )
    if not updated:
        raise ValidationError(_("Esta versión ya fue publicada."))
    version.refresh_from_db()
    audit_record(
        action="ethics.code_version_publish", actor=actor, obj=version, data={"v": version.number}
    )
    transaction.on_commit(lambda: _enqueue_code_notice(version.pk))
    return version


def _enqueue_code_notice(version_id: int) -> None:
    from ethics.tasks import code_published_notify_task

    code_published_notify_task.delay(version_id)


def code_published_notify(*, version_id: int) -> int:
    """E-mail every current servant, once per version, asking them to acknowledge it."""
    claimed = CodeVersion.objects.filter(
        pk=version_id, published_at__isnull=False, servants_notified_at__isnull=True
    ).update(servants_notified_at=timezone.now())
    if not claimed:
        return 0
    version = CodeVersion.objects.get(pk=version_id)
    emails = sorted(
        {
            email
            for email in RoleAssignment.objects.current()
            .filter(role=Role.SERVANT)
            .values_list("user__email", flat=True)
            if email
        }
    )
    subject = str(_("Nueva versión del código de ética"))
    body = str(
        _("Se publicó la versión %(n)s del código de ética. Léala y reconózcala en /ethics/code/.")
        % {"n": version.number}
    )
    messages = [(subject, body, None, [email]) for email in emails]
    for start in range(0, len(messages), 500):
        send_mass_mail(messages[start : start + 500], fail_silently=True)
    return len(messages)


@transaction.atomic
def code_acknowledge(*, actor, version: CodeVersion, entity: Entity) -> CodeAcknowledgement:
    """The servant acknowledges a published version; a second acknowledgement is refused."""
    if not version.is_published:
        raise ValidationError(_("Sólo se puede reconocer una versión publicada."))
    if (
        not RoleAssignment.objects.current()
        .filter(user=actor, role=Role.SERVANT, entity=entity)
        .exists()
    ):
        raise ValidationError(_("No tiene un nombramiento vigente en ese ente."))
    try:
        with transaction.atomic():
            ack = CodeAcknowledgement.objects.create(version=version, user=actor, entity=entity)
    except IntegrityError:
        raise ValidationError(_("Ya reconoció esta versión del código.")) from None
    audit_record(
        action="ethics.code_acknowledge",
        actor=actor,
        obj=ack,
        entity=entity,
        data={"v": version.number},
    )
    return ack


# --- Declarations --------------------------------------------------------------------------------
def _starting_interest(appointment: RoleAssignment) -> dict:
    last = (
        Declaration.objects.filed()
        .filter(declarant_id=appointment.user_id)
        .order_by("-filed_at")
        .first()
    )
    return (
        interest_format.carry_forward(last.interest) if last else interest_format.empty_interest()
    )


@transaction.atomic
def declaration_start(
    *, actor, appointment: RoleAssignment, kind: str, today: dt.date | None = None
) -> Declaration:
    """A draft declaration of ``kind`` for the actor's appointment, starting from the last one."""
    today = today or timezone.localdate()
    if (
        appointment.user_id != actor.pk
        or appointment.role != Role.SERVANT
        or appointment.entity_id is None
    ):
        raise ValidationError(_("Ese nombramiento no es suyo."))
    if kind not in DeclarationKind.values:
        raise ValidationError(_("Tipo de declaración desconocido."))
    if kind == DeclarationKind.CONCLUSION and not (appointment.end and appointment.end <= today):
        raise ValidationError(_("La declaración de conclusión se presenta al dejar el cargo."))
    year = today.year if kind == DeclarationKind.MODIFICATION else None
    duplicates = Declaration.objects.filter(appointment=appointment, kind=kind)
    if kind == DeclarationKind.MODIFICATION:
        duplicates = duplicates.filter(year=year)
    if kind != DeclarationKind.UPDATE and duplicates.exists():
        raise ValidationError(
            _("Ya existe una declaración %(kind)s para este nombramiento.")
            % {"kind": DeclarationKind(kind).label.lower()}
        )
    try:
        with transaction.atomic():  # the unique constraints settle a race between two requests
            declaration = Declaration.objects.create(
                declarant=actor,
                appointment=appointment,
                entity_id=appointment.entity_id,
                kind=kind,
                year=year,
                interest=_starting_interest(appointment),
                due_date=due_date(kind, year, appointment.start, appointment.end),
            )
    except IntegrityError:
        raise ValidationError(_("Ya existe esa declaración para este nombramiento.")) from None
    audit_record(
        action="ethics.declaration_start",
        actor=actor,
        obj=declaration,
        entity=appointment.entity_id,
        data={"kind": kind},
    )
    return declaration


def _locked_draft(declaration: Declaration, actor) -> Declaration:
    locked = Declaration.objects.select_for_update().get(pk=declaration.pk)
    if locked.status != DeclarationStatus.DRAFT or locked.declarant_id != actor.pk:
        raise ValidationError(_("Sólo quien declara puede cambiar un borrador."))
    return locked


@transaction.atomic
def declaration_save(*, actor, declaration: Declaration, interest: dict) -> Declaration:
    """Replace the draft's interest part (the API's way); it is validated when filed."""
    if not isinstance(interest, dict):
        raise DeclarationInvalid(interest_format.validate(interest))
    locked = _locked_draft(declaration, actor)
    locked.interest = interest
    locked.save(update_fields=["interest", "updated_at"])
    audit_record(action="ethics.declaration_save", actor=actor, obj=locked, entity=locked.entity_id)
    return locked


@transaction.atomic
def declaration_item_save(
    *, actor, declaration: Declaration, section: str, item: dict, index: int | None = None
) -> Declaration:
    """Add an item to a section (or replace item ``index``); refused if it does not validate."""
    spec = interest_format.SECTION_BY_KEY[section]
    locked = _locked_draft(declaration, actor)
    data = dict(locked.interest)
    items = interest_format.section_items(data, spec)
    if index is None:
        items.append(item)
    elif 0 <= index < len(items):
        items[index] = item
    else:
        raise ValidationError(_("Ese elemento no existe."))
    data[section] = {**(data.get(section) or {}), spec.items: items}
    data[section].pop("ninguno", None)
    problems = [
        p for p in interest_format.validate(data) if p.path.startswith(f"{section}.{spec.items}")
    ]
    if problems:
        raise DeclarationInvalid(problems)
    locked.interest = data
    locked.save(update_fields=["interest", "updated_at"])
    audit_record(
        action="ethics.declaration_item_save",
        actor=actor,
        obj=locked,
        entity=locked.entity_id,
        data={"section": section, "op": item.get("tipoOperacion")},
    )
    return locked


@transaction.atomic
def declaration_item_flag(
    *, actor, declaration: Declaration, section: str, index: int, operation: str
) -> Declaration:
    """Mark an item MODIFICAR/SIN_CAMBIOS/BAJA; an item added in this draft is simply removed."""
    spec = interest_format.SECTION_BY_KEY[section]
    if operation not in interest_format.OPERATIONS:
        raise ValidationError(_("Operación desconocida."))
    locked = _locked_draft(declaration, actor)
    data = dict(locked.interest)
    items = interest_format.section_items(data, spec)
    if not 0 <= index < len(items):
        raise ValidationError(_("Ese elemento no existe."))
    if operation == "BAJA" and items[index].get("tipoOperacion") == "AGREGAR":
        items.pop(index)
    else:
        items[index] = {**items[index], "tipoOperacion": operation}
    data[section] = {spec.items: items} if items else {"ninguno": True}
    locked.interest = data
    locked.save(update_fields=["interest", "updated_at"])
    audit_record(
        action="ethics.declaration_item_flag",
        actor=actor,
        obj=locked,
        entity=locked.entity_id,
        data={"section": section, "op": operation},
    )
    return locked


@transaction.atomic
def declaration_section_note(
    *, actor, declaration: Declaration, section: str, text: str
) -> Declaration:
    """Set a section's clarifications (``aclaracionesObservaciones``; never public)."""
    interest_format.SECTION_BY_KEY[section]  # KeyError for an unknown section
    locked = _locked_draft(declaration, actor)
    data = dict(locked.interest)
    part = dict(data.get(section) or {"ninguno": True})
    if text.strip():
        part["aclaracionesObservaciones"] = text.strip()
    else:
        part.pop("aclaracionesObservaciones", None)
    data[section] = part
    locked.interest = data
    locked.save(update_fields=["interest", "updated_at"])
    audit_record(
        action="ethics.declaration_section_note",
        actor=actor,
        obj=locked,
        entity=locked.entity_id,
        data={"section": section},
    )
    return locked


@transaction.atomic
def declaration_file(
    *, actor, declaration: Declaration, reminder: ReminderShown | None = None
) -> Declaration:
    """File a draft. If it does not validate it stays a draft and the problems name the fields."""
    locked = _locked_draft(declaration, actor)
    problems = interest_format.validate(locked.interest)
    if problems:
        raise DeclarationInvalid(problems)
    locked.status = DeclarationStatus.FILED
    locked.filed_at = timezone.now()
    locked.save(update_fields=["status", "filed_at", "updated_at"])
    if reminder is not None and reminder.user_id == actor.pk:
        on_time = locked.due_date is None or not locked.filed_late
        _reminder_complete(reminder, on_time=on_time)
    audit_record(
        action="ethics.declaration_file",
        actor=actor,
        obj=locked,
        entity=locked.entity_id,
        data={"kind": locked.kind, "late": locked.filed_late},
    )
    return locked


@transaction.atomic
def declaration_read(*, actor, declaration: Declaration) -> None:
    """Log that a reviewer read a declaration in full (private fields included)."""
    audit_record(
        action="ethics.declaration_read",
        actor=actor,
        obj=declaration,
        entity=declaration.entity_id,
    )


@transaction.atomic
def declarations_listed(*, actor, declaration_ids: list[int]) -> None:
    """Log that a reviewer received others' declarations in full through a list."""
    if declaration_ids:
        audit_record(
            action="ethics.declarations_listed", actor=actor, data={"ids": declaration_ids}
        )


# --- Conflict cases ------------------------------------------------------------------------------
@transaction.atomic
def conflict_open(
    *,
    actor,
    entity: Entity,
    servant,
    kind: str,
    summary: str,
    declaration: Declaration | None = None,
    follow_up: dt.date | None = None,
    source: str = "declaration",
) -> ConflictCase:
    """Open a conflict case for a reviewer of ``entity``."""
    case = ConflictCase(
        entity=entity,
        servant=servant,
        kind=kind,
        summary=summary,
        declaration=declaration,
        follow_up=follow_up,
        source=source,
        opened_by=actor if getattr(actor, "is_authenticated", False) else None,
    )
    case.full_clean()
    case.save()
    audit_record(
        action="ethics.conflict_open", actor=actor, obj=case, entity=entity, data={"kind": kind}
    )
    return case


@transaction.atomic
def conflict_measure_add(
    *, actor, case: ConflictCase, kind: str, detail: str, follow_up: dt.date | None = None
) -> ConflictMeasure:
    locked = ConflictCase.objects.select_for_update().get(pk=case.pk)
    if locked.status == ConflictStatus.CLOSED:
        raise ValidationError(_("El caso está cerrado."))
    measure = ConflictMeasure(
        case=locked, kind=kind, detail=detail, follow_up=follow_up, created_by=actor
    )
    measure.full_clean()
    measure.save()
    locked.status = ConflictStatus.MANAGED
    locked.follow_up = follow_up or locked.follow_up
    locked.save(update_fields=["status", "follow_up"])
    audit_record(
        action="ethics.conflict_measure_add",
        actor=actor,
        obj=locked,
        entity=locked.entity_id,
        data={"measure": kind},
    )
    return measure


@transaction.atomic
def conflict_close(*, actor, case: ConflictCase) -> ConflictCase:
    updated = (
        ConflictCase.objects.filter(pk=case.pk)
        .exclude(status=ConflictStatus.CLOSED)
        .update(status=ConflictStatus.CLOSED, closed_at=timezone.now())
    )
    if not updated:
        raise ValidationError(_("El caso ya está cerrado."))
    case.refresh_from_db()
    audit_record(action="ethics.conflict_close", actor=actor, obj=case, entity=case.entity_id)
    return case


# --- Gifts ---------------------------------------------------------------------------------------
def gift_threshold() -> Decimal:
    current = CodeVersion.objects.current()
    return current.gift_threshold if current else DEFAULT_GIFT_THRESHOLD


@transaction.atomic
def gift_record(*, actor, entity: Entity, **fields: Any) -> Gift:
    """Record a gift; over the code's threshold it must be handed over and is flagged."""
    if (
        not RoleAssignment.objects.current()
        .filter(user=actor, role=Role.SERVANT, entity=entity)
        .exists()
    ):
        raise ValidationError(_("No tiene un nombramiento vigente en ese ente."))
    gift = Gift(servant=actor, entity=entity, **fields)
    if gift.offered_on and gift.offered_on > timezone.localdate():
        raise ValidationError({"offered_on": _("La fecha no puede estar en el futuro.")})
    gift.over_threshold = gift.value is not None and gift.value > gift_threshold()
    gift.full_clean()
    gift.save()
    audit_record(
        action="ethics.gift_record",
        actor=actor,
        obj=gift,
        entity=entity,
        data={"decision": gift.decision, "flagged": gift.over_threshold},
    )
    return gift


@transaction.atomic
def gift_hand_over(*, actor, gift: Gift) -> Gift:
    updated = (
        Gift.objects.filter(pk=gift.pk, servant=actor)
        .exclude(decision=GiftDecision.HANDED_OVER)
        .update(decision=GiftDecision.HANDED_OVER)
    )
    if not updated:
        raise ValidationError(_("Este obsequio ya fue entregado."))
    gift.refresh_from_db()
    audit_record(action="ethics.gift_hand_over", actor=actor, obj=gift, entity=gift.entity_id)
    return gift


# --- Advice --------------------------------------------------------------------------------------
@transaction.atomic
def advice_ask(*, actor, entity: Entity, question: str) -> AdviceRequest:
    """A confidential question to the entity's contact point, answered within set days."""
    if (
        not RoleAssignment.objects.current()
        .filter(user=actor, role=Role.SERVANT, entity=entity)
        .exists()
    ):
        raise ValidationError(_("No tiene un nombramiento vigente en ese ente."))
    if not question.strip():
        raise ValidationError({"question": _("Escriba su pregunta.")})
    request = AdviceRequest.objects.create(
        asker=actor,
        entity=entity,
        question=question.strip(),
        due_date=timezone.localdate() + dt.timedelta(days=ADVICE_ANSWER_DAYS),
    )
    audit_record(action="ethics.advice_ask", actor=actor, obj=request, entity=entity)
    return request


@transaction.atomic
def advice_answer(*, actor, request: AdviceRequest, answer: str) -> AdviceRequest:
    if not answer.strip():
        raise ValidationError({"answer": _("Escriba la respuesta.")})
    updated = AdviceRequest.objects.filter(pk=request.pk, answered_at__isnull=True).update(
        answer=answer.strip(), answered_by=actor, answered_at=timezone.now()
    )
    if not updated:
        raise ValidationError(_("Esta solicitud ya fue respondida."))
    request.refresh_from_db()
    audit_record(
        action="ethics.advice_answer",
        actor=actor,
        obj=request,
        entity=request.entity_id,
        data={"on_time": timezone.localdate() <= request.due_date},
    )
    return request


@transaction.atomic
def advice_publish(*, actor, request: AdviceRequest, question: str, answer: str) -> AdviceRequest:
    """Publish an anonymised version of an answered question as guidance for everyone."""
    if not request.is_answered:
        raise ValidationError(_("Sólo se publican preguntas ya respondidas."))
    if not question.strip() or not answer.strip():
        raise ValidationError(_("Escriba la pregunta y la respuesta anonimizadas."))
    request.guidance_question = question.strip()
    request.guidance_answer = answer.strip()
    request.published_at = timezone.now()
    request.save(update_fields=["guidance_question", "guidance_answer", "published_at"])
    audit_record(action="ethics.advice_publish", actor=actor, obj=request, entity=request.entity_id)
    return request


# --- Moral reminders -----------------------------------------------------------------------------
@transaction.atomic
def reminder_save(
    *, actor, transaction_name: str, variant: str, text: str, active: bool = True
) -> MoralReminder:
    reminder, _created = MoralReminder.objects.update_or_create(
        transaction=transaction_name, variant=variant, defaults={"text": text, "active": active}
    )
    reminder.full_clean()
    audit_record(
        action="ethics.reminder_save",
        actor=actor,
        obj=reminder,
        data={"transaction": transaction_name, "variant": variant, "active": active},
    )
    return reminder


def reminder_for(*, user, transaction_name: str) -> MoralReminder | None:
    """The variant this user sees for a transaction (stable per user, spread evenly)."""
    variants = list(
        MoralReminder.objects.filter(transaction=transaction_name, active=True).order_by("pk")
    )
    if not variants:
        return None
    return variants[zlib.crc32(str(user.pk).encode()) % len(variants)]


@transaction.atomic
def reminder_acknowledge(*, actor, reminder: MoralReminder) -> ReminderShown:
    """Shown before a transaction starts and acknowledged by the person about to do it."""
    now = timezone.now()
    shown = ReminderShown.objects.create(
        reminder=reminder, user=actor, shown_at=now, acknowledged_at=now
    )
    audit_record(
        action="ethics.reminder_acknowledge",
        actor=actor,
        obj=shown,
        data={"variant": reminder.variant},
    )
    return shown


def _reminder_complete(shown: ReminderShown, *, on_time: bool) -> None:
    ReminderShown.objects.filter(pk=shown.pk, completed_at__isnull=True).update(
        completed_at=timezone.now(), on_time=on_time
    )


@transaction.atomic
def reminder_complete(*, actor, shown: ReminderShown, on_time: bool) -> None:
    """For other apps: the transaction the reminder preceded has been completed."""
    _reminder_complete(shown, on_time=on_time)
    audit_record(action="ethics.reminder_complete", actor=actor, obj=shown)


# --- Revolving door ------------------------------------------------------------------------------
@transaction.atomic
def screening_submit(*, actor, appointment: RoleAssignment, **answers: Any) -> EmploymentScreening:
    """Pre-employment screening answers for the actor's own appointment (one per appointment)."""
    if appointment.user_id != actor.pk:
        raise ValidationError(_("Ese nombramiento no es suyo."))
    if EmploymentScreening.objects.filter(appointment=appointment).exists():
        raise ValidationError(_("Ya respondió el cuestionario de ingreso."))
    rfc = answers.get("previous_employer_rfc", "")
    if rfc and not interest_format.RFC_RE.match(rfc.upper()):
        raise ValidationError({"previous_employer_rfc": _("El RFC no tiene un formato válido.")})
    screening = EmploymentScreening(appointment=appointment, **answers)
    screening.full_clean()
    screening.save()
    audit_record(
        action="ethics.screening_submit",
        actor=actor,
        obj=screening,
        entity=appointment.entity_id,
        data={"needs_review": screening.needs_review},
    )
    return screening


def _is_supplier(entity_id: int | None, rfc: str, name: str) -> bool:
    """Whether procurement data shows the company among the entity's suppliers (last 3 years)."""
    if entity_id is None or not (rfc or name):
        return False
    found = registry.suppliers_among(
        entity_ids=[entity_id],
        rfcs=[rfc] if rfc else [],
        names=[name] if name else [],
        since_year=timezone.localdate().year - 3,
    )
    return bool(found)


@transaction.atomic
def post_employment_notify(
    *, actor, appointment: RoleAssignment, **fields: Any
) -> PostEmploymentNotice:
    """A (former) servant's notice of new employment, with a one-year cooling-off check."""
    if appointment.user_id != actor.pk or appointment.role != Role.SERVANT:
        raise ValidationError(_("Ese nombramiento no es suyo."))
    rfc = (fields.get("new_employer_rfc") or "").upper()
    if rfc and not interest_format.RFC_RE.match(rfc):
        raise ValidationError({"new_employer_rfc": _("El RFC no tiene un formato válido.")})
    notice = PostEmploymentNotice(appointment=appointment, **{**fields, "new_employer_rfc": rfc})
    notice.full_clean()
    notice.cooling_off_warning = (
        appointment.end is None or notice.within_cooling_off()
    ) and _is_supplier(appointment.entity_id, rfc, notice.new_employer)
    notice.save()
    audit_record(
        action="ethics.post_employment_notify",
        actor=actor,
        obj=notice,
        entity=appointment.entity_id,
        data={"warning": notice.cooling_off_warning},
    )
    return notice


# --- Education -----------------------------------------------------------------------------------
@transaction.atomic
def module_attempt(
    *, actor, module: EducationModule, entity: Entity, answers: list[int | None]
) -> ModuleCompletion:
    """Score a quiz attempt; the latest attempt is kept, a pass is never lost to a retake."""
    score = module.score(answers)
    passed = score >= module.pass_mark
    completion = (
        ModuleCompletion.objects.select_for_update().filter(module=module, user=actor).first()
    )
    if completion is None:
        completion = ModuleCompletion.objects.create(
            module=module, user=actor, entity=entity, score=score, passed=passed
        )
    else:
        completion.score, completion.at = score, timezone.now()
        completion.passed = completion.passed or passed
        completion.save(update_fields=["score", "passed", "at"])
    audit_record(
        action="ethics.module_attempt",
        actor=actor,
        obj=completion,
        entity=entity,
        data={"module": module.pk, "score": score, "passed": passed},
    )
    return completion


# --- Deadline reminders --------------------------------------------------------------------------
DUE_SOON_DAYS = 14


def _notice_mail(user, kind: str, due: dt.date, stage: str) -> None:
    if not user.email:
        return
    label = DeclarationKind(kind).label
    if stage == "overdue":
        subject = _("Declaración de intereses vencida")
        body = _("Su declaración %(kind)s venció el %(due)s. Preséntela en /ethics/declarations/.")
    else:
        subject = _("Declaración de intereses por vencer")
        body = _("Su declaración %(kind)s vence el %(due)s. Preséntela en /ethics/declarations/.")
    text = body % {"kind": str(label).lower(), "due": due.isoformat()}
    send_mail(str(subject), text, None, [user.email], fail_silently=True)


def declaration_deadlines_notify(*, today: dt.date | None = None) -> int:
    """E-mail each servant once when a declaration is due within 14 days and once when overdue."""
    from ethics.selectors import declaration_obligations

    today = today or timezone.localdate()
    sent = 0
    for ob in declaration_obligations(today=today):
        if ob.state == "missing":
            stage = "overdue"
        elif ob.state == "pending" and ob.due <= today + dt.timedelta(days=DUE_SOON_DAYS):
            stage = "due_soon"
        else:
            continue
        sent += _deadline_notice(ob.appointment_id, ob.kind, ob.year, ob.due, stage)
    return sent


@transaction.atomic
def _deadline_notice(appointment_id: int, kind: str, year: int | None, due, stage: str) -> int:
    notice, created = DeadlineNotice.objects.get_or_create(
        appointment_id=appointment_id, kind=kind, year=year or 0, stage=stage
    )
    if not created:
        return 0
    appointment = RoleAssignment.objects.select_related("user").get(pk=appointment_id)
    audit_record(
        action="ethics.deadline_notice",
        obj=notice,
        entity=appointment.entity_id,
        data={"kind": kind, "year": year, "stage": stage},
    )
    user = appointment.user
    transaction.on_commit(lambda: _notice_mail(user, kind, due, stage))
    return 1


def _contact_emails(entity_id: int) -> list[str]:
    return [
        email
        for email in ContactPoint.objects.current()
        .filter(entity_id=entity_id)
        .values_list("user__email", flat=True)
        if email
    ]


def advice_overdue_notify(*, today: dt.date | None = None) -> int:
    """Tell the contact points, once, about each advice request past its answer date."""
    today = today or timezone.localdate()
    overdue = AdviceRequest.objects.filter(
        answered_at__isnull=True, overdue_notified_at__isnull=True, due_date__lt=today
    ).values_list("pk", "entity_id")
    return sum(_advice_overdue_claim(pk, entity_id) for pk, entity_id in overdue)


@transaction.atomic
def _advice_overdue_claim(pk: int, entity_id: int) -> int:
    claimed = AdviceRequest.objects.filter(pk=pk, overdue_notified_at__isnull=True).update(
        overdue_notified_at=timezone.now()
    )
    if not claimed:
        return 0
    audit_record(action="ethics.advice_overdue", obj=AdviceRequest(pk=pk), entity=entity_id)
    emails = _contact_emails(entity_id)
    subject = str(_("Solicitud de asesoría sin respuesta"))
    body = str(_("Una solicitud de asesoría (#%(n)s) pasó su fecha de respuesta.") % {"n": pk})
    notify_after_commit(subject, body, emails)
    return 1


def conflict_follow_ups_notify(*, today: dt.date | None = None) -> int:
    """Tell the contact points, once per follow-up date, that an open case needs a look."""
    today = today or timezone.localdate()
    due = (
        ConflictCase.objects.exclude(status=ConflictStatus.CLOSED)
        .filter(follow_up__lte=today)
        .exclude(follow_up_notified_on=F("follow_up"))
        .values_list("pk", "entity_id", "follow_up")
    )
    return sum(_follow_up_claim(pk, entity_id, day) for pk, entity_id, day in due)


@transaction.atomic
def _follow_up_claim(pk: int, entity_id: int, day: dt.date | None) -> int:
    claimed = (
        ConflictCase.objects.filter(pk=pk, follow_up=day)
        .exclude(follow_up_notified_on=day)
        .update(follow_up_notified_on=day)
    )
    if not claimed:
        return 0
    audit_record(action="ethics.conflict_follow_up", obj=ConflictCase(pk=pk), entity=entity_id)
    emails = _contact_emails(entity_id)
    subject = str(_("Seguimiento de un caso de conflicto de interés"))
    body = str(
        _("El caso de conflicto #%(n)s tiene seguimiento el %(day)s.") % {"n": pk, "day": day}
    )
    notify_after_commit(subject, body, emails)
    return 1


# --- Servants who take part in procurement (PDN System 2) ----------------------------------------
@transaction.atomic
def procurement_role_save(
    *,
    actor,
    appointment: RoleAssignment,
    position: str,
    level: str = "",
    procedures: list[int],
    responsibility: list[str],
    notes: str = "",
) -> ProcurementRole:
    """Record what a servant's appointment does in procurement procedures (PDN System 2).

    The appointment must be current and at one of the entities ``actor`` records for; with no
    procedure type the servant is no longer published.
    """
    if not procurement_appointments(actor).filter(pk=appointment.pk).exists():
        raise ValidationError(_("Usted no registra intervenciones de esa persona servidora."))
    if not position.strip():
        raise ValidationError({"position": _("Indique el puesto.")})
    values = {
        "position": position.strip(),
        "level": level.strip(),
        "procedures": sorted({int(p) for p in procedures}),
        "responsibility": sorted(set(responsibility)),
        "notes": notes.strip(),
    }
    role = ProcurementRole.objects.select_for_update().filter(appointment=appointment).first()
    before = (
        {"procedures": role.procedures, "responsibility": role.responsibility} if role else None
    )
    if role is None:
        role = ProcurementRole.objects.create(appointment=appointment, **values)
    else:
        for name, value in values.items():
            setattr(role, name, value)
        role.updated_at = timezone.now()
        role.save(update_fields=[*values, "updated_at"])
    audit_record(
        action="ethics.procurement_role_save",
        actor=actor,
        obj=role,
        entity=appointment.entity_id,
        data={
            "appointment": appointment.pk,
            "before": before,
            "procedures": role.procedures,
            "responsibility": role.responsibility,
        },
    )
    return role
