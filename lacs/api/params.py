"""Query-string numbers read strictly: ASCII digits within bounds, else a 400.

``str.isdigit()`` is true for "¹" or "٣", which ``int()`` then refuses or reads as another
number; every API number in a query string goes through ``whole_number`` instead.
"""

from __future__ import annotations

from django.utils.translation import gettext as _
from rest_framework.exceptions import ValidationError

ASCII_DIGITS = frozenset("0123456789")


def is_ascii_number(raw: str, *, max_digits: int = 18) -> bool:
    """True for 1 to ``max_digits`` ASCII digits (an 18-digit number fits a bigint)."""
    return 0 < len(raw) <= max_digits and set(raw) <= ASCII_DIGITS


def whole_number(raw: str | None, *, name: str, low: int, high: int, default: int | None = None):
    """``raw`` as an int in [low, high]; ``default`` when absent; ValidationError otherwise."""
    if raw is None or raw == "":
        return default
    if not is_ascii_number(raw) or not low <= int(raw) <= high:
        raise ValidationError(
            {
                name: _("Debe ser un número entero de %(low)s a %(high)s.")
                % {"low": low, "high": high}
            }
        )
    return int(raw)
