"""Every API error is ``{"code": ..., "message": ..., "errors": {...}}`` with a 4xx status.

What the client sent decides the status: a body too large, too many fields, a value the
database cannot hold — all of them are the client's mistake and answer 4xx in the same shape,
never a 500 with an HTML page.
"""

from __future__ import annotations

from django.core.exceptions import (
    PermissionDenied,
    RequestDataTooBig,
    SuspiciousOperation,
    ValidationError,
)
from django.db import DataError
from django.http import Http404
from django.utils.translation import gettext_lazy
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import exception_handler

from lacs.api.parsers import BodyTooLarge


class InvalidValue(exceptions.APIException):
    status_code = status.HTTP_400_BAD_REQUEST
    default_code = "invalid_value"
    default_detail = gettext_lazy("Un valor enviado está fuera de lo que el sistema admite.")


def _as_api_exception(exc):
    if isinstance(exc, ValidationError):
        return exceptions.ValidationError(
            exc.message_dict if hasattr(exc, "error_dict") else exc.messages
        )
    if isinstance(exc, Http404):
        return exceptions.NotFound()
    if isinstance(exc, PermissionDenied):
        return exceptions.PermissionDenied()
    if isinstance(exc, RequestDataTooBig):
        return BodyTooLarge()
    if isinstance(exc, SuspiciousOperation):  # too many fields or files, a malformed header…
        return exceptions.ParseError()
    if isinstance(exc, DataError):  # a number out of range, text the column cannot hold
        return InvalidValue()
    return exc


def api_exception_handler(exc, context):
    exc = _as_api_exception(exc)
    response = exception_handler(exc, context)
    if response is None:
        return None
    detail = response.data
    if isinstance(detail, dict) and set(detail) == {"detail"}:
        message, errors = str(detail["detail"]), {}
    else:
        message, errors = "Datos no válidos", detail
    code = getattr(exc, "default_code", "error")
    if isinstance(exc, exceptions.APIException):
        codes = exc.get_codes()
        if isinstance(codes, str):
            code = codes
    response.data = {"code": code, "message": message}
    if errors:
        response.data["errors"] = errors
    return response


def error_response(
    code: str, message: str, http_status: int = status.HTTP_400_BAD_REQUEST
) -> Response:
    return Response({"code": code, "message": message}, status=http_status)
