"""The public version of the interest declaration (PDN System 1, ``declaracion.interes``): what a
requester at the public level must never receive, section by section."""

from __future__ import annotations

import json

import pytest

from ethics.interest import SECTIONS, public_view


def declared(section: str, items_key: str, *items: dict) -> dict:
    interest = {s.key: {"ninguno": True} for s in SECTIONS}
    interest[section] = {items_key: list(items), "aclaracionesObservaciones": "Nota privada"}
    return interest


def text(interest: dict) -> str:
    return json.dumps(public_view(interest), ensure_ascii=False)


def items(interest: dict, section: str, items_key: str) -> list[dict]:
    return public_view(interest)[section].get(items_key, [])


@pytest.mark.parametrize("relation", ["PAREJA", "DEPENDIENTE_ECONOMICO"])
def test_participacion_of_a_partner_or_dependant_is_removed(relation):
    interest = declared(
        "participacion",
        "participacion",
        {"tipoRelacion": "DECLARANTE", "nombreEmpresaSociedadAsociacion": "Propia SA"},
        {"tipoRelacion": relation, "nombreEmpresaSociedadAsociacion": "Ajena SA", "rfc": "AJE0101"},
    )
    assert [
        i["nombreEmpresaSociedadAsociacion"]
        for i in items(interest, "participacion", "participacion")
    ] == ["Propia SA"]
    assert "Ajena" not in text(interest) and "Nota privada" not in text(interest)


def test_participacion_toma_decisiones_of_a_dependant_is_removed():
    interest = declared(
        "participacionTomaDecisiones",
        "participacion",
        {"tipoRelacion": "DEPENDIENTE_ECONOMICO", "nombreInstitucion": "Club del Hijo AC"},
    )
    assert public_view(interest)["participacionTomaDecisiones"] == {"ninguno": True}
    assert "Club del Hijo" not in text(interest)


def test_apoyos_for_anyone_but_the_declarant_are_removed():
    interest = declared(
        "apoyos",
        "apoyo",
        {"beneficiarioPrograma": {"clave": "DC"}, "nombrePrograma": "Beca propia"},
        {"beneficiarioPrograma": {"clave": "HIJ"}, "nombrePrograma": "Beca del hijo"},
    )
    assert [i["nombrePrograma"] for i in items(interest, "apoyos", "apoyo")] == ["Beca propia"]


def test_representacion_of_a_partner_is_removed_and_a_natural_person_is_not_named():
    interest = declared(
        "representacion",
        "representacion",
        {"tipoRelacion": "PAREJA", "tipoPersona": "MORAL", "nombreRazonSocial": "De Pareja SA"},
        {
            "tipoRelacion": "DECLARANTE",
            "tipoPersona": "FISICA",
            "nombreRazonSocial": "Luis Representado",
            "rfc": "LURE800101AB1",
            "sector": {"clave": "OTRO"},
        },
        {"tipoRelacion": "DECLARANTE", "tipoPersona": "MORAL", "nombreRazonSocial": "Empresa SA"},
    )
    kept = items(interest, "representacion", "representacion")
    assert [i.get("nombreRazonSocial") for i in kept] == [None, "Empresa SA"]
    assert "rfc" not in kept[0] and kept[0]["sector"] == {"clave": "OTRO"}
    assert "De Pareja" not in text(interest) and "Luis" not in text(interest)


def test_clientes_principales_name_no_natural_person_and_drop_the_dependants():
    interest = declared(
        "clientesPrincipales",
        "cliente",
        {
            "tipoRelacion": "DECLARANTE",
            "empresa": {"nombreEmpresaServicio": "Consultoría SC"},
            "clientePrincipal": {
                "tipoPersona": "FISICA",
                "nombreRazonSocial": "Juana Cliente",
                "rfc": "JUCL800101AB1",
            },
        },
        {"tipoRelacion": "DEPENDIENTE_ECONOMICO", "empresa": {"nombreEmpresaServicio": "Del Hijo"}},
    )
    kept = items(interest, "clientesPrincipales", "cliente")
    assert len(kept) == 1 and kept[0]["clientePrincipal"] == {"tipoPersona": "FISICA"}
    assert "Juana" not in text(interest) and "Del Hijo" not in text(interest)


@pytest.mark.parametrize("beneficiaries", [["CY"], ["HIJ", "CON"], []])
def test_a_private_benefit_for_the_spouse_or_dependants_only_vanishes_entirely(beneficiaries):
    interest = declared(
        "beneficiosPrivados",
        "beneficio",
        {
            "tipoPersona": "MORAL",
            "tipoBeneficio": {"clave": "S", "valor": "SORTEO"},
            "beneficiario": [{"clave": c, "valor": c} for c in beneficiaries],
            "otorgante": {
                "tipoPersona": "MORAL",
                "nombreRazonSocial": "Regalos Generosos SA",
                "rfc": "RGE010101AA1",
            },
            "especifiqueBeneficio": "Viaje",
            "montoMensualAproximado": {"valor": 90000, "moneda": "MXN"},
        },
    )
    assert public_view(interest)["beneficiosPrivados"] == {"ninguno": True}
    for secret in ("Regalos Generosos", "RGE010101AA1", "90000", "Viaje", "SORTEO"):
        assert secret not in text(interest)


def test_a_private_benefit_shared_with_the_declarant_keeps_only_the_declarant():
    interest = declared(
        "beneficiosPrivados",
        "beneficio",
        {
            "beneficiario": [
                {"clave": "DC", "valor": "DECLARANTE"},
                {"clave": "CY", "valor": "CÓNYUGE"},
            ],
            "otorgante": {
                "tipoPersona": "FISICA",
                "nombreRazonSocial": "Don Otorgante",
                "rfc": "X",
            },
        },
    )
    (kept,) = items(interest, "beneficiosPrivados", "beneficio")
    assert kept["beneficiario"] == [{"clave": "DC", "valor": "DECLARANTE"}]
    assert kept["otorgante"] == {"tipoPersona": "FISICA"}


def test_fideicomisos_name_no_natural_person_and_drop_the_partners():
    interest = declared(
        "fideicomisos",
        "fideicomiso",
        {"tipoRelacion": "PAREJA", "rfcFideicomiso": "FPA010101AA1"},
        {
            "tipoRelacion": "DECLARANTE",
            "fideicomitente": {
                "tipoPersona": "FISICA",
                "nombreRazonSocial": "Ana Fide",
                "rfc": "Y",
            },
            "fiduciario": {"nombreRazonSocial": "Banco SA", "rfc": "BAN010101AA1"},
            "fideicomisario": {"tipoPersona": "MORAL", "nombreRazonSocial": "Fundación AC"},
        },
    )
    (kept,) = items(interest, "fideicomisos", "fideicomiso")
    assert kept["fideicomitente"] == {"tipoPersona": "FISICA"}
    assert kept["fiduciario"]["nombreRazonSocial"] == "Banco SA"
    assert kept["fideicomisario"]["nombreRazonSocial"] == "Fundación AC"
    assert "FPA010101AA1" not in text(interest) and "Ana Fide" not in text(interest)
