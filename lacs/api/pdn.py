"""The shape every interface of Mexico's national digital platform (PDN) shares.

Requests are ``POST`` with a JSON body ``{page, pageSize, sort, query, rfcSolicitante}``
(``pageSize`` 1–200, default 10; ``page`` ≥ 1, default 1); answers are
``{"pagination": {pageSize, page, totalRows, hasNextPage}, "results": [...]}``; errors are
``{"code", "message"}``. Tokens come from the OAuth2 password grant at ``/oauth`` with scope
``pdn``. Each app implements ``PdnSearchView.search`` over its own data.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.db.models import QuerySet
from rest_framework import status
from rest_framework.exceptions import APIException, ParseError
from rest_framework.response import Response
from rest_framework.views import APIView

from lacs.api.permissions import scoped
from lacs.api.scopes import SCOPE_ROLES

PDN_ROLES = tuple(sorted(SCOPE_ROLES["pdn"]))  # one list: who may hold the "pdn" scope


class PdnQueryError(APIException):
    status_code = status.HTTP_400_BAD_REQUEST
    default_code = "invalid_query"
    default_detail = "Error al formar la consulta, revise el formato de los campos."


@dataclass
class PdnQuery:
    page: int = 1
    page_size: int = 10
    sort: dict[str, str] = field(default_factory=dict)
    query: dict[str, Any] = field(default_factory=dict)
    requester_rfc: str = ""

    @property
    def offset(self) -> int:
        return (self.page - 1) * self.page_size


def _int(body: dict, name: str, default: int, low: int, high: int | None) -> int:
    value = body.get(name, default)
    if value is None:
        return default
    if isinstance(value, bool) or not isinstance(value, int):
        raise PdnQueryError(f"{name} debe ser un número entero.")
    if value < low or (high is not None and value > high):
        bounds = f"entre {low} y {high}" if high is not None else f"mayor o igual a {low}"
        raise PdnQueryError(f"{name} debe estar {bounds}.")
    return value


def parse_query(body: Any, *, sortable: set[str], filters: set[str]) -> PdnQuery:
    """Validate a PDN request body; anything malformed is a 400 in the ``{code, message}`` shape."""
    if body is None or body == "":
        body = {}
    if not isinstance(body, dict):
        raise PdnQueryError("El cuerpo de la petición debe ser un objeto JSON.")
    unknown = set(body) - {"page", "pageSize", "sort", "query", "rfcSolicitante"}
    if unknown:
        raise PdnQueryError(f"Campos desconocidos: {', '.join(sorted(unknown))}.")
    sort = {} if body.get("sort") is None else body["sort"]
    query = {} if body.get("query") is None else body["query"]
    if not isinstance(sort, dict) or not isinstance(query, dict):
        raise PdnQueryError("sort y query deben ser objetos.")
    for key, direction in sort.items():
        if key not in sortable or direction not in ("asc", "desc"):
            raise PdnQueryError(f"Orden no válido: {key}.")
    unknown_filters = set(query) - filters
    if unknown_filters:
        raise PdnQueryError(f"Filtros desconocidos: {', '.join(sorted(unknown_filters))}.")
    rfc = body.get("rfcSolicitante") or ""
    if not isinstance(rfc, str):
        raise PdnQueryError("rfcSolicitante debe ser texto.")
    return PdnQuery(
        page=_int(body, "page", 1, 1, None),
        page_size=_int(body, "pageSize", 10, 1, 200),
        sort=sort,
        query=query,
        requester_rfc=rfc,
    )


def paginated(query: PdnQuery, rows: QuerySet | list, total: int, serialize) -> dict:
    window = rows[query.offset : query.offset + query.page_size]
    return {
        "pagination": {
            "pageSize": query.page_size,
            "page": query.page,
            "totalRows": total,
            "hasNextPage": query.offset + query.page_size < total,
        },
        "results": [serialize(row) for row in window],
    }


class PdnSearchView(APIView):
    """Subclasses set ``sortable`` and ``filters`` and implement ``search(request, query)``."""

    permission_classes = [scoped("pdn", *PDN_ROLES)]
    sortable: set[str] = set()
    filters: set[str] = set()

    def search(self, request, query: PdnQuery) -> dict:
        raise NotImplementedError

    def post(self, request):
        try:
            body = request.data
        except ParseError:
            raise PdnQueryError("El cuerpo de la petición no es JSON válido.") from None
        query = parse_query(body, sortable=self.sortable, filters=self.filters)
        return Response(self.search(request, query))
