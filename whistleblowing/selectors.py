"""Reads of the whistleblowing app that other apps need: only counts and codes, never content."""

from __future__ import annotations

from django.db.models import QuerySet
from django.db.models.functions import TruncMonth

from lacs.figures import figure_counts
from whistleblowing.models import ProtectionRequest, ProtectionStatus


def protection_status_labels() -> dict[str, str]:
    return {str(k): str(v) for k, v in ProtectionStatus.choices}


def protection_figures(cases: QuerySet | None = None) -> QuerySet:
    """Protection requests per filing month, the case's entity and status (``lacs.figures``);
    only those of ``cases`` when given."""
    rows = ProtectionRequest.objects.all()
    if cases is not None:
        rows = rows.filter(case__in=cases)
    return figure_counts(
        rows,
        month=TruncMonth("filed_on"),
        entity="case__entity_id",
        dimension="protection",
        key="status",
    )
