"""Permission policy of the whistleblowing app: who may see or do what, in one place.

- A whistle-blower is authorised by the receipt alone (then by the follow-up token it buys).
- Handlers reach a case's contents only through ``cases.access`` (permission + key wrap).
- Custodians decide identity requests; a handler reads an identity only with an approved wrap.
Every refusal of an object answers "not found", like a missing one.
"""

from __future__ import annotations

import json

from django.db.models import Q
from django.http import Http404

from cases import access as case_access
from cases.models import Case
from lacs import crypto
from lacs.access import role_required, user_has_role
from lacs.keys import session_private_key
from lacs.models import Role, RoleAssignment, UserKeyPair
from whistleblowing import ephemeral, receipts
from whistleblowing.models import (
    Attachment,
    IdentityRequest,
    IdentityRequestStatus,
    IdentityVault,
    ProtectionRequest,
    Report,
)
from whistleblowing.sealing import aad, open_json

# Page policies: anonymous users go to log-in, signed-in users without the role get 403.
HANDLER_ROLES = (Role.CONTACT, Role.INVESTIGATOR)
contact_page = role_required(Role.CONTACT)
handler_page = role_required(*HANDLER_ROLES)
custodian_page = role_required(Role.CUSTODIAN)


# --- The whistle-blower ---------------------------------------------------------------------
def report_for_receipt(text: str) -> tuple[Report, bytes] | None:
    """The report and its data key for a receipt; None for a wrong one and a missing one alike.

    A malformed receipt is refused by the form before this runs; a well-formed wrong one costs
    the same derivation as a right one.
    """
    canonical = receipts.receipt_normalise(text)
    if canonical is None:
        return None
    report = None
    for kdf in _receipt_kdfs():  # today's parameters first; older ones only if still in use
        secret = receipts.receipt_derive(canonical, kdf)
        report = Report.objects.select_related("case").filter(receipt_lookup=secret.lookup).first()
        if report is not None:
            break
    if report is None:
        return None
    try:
        key = secret.key(bytes(report.receipt_salt))
        data_key = crypto.open_(key, bytes(report.receipt_sealed_key), aad(report.case, "receipt"))
    except crypto.CryptoError:
        return None
    return report, data_key


def receipt_key_for(text: str, report: Report) -> bytes:
    """The receipt-derived key (for the identity the whistle-blower gave), or CryptoError."""
    canonical = receipts.receipt_normalise(text) or ""
    secret = receipts.receipt_derive(canonical, report.receipt_kdf)
    return secret.key(bytes(report.receipt_salt))


def _receipt_kdfs() -> list[str]:
    """The Argon2id parameters receipts were derived with: today's, then any older in use.

    Each costs one derivation for a wrong receipt, so old ones stop being tried once no report
    made with them is left (retention deletes reports).
    """
    today = str(crypto.kdf_current())
    older = (  # two index ranges: usually empty, so a follow-up pays nothing for this
        Report.objects.filter(Q(receipt_kdf__lt=today) | Q(receipt_kdf__gt=today))
        .values_list("receipt_kdf", flat=True)
        .distinct()
        .order_by("receipt_kdf")
    )
    return [today, *older]


def followup_report(request) -> tuple[Report, bytes] | None:
    """The report and data key held by this browser's follow-up token, if it is still live."""
    live = ephemeral.followup_load(request.COOKIES.get(ephemeral.FOLLOWUP_COOKIE))
    if live is None:
        return None
    case_id, data_key = live
    report = Report.objects.select_related("case", "case__entity", "case__category").filter(
        case_id=case_id
    )
    found = report.first()
    return (found, data_key) if found else None


# --- Handlers -------------------------------------------------------------------------------
def handler_case(request, pk, *, work: bool = True) -> tuple[Case, bytes]:
    """A case the signed-in handler may see (or work), with its data key; 404 otherwise."""
    perm = "work_case" if work else "view_case"
    case = case_access.case_for_user(request.user, pk, perm=perm)
    if not Report.objects.filter(case=case).exists():
        raise Http404
    data_key = case_access.case_data_key(
        case=case, user=request.user, private_key=session_private_key(request)
    )
    return case, data_key


def attachment_for_case(case: Case, pk) -> Attachment:
    found = Attachment.objects.filter(case=case, pk=pk).first()
    if found is None:
        raise Http404
    return found


def protection_request_for_case(case: Case, pk) -> ProtectionRequest:
    found = ProtectionRequest.objects.filter(case=case, pk=pk).first()
    if found is None:
        raise Http404
    return found


def vault_for_case(case: Case) -> IdentityVault:
    found = IdentityVault.objects.filter(report__case=case).first()
    if found is None:
        raise Http404
    return found


def identity_approvals(report: Report) -> list:
    """Days on which a custodian let a handler read the identity (the whistle-blower sees it)."""
    return list(
        IdentityRequest.objects.filter(
            vault__report=report, status=IdentityRequestStatus.APPROVED
        ).values_list("decided_on", flat=True)
    )


def identity_for_reader(*, case: Case, user, private_key: bytes | None) -> dict | None:
    key = identity_key_for_reader(case=case, user=user, private_key=private_key)
    if key is None:
        return None
    vault = vault_for_case(case)
    try:
        return open_json(key, vault.sealed, case, "identity")
    except crypto.CryptoError:
        return None


def identity_key_for_reader(*, case: Case, user, private_key: bytes | None) -> bytes | None:
    """The identity key if a custodian approved ``user``'s request on this case, else None."""
    approved = (
        IdentityRequest.objects.filter(
            vault__report__case=case,
            requested_by=user,
            status=IdentityRequestStatus.APPROVED,
            reader_wrap__isnull=False,
        )
        .order_by("-id")
        .first()
    )
    if approved is None or private_key is None:
        return None
    try:
        return crypto.unwrap_with(private_key, bytes(approved.reader_wrap or b""), b"lacs-identity")
    except crypto.CryptoError:
        return None


# --- Custodians -----------------------------------------------------------------------------
def custodians_with_keys() -> list[tuple[int, bytes]]:
    """(user id, public key) of every current identity custodian who has a key pair."""
    ids = (
        RoleAssignment.objects.current()
        .filter(role=Role.CUSTODIAN, user__is_active=True)
        .values_list("user_id", flat=True)
    )
    pairs = UserKeyPair.objects.filter(user_id__in=ids).values_list("user_id", "public_key")
    return [(uid, crypto.b64d(public)) for uid, public in pairs]


def may_decide_identity(user) -> bool:
    return user.is_authenticated and user_has_role(user, Role.CUSTODIAN)


def identity_requests_for_custodian(user):
    """Requests a custodian can decide: those whose vault holds a wrap for them."""
    if not may_decide_identity(user):
        return IdentityRequest.objects.none()
    return IdentityRequest.objects.filter(vault__custodian_wraps__has_key=str(user.pk))


def vaults_to_share(user) -> int:
    """How many vaults ``user`` holds that some current custodian cannot open yet."""
    if not may_decide_identity(user):
        return 0
    current = {str(uid) for uid, _public in custodians_with_keys()}
    held = IdentityVault.objects.filter(custodian_wraps__has_key=str(user.pk))
    return sum(
        1 for wraps in held.values_list("custodian_wraps", flat=True) if current - set(wraps)
    )


def identity_request_for_custodian(user, pk) -> IdentityRequest:
    found = (
        identity_requests_for_custodian(user)
        .select_related("vault__report__case", "requested_by")
        .filter(pk=pk)
        .first()
    )
    if found is None:
        raise Http404
    return found


def decision_notes_aad(request: IdentityRequest) -> bytes:
    return aad(request.vault.report.case, f"identity-decision:{request.pk}")


def identity_decision_notes(request: IdentityRequest, key: bytes) -> list[dict]:
    """The custodians' sealed notes on ``request`` ([{by, approve, note}]), opened with ``key``."""
    if not request.decision_notes:
        return []
    sealed = bytes(request.decision_notes)
    return json.loads(crypto.open_text(key, sealed, decision_notes_aad(request)))


def decision_notes_for(request: IdentityRequest, user, private_key: bytes | None) -> list[dict]:
    """The custodians' sealed notes on a request, for a custodian or its author; [] otherwise."""
    wrap = request.reasoning_wraps.get(str(user.pk))
    if wrap is None or private_key is None or not request.decision_notes:
        return []
    try:
        key = crypto.unwrap_with(private_key, crypto.b64d(wrap), b"lacs-reasoning")
        return identity_decision_notes(request, key)
    except crypto.CryptoError:
        return []


def reasoning_for(request: IdentityRequest, user, private_key: bytes | None) -> str | None:
    """The request's reasoning, for a custodian or its author; None if they hold no wrap."""
    wrap = request.reasoning_wraps.get(str(user.pk))
    if wrap is None or private_key is None:
        return None
    try:
        key = crypto.unwrap_with(private_key, crypto.b64d(wrap), b"lacs-reasoning")
        return crypto.open_text(
            key, bytes(request.reasoning), aad(request.vault.report.case, "identity-reasoning")
        )
    except crypto.CryptoError:
        return None
