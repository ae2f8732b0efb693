"""Factories and helpers for case tests: cases are always opened through ``case_open``."""

from __future__ import annotations

from django.db import transaction

from cases.actions import case_open
from cases.models import CaseSource
from tests.factories import CategoryFactory


def open_case(entity, *, category=None, source=CaseSource.REPORT, **flags):
    """Open a case as the intake would (routing runs on commit, eagerly under pytest)."""
    with transaction.atomic():
        case, data_key = case_open(
            entity=entity, category=category or CategoryFactory(), source=source, **flags
        )
    return case, data_key
