"""The PDN specifications to the letter: ``query.id`` alone, ``uniqueItems``, each operation's
declared refusal statuses, System 1's own scope name, and what a public-level requester never
receives."""

import json
from pathlib import Path

import pytest

from ethics.models import DeclarationKind
from lacs.models import Role
from tests.api.test_pdn_client import _token, pdn_application  # noqa: F401  (a fixture)
from tests.api.test_pdn_declarations import _declaration
from tests.api.test_pdn_sanctions import bearer, individual_sanction, servant_sanction
from tests.api.test_pdn_spic import _role
from tests.conftest import make_user

pytestmark = pytest.mark.django_db
SPECS = {
    "cases": Path(__file__).resolve().parents[2] / "cases" / "api" / "specs",
    "ethics": Path(__file__).resolve().parents[2] / "ethics" / "api" / "specs",
}


def _post(client, path, body, auth):
    return client.post(path, json.dumps(body), content_type="application/json", **auth)


@pytest.fixture
def records(entity, other_entity):
    investigator = make_user(Role.INVESTIGATOR, entity)
    return {
        "/v1/ssancionados": servant_sanction(entity, investigator),
        "/v1/psancionados": individual_sanction(entity, investigator),
        "/v1/spic": _role(entity, "Ana", "Bravo", "Jefa de compras", [1]),
        "/v2/declaraciones": _declaration("Ana", "Bravo", entity, DeclarationKind.INITIAL),
    }


# A filter each record does not match, sent beside the record's id.
MISMATCH = {
    "/v1/ssancionados": {"nombres": "Nadie", "tipoSancion": ["O"]},
    "/v1/psancionados": {"nombreRazonSocial": "Nadie", "expediente": "X/0"},
    "/v1/spic": {"nombres": "Nadie", "tipoProcedimiento": [5]},
    "/v2/declaraciones": {"nombres": "Nadie", "primerApellido": "Ninguno"},
}


@pytest.mark.parametrize("path", sorted(MISMATCH))
def test_with_query_id_the_other_filters_are_ignored(client, records, path):
    auth = bearer(make_user(Role.CPC))
    record = records[path]
    body = {"query": {"id": str(record.pk), **MISMATCH[path]}}
    response = _post(client, path, body, auth)
    assert response.status_code == 200, response.content
    assert [r["id"] for r in response.json()["results"]] == [str(record.pk)]
    # Without the id, the same filters match nothing.
    response = _post(client, path, {"query": MISMATCH[path]}, auth)
    assert response.json()["results"] == []


@pytest.mark.parametrize(
    ("path", "query"),
    [
        ("/v1/ssancionados", {"tipoSancion": ["I", "I"]}),
        ("/v1/psancionados", {"tipoSancion": ["M", "A", "M"]}),
        ("/v1/spic", {"tipoProcedimiento": [1, 1]}),
    ],
)
def test_a_request_array_with_a_repeated_item_is_400(client, records, path, query):
    response = _post(client, path, {"query": query}, bearer(make_user(Role.CPC)))
    assert response.status_code == 400
    assert set(response.json()) >= {"code", "message"}


def _declared(path: str, method: str) -> set[str]:
    statuses: set[str] = set()
    for folder in SPECS.values():
        for spec_file in folder.glob("*.json"):
            spec = json.loads(spec_file.read_text(encoding="utf-8"))
            operation = spec.get("paths", {}).get(path, {}).get(method)
            if operation:
                statuses |= set(operation["responses"])
    return statuses


OPERATIONS = [
    ("/v2/declaraciones", "post"),
    ("/v1/spic", "post"),
    ("/v1/spic/dependencias", "get"),
    ("/v1/ssancionados", "post"),
    ("/v1/ssancionados/dependencias", "get"),
    ("/v1/psancionados", "post"),
    ("/v1/psancionados/dependencias", "get"),
]


@pytest.mark.parametrize(("path", "method"), OPERATIONS)
def test_every_refusal_is_a_status_the_operation_declares(client, entity, path, method):
    declared = _declared(path, method)
    assert "200" in declared
    send = (
        (lambda **a: client.get(path, **a))
        if method == "get"
        else (lambda **a: _post(client, path, {}, a))
    )
    contact = make_user(Role.CONTACT, entity)
    custodian = make_user(Role.CUSTODIAN, entity)
    refusals = {
        "no token": send(),
        "unknown token": send(HTTP_AUTHORIZATION="Bearer nothing-like-it"),
        "other scope": send(**bearer(contact, "cases")),
        "role without pdn": send(**bearer(custodian, "pdn")),
    }
    for case, response in refusals.items():
        code = str(response.status_code)
        assert code in {"401", "403"}, (case, code)
        assert code in declared or "default" in declared, (case, code, declared)
        assert set(response.json()) >= {"code", "message"}


def test_the_dependencias_operations_refuse_with_the_one_status_each_declares(client, entity):
    other_scope = bearer(make_user(Role.CONTACT, entity), "cases")
    assert client.get("/v1/ssancionados/dependencias").status_code == 403
    assert client.get("/v1/ssancionados/dependencias", **other_scope).status_code == 403
    response = client.get("/v1/psancionados/dependencias", **other_scope)
    assert response.status_code == 401 and response["WWW-Authenticate"].startswith("Bearer")
    assert client.get("/v1/psancionados/dependencias").status_code == 401


def test_system_1_scope_read_declaraciones_is_granted_and_reads_declarations_only(
    client,
    pdn_application,  # noqa: F811
    entity,
    records,
):
    user = make_user(Role.CPC)
    response = _token(client, pdn_application, user, scope="read:declaraciones")
    assert response.status_code == 200, response.content
    grant = response.json()
    assert grant["scope"] == "read:declaraciones"
    auth = {"HTTP_AUTHORIZATION": f"Bearer {grant['access_token']}"}
    answer = _post(client, "/v2/declaraciones", {}, auth)
    assert answer.status_code == 200 and answer.json()["pagination"]["totalRows"] == 1
    assert _post(client, "/v1/ssancionados", {}, auth).status_code == 403
    custodian = make_user(Role.CUSTODIAN, entity)
    assert _token(client, pdn_application, custodian, "read:declaraciones").status_code != 200


def test_a_public_requester_never_sees_a_benefit_for_the_spouse_only(client, entity):
    interest = {
        "participacion": {"ninguno": True},
        "participacionTomaDecisiones": {"ninguno": True},
        "apoyos": {"ninguno": True},
        "representacion": {"ninguno": True},
        "clientesPrincipales": {"ninguno": True},
        "beneficiosPrivados": {
            "beneficio": [
                {
                    "tipoOperacion": "AGREGAR",
                    "tipoPersona": "MORAL",
                    "tipoBeneficio": {"clave": "S", "valor": "SORTEO"},
                    "beneficiario": [{"clave": "CY", "valor": "CÓNYUGE"}],
                    "otorgante": {
                        "tipoPersona": "MORAL",
                        "nombreRazonSocial": "Regalos Generosos SA",
                        "rfc": "RGE010101AA1",
                    },
                    "formaRecepcion": "ESPECIE",
                    "especifiqueBeneficio": "Viaje a Cancún",
                    "montoMensualAproximado": {"valor": 90000, "moneda": "MXN"},
                }
            ]
        },
        "fideicomisos": {"ninguno": True},
    }
    declaration = _declaration("Ana", "Bravo", entity, interest=interest)
    answer = _post(client, "/v2/declaraciones", {}, bearer(make_user(Role.CPC)))
    text = json.dumps(answer.json(), ensure_ascii=False)
    assert answer.json()["results"][0]["id"] == str(declaration.pk)
    for secret in ("Regalos Generosos", "RGE010101AA1", "Cancún", "90000", "SORTEO"):
        assert secret not in text
    interes = answer.json()["results"][0]["declaracion"]["interes"]
    assert interes["beneficiosPrivados"] == {"ninguno": True}
