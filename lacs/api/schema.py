"""OpenAPI: every operation documents the one error shape and its 4xx codes, and the OAuth2
bearer access it accepts (imported by ``LacsConfig.ready`` so the scheme is known in time)."""

from __future__ import annotations

from drf_spectacular.extensions import OpenApiAuthenticationExtension

ERROR_SCHEMA = {
    "type": "object",
    "required": ["code", "message"],
    "properties": {
        "code": {"type": "string"},
        "message": {"type": "string"},
        "errors": {},
    },
}
ERROR_STATUSES = {
    "400": "Datos no válidos",
    "401": "Sin credenciales válidas",
    "403": "Sin permiso",
    "404": "No encontrado",
    "405": "Método no permitido",
    "406": "Formato no aceptable",
    "413": "Cuerpo demasiado grande",
    "415": "Tipo de contenido no admitido",
    "429": "Demasiadas solicitudes",
}


def add_error_responses(result, generator, request, public):
    result.setdefault("components", {}).setdefault("schemas", {})["Error"] = ERROR_SCHEMA
    ref = {"$ref": "#/components/schemas/Error"}
    single = _single_refusals(generator)
    for path, path_item in result.get("paths", {}).items():
        for method, operation in path_item.items():
            if not isinstance(operation, dict) or "responses" not in operation:
                continue
            for code, description in ERROR_STATUSES.items():
                refusal = single.get((path, method.upper()))
                if refusal is not None and code in ("401", "403") and code != str(refusal):
                    continue  # the operation refuses with one status only (its specification's)
                operation["responses"].setdefault(
                    code,
                    {"description": description, "content": {"application/json": {"schema": ref}}},
                )
    return result


def _single_refusals(generator) -> dict[tuple[str, str], int]:
    """(path, method) → the one refusal status of views that declare one (``refusal_status``)."""
    found = {}
    for path, _regex, method, callback in getattr(generator, "endpoints", None) or ():
        status = getattr(getattr(callback, "cls", None), "refusal_status", None)
        if status is not None:
            found[path, method] = status
    return found


class RoleScopedOAuth2Scheme(OpenApiAuthenticationExtension):
    """OAuth2 bearer tokens as this API takes them: the password and client-credentials grants
    at ``/oauth``, and per operation the scope its permission asks for (one requirement per
    scope an operation accepts; an empty list where any valid token will do)."""

    target_class = "oauth2_provider.contrib.rest_framework.OAuth2Authentication"
    name = "oauth2"
    priority = 1  # before drf-spectacular's own, which knows only DOT's permission classes

    def get_security_requirement(self, auto_schema):
        scopes: list[str] = []
        for permission in auto_schema.view.get_permissions():
            scopes += _scopes_of(permission)
        if not scopes:
            return {self.name: []}
        return [{self.name: [scope]} for scope in dict.fromkeys(scopes)]

    def get_security_definition(self, auto_schema):
        from django.conf import settings

        scopes = dict(settings.OAUTH2_PROVIDER["SCOPES"])
        flow = {"tokenUrl": "/oauth", "scopes": scopes}
        return {
            "type": "oauth2",
            "description": "Authorization: Bearer <access_token>",
            "flows": {"password": flow, "clientCredentials": flow},
        }


def _scopes_of(permission) -> list[str]:
    """The scopes a permission (or an ``|`` of permissions) accepts."""
    scope = getattr(permission, "scope", None)
    if isinstance(scope, str):
        return [scope]
    found: list[str] = []
    for part in ("op1", "op2"):
        inner = getattr(permission, part, None)
        if inner is not None:
            found += _scopes_of(inner)
    return found
