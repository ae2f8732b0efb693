"""OpenAPI post-processing: every operation documents the one error shape and its 4xx codes."""

from __future__ import annotations

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
    for path_item in result.get("paths", {}).values():
        for operation in path_item.values():
            if not isinstance(operation, dict) or "responses" not in operation:
                continue
            for code, description in ERROR_STATUSES.items():
                operation["responses"].setdefault(
                    code,
                    {"description": description, "content": {"application/json": {"schema": ref}}},
                )
    return result
