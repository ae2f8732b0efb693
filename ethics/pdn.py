"""Declarations in the shape of PDN System 1 (``resDeclaraciones`` results), for the PDN API.

The platform holds the interest part of the national format (``declaracion.interes``), not the
patrimonial part the city's own declaration system keeps; ``situacionPatrimonial`` carries only
what we know for sure (the declarant's name and entity). Private fields are removed unless the
requester may read the declaration in full (the declarant, or a reviewer of its entity).
"""

from __future__ import annotations

from typing import Any

from ethics import access
from ethics import interest as interest_format
from ethics.models import Declaration, DeclarationKind

PDN_KIND = {
    DeclarationKind.INITIAL: "INICIAL",
    DeclarationKind.MODIFICATION: "MODIFICACIÓN",
    DeclarationKind.CONCLUSION: "CONCLUSIÓN",
    DeclarationKind.UPDATE: "MODIFICACIÓN",
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
                "datosEmpleoCargoComision": {"nombreEntePublico": declaration.entity.name},
            },
            "interes": declaration.interest
            if full
            else interest_format.public_view(declaration.interest),
        },
    }


def s1_records(*, user, page: int = 1, page_size: int = 10, declaration_id: str | None = None):
    """``(records, total)``: filed declarations, newest first, full only where ``user`` may."""
    rows = Declaration.objects.filed().select_related("declarant", "entity").order_by("-filed_at")
    if declaration_id is not None:
        rows = rows.filter(pk=int(declaration_id)) if declaration_id.isdigit() else rows.none()
    total = rows.count()
    full_ids = set(
        access.declarations_visible(user).values_list("pk", flat=True)
        if user is not None and user.is_authenticated
        else []
    )
    start = (page - 1) * page_size
    chunk = rows[start : start + page_size]
    return [s1_record(d, full=d.pk in full_ids) for d in chunk], total
