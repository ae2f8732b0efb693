"""The interest part of the national declaration format (PDN System 1, ``declaracion.interes``).

The seven sections, their item lists, validation against the extracted schema plus the checks
the schema leaves out (RFC format, dates not in the future), the public view that removes the
fields the national rules keep private, and the companies each item names.
"""

from __future__ import annotations

import copy
import datetime as dt
import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from jsonschema import Draft202012Validator, FormatChecker

SCHEMA_PATH = Path(__file__).with_name("schema") / "pdn_s1_interes.json"

# An RFC: 3 letters (legal person) or 4 (natural person), a yymmdd date, a 3-character homoclave.
RFC_RE = re.compile(r"^[A-ZÑ&]{3,4}\d{6}[A-Z0-9]{3}$")
OPERATIONS = ("AGREGAR", "MODIFICAR", "SIN_CAMBIOS", "BAJA")
PRIVATE_RELATIONS = ("PAREJA", "DEPENDIENTE_ECONOMICO")
DECLARANT = "DC"  # the beneficiary code of the declarant


@dataclass(frozen=True)
class Section:
    key: str  # key under ``interes``
    items: str  # key of the item list inside the section
    label: Any
    # (name path, rfc path, person-type path or None) of each counterpart an item names
    counterparts: tuple[tuple[str, str, str | None], ...]


SECTIONS: tuple[Section, ...] = (
    Section(
        "participacion",
        "participacion",
        _("Participación en empresas, sociedades o asociaciones"),
        (("nombreEmpresaSociedadAsociacion", "rfc", None),),
    ),
    Section(
        "participacionTomaDecisiones",
        "participacion",
        _("Participación en la toma de decisiones de instituciones"),
        (("nombreInstitucion", "rfc", None),),
    ),
    Section("apoyos", "apoyo", _("Apoyos o beneficios públicos"), ()),
    Section(
        "representacion",
        "representacion",
        _("Representación"),
        (("nombreRazonSocial", "rfc", "tipoPersona"),),
    ),
    Section(
        "clientesPrincipales",
        "cliente",
        _("Clientes principales"),
        (
            ("empresa.nombreEmpresaServicio", "empresa.rfc", None),
            (
                "clientePrincipal.nombreRazonSocial",
                "clientePrincipal.rfc",
                "clientePrincipal.tipoPersona",
            ),
        ),
    ),
    Section(
        "beneficiosPrivados",
        "beneficio",
        _("Beneficios privados"),
        (("otorgante.nombreRazonSocial", "otorgante.rfc", "otorgante.tipoPersona"),),
    ),
    Section(
        "fideicomisos",
        "fideicomiso",
        _("Fideicomisos"),
        (
            ("fiduciario.nombreRazonSocial", "fiduciario.rfc", None),
            (
                "fideicomitente.nombreRazonSocial",
                "fideicomitente.rfc",
                "fideicomitente.tipoPersona",
            ),
            (
                "fideicomisario.nombreRazonSocial",
                "fideicomisario.rfc",
                "fideicomisario.tipoPersona",
            ),
        ),
    ),
)
SECTION_BY_KEY = {s.key: s for s in SECTIONS}

# Fields that the national rules keep out of the public version. Whole items of the partner
# or dependants are private; so are natural persons named as counterparts, the beneficiaries
# of public support other than the declarant, and every free-text clarification.
PRIVATE_PERSON_FIELDS = {
    "representacion": ("nombreRazonSocial", "rfc"),
    "clientesPrincipales": ("clientePrincipal.nombreRazonSocial", "clientePrincipal.rfc"),
    "beneficiosPrivados": ("otorgante.nombreRazonSocial", "otorgante.rfc"),
    "fideicomisos": (
        "fideicomitente.nombreRazonSocial",
        "fideicomitente.rfc",
        "fideicomisario.nombreRazonSocial",
        "fideicomisario.rfc",
    ),
}


def empty_interest() -> dict:
    return {s.key: {"ninguno": True} for s in SECTIONS}


@cache
def schema() -> dict:
    return json.loads(SCHEMA_PATH.read_text())


@cache
def _validator() -> Draft202012Validator:
    return Draft202012Validator(schema(), format_checker=FormatChecker())


def get_path(item: dict, path: str) -> Any:
    node: Any = item
    for part in path.split("."):
        if not isinstance(node, dict):
            return None
        node = node.get(part)
    return node


def _pop_path(item: dict, path: str) -> None:
    *parents, last = path.split(".")
    node: Any = item
    for part in parents:
        node = node.get(part) if isinstance(node, dict) else None
    if isinstance(node, dict):
        node.pop(last, None)


def section_items(interest: dict, section: Section) -> list[dict]:
    return list((interest.get(section.key) or {}).get(section.items) or [])


@dataclass(frozen=True)
class Problem:
    path: str  # e.g. "participacion.participacion.0.rfc"
    message: str

    def __str__(self) -> str:
        return f"{self.path}: {self.message}" if self.path else self.message


def _date_problems(node: Any, path: list[str], today: dt.date) -> Iterator[Problem]:
    if isinstance(node, dict):
        for key, value in node.items():
            yield from _date_problems(value, [*path, key], today)
    elif isinstance(node, list):
        for i, value in enumerate(node):
            yield from _date_problems(value, [*path, str(i)], today)
    elif isinstance(node, str) and path and path[-1].startswith("fecha"):
        try:
            day = dt.date.fromisoformat(node)
        except ValueError:
            return
        if day > today:
            yield Problem(".".join(path), str(_("La fecha no puede estar en el futuro.")))


def _rfc_problems(interest: dict) -> Iterator[Problem]:
    for section in SECTIONS:
        for i, item in enumerate(section_items(interest, section)):
            rfc_paths = [c[1] for c in section.counterparts]
            if section.key == "fideicomisos":
                rfc_paths.append("rfcFideicomiso")
            for rfc_path in rfc_paths:
                value = get_path(item, rfc_path)
                if value and not RFC_RE.match(str(value).upper()):
                    yield Problem(
                        f"{section.key}.{section.items}.{i}.{rfc_path}",
                        str(_("El RFC no tiene un formato válido (12 o 13 caracteres).")),
                    )


def validate(interest: Any, *, today: dt.date | None = None) -> list[Problem]:
    """Every problem in ``interest``, each naming the field it is about; empty when valid."""
    if not isinstance(interest, dict):
        return [Problem("", str(_("La declaración debe ser un objeto.")))]
    problems = [
        Problem(".".join(str(p) for p in error.absolute_path), error.message)
        for error in sorted(_validator().iter_errors(interest), key=lambda e: list(e.path))
    ]
    unknown = set(interest) - set(SECTION_BY_KEY)
    problems += [Problem(key, str(_("Apartado desconocido."))) for key in sorted(unknown)]
    problems += list(_date_problems(interest, [], today or timezone.localdate()))
    problems += list(_rfc_problems(interest))
    return problems


def _item_is_private(section: Section, item: dict) -> bool:
    """Items of the partner or dependants, public support for anyone but the declarant, and
    private benefits none of whose beneficiaries is the declarant are private as a whole."""
    if item.get("tipoRelacion") in PRIVATE_RELATIONS:
        return True
    beneficiary = item.get("beneficiarioPrograma") or {}
    if beneficiary and beneficiary.get("clave") != DECLARANT:
        return True
    if section.key == "beneficiosPrivados":
        return not any(_is_declarant(b) for b in item.get("beneficiario") or [])
    return False


def _is_declarant(beneficiary: Any) -> bool:
    return isinstance(beneficiary, dict) and beneficiary.get("clave") == DECLARANT


def _redact_item(section: Section, item: dict) -> dict:
    item = copy.deepcopy(item)
    for path in PRIVATE_PERSON_FIELDS.get(section.key, ()):
        type_path = path.rsplit(".", 1)[0] + ".tipoPersona" if "." in path else "tipoPersona"
        if get_path(item, type_path) != "MORAL":
            _pop_path(item, path)
    if section.key == "beneficiosPrivados":
        item["beneficiario"] = [b for b in item.get("beneficiario") or [] if _is_declarant(b)]
    return item


def public_view(interest: dict) -> dict:
    """The declaration as anyone may see it: private items and fields removed."""
    public: dict = {}
    for section in SECTIONS:
        data = interest.get(section.key) or {}
        items = [
            _redact_item(section, item)
            for item in data.get(section.items) or []
            if not _item_is_private(section, item)
        ]
        public[section.key] = {"ninguno": not items} if not items else {section.items: items}
    return public


def counterparts(interest: dict) -> Iterator[tuple[str, str, str]]:
    """``(section key, name, rfc)`` of every company named by an item that is still current."""
    for section in SECTIONS:
        for item in section_items(interest, section):
            if item.get("tipoOperacion") == "BAJA":
                continue
            for name_path, rfc_path, type_path in section.counterparts:
                name = get_path(item, name_path)
                if not name or (type_path and get_path(item, type_path) == "FISICA"):
                    continue
                yield section.key, str(name), str(get_path(item, rfc_path) or "").upper()


def carry_forward(interest: dict) -> dict:
    """The starting point of the next declaration: current items marked SIN_CAMBIOS."""
    result = empty_interest()
    for section in SECTIONS:
        items = []
        for item in section_items(interest, section):
            if item.get("tipoOperacion") == "BAJA":
                continue
            items.append({**copy.deepcopy(item), "tipoOperacion": "SIN_CAMBIOS"})
        if items:
            result[section.key] = {section.items: items}
    return result
