"""The case's status in the plain words a whistle-blower reads."""

from __future__ import annotations

from django.utils.translation import gettext as _

from cases.models import CaseStatus


def status_words(case) -> str:
    if case.status == CaseStatus.RECEIVED and case.routed_at is None:
        # Honest while nobody holds the key yet: the report is kept, not yet with a person.
        return _("Recibimos su denuncia y se está asignando a la persona que la atenderá.")
    words = {
        CaseStatus.RECEIVED: _("Recibimos su denuncia y ya se asignó a quien la atenderá."),
        CaseStatus.ACKNOWLEDGED: _("Su denuncia fue revisada y se acusó de recibo."),
        CaseStatus.ASSESSMENT: _("Se está valorando su denuncia."),
        CaseStatus.INVESTIGATION: _("Su denuncia está en investigación."),
        CaseStatus.REFERRED: _("Su denuncia se turnó a la autoridad competente."),
        CaseStatus.CLOSED: _("El caso se cerró."),
    }
    return words.get(case.status, case.get_status_display())


def closure_reason(case, data_key: bytes) -> str:
    """The outcome and closure reason the cases app records, in words, when the case is closed."""
    if case.status != CaseStatus.CLOSED:
        return ""
    parts = []
    if getattr(case, "outcome", ""):
        display = getattr(case, "get_outcome_display", None)
        parts.append(str(display() if display else case.outcome))
    reason = case.closure_reason_text(data_key)
    if reason:
        parts.append(reason.strip().rstrip("."))
    return ". ".join(parts)
