"""When each declaration is due, from the servant's appointment dates.

Initial: within 60 days of taking office. Modification: in May of every year the servant was
in office since before 1 January (due 31 May). Conclusion: within 60 days of leaving office.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass

from ethics.models import DECLARATION_WINDOW_DAYS, DeclarationKind

WINDOW = dt.timedelta(days=DECLARATION_WINDOW_DAYS)


@dataclass(frozen=True)
class Obligation:
    kind: str
    year: int | None
    opens: dt.date
    due: dt.date


def obligations(start: dt.date, end: dt.date | None, today: dt.date) -> Iterator[Obligation]:
    """Every declaration an appointment from ``start`` to ``end`` owes, up to ``today``."""
    if start > today:
        return
    yield Obligation(DeclarationKind.INITIAL, None, start, start + WINDOW)
    last_year = min(today.year, end.year if end else today.year)
    for year in range(start.year + 1, last_year + 1):
        may = dt.date(year, 5, 1)
        if may > today or (end and end < may):
            continue
        yield Obligation(DeclarationKind.MODIFICATION, year, may, dt.date(year, 5, 31))
    if end and end <= today:
        yield Obligation(DeclarationKind.CONCLUSION, None, end, end + WINDOW)


def due_date(kind: str, year: int | None, start: dt.date, end: dt.date | None) -> dt.date | None:
    if kind == DeclarationKind.INITIAL:
        return start + WINDOW
    if kind == DeclarationKind.CONCLUSION:
        return end + WINDOW if end else None
    if kind == DeclarationKind.MODIFICATION and year:
        return dt.date(year, 5, 31)
    return None
