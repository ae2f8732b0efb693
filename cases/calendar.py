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
