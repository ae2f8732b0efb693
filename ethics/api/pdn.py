"""PDN System 1: ``POST /v2/declaraciones`` over the filed interest declarations.

Every holder of a ``pdn`` token reads the public version; the declarant and the reviewers of the
declaration's entity read it in full. Who asks is the token's user: ``rfcSolicitante`` in the
body is accepted, as the specification allows, but grants nothing.
"""

from __future__ import annotations

import copy
import json
from functools import cache
from pathlib import Path
from typing import Any

from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework.exceptions import ParseError
from rest_framework.request import Request
from rest_framework.response import Response

from ethics import pdn
from lacs.api.pdn import PdnQuery, PdnQueryError, PdnSearchView, parse_query

SPECS = Path(__file__).parent / "specs"
DECLARATIONS_SPEC = SPECS / "OAS_API_Declaraciones_Inicial.json"
# Objects of ``reqDeclaraciones`` whose members are sent nested; we read them as dotted names.
NESTED = {"datosEmpleoCargoComision", "bienesInmuebles", "totalIngresosNetos"}
NESTED_RANGES = {"superficieConstruccion", "superficieTerreno", "valorAdquisicion"}
TEXT_FILTERS = {
    "id",
    "nombres",
    "primerApellido",
    "segundoApellido",
    "escolaridadNivel",
    "rfcSolicitante",
    "datosEmpleoCargoComision.nombreEntePublico",
    "datosEmpleoCargoComision.entidadFederativa",
    "datosEmpleoCargoComision.municipioAlcaldia",
    "datosEmpleoCargoComision.empleoCargoComision",
    "datosEmpleoCargoComision.nivelOrdenGobierno",
    "datosEmpleoCargoComision.nivelEmpleoCargoComision",
    "bienesInmuebles.formaAdquisicion",
}
RANGE_FILTERS = {
    f"{prefix}.{bound}"
    for prefix in (
        "totalIngresosNetos",
        "bienesInmuebles.superficieConstruccion",
        "bienesInmuebles.superficieTerreno",
        "bienesInmuebles.valorAdquisicion",
    )
    for bound in ("min", "max")
}
SORTABLE = {
    "nombres",
    "primerApellido",
    "segundoApellido",
    "escolaridadNivel",
    "totalIngresosNetos",
    *(
        f"datosEmpleoCargoComision.{name}"
        for name in (
            "nombreEntePublico",
            "entidadFederativa",
            "municipioAlcaldia",
            "empleoCargoComision",
            "nivelEmpleoCargoComision",
            "nivelOrdenGobierno",
        )
    ),
    *(
        f"bienesInmuebles.{name}"
        for name in (
            "superficieConstruccion",
            "superficieTerreno",
            "formaAdquisicion",
            "valorAdquisicion",
        )
    ),
}


def _inline(node: Any, components: dict, depth: int = 0) -> Any:
    """The schema with its local ``$ref``s replaced by what they point at."""
    if isinstance(node, dict):
        ref = node.get("$ref")
        if isinstance(ref, str) and ref.startswith("#/components/schemas/") and depth < 20:
            return _inline(components[ref.rsplit("/", 1)[1]], components, depth + 1)
        return {key: _inline(value, components, depth) for key, value in node.items()}
    if isinstance(node, list):
        return [_inline(item, components, depth) for item in node]
    return node


@cache
def spec_schema(path: Path, name: str) -> dict:
    """A component schema of a PDN specification file, references resolved."""
    spec = json.loads(path.read_text(encoding="utf-8"))
    return _inline(spec["components"]["schemas"][name], spec["components"]["schemas"])


def without_not_held(schema: dict) -> dict:
    """``resDeclaraciones`` less the requirements we cannot meet truthfully (``pdn.NOT_HELD``)."""
    schema = copy.deepcopy(schema)
    record = schema["properties"]["results"]["items"]
    patrimonial = record["properties"]["declaracion"]["properties"]["situacionPatrimonial"]
    patrimonial["required"] = [r for r in patrimonial["required"] if r not in pdn.NOT_HELD]
    return schema


def _flatten(section: str, value: Any, nested: set[str]) -> dict[str, Any]:
    if not isinstance(value, dict):
        return {section: value}
    flat: dict[str, Any] = {}
    for key, inner in value.items():
        name = f"{section}.{key}"
        flat.update(_flatten(name, inner, set()) if key in nested else {name: inner})
    return flat


def flatten_body(body: Any) -> Any:
    """``{"sort": {"datosEmpleoCargoComision": {"nombreEntePublico": "asc"}}}`` →
    ``{"sort": {"datosEmpleoCargoComision.nombreEntePublico": "asc"}}``, and so for ``query``."""
    if not isinstance(body, dict):
        return body
    body = dict(body)
    for part in ("sort", "query"):
        value = body.get(part)
        if isinstance(value, dict):
            flat: dict[str, Any] = {}
            for key, inner in value.items():
                if key in NESTED and isinstance(inner, dict):
                    flat.update(_flatten(key, inner, NESTED_RANGES))
                else:
                    flat[key] = inner
            body[part] = flat
    return body


def _check_filters(query: PdnQuery) -> None:
    for name, value in query.query.items():
        if name in RANGE_FILTERS:
            if isinstance(value, bool) or not isinstance(value, int):
                raise PdnQueryError(f"query.{name} debe ser un número entero.")
        elif not isinstance(value, str):
            raise PdnQueryError(f"query.{name} debe ser texto.")


class DeclarationSearch(PdnSearchView):
    """``POST /v2/declaraciones``: filed declarations, public or full by the requester."""

    sortable = SORTABLE
    filters = TEXT_FILTERS | RANGE_FILTERS

    def search(self, request: Request, query: PdnQuery) -> dict:
        _check_filters(query)
        filters = {k: v.strip() if isinstance(v, str) else v for k, v in query.query.items()}
        rows = pdn.s1_search(
            filters={k: v for k, v in filters.items() if v != ""}, order=query.sort
        )
        total = rows.count()
        chunk = list(rows[query.offset : query.offset + query.page_size])
        full = pdn.s1_full_ids(request.user, chunk)
        return {
            "pagination": {
                "pageSize": query.page_size,
                "page": query.page,
                "totalRows": total,
                "hasNextPage": query.offset + query.page_size < total,
            },
            "results": [pdn.s1_record(d, full=d.pk in full) for d in chunk],
        }

    @extend_schema(
        operation_id="post_declaraciones",
        summary="Declaraciones (PDN Sistema 1)",
        request={"application/json": spec_schema(DECLARATIONS_SPEC, "reqDeclaraciones")},
        responses={
            200: OpenApiResponse(
                without_not_held(spec_schema(DECLARATIONS_SPEC, "resDeclaraciones"))
            )
        },
        tags=["pdn"],
    )
    def post(self, request):
        try:
            body = request.data
        except ParseError:
            raise PdnQueryError("El cuerpo de la petición no es JSON válido.") from None
        query = parse_query(flatten_body(body), sortable=self.sortable, filters=self.filters)
        return Response(self.search(request, query))
