"""PDN System 2 (``/v1/spic``): shape, filters, sort, access."""

import json

import pytest
from jsonschema import Draft7Validator

from ethics import actions
from ethics.api.pdn import SPIC_SPEC, spec_schema
from ethics.models import ProcurementRole
from lacs.models import Role, RoleAssignment
from tests.api.test_pdn_sanctions import bearer
from tests.conftest import make_user
from tests.ethics.factories import ServantAppointmentFactory
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def _errors(body, name="resSpic") -> list[str]:
    schema = spec_schema(SPIC_SPEC, name)
    return [e.message for e in Draft7Validator(schema).iter_errors(body)]


def _role(entity, first, last, position, procedures, **extra):
    appointment = ServantAppointmentFactory(
        user=UserFactory(first_name=first, last_name=last), entity=entity
    )
    admin = make_user(Role.ADMIN)
    return actions.procurement_role_save(
        actor=admin,
        appointment=appointment,
        position=position,
        procedures=procedures,
        responsibility=extra.pop("responsibility", []),
        **extra,
    )


@pytest.fixture
def world(entity, other_entity):
    return {
        "ana": _role(
            entity,
            "Ana",
            "Bravo",
            "Jefa de compras",
            [1, 3],
            responsibility=["R"],
            level="K11",
            notes="Comité de adquisiciones",
        ),
        "bruno": _role(other_entity, "Bruno", "Zepeda", "Analista", [2]),
        "none": _role(entity, "Carla", "Mora", "Secretaria", []),
        "auth": bearer(make_user(Role.CPC)),
    }


def _post(client, body, auth):
    return client.post("/v1/spic", json.dumps(body), content_type="application/json", **auth)


def test_results_validate_against_the_specification(client, world):
    body = _post(client, {}, world["auth"]).json()
    assert not _errors(body)
    assert body["pagination"]["totalRows"] == 2  # Carla has no procedure: not published
    ana = next(r for r in body["results"] if r["nombres"] == "Ana")
    assert ana["tipoProcedimiento"] == [
        {"clave": 1, "valor": "CONTRATACIONES PÚBLICAS"},
        {"clave": 3, "valor": "ENAJENACIÓN DE BIENES MUEBLES"},
    ]
    assert ana["nivelResponsabilidad"] == [{"clave": "R", "valor": "RESOLUCIÓN"}]
    assert ana["puesto"] == {"nombre": "Jefa de compras", "nivel": "K11"}


def test_dependencias(client, world, entity, other_entity):
    body = client.get("/v1/spic/dependencias", **world["auth"]).json()
    assert not _errors(body, "dependencias")
    assert sorted(d["nombre"] for d in body) == sorted([entity.name, other_entity.name])


@pytest.mark.parametrize(
    ("query", "names"),
    [
        ({"tipoProcedimiento": [2, 5]}, ["Bruno"]),
        ({"tipoProcedimiento": []}, ["Ana", "Bruno"]),
        ({"nombres": "ANA"}, ["Ana"]),
        ({"primerApellido": "zep"}, ["Bruno"]),
        ({"institucionDependencia": "alcaldía de prueba"}, ["Bruno"]),
        ({"rfc": "BRAA800101AB1"}, []),
        ({"id": "x"}, []),
    ],
)
def test_filters(client, world, query, names):
    body = _post(client, {"query": query, "sort": {"nombres": "asc"}}, world["auth"]).json()
    assert [r["nombres"] for r in body["results"]] == names


def test_filter_by_id_and_sort(client, world):
    auth = world["auth"]
    body = _post(client, {"query": {"id": str(world["bruno"].pk)}}, auth).json()
    assert [r["nombres"] for r in body["results"]] == ["Bruno"]
    body = _post(client, {"sort": {"puesto": "desc"}}, auth).json()
    assert [r["puesto"]["nombre"] for r in body["results"]] == ["Jefa de compras", "Analista"]


def test_an_ended_appointment_is_not_published(client, world):
    RoleAssignment.objects.filter(pk=world["ana"].appointment_id).update(
        start="2019-01-01", end="2020-01-01"
    )
    body = _post(client, {}, world["auth"]).json()
    assert [r["nombres"] for r in body["results"]] == ["Bruno"]


@pytest.mark.parametrize(
    "body",
    [
        {"pageSize": 500},
        {"query": {"tipoProcedimiento": [6]}},
        {"query": {"tipoProcedimiento": ["1"]}},
        {"query": {"tipoProcedimiento": 1}},
        {"query": {"nombres": ["Ana"]}},
        {"sort": {"rfc": "asc"}},
        {"query": {"ramo": "x"}},
    ],
)
def test_bad_requests_are_400_and_change_nothing(client, world, body):
    before = list(ProcurementRole.objects.values_list("pk", "procedures", "updated_at"))
    response = _post(client, body, world["auth"])
    assert response.status_code == 400 and set(response.json()) >= {"code", "message"}
    assert list(ProcurementRole.objects.values_list("pk", "procedures", "updated_at")) == before


def test_no_token_401_and_wrong_scope_403(client, entity):
    assert client.post("/v1/spic", "{}", content_type="application/json").status_code == 401
    assert client.get("/v1/spic/dependencias").status_code == 401
    contact = make_user(Role.CONTACT, entity)
    assert _post(client, {}, bearer(contact, "cases")).status_code == 403
    assert client.get("/v1/spic/dependencias", **bearer(contact, "ethics")).status_code == 403


def test_query_count_is_bounded(client, world, entity, django_assert_max_num_queries):
    for n in range(15):
        _role(entity, f"N{n}", "Extra", "Analista", [1])
    with django_assert_max_num_queries(8):
        body = _post(client, {"pageSize": 200}, world["auth"]).json()
    assert len(body["results"]) == 17
