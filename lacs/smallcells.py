"""Small-cell suppression: the one rule for every count shown to readers who may not see names.

A count below ``SMALL_CELL_THRESHOLD`` — zero included, since "none of the three" identifies
the three as surely as "one of them" — is shown as the string "<5", and so is any share, median
or amount derived from fewer items. The dashboards (oversight) and the ethics compliance pages
and CSVs call these functions; none keeps its own threshold.
"""

from __future__ import annotations

from django.conf import settings


def small() -> str:
    return f"<{settings.SMALL_CELL_THRESHOLD}"


def suppressed(n: int | None, threshold: int | None = None) -> bool:
    return n is not None and n < (threshold or settings.SMALL_CELL_THRESHOLD)


def count(n: int | None) -> int | str:
    n = n or 0
    return small() if suppressed(n) else n


def derived(base: int, value):
    """A share, median or amount computed from ``base`` items: hidden when ``base`` is small."""
    if suppressed(base):
        return small()
    return value
