"""Rebuilding the pre-aggregated ``Figure`` table from the domain apps.

Each source is one or a few ``INSERT … SELECT … GROUP BY`` statements run inside its own
savepoint: a domain app whose table or column does not exist yet (it is still being built) is
recorded as missing and its panels say "sin datos", while the other sources still refresh. Column
names come from each model's ``_meta`` so a renamed field fails loudly here, not on a page.
Only counts, sums and codes are copied — never a name, a description or any other free text.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from django.apps import apps
from django.conf import settings
from django.core.exceptions import FieldDoesNotExist
from django.db import DatabaseError, connection, transaction
from django.utils import timezone

from oversight.models import Figure

# Durations longer than this many days are counted in the last bucket (the median is then "≥").
ACK_DAYS_CAP = 60
FEEDBACK_DAYS_CAP = 180
FIGURES = Figure._meta.db_table


class SourceMissing(Exception):
    """The domain app's model, table or column is not there (yet)."""


def _model(label: str):
    try:
        return apps.get_model(label)
    except LookupError as exc:
        raise SourceMissing(label) from exc


def _col(model, name: str) -> str:
    try:
        return connection.ops.quote_name(model._meta.get_field(name).column)
    except FieldDoesNotExist as exc:
        raise SourceMissing(f"{model._meta.label}.{name}") from exc


def _table(model) -> str:
    return connection.ops.quote_name(model._meta.db_table)


def _insert(select_sql: str, params: list | tuple = ()) -> int:
    """Insert ``(month, entity_id, dimension, key, n, amount)`` rows produced by ``select_sql``."""
    sql = f"INSERT INTO {FIGURES} (month, entity_id, dimension, key, n, amount) {select_sql}"
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.rowcount


def _case_counts(case, dimension: str, key_sql: str, where: str = "TRUE", params=()) -> int:
    month = f"date_trunc('month', {_col(case, 'received_on')})::date"
    entity = _col(case, "entity")
    return _insert(
        f"SELECT {month}, {entity}, %s, ({key_sql})::text, count(*), NULL "  # noqa: S608
        f"FROM {_table(case)} WHERE {where} GROUP BY 1, 2, 4",
        [dimension, *params],
    )


def cases_source(today: dt.date) -> int:
    case = _model("cases.Case")
    status, received = _col(case, "status"), _col(case, "received_on")
    rows = _case_counts(case, "cases", "''")
    rows += _case_counts(case, "category", _col(case, "category"))
    rows += _case_counts(case, "status", status)
    rows += _case_counts(case, "source", _col(case, "source"))
    return rows + _deadline_counts(case, today, status, received) + _outcome_counts(case, status)


def _outcome_counts(case, status: str) -> int:
    outcome = _col(case, "outcome")
    rows = _case_counts(case, "outcome", outcome, f"{outcome} <> ''")
    referred = _col(case, "referred_to")
    # Whether a case was referred, never where to: referred_to is free text.
    return rows + _case_counts(case, "referred", "''", f"{status} = 'referred' OR {referred} <> ''")


def _deadline_counts(case, today: dt.date, status: str, received: str) -> int:
    acked, ack_by = _col(case, "acknowledged_on"), _col(case, "acknowledge_by")
    given, fb_by = _col(case, "feedback_given_on"), _col(case, "feedback_by")
    rows = _case_counts(
        case, "ack_days", f"least({acked} - {received}, {ACK_DAYS_CAP})", f"{acked} IS NOT NULL"
    )
    rows += _case_counts(
        case,
        "ack_overdue",
        "''",
        f"{acked} IS NULL AND {status} = 'received' AND {ack_by} < %s",
        [today],
    )
    rows += _case_counts(
        case,
        "fb_days",
        f"least({given} - {received}, {FEEDBACK_DAYS_CAP})",
        f"{given} IS NOT NULL",
    )
    return rows + _case_counts(
        case,
        "fb_overdue",
        "''",
        f"{given} IS NULL AND {status} NOT IN ('closed', 'referred') AND {fb_by} < %s",
        [today],
    )


def protection_source(today: dt.date) -> int:
    request, case = _model("whistleblowing.ProtectionRequest"), _model("cases.Case")
    filed, status = _col(request, "filed_on"), _col(request, "status")
    return _insert(
        f"SELECT date_trunc('month', p.{filed})::date, c.{_col(case, 'entity')}, 'protection', "  # noqa: S608
        f"p.{status}, count(*), NULL FROM {_table(request)} p "
        f"JOIN {_table(case)} c ON c.id = p.{_col(request, 'case')} GROUP BY 1, 2, 4"
    )


def procurement_source(today: dt.date) -> int:
    process, buyer = _model("procurement.Process"), _model("procurement.Buyer")
    date, method = _col(process, "date"), _col(process, "method")
    value = f"coalesce(p.{_col(process, 'awarded_amount')}, p.{_col(process, 'tender_amount')})"
    # Procurement is reported by year (per entity and year), dated in the city's time zone.
    month = f"date_trunc('year', p.{date} AT TIME ZONE %s)::date"
    rows = _insert(
        f"SELECT {month}, b.{_col(buyer, 'entity')}, 'proc_method', p.{method}, count(*), "  # noqa: S608
        f"sum({value}) FROM {_table(process)} p JOIN {_table(buyer)} b "
        f"ON b.id = p.{_col(process, 'buyer')} WHERE b.{_col(buyer, 'entity')} IS NOT NULL "
        f"AND p.{date} IS NOT NULL GROUP BY 1, 2, 4",
        [settings.TIME_ZONE],
    )
    return rows + _red_flag_counts(process, buyer, month)


def _red_flag_counts(process, buyer, month: str) -> int:
    run, flag = _model("procurement.FlagRun"), _model("procurement.RedFlag")
    latest = run.objects.order_by("-created_at", "-pk").values_list("pk", flat=True).first()
    if latest is None:
        return 0
    return _insert(
        f"SELECT {month}, b.{_col(buyer, 'entity')}, 'red_flag', f.{_col(flag, 'code')}, "  # noqa: S608
        f"count(*), NULL FROM {_table(flag)} f JOIN {_table(process)} p "
        f"ON p.id = f.{_col(flag, 'process')} JOIN {_table(buyer)} b "
        f"ON b.id = p.{_col(process, 'buyer')} WHERE f.{_col(flag, 'run')} = %s "
        f"AND b.{_col(buyer, 'entity')} IS NOT NULL AND p.{_col(process, 'date')} IS NOT NULL "
        "GROUP BY 1, 2, 4",
        [settings.TIME_ZONE, latest],
    )


def ethics_source(today: dt.date) -> int:
    try:
        from ethics import selectors
    except ImportError as exc:
        raise SourceMissing("ethics.selectors") from exc
    figures = []
    for entity_id, row in selectors.acknowledgement_compliance().items():
        figures.append(Figure(entity_id=entity_id, dimension="servants", n=row["servants"]))
        figures.append(Figure(entity_id=entity_id, dimension="code_ack", n=row["acknowledged"]))
    for entity_id, states in selectors.declaration_compliance(today=today).items():
        figures += [
            Figure(entity_id=entity_id, dimension="declaration", key=state, n=n)
            for state, n in states.items()
        ]
    for year in range(today.year - 4, today.year + 1):
        for entity_id, row in selectors.gift_totals(year=year).items():
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
    kept = _model("cases.RetainedCount")
    columns = ", ".join(_col(kept, name) for name in ("month", "entity", "dimension", "key", "n"))
    return _insert(f"SELECT {columns}, NULL FROM {_table(kept)}")  # noqa: S608


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
        except (SourceMissing, DatabaseError, ImportError, KeyError):
            missing.append(name)
    rows += _roll_up()
    with connection.cursor() as cursor:
        cursor.execute(f"ANALYZE {FIGURES}")  # the planner must see the new row counts
    return rows, missing
