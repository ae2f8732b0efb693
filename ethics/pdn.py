"""Declarations in the shape of PDN System 1 (``resDeclaraciones`` results), for the PDN API.

The platform holds the interest part of the national format (``declaracion.interes``), not the
patrimonial part the city's own declaration system keeps. ``situacionPatrimonial`` carries what
we know for sure (the declarant's name, the entity) and, of the parts the specification
requires, only values that state nothing we do not know: no schooling listed
(``escolaridad: []``), no post named (``empleoCargoComision: ""``), and ``experienciaLaboral``
with ``ninguno: false`` (the declarant did not state "none" here). Incomes (``ingresos``) and
the previous year's activity (``actividadAnualAnterior``) are left out: the specification has
no value for "not held" there, and any number would be invented (docs/pdn.md).

Private fields are removed unless the requester may read the declaration in full (the
declarant, or a reviewer of its entity).
"""

from __future__ import annotations

from typing import Any

from django.db.models import F, Q, QuerySet

from ethics import access
from ethics import interest as interest_format
from ethics.models import Declaration, DeclarationKind

PDN_KIND = {
    DeclarationKind.INITIAL: "INICIAL",
    DeclarationKind.MODIFICATION: "MODIFICACIÓN",
    DeclarationKind.CONCLUSION: "CONCLUSIÓN",
    DeclarationKind.UPDATE: "MODIFICACIÓN",
}
# Required by the specification, not held by the platform, with no "not held" value to send.
NOT_HELD = ("ingresos", "actividadAnualAnterior")

# Filters and sort keys of ``reqDeclaraciones`` (nested objects as dotted names) that map to
# what a record carries; any other filter of the specification matches no record.
FILTER_LOOKUPS = {
    "nombres": "declarant__first_name__icontains",
    "primerApellido": "declarant__last_name__icontains",
    "datosEmpleoCargoComision.nombreEntePublico": "entity__name__icontains",
}
SORT_COLUMNS = {
    "nombres": "declarant__first_name",
    "primerApellido": "declarant__last_name",
    "datosEmpleoCargoComision.nombreEntePublico": "entity__name",
}


def s1_record(declaration: Declaration, *, full: bool) -> dict[str, Any]:
    """One ``results[]`` item; ``full`` keeps the private fields."""
    user = declaration.declarant
    return {
        "id": str(declaration.pk),
        "metadata": {
            "actualizacion": declaration.filed_at.isoformat() if declaration.filed_at else "",
            "institucion": declaration.entity.name,
            "tipo": PDN_KIND[DeclarationKind(declaration.kind)],
            "declaracionCompleta": False,
            "actualizacionConflictoInteres": declaration.kind == DeclarationKind.UPDATE,
        },
        "declaracion": {
            "situacionPatrimonial": {
                "datosGenerales": {
                    "nombre": user.first_name,
                    "primerApellido": user.last_name,
                },
                "datosCurricularesDeclarante": {"escolaridad": []},
                "datosEmpleoCargoComision": {
                    "nombreEntePublico": declaration.entity.name,
                    "empleoCargoComision": "",
                },
                "experienciaLaboral": {"ninguno": False},
            },
            "interes": declaration.interest
            if full
            else interest_format.public_view(declaration.interest),
        },
    }


def s1_search(*, filters: dict[str, Any], order: dict[str, str]) -> QuerySet[Declaration]:
    """Filed declarations matching ``filters`` (dotted names), sorted by ``order``, then newest."""
    rows = Declaration.objects.filed().select_related("declarant", "entity")
    for name, value in filters.items():
        if name == "rfcSolicitante":
            continue  # who asks is the token's user, never a name in the body
        if name == "id":
            value = str(value)
            ok = value.isascii() and value.isdigit() and 0 < int(value) < 2**63
            rows = rows.filter(pk=int(value)) if ok else rows.none()
        elif name in FILTER_LOOKUPS:
            rows = rows.filter(**{FILTER_LOOKUPS[name]: value})
        else:
            rows = rows.none()  # a field our records do not carry
    columns = [
        F(SORT_COLUMNS[key]).desc() if direction == "desc" else F(SORT_COLUMNS[key]).asc()
        for key, direction in order.items()
        if key in SORT_COLUMNS
    ]
    return rows.order_by(*columns, "-filed_at", "-pk")


def s1_full_ids(user, declarations) -> set[int]:
    """Which of ``declarations`` ``user`` may read in full (one query)."""
    if user is None or not user.is_authenticated:
        return set()
    ids = [d.pk for d in declarations]
    return set(access.declarations_visible(user).filter(Q(pk__in=ids)).values_list("pk", flat=True))


def s1_records(*, user, page: int = 1, page_size: int = 10, declaration_id: str | None = None):
    """``(records, total)``: filed declarations, newest first, full only where ``user`` may."""
    rows = s1_search(filters={} if declaration_id is None else {"id": declaration_id}, order={})
    total = rows.count()
    start = (page - 1) * page_size
    chunk = list(rows[start : start + page_size])
    full_ids = s1_full_ids(user, chunk)
    return [s1_record(d, full=d.pk in full_ids) for d in chunk], total
