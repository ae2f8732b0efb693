"""Working days (días hábiles) under Mexico City's rules, with the holidays admins maintain.

The Ley de Procedimiento Administrativo de la Ciudad de México counts terms set in days as
working days: Saturdays, Sundays and the days the calendar declares inhábiles do not run. A term
set in months runs from date to date; if it ends on a non-working day it moves to the next
working day. ``docs/cases.md`` says which of the platform's deadlines follow which rule.
"""

from __future__ import annotations

import datetime as dt

from cases.models import Holiday

# Far enough for any term the settings allow (a year of working days and some slack).
_HORIZON_DAYS = 800


def _holidays(start: dt.date, end: dt.date) -> set[dt.date]:
    return set(Holiday.objects.filter(day__range=(start, end)).values_list("day", flat=True))


def is_working_day(day: dt.date, holidays: set[dt.date] | None = None) -> bool:
    if day.weekday() >= 5:
        return False
    known = holidays if holidays is not None else _holidays(day, day)
    return day not in known


def working_days_add(start: dt.date, days: int) -> dt.date:
    """The day on which a term of ``days`` working days, counted from the day after ``start``,
    ends (one query)."""
    holidays = _holidays(start, start + dt.timedelta(days=_HORIZON_DAYS))
    day, left = start, days
    while left > 0:
        day += dt.timedelta(days=1)
        if is_working_day(day, holidays):
            left -= 1
    return day


def next_working_day(day: dt.date) -> dt.date:
    """``day`` itself if it is a working day, else the next one."""
    holidays = _holidays(day, day + dt.timedelta(days=60))
    while not is_working_day(day, holidays):
        day += dt.timedelta(days=1)
    return day


def _nth_monday(year: int, month: int, n: int) -> dt.date:
    first = dt.date(year, month, 1)
    return first + dt.timedelta(days=(7 - first.weekday()) % 7 + 7 * (n - 1))


def statutory_rest_days(year: int) -> list[tuple[dt.date, str]]:
    """The federal statutory rest days (Ley Federal del Trabajo, art. 74) of ``year``.

    Mexico City adds its own each year in the Gaceta Oficial (Holy Thursday and Friday, 2 November,
    12 December, vacation periods): admins add those at /cases/holidays/.
    """
    days = [
        (dt.date(year, 1, 1), "Año Nuevo"),
        (_nth_monday(year, 2, 1), "Día de la Constitución"),
        (_nth_monday(year, 3, 3), "Natalicio de Benito Juárez"),
        (dt.date(year, 5, 1), "Día del Trabajo"),
        (dt.date(year, 9, 16), "Día de la Independencia"),
        (_nth_monday(year, 11, 3), "Día de la Revolución"),
        (dt.date(year, 12, 25), "Navidad"),
    ]
    if year % 6 == 2:  # 1 October 2024, 2030…: transmission of the federal executive
        days.append((dt.date(year, 10, 1), "Transmisión del Poder Ejecutivo Federal"))
    return sorted(days)
