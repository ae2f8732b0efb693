"""Reads of the system core that the domain apps and the dashboards share."""

from __future__ import annotations

from collections.abc import Iterable

from django.db.models import QuerySet

from lacs.models import AuditEvent, Category, Entity


def entity_names() -> dict[int, str]:
    """Every entity's name by id."""
    return dict(Entity.objects.values_list("pk", "name"))


def category_labels(ids: Iterable[int], language: str) -> dict[str, str]:
    """The categories' labels in ``language``, keyed by their id as text (as figures key them)."""
    return {str(c.pk): c.label(language) for c in Category.objects.filter(pk__in=list(ids))}


def audit_trail(object_type: str, object_id: int | str) -> QuerySet[AuditEvent]:
    """The audit events about one object, oldest first."""
    return AuditEvent.objects.filter(object_type=object_type, object_id=str(object_id)).order_by(
        "seq"
    )
