"""PDN System 3: sanctioned public servants (``/v1/ssancionados``) and sanctioned individuals
and companies (``/v1/psancionados``), from the sanctions investigators record in this app.

Sanctions are public under the national platform's rules, so every holder of a ``pdn`` token
reads the same records. The OpenAPI description of each operation is the specification's own
(copied into ``specs/``), with one correction: ``totalRows`` may be 0 when nothing matches.
The routes, at the specification's exact paths, are at the end (included at the site root).
"""

from __future__ import annotations

from pathlib import Path

from django.db.models import F, QuerySet
from django.urls import path
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework.request import Request
from rest_framework.response import Response

from cases.models import (
    IndividualSanction,
    IndividualSanctionKind,
    SanctionBase,
    ServantSanction,
    ServantSanctionKind,
)
from lacs.api.pdn import (
    PdnQuery,
    PdnQueryError,
    PdnSearchView,
    PdnView,
    paginated,
    spec_schema,
    total_rows_from_zero,
)
from lacs.models import Entity

SPECS = Path(__file__).parent / "specs"
SERVANTS_SPEC = SPECS / "OAS_API_Servidores_Sancionados.json"
INDIVIDUALS_SPEC = SPECS / "OAS_API_Particulares_Sancionados.json"
# Labels exactly as the specification spells its catalogues (the published values).
SERVANT_KIND_VALUES = {
    "I": "INHABILITADO",
    "M": "MULTADO",
    "S": "SUSPENSIÓN DEL EMPLEO, CARGO O COMISIÓN",
    "D": "DESTITUCIÓN DEL EMPLEO, CARGO O COMISIÓN",
    "IRSC": "INDEMNIZACIÓN RESARCITORIA",
    "SE": "SANCIÓN ECONÓMICA",
    "O": "OTRO",
}
INDIVIDUAL_KIND_VALUES = {
    "I": "INHABILITADO",
    "M": "MULTADO",
    "S": "SUSPENSIÓN DE ACTIVIDADES",
    "D": "DISOLUCIÓN DE LA SOCIEDAD",
    "A": "AMONESTACIÓN",
    "IND": "INDEMNIZACIÓN POR LOS DAÑOS Y PERJUICIOS OCASIONADOS A LA HACIENDA PÚBLICA",
    "SE": "SANCIÓN ECONÓMICA",
    "O": "OTRO",
}
GENDER_VALUES = {"F": "FEMENINO", "M": "MASCULINO", "O": "OTRO"}


def _date(value) -> str | None:
    return value.isoformat() if value else None


def _drop_empty(data: dict) -> dict:
    """Optional fields we do not hold are left out rather than sent empty."""
    return {k: v for k, v in data.items() if v not in (None, "", {}, [])}


def _institution(entity: Entity) -> dict:
    return _drop_empty({"nombre": entity.name, "siglas": entity.acronym, "clave": str(entity.pk)})


def _common(sanction: SanctionBase, kind_values: dict[str, str]) -> dict:
    fine = None
    if sanction.fine_amount is not None:
        fine = {
            "monto": float(sanction.fine_amount),
            "moneda": {"clave": sanction.fine_currency, "valor": sanction.fine_currency},
        }
    ban = _drop_empty(
        {
            "plazo": sanction.ban_term,
            "fechaInicial": _date(sanction.ban_start),
            "fechaFinal": _date(sanction.ban_end),
        }
    )
    return _drop_empty(
        {
            "id": str(sanction.pk),
            "fechaCaptura": sanction.recorded_at.isoformat(),
            "expediente": sanction.file_number,
            "institucionDependencia": _institution(sanction.entity),
            "autoridadSancionadora": sanction.authority,
            "tipoSancion": [{"clave": k, "valor": kind_values[k]} for k in sanction.kinds],
            "causaMotivoHechos": sanction.facts,
            "multa": fine,
            "inhabilitacion": ban,
            "observaciones": sanction.notes,
        }
    )


def servant_record(sanction: ServantSanction) -> dict:
    """One ``results[]`` item of ``/v1/ssancionados``."""
    record = _common(sanction, SERVANT_KIND_VALUES)
    record["servidorPublicoSancionado"] = _drop_empty(
        {
            "rfc": sanction.rfc,
            "curp": sanction.curp,
            "nombres": sanction.given_names,
            "primerApellido": sanction.first_surname,
            "segundoApellido": sanction.second_surname,
            "genero": {"clave": sanction.gender, "valor": GENDER_VALUES[sanction.gender]}
            if sanction.gender
            else None,
            "puesto": sanction.position,
            "nivel": sanction.level,
        }
    )
    record["tipoFalta"] = {"clave": sanction.fault, "valor": _FAULT_VALUES[sanction.fault]}
    if sanction.resolved_on:  # the specification's resolution needs its date
        record["resolucion"] = _drop_empty(
            {"url": sanction.resolution_url, "fechaResolucion": _date(sanction.resolved_on)}
        )
    return record


def individual_record(sanction: IndividualSanction) -> dict:
    """One ``results[]`` item of ``/v1/psancionados``."""
    record = _common(sanction, INDIVIDUAL_KIND_VALUES)
    record["particularSancionado"] = _drop_empty(
        {
            "nombreRazonSocial": sanction.name,
            "objetoSocial": sanction.business_purpose,
            "rfc": sanction.rfc,
            "tipoPersona": sanction.person_kind,
        }
    )
    record["autoridadSancionadora"] = sanction.authority
    extra = _drop_empty(
        {
            "objetoContrato": sanction.contract_subject,
            "tipoFalta": sanction.fault,
            "acto": sanction.act,
            "resolucion": _drop_empty(
                {
                    "sentido": sanction.resolution_sense,
                    "url": sanction.resolution_url,
                    "fechaNotificacion": _date(sanction.notified_on),
                }
            ),
        }
    )
    return {**record, **extra}


# The specification's spelling of each fault (upper case, as the national catalogue).
_FAULT_VALUES = {
    "NAD": "NEGLIGENCIA ADMINISTRATIVA",
    "VPC": "VIOLACION PROCEDIMIENTOS DE CONTRATACION",
    "VLNP": "VIOLACION LEYES Y NORMATIVIDAD PRESUPUESTAL",
    "AUT": "ABUSO DE AUTORIDAD",
    "CEX": "COHECHO O EXTORSION",
    "IDSP": "INCUMPLIMIENTO EN DECLARACION DE SITUACION PATRIMONIAL",
    "DCSP": "DELITO COMETIDO POR SERVIDORES PUBLICOS",
    "EIFM": "EJERCICIO INDEBIDO DE SUS FUNCIONES EN MATERIA MIGRATORIA",
    "VDH": "VIOLACIÓN A LOS DERECHOS HUMANOS",
    "AG": "ADMINISTRATIVA GRAVE",
    "ANG": "ADMINISTRATIVA NO GRAVE",
    "AC": "ACTO DE CORRUPCIÓN",
    "HSEX": "COMETER O TOLERAR CONDUCTAS DE HOSTIGAMIENTO SEXUAL",
    "ASEX": "COMETER O TOLERAR CONDUCTAS DE ACOSO SEXUAL",
    "PEC": "PECULADO",
    "DRP": "DESVÍO DE RECURSOS PÚBLICOS",
    "UII": "UTILIZACIÓN INDEBIDA DE INFORMACIÓN",
    "AFN": "ABUSO DE FUNCIONES",
    "ABCI": "ACTUACIÓN BAJO CONFLICTO DE INTERÉS",
    "CIND": "CONTRATACIÓN INDEBIDA",
    "EOCI": "ENRIQUECIMIENTO OCULTO U OCULTAMIENTO DE CONFLICTO DE INTERÉS",
    "TINF": "TRÁFICO DE INFLUENCIAS",
    "ENCB": "ENCUBRIMIENTO",
    "DSCT": "DESACATO",
    "OJUST": "OBSTRUCCIÓN DE LA JUSTICIA",
    "OTRO": "OTRO",
}


# --- Filters --------------------------------------------------------------------------------------
def _text(query: PdnQuery, name: str) -> str | None:
    value = query.query.get(name)
    if value is None:
        return None
    if not isinstance(value, str):
        raise PdnQueryError(f"query.{name} debe ser texto.")
    return value.strip() or None


def _kinds(query: PdnQuery, allowed) -> list[str] | None:
    value = query.query.get("tipoSancion")
    if value is None:
        return None
    if not isinstance(value, list) or not all(
        isinstance(v, str) and v in allowed.values for v in value
    ):
        raise PdnQueryError("query.tipoSancion debe ser una lista de claves de sanción.")
    return value or None


def _filter_id(rows: QuerySet, query: PdnQuery) -> QuerySet:
    pk = _text(query, "id")
    if pk is None:
        return rows
    if not (pk.isascii() and pk.isdigit()) or not 0 < int(pk) < 2**63:
        return rows.none()
    return rows.filter(pk=int(pk))


def _filter_text(rows: QuerySet, query: PdnQuery, fields: dict[str, str]) -> QuerySet:
    for name, lookup in fields.items():
        value = _text(query, name)
        if value is not None:
            rows = rows.filter(**{lookup: value})
    return rows


def _order(rows: QuerySet, query: PdnQuery, columns: dict[str, str]) -> QuerySet:
    order = []
    for key, direction in query.sort.items():
        column = F(columns[key])
        order.append(column.desc() if direction == "desc" else column.asc())
    return rows.order_by(*order, "-recorded_at", "-id")


def _text_check(query: PdnQuery, names: tuple[str, ...]) -> None:
    for name in names:
        _text(query, name)


# --- Views ----------------------------------------------------------------------------------------
SERVANT_FILTERS = {
    "nombres": "given_names__icontains",
    "primerApellido": "first_surname__icontains",
    "segundoApellido": "second_surname__icontains",
    "rfc": "rfc__iexact",
    "curp": "curp__iexact",
    "institucionDependencia": "entity__name__icontains",
}
SERVANT_SORT = {
    "rfc": "rfc",
    "curp": "curp",
    "nombres": "given_names",
    "primerApellido": "first_surname",
    "segundoApellido": "second_surname",
    "institucionDependencia": "entity__name",
}
INDIVIDUAL_FILTERS = {
    "nombreRazonSocial": "name__icontains",
    "rfc": "rfc__iexact",
    "institucionDependencia": "entity__name__icontains",
    "expediente": "file_number__iexact",
    "tipoPersona": "person_kind__iexact",
}
INDIVIDUAL_SORT = {
    "nombreRazonSocial": "name",
    "rfc": "rfc",
    "institucionDependencia": "entity__name",
}


class ServantSanctionSearch(PdnSearchView):
    """``POST /v1/ssancionados``: sanctioned public servants, filtered and sorted per the spec."""

    sortable = set(SERVANT_SORT)
    filters = {"id", "tipoSancion", "rfcSolicitante", *SERVANT_FILTERS}

    def search(self, request: Request, query: PdnQuery) -> dict:
        _text_check(query, ("rfcSolicitante",))
        rows = ServantSanction.objects.select_related("entity")
        rows = _filter_text(_filter_id(rows, query), query, SERVANT_FILTERS)
        kinds = _kinds(query, ServantSanctionKind)
        if kinds:
            rows = rows.filter(kinds__overlap=kinds)
        return paginated(query, _order(rows, query, SERVANT_SORT), rows.count(), servant_record)

    @extend_schema(
        operation_id="post_ssancionados",
        summary="Servidores públicos sancionados (PDN Sistema 3)",
        request={"application/json": spec_schema(SERVANTS_SPEC, "post_query")},
        responses={
            200: OpenApiResponse(total_rows_from_zero(spec_schema(SERVANTS_SPEC, "ssancionados")))
        },
        tags=["pdn"],
    )
    def post(self, request):
        return super().post(request)


class IndividualSanctionSearch(PdnSearchView):
    """``POST /v1/psancionados``: sanctioned people and companies, filtered and sorted."""

    sortable = set(INDIVIDUAL_SORT)
    filters = {"id", "tipoSancion", *INDIVIDUAL_FILTERS}

    def search(self, request: Request, query: PdnQuery) -> dict:
        rows = IndividualSanction.objects.select_related("entity")
        rows = _filter_text(_filter_id(rows, query), query, INDIVIDUAL_FILTERS)
        kinds = _kinds(query, IndividualSanctionKind)
        if kinds:
            rows = rows.filter(kinds__overlap=kinds)
        return paginated(
            query, _order(rows, query, INDIVIDUAL_SORT), rows.count(), individual_record
        )

    @extend_schema(
        operation_id="post_psancionados",
        summary="Particulares sancionados (PDN Sistema 3)",
        request={"application/json": spec_schema(INDIVIDUALS_SPEC, "reqParticularesSancionados")},
        responses={
            200: OpenApiResponse(
                total_rows_from_zero(spec_schema(INDIVIDUALS_SPEC, "resParticularesSancionados"))
            )
        },
        tags=["pdn"],
    )
    def post(self, request):
        return super().post(request)


def _dependencias(model) -> list[dict]:
    used = model.objects.values("entity")
    entities = Entity.objects.filter(pk__in=used).order_by("name")
    return [_institution(entity) for entity in entities]


class _Dependencias(PdnView):
    model: type[SanctionBase]

    def get(self, request):
        return Response(_dependencias(self.model))


class ServantSanctionEntities(_Dependencias):
    """``GET /v1/ssancionados/dependencias``: institutions with sanctioned servants. Its
    specification declares 200, 400 and 403: every refusal is a 403."""

    model = ServantSanction
    refusal_status = 403

    @extend_schema(
        operation_id="get_ssancionados_dependencias",
        summary="Dependencias con servidores públicos sancionados",
        responses={200: OpenApiResponse(spec_schema(SERVANTS_SPEC, "dependencias"))},
        tags=["pdn"],
    )
    def get(self, request):
        return super().get(request)


class IndividualSanctionEntities(_Dependencias):
    """``GET /v1/psancionados/dependencias``: institutions that sanctioned individuals. Its
    specification declares 200, 400 and 401: every refusal is a 401."""

    model = IndividualSanction
    refusal_status = 401

    @extend_schema(
        operation_id="get_psancionados_dependencias",
        summary="Dependencias con particulares sancionados",
        responses={200: OpenApiResponse(spec_schema(INDIVIDUALS_SPEC, "dependencias"))},
        tags=["pdn"],
    )
    def get(self, request):
        return super().get(request)


urlpatterns = [
    path("v1/ssancionados", ServantSanctionSearch.as_view(), name="pdn-ssancionados"),
    path(
        "v1/ssancionados/dependencias",
        ServantSanctionEntities.as_view(),
        name="pdn-ssancionados-dependencias",
    ),
    path("v1/psancionados", IndividualSanctionSearch.as_view(), name="pdn-psancionados"),
    path(
        "v1/psancionados/dependencias",
        IndividualSanctionEntities.as_view(),
        name="pdn-psancionados-dependencias",
    ),
]
