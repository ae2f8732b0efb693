"""Rebuilding the pre-aggregated ``Figure`` table from the domain apps' selectors.

Each domain app publishes what it counts as ``lacs.figures`` querysets (cases, protection
requests, procurement processes and red flags) or per-entity dictionaries (ethics); each source
is copied here inside its own savepoint, so one failing source is recorded as missing and its
panels say "sin datos" while the others still refresh. The querysets are aggregated in the
database and copied with one ``INSERT … SELECT`` each: at a million cases no row passes through
Python. Only counts, sums and codes are copied — never a name, a description or any free text.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from django.db import DatabaseError, connection, transaction
from django.db.models import QuerySet
from django.utils import timezone

from cases import selectors as cases_selectors
from ethics import selectors as ethics_selectors
from lacs.figures import FIGURE_COLUMNS
from oversight.models import Figure
from procurement import selectors as procurement_selectors
from whistleblowing import selectors as whistleblowing_selectors

FIGURES = Figure._meta.db_table


class SourceMissing(Exception):
    """A domain app cannot give its figures (yet)."""


def _insert(select_sql: str, params: list | tuple = ()) -> int:
    """Insert ``(month, entity_id, dimension, key, n, amount)`` rows produced by ``select_sql``."""
    sql = f"INSERT INTO {FIGURES} (month, entity_id, dimension, key, n, amount) {select_sql}"
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.rowcount


def _copy(*querysets: QuerySet | None) -> int:
    """Copy ``lacs.figures`` querysets into the figures table, in the database."""
    columns = ", ".join(f"q.{connection.ops.quote_name(c)}" for c in FIGURE_COLUMNS)
    rows = 0
    for queryset in querysets:
        if queryset is None:
            continue
        sql, params = queryset.query.sql_with_params()
        rows += _insert(f"SELECT {columns} FROM ({sql}) q", params)  # noqa: S608
    return rows


def cases_source(today: dt.date) -> int:
    return _copy(*cases_selectors.case_figures(today=today))


def protection_source(today: dt.date) -> int:
    return _copy(whistleblowing_selectors.protection_figures())


def procurement_source(today: dt.date) -> int:
    # Procurement is reported by year (per entity and year), dated in the city's time zone.
    return _copy(procurement_selectors.process_figures(), procurement_selectors.red_flag_figures())


def ethics_source(today: dt.date) -> int:
    figures = []
    for entity_id, row in ethics_selectors.acknowledgement_compliance().items():
        figures.append(Figure(entity_id=entity_id, dimension="servants", n=row["servants"]))
        figures.append(Figure(entity_id=entity_id, dimension="code_ack", n=row["acknowledged"]))
    for entity_id, states in ethics_selectors.declaration_compliance(today=today).items():
        figures += [
            Figure(entity_id=entity_id, dimension="declaration", key=state, n=n)
            for state, n in states.items()
        ]
    for year in range(today.year - 4, today.year + 1):
        for entity_id, row in ethics_selectors.gift_totals(year=year).items():
            figures.append(
                Figure(
                    month=dt.date(year, 1, 1),
                    entity_id=entity_id,
                    dimension="gifts",
                    n=row["count"],
                    amount=row["value"],
                )
            )
    return len(Figure.objects.bulk_create(f for f in figures if f.entity_id is not None))


def retained_source(today: dt.date) -> int:
    """What cases deleted by retention counted (``cases.RetainedCount``: counts only)."""
    return _copy(cases_selectors.retained_figures())


SOURCES: dict[str, Callable[[dt.date], int]] = {
    "cases": cases_source,
    "retained": retained_source,
    "protection": protection_source,
    "procurement": procurement_source,
    "ethics": ethics_source,
}


def _roll_up() -> int:
    return _insert(
        f"SELECT month, NULL, dimension, key, sum(n), sum(amount) FROM {FIGURES} "  # noqa: S608
        "WHERE entity_id IS NOT NULL GROUP BY month, dimension, key"
    )


def rebuild(today: dt.date | None = None) -> tuple[int, list[str]]:
    """Replace every figure. Call inside a transaction; returns (rows, missing sources)."""
    day = today or timezone.localdate()
    with connection.cursor() as cursor:
        # One rebuild at a time; readers keep seeing the previous figures until commit.
        cursor.execute("SELECT pg_advisory_xact_lock(hashtext('oversight.figures'))")
        cursor.execute(f"DELETE FROM {FIGURES}")  # noqa: S608
    rows, missing = 0, []
    for name, source in SOURCES.items():
        try:
            with transaction.atomic():
                rows += source(day)
        except (SourceMissing, DatabaseError, KeyError):
            missing.append(name)
    rows += _roll_up()
    with connection.cursor() as cursor:
        cursor.execute(f"ANALYZE {FIGURES}")  # the planner must see the new row counts
    return rows, missing
