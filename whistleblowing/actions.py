"""Actions of the whistleblowing app: one transaction and one audit row each.

Whatever a whistle-blower does is audited with ``day_only=True`` and no actor, and the audit
data never holds content. Contents are sealed under the case's data key with an AAD that names
the case and the field, so a blob cannot be moved to another case or field unnoticed.
"""

from __future__ import annotations

import datetime as dt
import json

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from cases.actions import (
    case_activity_record,
    case_feedback_given,
    case_open,
    case_recipients_notify,
    notice_queue,
)
from cases.calendar import working_days_add
from cases.models import NEAR_DAYS, Case, CaseSource, NoticeKind
from lacs import crypto
from lacs.audit import audit_record
from lacs.days import unordered_id
from lacs.models import Category, Entity
from whistleblowing import receipts
from whistleblowing.access import (
    custodians_with_keys,
    decision_notes_aad,
    identity_decision_notes,
)
from whistleblowing.files import CleanFile
from whistleblowing.models import (
    Attachment,
    IdentityRequest,
    IdentityRequestStatus,
    IdentityVault,
    Message,
    Origin,
    ProtectionRequest,
    ProtectionStatus,
    Report,
)
from whistleblowing.sealing import aad, seal_json


# --- Retention ---------------------------------------------------------------------------------
def case_report_keys_destroy(case: Case) -> None:
    """Destroy the report's own keys of a case due for retention: the receipt's sealed key, the
    identity vault's receipt key and custodian wraps, approved readers' wraps.

    Registered with ``cases.registry``; cases' retention calls it inside the transaction in which
    it destroys the case's keys and writes the audit row.
    """
    Report.objects.filter(case=case).update(receipt_sealed_key=b"")
    IdentityVault.objects.filter(report__case=case).update(
        receipt_sealed_key=b"", custodian_wraps={}
    )
    IdentityRequest.objects.filter(vault__report__case=case).update(
        reader_wrap=None, reasoning_wraps={}
    )


# --- Intake ------------------------------------------------------------------------------------
def report_submit(
    *,
    entity: Entity,
    category: Category,
    answers: list[dict],
    description: str,
    files: list[CleanFile],
    identity: dict | None = None,
    contact_point_implicated: bool = False,
    head_implicated: bool = False,
    staff_channel: str = "",
    actor=None,
) -> tuple[Report, str]:
    """Open a case for a report, seal its contents and return (report, receipt).

    The receipt's Argon2id derivation runs before the transaction so no lock waits on it.
    ``actor`` is set only for a report a contact point registers (``staff_channel``).
    """
    receipt = receipts.receipt_new()
    secret = receipts.receipt_derive(receipts.receipt_normalise(receipt) or "")
    report = _report_store(
        entity=entity,
        category=category,
        answers=answers,
        description=description,
        files=files,
        identity=identity,
        contact_point_implicated=contact_point_implicated,
        head_implicated=head_implicated,
        staff_channel=staff_channel,
        actor=actor if staff_channel else None,
        secret=secret,
    )
    return report, receipt


@transaction.atomic
def _report_store(*, entity, category, answers, description, files, identity, secret, **kw):
    staff_channel, actor = kw["staff_channel"], kw["actor"]
    case, data_key = case_open(
        entity=entity,
        category=category,
        source=CaseSource.STAFF if staff_channel else CaseSource.REPORT,
        contact_point_implicated=kw["contact_point_implicated"],
        head_implicated=kw["head_implicated"],
        actor=actor,
    )
    salt = crypto.new_salt()
    receipt_key = secret.key(salt)
    report = Report.objects.create(
        case=case,
        receipt_lookup=secret.lookup,
        receipt_kdf=secret.kdf,
        receipt_salt=salt,
        receipt_sealed_key=crypto.seal(receipt_key, data_key, aad(case, "receipt")),
        description=crypto.seal_text(data_key, description, aad(case, "description")),
        answers=seal_json(data_key, answers, case, "answers"),
        staff_channel=staff_channel,
    )
    _attachments_store(case, data_key, files, Origin.WHISTLEBLOWER)
    if identity:
        _vault_create(report, receipt_key, identity)
    audit_record(
        action="whistleblowing.report_submit",
        actor=actor,
        obj=report,
        entity=entity,
        day_only=True,
        data={"attachments": len(files), "identity": bool(identity), "channel": staff_channel},
    )
    return report


def _attachments_store(case: Case, data_key: bytes, files: list[CleanFile], origin: str) -> None:
    today = timezone.localdate()
    for clean in files:
        Attachment.objects.create(
            pk=unordered_id(Attachment),
            case=case,
            origin=origin,
            added_on=today,
            meta=seal_json(data_key, clean.as_meta(), case, "attachment-meta"),
            content=crypto.seal(data_key, clean.data, aad(case, "attachment")),
        )


def _vault_create(report: Report, receipt_key: bytes, identity: dict) -> IdentityVault:
    case = report.case
    identity_key = crypto.new_data_key()
    wraps = {
        str(user_id): crypto.b64e(crypto.wrap_for(public, identity_key, b"lacs-identity"))
        for user_id, public in custodians_with_keys()
    }
    return IdentityVault.objects.create(
        report=report,
        sealed=seal_json(identity_key, identity, case, "identity"),
        receipt_sealed_key=crypto.seal(receipt_key, identity_key, aad(case, "identity-key")),
        custodian_wraps=wraps,
    )


# --- Follow-up: the whistle-blower ------------------------------------------------------------
@transaction.atomic
def message_from_whistleblower(
    *, case: Case, data_key: bytes, body: str, files: list[CleanFile]
) -> Message | None:
    """A whistle-blower's answer (text, files or both) in the case's thread."""
    message = None
    if body:
        message = Message.objects.create(
            pk=unordered_id(Message),
            case=case,
            origin=Origin.WHISTLEBLOWER,
            sent_on=timezone.localdate(),
            body=crypto.seal_text(data_key, body, aad(case, "message")),
        )
    _attachments_store(case, data_key, files, Origin.WHISTLEBLOWER)
    case_activity_record(case=case)
    audit_record(
        action="whistleblowing.message_from_whistleblower",
        obj=case,
        entity=case.entity_id,
        day_only=True,
        data={"text": bool(body), "attachments": len(files)},
    )
    return message


@transaction.atomic
def protection_request_file(
    *, case: Case, data_key: bytes, what: str, when: str, who: str
) -> ProtectionRequest:
    """Ask for protection against retaliation; tracked on its own, also after closure."""
    today = timezone.localdate()
    request = ProtectionRequest.objects.create(
        pk=unordered_id(ProtectionRequest),
        case=case,
        filed_on=today,
        answer_by=working_days_add(today, settings.PROTECTION_ANSWER_DAYS),
        details=seal_json(data_key, {"what": what, "when": when, "who": who}, case, "protection"),
    )
    case_activity_record(case=case, kind=NoticeKind.PROTECTION)
    audit_record(
        action="whistleblowing.protection_request_file",
        obj=request,
        entity=case.entity_id,
        day_only=True,
    )
    return request


# --- Follow-up: the handler -------------------------------------------------------------------
@transaction.atomic
def message_from_handler(
    *,
    case: Case,
    data_key: bytes,
    body: str,
    actor,
    feedback: bool = False,
    files: list[CleanFile] | None = None,
) -> Message:
    """A handler's message to the whistle-blower, read at the follow-up page.

    It counts as the feedback the deadline asks for only when the handler marks it so.
    """
    message = Message.objects.create(
        case=case,
        origin=Origin.HANDLER,
        sent_on=timezone.localdate(),
        author=actor,
        body=crypto.seal_text(data_key, body, aad(case, "message")),
    )
    _attachments_store(case, data_key, files or [], Origin.HANDLER)
    audit_record(
        action="whistleblowing.message_from_handler",
        actor=actor,
        obj=case,
        entity=case.entity_id,
        data={"feedback": feedback, "attachments": len(files or [])},
    )
    if feedback:
        case_feedback_given(actor=actor, case=case)
    return message


@transaction.atomic
def protection_request_decide(
    *, request: ProtectionRequest, status: str, measures: str, data_key: bytes, actor
) -> ProtectionRequest:
    """Move a protection request on; ``measures`` is the answer the whistle-blower reads."""
    locked = ProtectionRequest.objects.select_for_update().get(pk=request.pk)
    locked.status = status
    today = timezone.localdate()
    if status in (ProtectionStatus.GRANTED, ProtectionStatus.REFUSED):
        locked.decided_on = today
    if measures:
        locked.measures = crypto.seal_text(data_key, measures, aad(locked.case, "measures"))
    if locked.answered_on is None and (measures or status != ProtectionStatus.FILED):
        locked.answered_on = today  # the first answer meets the request's own deadline
    locked.save(update_fields=["status", "decided_on", "measures", "answered_on"])
    audit_record(
        action="whistleblowing.protection_request_decide",
        actor=actor,
        obj=locked,
        entity=locked.case.entity_id,
        data={"status": status},
    )
    return locked


# --- The identity vault ------------------------------------------------------------------------
@transaction.atomic
def identity_request_file(*, vault: IdentityVault, reasoning: str, actor) -> IdentityRequest:
    """A handler's written, reasoned request to read the identity; custodians decide it.

    A second request while one is pending returns the pending one unchanged.
    """
    pending = IdentityRequest.objects.filter(
        vault=vault, requested_by=actor, status=IdentityRequestStatus.PENDING
    ).first()
    if pending is not None:
        return pending
    key = crypto.new_data_key()
    readers = dict(custodians_with_keys())
    readers[actor.pk] = crypto.b64d(actor.keypair.public_key)
    request = IdentityRequest.objects.create(
        vault=vault,
        requested_by=actor,
        requested_on=timezone.localdate(),
        reasoning=crypto.seal_text(key, reasoning, aad(vault.report.case, "identity-reasoning")),
        reasoning_wraps={
            str(uid): crypto.b64e(crypto.wrap_for(public, key, b"lacs-reasoning"))
            for uid, public in readers.items()
        },
    )
    audit_record(
        action="whistleblowing.identity_request_file",
        actor=actor,
        obj=request,
        entity=vault.report.case.entity_id,
    )
    custodians = [uid for uid, _public in custodians_with_keys() if uid != actor.pk]
    notice_queue(user_ids=custodians, kind=NoticeKind.IDENTITY)
    return request


class IdentityError(Exception):
    """A custodian's decision was refused; the message is for them (already translated)."""


def _reasoning_key(request: IdentityRequest, actor, private_key: bytes) -> bytes:
    wrap = request.reasoning_wraps.get(str(actor.pk))
    if wrap is None:
        raise IdentityError(_("Su llave no abre esta solicitud: no puede decidirla."))
    return crypto.unwrap_with(private_key, crypto.b64d(wrap), b"lacs-reasoning")


@transaction.atomic
def identity_request_decide(
    *, request: IdentityRequest, approve: bool, note: str, actor, private_key: bytes
) -> IdentityRequest:
    """A custodian approves or refuses a request; an approval takes two different custodians.

    The first approval is recorded and the request stays pending; the second one wraps the
    identity key for the requester. A refusal by either ends it. The requester never decides.
    """
    locked = IdentityRequest.objects.select_for_update().select_related("vault").get(pk=request.pk)
    if locked.status != IdentityRequestStatus.PENDING:
        return locked
    if locked.requested_by_id == actor.pk:
        raise IdentityError(_("Nadie decide su propia solicitud."))
    if approve and locked.first_approved_by_id == actor.pk:
        raise IdentityError(_("Ya aprobó esta solicitud: falta la de otra persona custodia."))
    key = _reasoning_key(locked, actor, private_key)
    notes = identity_decision_notes(locked, key)
    notes.append({"by": actor.get_username(), "approve": approve, "note": note})
    locked.decision_notes = crypto.seal_text(key, json.dumps(notes), decision_notes_aad(locked))
    fields = ["decision_notes"]
    if approve and locked.first_approved_by_id is None:
        locked.first_approved_by = actor
        fields.append("first_approved_by")
        action = "whistleblowing.identity_request_approve_first"
    else:
        action = "whistleblowing.identity_request_decide"
        if approve:
            wrap = locked.vault.custodian_wraps[str(actor.pk)]
            identity_key = crypto.unwrap_with(private_key, crypto.b64d(wrap), b"lacs-identity")
            public = crypto.b64d(locked.requested_by.keypair.public_key)
            locked.reader_wrap = crypto.wrap_for(public, identity_key, b"lacs-identity")
            fields.append("reader_wrap")
        locked.status = IdentityRequestStatus.APPROVED if approve else IdentityRequestStatus.REFUSED
        locked.decided_by = actor
        locked.decided_on = timezone.localdate()
        fields += ["status", "decided_by", "decided_on"]
    locked.save(update_fields=fields)
    audit_record(
        action=action,
        actor=actor,
        obj=locked,
        entity=locked.vault.report.case.entity_id,
        data={"approved": approve},
    )
    return locked


@transaction.atomic
def identity_read_record(*, case: Case, actor) -> None:
    """Every reading of an identity leaves an audit row."""
    audit_record(
        action="whistleblowing.identity_read", actor=actor, obj=case, entity=case.entity_id
    )


@transaction.atomic
def identity_vaults_share(*, actor, private_key: bytes) -> int:
    """Wrap, for custodians appointed since, every vault key ``actor`` holds; returns how many.

    A vault is wrapped for the custodians of the day it was filed; this hands it on.
    """
    current = dict(custodians_with_keys())
    shared = 0
    vaults = IdentityVault.objects.select_for_update().filter(
        custodian_wraps__has_key=str(actor.pk)
    )
    for vault in vaults:
        missing = {
            uid: pub for uid, pub in current.items() if str(uid) not in vault.custodian_wraps
        }
        if not missing:
            continue
        wrap = crypto.b64d(vault.custodian_wraps[str(actor.pk)])
        identity_key = crypto.unwrap_with(private_key, wrap, b"lacs-identity")
        for uid, public in missing.items():
            vault.custodian_wraps[str(uid)] = crypto.b64e(
                crypto.wrap_for(public, identity_key, b"lacs-identity")
            )
        vault.save(update_fields=["custodian_wraps"])
        shared += 1
    if shared:
        audit_record(
            action="whistleblowing.identity_vaults_share", actor=actor, data={"vaults": shared}
        )
    return shared


# --- The protection track's deadline -------------------------------------------------------------
def protection_deadlines_check(*, today: dt.date | None = None) -> dict[str, int]:
    """Remind the case's holders before an open protection request's first-answer deadline;
    after it, mark the breach and escalate (idempotent per request). Runs for closed cases too:
    the protection track outlives the case."""
    day = today or timezone.localdate()
    near = day + dt.timedelta(days=NEAR_DAYS)
    unanswered = ProtectionRequest.objects.filter(
        answered_on__isnull=True,
        answer_by__isnull=False,
        status__in=(ProtectionStatus.FILED, ProtectionStatus.REVIEW),
    )
    counts = {"reminded": 0, "breached": 0}
    for pk in unanswered.filter(reminded_on__isnull=True, answer_by__range=(day, near)).values_list(
        "pk", flat=True
    ):
        counts["reminded"] += _protection_remind(pk, day)
    for pk in unanswered.filter(breached_on__isnull=True, answer_by__lt=day).values_list(
        "pk", flat=True
    ):
        counts["breached"] += _protection_breach(pk, day)
    return counts


@transaction.atomic
def _protection_remind(pk: int, day: dt.date) -> int:
    if not ProtectionRequest.objects.filter(pk=pk, reminded_on__isnull=True).update(
        reminded_on=day
    ):
        return 0
    request = ProtectionRequest.objects.select_related("case").get(pk=pk)
    audit_record(
        action="whistleblowing.protection_reminder", obj=request, entity=request.case.entity_id
    )
    case_recipients_notify(case=request.case, kind=NoticeKind.PROTECTION)
    return 1


@transaction.atomic
def _protection_breach(pk: int, day: dt.date) -> int:
    """Mark the breach once and give the case to the entity's alternates and the comptroller,
    as a missed case deadline does (they wait for the keys from a current holder)."""
    from cases.actions import case_escalate

    if not ProtectionRequest.objects.filter(pk=pk, breached_on__isnull=True).update(
        breached_on=day
    ):
        return 0
    request = ProtectionRequest.objects.select_related("case__entity").get(pk=pk)
    added = case_escalate(case=request.case, which="protection")
    audit_record(
        action="whistleblowing.protection_breach",
        obj=request,
        entity=request.case.entity_id,
        data={"escalated_to": added},
    )
    case_recipients_notify(case=request.case, kind=NoticeKind.PROTECTION)
    return 1
