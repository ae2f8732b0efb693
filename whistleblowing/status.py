"""The case's status in the plain words a whistle-blower reads."""

from __future__ import annotations

from django.utils.translation import gettext as _

from cases.models import CaseStatus


def status_words(case) -> str:
    words = {
        CaseStatus.RECEIVED: _("Recibimos su denuncia. Pronto una persona la revisará."),
        CaseStatus.ACKNOWLEDGED: _("Su denuncia fue revisada y se acusó de recibo."),
        CaseStatus.ASSESSMENT: _("Se está valorando su denuncia."),
        CaseStatus.INVESTIGATION: _("Su denuncia está en investigación."),
        CaseStatus.REFERRED: _("Su denuncia se turnó a la autoridad competente."),
        CaseStatus.CLOSED: _("El caso se cerró."),
    }
    return words.get(case.status, case.get_status_display())


def closure_reason(case) -> str:
    """The closure reason the cases app records, in words, when there is one."""
    if case.status != CaseStatus.CLOSED:
        return ""
    for name in ("closure_reason", "outcome"):
        if getattr(case, name, ""):
            display = getattr(case, f"get_{name}_display", None)
            return str(display() if display else getattr(case, name))
    return ""
