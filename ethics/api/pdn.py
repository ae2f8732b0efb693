"""PDN Systems 1 and 2 over this app's data, in one place: the records, the searches, the views
and their routes (at the specifications' exact paths, included at the site root).

System 1, ``POST /v2/declaraciones``, over the filed interest declarations: every holder of a
``pdn`` (or ``read:declaraciones``) token reads the public version; the declarant and the
reviewers of the declaration's entity read it in full. Who asks is the token's user:
``rfcSolicitante`` in the body is accepted, as the specification allows, but grants nothing.

The platform holds the interest part of the national format (``declaracion.interes``), not the
patrimonial part the city's own declaration system keeps. ``situacionPatrimonial`` carries what
we know for sure (the declarant's name, the entity) and, of the parts the specification
requires, only values that state nothing we do not know: no schooling listed
(``escolaridad: []``), no post named (``empleoCargoComision: ""``), and ``experienciaLaboral``
with ``ninguno: false`` (the declarant did not state "none" here). Incomes (``ingresos``) and
the previous year's activity (``actividadAnualAnterior``) are left out: the specification has
no value for "not held" there, and any number would be invented (docs/pdn.md).

System 2, ``POST /v1/spic``: servants who take part in procurement procedures, as recorded.
"""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

from django.db.models import F, Q, QuerySet
from django.urls import path
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework.request import Request
from rest_framework.response import Response

from ethics import access
from ethics import interest as interest_format
from ethics.models import Declaration, DeclarationKind
from ethics.selectors import procurement_role_entities_published, procurement_roles_published
from lacs.api.pdn import (
    S1_PERMISSION,
    PdnQuery,
    PdnQueryError,
    PdnSearchView,
    PdnView,
    paginated,
    parse_query,
    spec_schema,
    total_rows_from_zero,
)

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


# --- System 1: the records ----------------------------------------------------------------------
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


def without_not_held(schema: dict) -> dict:
    """``resDeclaraciones`` less the requirements we cannot meet truthfully (``NOT_HELD``)."""
    schema = copy.deepcopy(schema)
    record = schema["properties"]["results"]["items"]
    patrimonial = record["properties"]["declaracion"]["properties"]["situacionPatrimonial"]
    patrimonial["required"] = [r for r in patrimonial["required"] if r not in NOT_HELD]
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

    permission_classes = [S1_PERMISSION]
    sortable = SORTABLE
    filters = TEXT_FILTERS | RANGE_FILTERS

    def search(self, request: Request, query: PdnQuery) -> dict:
        _check_filters(query)
        filters = {k: v.strip() if isinstance(v, str) else v for k, v in query.query.items()}
        rows = s1_search(filters={k: v for k, v in filters.items() if v != ""}, order=query.sort)
        total = rows.count()
        chunk = list(rows[query.offset : query.offset + query.page_size])
        full = s1_full_ids(request.user, chunk)
        return {
            "pagination": {
                "pageSize": query.page_size,
                "page": query.page,
                "totalRows": total,
                "hasNextPage": query.offset + query.page_size < total,
            },
            "results": [s1_record(d, full=d.pk in full) for d in chunk],
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
        body = flatten_body(self.body(request))
        query = parse_query(body, sortable=self.sortable, filters=self.filters)
        return Response(self.search(request, query))


# --- System 2: servants who take part in procurement -----------------------------------------------
SPIC_SPEC = SPECS / "OAS_API_servidores_intervienen_contrataciones.json"
PROCEDURE_VALUES = {
    1: "CONTRATACIONES PÚBLICAS",
    2: "CONCESIONES, LICENCIAS, PERMISOS, AUTORIZACIONES Y SUS PRÓRROGAS",
    3: "ENAJENACIÓN DE BIENES MUEBLES",
    4: "ASIGNACIÓN Y EMISIÓN DE DICTÁMENES DE AVALÚOS NACIONALES",
    5: "OTRO",
}
RESPONSIBILITY_VALUES = {"A": "ATENCIÓN", "T": "TRAMITACIÓN", "R": "RESOLUCIÓN", "O": "OTRO"}
SPIC_FILTERS = {
    "nombres": "appointment__user__first_name__icontains",
    "primerApellido": "appointment__user__last_name__icontains",
    "institucionDependencia": "appointment__entity__name__icontains",
}
SPIC_NOT_HELD = {"segundoApellido", "curp", "rfc"}  # a filter on these matches no record
SPIC_SORT = {
    "nombres": "appointment__user__first_name",
    "primerApellido": "appointment__user__last_name",
    "institucionDependencia": "appointment__entity__name",
    "puesto": "position",
}


def spic_record(role) -> dict:
    """One ``results[]`` item of ``/v1/spic``."""
    appointment = role.appointment
    entity = appointment.entity
    record = {
        "id": str(role.pk),
        "fechaCaptura": role.updated_at.isoformat(),
        "nombres": appointment.user.first_name,
        "primerApellido": appointment.user.last_name,
        "institucionDependencia": {"nombre": entity.name, "clave": str(entity.pk)},
        "puesto": {"nombre": role.position},
        "tipoProcedimiento": [{"clave": p, "valor": PROCEDURE_VALUES[p]} for p in role.procedures],
    }
    if entity.acronym:
        record["institucionDependencia"]["siglas"] = entity.acronym
    if role.level:
        record["puesto"]["nivel"] = role.level
    if role.responsibility:
        record["nivelResponsabilidad"] = [
            {"clave": r, "valor": RESPONSIBILITY_VALUES[r]} for r in role.responsibility
        ]
    if role.notes:
        record["observaciones"] = role.notes
    return record


def _spic_rows(query: PdnQuery):
    rows = procurement_roles_published()
    for name, value in query.query.items():
        if name == "tipoProcedimiento":
            ok = isinstance(value, list) and all(
                isinstance(v, int) and not isinstance(v, bool) and v in PROCEDURE_VALUES
                for v in value
            )
            if not ok:
                raise PdnQueryError("query.tipoProcedimiento debe ser una lista de claves 1 a 5.")
            rows = rows.filter(procedures__overlap=value) if value else rows
            continue
        if not isinstance(value, str):
            raise PdnQueryError(f"query.{name} debe ser texto.")
        value = value.strip()
        if not value or name == "rfcSolicitante":
            continue
        if name == "id":
            ok = value.isascii() and value.isdigit() and 0 < int(value) < 2**63
            rows = rows.filter(pk=int(value)) if ok else rows.none()
        elif name in SPIC_FILTERS:
            rows = rows.filter(**{SPIC_FILTERS[name]: value})
        else:
            rows = rows.none()
    return rows


class ProcurementServantSearch(PdnSearchView):
    """``POST /v1/spic``: servants who take part in procurement procedures, as recorded."""

    sortable = {*SPIC_SORT, "segundoApellido"}
    filters = {"id", "tipoProcedimiento", "rfcSolicitante", *SPIC_FILTERS, *SPIC_NOT_HELD}

    def search(self, request: Request, query: PdnQuery) -> dict:
        rows = _spic_rows(query)
        order = [
            F(SPIC_SORT[k]).desc() if d == "desc" else F(SPIC_SORT[k]).asc()
            for k, d in query.sort.items()
            if k in SPIC_SORT
        ]
        total = rows.count()
        return paginated(query, rows.order_by(*order, "-updated_at", "-pk"), total, spic_record)

    @extend_schema(
        operation_id="post_spic",
        summary="Servidores públicos que intervienen en contrataciones (PDN Sistema 2)",
        request={"application/json": spec_schema(SPIC_SPEC, "reqSpic")},
        responses={200: OpenApiResponse(total_rows_from_zero(spec_schema(SPIC_SPEC, "resSpic")))},
        tags=["pdn"],
    )
    def post(self, request):
        return super().post(request)


class ProcurementServantEntities(PdnView):
    """``GET /v1/spic/dependencias``: institutions with servants published in System 2."""

    @extend_schema(
        operation_id="get_spic_dependencias",
        summary="Dependencias con servidores que intervienen en contrataciones",
        responses={200: OpenApiResponse(spec_schema(SPIC_SPEC, "dependencias"))},
        tags=["pdn"],
    )
    def get(self, request):
        return Response(
            [
                {
                    "nombre": e.name,
                    "clave": str(e.pk),
                    **({"siglas": e.acronym} if e.acronym else {}),
                }
                for e in procurement_role_entities_published()
            ]
        )


urlpatterns = [
    path("v2/declaraciones", DeclarationSearch.as_view(), name="pdn-declaraciones"),
    path("v1/spic", ProcurementServantSearch.as_view(), name="pdn-spic"),
    path(
        "v1/spic/dependencias",
        ProcurementServantEntities.as_view(),
        name="pdn-spic-dependencias",
    ),
]
