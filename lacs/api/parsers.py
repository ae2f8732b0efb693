"""The API's JSON parser, hardened against what an attacker from outside would send.

Python's parser recurses once per nesting level and accepts text PostgreSQL cannot store, so a
body nested 10,000 levels, a NUL or a lone surrogate crashed a worker with a 500. Here every
body is capped in size and depth, and holds only storable text and finite numbers that fit a
64-bit column; anything else is a 400 (413 for size) in the documented ``{code, message}`` shape.
"""

from __future__ import annotations

import json
import math
from typing import Any

from django.conf import settings
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from rest_framework import status
from rest_framework.exceptions import APIException, ParseError
from rest_framework.parsers import JSONParser

MAX_DEPTH_DEFAULT = 32
MAX_BYTES_DEFAULT = 26_214_400
# I-JSON (RFC 7493): integers beyond ±(2**53 - 1) are not portable, and such a page or id
# overflows PostgreSQL's bigint once multiplied by a page size.
MAX_SAFE_INTEGER = 2**53 - 1


class BodyTooLarge(APIException):
    status_code = status.HTTP_413_REQUEST_ENTITY_TOO_LARGE
    default_code = "too_large"
    default_detail = gettext_lazy("El cuerpo de la petición es demasiado grande.")


def max_depth() -> int:
    return int(getattr(settings, "LACS_API_JSON_MAX_DEPTH", MAX_DEPTH_DEFAULT))


def max_bytes() -> int:
    return int(getattr(settings, "LACS_API_JSON_MAX_BYTES", MAX_BYTES_DEFAULT))


def text_problem(text: str) -> str | None:
    """Why ``text`` cannot be stored or searched (NUL, lone surrogate), or None."""
    if "\x00" in text:
        return _("El texto no puede contener el carácter NUL.")
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return _("El texto no es Unicode válido.")
    return None


def check_value(data: Any) -> None:
    """Walk ``data`` without recursion; ParseError at the first thing the API refuses."""
    limit = max_depth()
    stack: list[tuple[Any, int]] = [(data, 1)]
    while stack:
        node, depth = stack.pop()
        if isinstance(node, dict | list) and depth > limit:
            raise ParseError(_("El JSON anida más de %(n)s niveles.") % {"n": limit})
        if isinstance(node, dict):
            for key, value in node.items():
                problem = text_problem(key)
                if problem:
                    raise ParseError(problem)
                stack.append((value, depth + 1))
        elif isinstance(node, list):
            stack.extend((value, depth + 1) for value in node)
        elif isinstance(node, str):
            problem = text_problem(node)
            if problem:
                raise ParseError(problem)
        elif not _number_ok(node):
            raise ParseError(_("Número fuera de rango."))


def _number_ok(node: Any) -> bool:
    if isinstance(node, bool) or not isinstance(node, int | float):
        return True
    if isinstance(node, float):
        return math.isfinite(node)
    return abs(node) <= MAX_SAFE_INTEGER


class SafeJSONParser(JSONParser):
    """``JSONParser`` with a size cap, a depth cap and text PostgreSQL can hold."""

    def parse(self, stream, media_type=None, parser_context=None):
        limit = max_bytes()
        raw = stream.read(limit + 1) if stream is not None else b""
        if len(raw) > limit:
            raise BodyTooLarge()
        encoding = (parser_context or {}).get("encoding", settings.DEFAULT_CHARSET)
        try:
            text = raw.decode(encoding)
            data = json.loads(text, parse_constant=_no_constant)
        except RecursionError:
            raise ParseError(
                _("El JSON anida más de %(n)s niveles.") % {"n": max_depth()}
            ) from None
        except (ValueError, LookupError):
            raise ParseError(_("El cuerpo de la petición no es JSON válido.")) from None
        check_value(data)
        return data


def _no_constant(name: str):
    raise ValueError(f"{name} is not JSON")
