"""The one shape in which a domain app publishes counts for the CPC dashboards.

Each app's ``selectors.py`` answers with querysets built by ``figure_counts``: rows of
``FIGURE_COLUMNS`` (month, entity id, dimension, key, count, amount), aggregated in the database.
``oversight`` copies them into its own table with one ``INSERT … SELECT`` each, and cases'
retention reads the same querysets for one case, so both count a case the same way.
"""

from __future__ import annotations

from django.db.models import CharField, Count, DecimalField, F, QuerySet, Value
from django.db.models.expressions import Combinable
from django.db.models.functions import Cast

AMOUNT = DecimalField(max_digits=22, decimal_places=2)
# Aliases no model field uses, so that annotating them never clashes with a column.
FIGURE_COLUMNS = ("fig_month", "fig_entity", "fig_dimension", "fig_key", "fig_n", "fig_amount")


def figure_counts(
    rows: QuerySet,
    *,
    month: Combinable,
    entity: str,
    dimension: str | Combinable,
    key: Combinable | str | None = None,
    n: Combinable | None = None,
    amount: Combinable | None = None,
) -> QuerySet:
    """``rows`` counted per (month, entity, key) under ``dimension``, as ``FIGURE_COLUMNS``."""
    key_sql = (
        Value("") if key is None else Cast(F(key) if isinstance(key, str) else key, CharField())
    )
    label = Value(dimension) if isinstance(dimension, str) else dimension
    grouped = rows.annotate(
        fig_month=month, fig_entity=F(entity), fig_dimension=label, fig_key=key_sql
    ).values("fig_month", "fig_entity", "fig_dimension", "fig_key")
    return grouped.annotate(
        fig_n=n if n is not None else Count("pk"),
        # A typed NULL: an untyped one would reach the figures table as text.
        fig_amount=amount if amount is not None else Cast(Value(None), AMOUNT),
    ).order_by()


def figure_rows(queryset: QuerySet) -> list[tuple]:
    """The rows of a ``figure_counts`` queryset, in ``FIGURE_COLUMNS`` order."""
    return list(queryset.values_list(*FIGURE_COLUMNS))
