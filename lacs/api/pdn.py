"""The shape every interface of Mexico's national digital platform (PDN) shares.

Requests are ``POST`` with a JSON body ``{page, pageSize, sort, query, rfcSolicitante}``
(``pageSize`` 1–200, default 10; ``page`` ≥ 1, default 1); answers are
``{"pagination": {pageSize, page, totalRows, hasNextPage}, "results": [...]}``; errors are
``{"code", "message"}``. Tokens come from the OAuth2 password grant at ``/oauth`` with scope
``pdn`` (System 1 also takes its own scope name, ``read:declaraciones``). Each app implements
``PdnSearchView.search`` over its own data in its ``api/pdn.py``, which also holds its routes;
what every system shares is here, once: the request's rules, the refusal statuses each operation
declares, and the specification files' schemas.
"""

from __future__ import annotations

import copy
import json
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

from django.db.models import QuerySet
from rest_framework import status
from rest_framework.exceptions import (
    APIException,
    AuthenticationFailed,
    NotAuthenticated,
    ParseError,
    PermissionDenied,
)
from rest_framework.response import Response
from rest_framework.views import APIView

from lacs.api.permissions import scoped
from lacs.api.scopes import SCOPE_ROLES

PDN_ROLES = tuple(sorted(SCOPE_ROLES["pdn"]))  # one list: who may hold the "pdn" scope
PDN_PERMISSION = scoped("pdn", *PDN_ROLES)
# System 1's specification names its own scope; a token with it reads the declarations only.
S1_SCOPE = "read:declaraciones"
S1_PERMISSION = PDN_PERMISSION | scoped(S1_SCOPE, *PDN_ROLES)


# --- the specifications' schemas ------------------------------------------------------------------
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


def total_rows_from_zero(schema: dict) -> dict:
    """A response schema as we document it: the specification's, with ``totalRows`` ≥ 0 (the
    specifications say ≥ 1, but nothing matching is 0 rows)."""
    schema = copy.deepcopy(schema)
    schema["properties"]["pagination"]["properties"]["totalRows"] = {
        "type": "integer",
        "minimum": 0,
    }
    return schema


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
    """Validate a PDN request body; anything malformed is a 400 in the ``{code, message}`` shape.
    With ``query.id`` the other filters are ignored, as the specifications say."""
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
    query = _only_id(query)
    for name, value in query.items():
        if isinstance(value, list) and _has_repeats(value):
            raise PdnQueryError(f"query.{name} no admite elementos repetidos.")
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


def _only_id(query: dict) -> dict:
    """``query.id`` alone when it is given (blank counts as not given)."""
    value = query.get("id")
    if value is None or (isinstance(value, str) and not value.strip()):
        return query
    return {"id": value}


def _has_repeats(values: list) -> bool:
    """``uniqueItems``: the request arrays of the specifications hold no item twice."""
    seen = {json.dumps(v, sort_keys=True) for v in values}
    return len(seen) != len(values)


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


class PdnView(APIView):
    """A PDN operation. ``refusal_status`` is the one refusal status the operation declares when
    it declares only one of 401 and 403 and no ``default``: every refusal (no token, a bad
    token, a token without the scope or role) answers with it."""

    permission_classes = [PDN_PERMISSION]
    refusal_status: int | None = None

    def handle_exception(self, exc):
        response = super().handle_exception(exc)
        refused = (NotAuthenticated, AuthenticationFailed, PermissionDenied)
        if self.refusal_status is not None and isinstance(exc, refused):
            response.status_code = self.refusal_status
            if self.refusal_status == status.HTTP_401_UNAUTHORIZED:
                response["WWW-Authenticate"] = 'Bearer realm="api"'
            elif "WWW-Authenticate" in response:
                del response["WWW-Authenticate"]
        return response


class PdnSearchView(PdnView):
    """Subclasses set ``sortable`` and ``filters`` and implement ``search(request, query)``."""

    sortable: set[str] = set()
    filters: set[str] = set()

    def search(self, request, query: PdnQuery) -> dict:
        raise NotImplementedError

    def body(self, request) -> Any:
        try:
            return request.data
        except ParseError:
            raise PdnQueryError("El cuerpo de la petición no es JSON válido.") from None

    def post(self, request):
        query = parse_query(self.body(request), sortable=self.sortable, filters=self.filters)
        return Response(self.search(request, query))
