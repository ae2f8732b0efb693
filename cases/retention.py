"""Retention: closed cases are deleted once their category's period has passed (crypto-shredding).

For each due case, first every key that opens it is destroyed (the case key's wraps for the
intake key, recipients and escrow; the notes key's wraps; the receipt's sealed key; the identity
vault's receipt key and custodian wraps; approved readers' wraps), with an audit row that holds
no content. Then, in a second transaction, what the case counts on the dashboards is added to
``RetainedCount`` and the rows go (the case and, by cascade, the report, messages, attachments —
the encrypted files live in the database — protection requests, notes, permissions).

A run interrupted between the two steps leaves a case nobody can open; the next run deletes it.
This module finds what is due; the two steps are actions (``cases.actions``).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.db.models import CharField, Max, OuterRef, Subquery
from django.db.models.functions import Cast, Coalesce, TruncDate
from django.utils import timezone

from cases.actions import case_keys_destroy, case_rows_delete
from cases.models import PROTECTION_OPEN, Case, CaseStatus
from lacs.models import AuditEvent, Category


@dataclass
class RetentionResult:
    due: int = 0
    deleted: int = 0
    per_category: dict[str, int] = field(default_factory=dict)


def _closed_day():
    """The day of the last transition to "closed" (the audit log), else the feedback day.

    The day is the city's (``TIME_ZONE``), as ``retention_due``'s ``today`` is: a plain cast of
    the timestamp to a date would take UTC's, a day ahead from 18:00 in Mexico City.
    """
    closing = AuditEvent.objects.filter(
        action="case.transition",
        object_type="cases.case",
        object_id=Cast(OuterRef("pk"), CharField()),
        data__to=CaseStatus.CLOSED,
    )
    last = closing.values("object_id").annotate(at=Max("at")).values("at")
    return Coalesce(TruncDate(Subquery(last[:1])), "feedback_given_on")


def retention_due(*, today: dt.date | None = None) -> dict[str, list[int]]:
    """Ids of closed cases past their category's retention period, by category code."""
    day = today or timezone.localdate()
    due: dict[str, list[int]] = {}
    for category in Category.objects.all():
        cutoff = day - dt.timedelta(days=category.retention_days)
        ids = list(
            Case.objects.filter(category=category, status=CaseStatus.CLOSED)
            # An open protection request outlives its case: the rows wait until it is decided.
            .exclude(protection_requests__status__in=PROTECTION_OPEN)
            .annotate(closed_day=_closed_day())
            .filter(closed_day__lte=cutoff)
            .order_by("pk")
            .values_list("pk", flat=True)
        )
        if ids:
            due[category.code] = ids
    return due


def retention_run(*, today: dt.date | None = None, dry_run: bool = False) -> RetentionResult:
    """Delete every due case (keys first, then rows); ``dry_run`` only counts them."""
    due = retention_due(today=today)
    result = RetentionResult(
        due=sum(len(ids) for ids in due.values()),
        per_category={code: len(ids) for code, ids in due.items()},
    )
    if dry_run:
        return result
    for ids in due.values():
        for case_id in ids:
            case_keys_destroy(case_id=case_id)
            result.deleted += case_rows_delete(case_id=case_id)
    return result


__all__ = ["case_keys_destroy", "case_rows_delete", "retention_due", "retention_run"]
