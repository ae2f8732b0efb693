"""The day as people in Mexico City count it, for times that must not be finer than the day.

Anything about a report-derived case is stored as the day (or the day's local midnight, where the
column is a timestamp) until a handler acts on it, so that no row can be lined up with network,
door or badge records.
"""

from __future__ import annotations

import datetime as dt
import secrets

from django.db import models
from django.utils import timezone


def day_start(moment: dt.datetime | None = None) -> dt.datetime:
    """Local midnight of ``moment`` (now by default), timezone-aware."""
    local = timezone.localtime(moment or timezone.now())
    return local.replace(hour=0, minute=0, second=0, microsecond=0)


def is_day_only(moment: dt.datetime | None) -> bool:
    """True for a stored day: a local midnight (how day-only timestamps are kept)."""
    return moment is not None and timezone.localtime(moment).time() == dt.time(0)


# Ids of rows that come from a whistle-blower (cases, attachments, messages, protection requests)
# are drawn at random rather than from a sequence: staff see them in addresses, and consecutive
# values would place a day-only row between rows whose time is known.
UNORDERED_ID_RANGE = (10**12, 2**53)  # above any sequence value, exact in JSON numbers


def unordered_id(model: type[models.Model]) -> int:
    """A free random primary key for ``model`` (a collision, about 1 in 10^9, draws again)."""
    low, high = UNORDERED_ID_RANGE
    while True:
        candidate = low + secrets.randbelow(high - low)
        if not model._default_manager.filter(pk=candidate).exists():
            return candidate
