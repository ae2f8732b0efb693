"""Every API error is ``{"code": ..., "message": ..., "errors": {...}}`` with a 4xx status."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import exception_handler


def api_exception_handler(exc, context):
    if isinstance(exc, ValidationError):
        exc = exceptions.ValidationError(
            exc.message_dict if hasattr(exc, "error_dict") else exc.messages
        )
    elif isinstance(exc, Http404):
        exc = exceptions.NotFound()
    elif isinstance(exc, PermissionDenied):
        exc = exceptions.PermissionDenied()
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
