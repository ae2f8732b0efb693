"""PDN System 1 (``/v2/declaraciones``): shape, public vs full by requester, filters, sort."""

import datetime as dt
import json
from pathlib import Path

import pytest
from django.utils import timezone
from jsonschema import Draft7Validator

from ethics.api import pdn
from ethics.api.pdn import DECLARATIONS_SPEC, spec_schema, without_not_held
from ethics.models import Declaration, DeclarationKind
from lacs.models import Role
from tests.api.test_pdn_sanctions import bearer
from tests.conftest import make_user
from tests.ethics.factories import DeclarationFactory, ServantAppointmentFactory
from tests.factories import EntityFactory, UserFactory

pytestmark = pytest.mark.django_db
SPEC_FOR = {
    "INICIAL": "OAS_API_Declaraciones_Inicial.json",
    "MODIFICACIÓN": "OAS_API_Declaraciones_Modificacion.json",
    "CONCLUSIÓN": "OAS_API_Declaraciones_Conclusion.json",
}
SECRET = "Pinturas Secretas"  # a private item of the sample interest (tests/ethics/factories)


def _spec(name: str) -> Path:
    return DECLARATIONS_SPEC.parent / name


def _errors(body: dict) -> list[str]:
    """Every record against the specification of its own type (initial, modification,
    conclusion), less only the requirements listed in ``pdn.NOT_HELD``."""
    errors = []
    for record in body["results"]:
        schema = without_not_held(
            spec_schema(_spec(SPEC_FOR[record["metadata"]["tipo"]]), "resDeclaraciones")
        )
        wrapped = {"pagination": body["pagination"], "results": [record]}
        errors += [e.message for e in Draft7Validator(schema).iter_errors(wrapped)]
    return errors


def _declaration(first, last, entity, kind=DeclarationKind.INITIAL, **extra):
    user = UserFactory(first_name=first, last_name=last)
    appointment = ServantAppointmentFactory(user=user, entity=entity)
    return DeclarationFactory(appointment=appointment, kind=kind, **extra)


@pytest.fixture
def world(entity, other_entity):
    year = timezone.localdate().year
    return {
        "ana": _declaration("Ana", "Bravo", entity),
        "bruno": _declaration(
            "Bruno", "Zepeda", other_entity, DeclarationKind.MODIFICATION, year=year
        ),
        "carla": _declaration("Carla", "Mora", other_entity, DeclarationKind.CONCLUSION),
        "draft": _declaration("Diego", "Borrador", entity, status="draft", filed_at=None),
        "reader": bearer(make_user(Role.CPC)),
    }


def _post(client, body, auth):
    return client.post(
        "/v2/declaraciones", json.dumps(body), content_type="application/json", **auth
    )


def test_results_validate_against_the_specification_of_each_type(client, world):
    response = _post(client, {"pageSize": 200}, world["reader"])
    assert response.status_code == 200
    body = response.json()
    assert body["pagination"] == {"pageSize": 200, "page": 1, "totalRows": 3, "hasNextPage": False}
    assert sorted(r["metadata"]["tipo"] for r in body["results"]) == [
        "CONCLUSIÓN",
        "INICIAL",
        "MODIFICACIÓN",
    ]
    assert not _errors(body)


def test_the_validation_catches_a_broken_record(client, world):
    body = _post(client, {}, world["reader"]).json()
    del body["results"][0]["declaracion"]["situacionPatrimonial"]["datosGenerales"]
    body["results"][1]["metadata"]["tipo"] = "ACTUALIZACION"
    with pytest.raises(KeyError):  # an unknown type has no specification to validate against
        _errors(body)
    body["results"][1]["metadata"]["tipo"] = "INICIAL"
    assert _errors(body)


def test_the_only_requirements_relaxed_are_the_ones_we_do_not_hold():
    strict = spec_schema(_spec(SPEC_FOR["INICIAL"]), "resDeclaraciones")
    relaxed = without_not_held(strict)

    def required(schema):
        item = schema["properties"]["results"]["items"]["properties"]["declaracion"]
        return set(item["properties"]["situacionPatrimonial"]["required"])

    assert required(strict) - required(relaxed) == {"ingresos", "actividadAnualAnterior"}
    assert set(pdn.NOT_HELD) == {"ingresos", "actividadAnualAnterior"}


def test_strangers_read_the_public_version_only(client, world):
    body = _post(client, {"query": {"id": str(world["ana"].pk)}}, world["reader"]).json()
    text = json.dumps(body, ensure_ascii=False)
    assert "Constructora Azteca" in text and SECRET not in text
    assert not _errors(body)


def test_the_declarant_and_the_entitys_reviewer_read_it_in_full(client, world, entity):
    ana = world["ana"]
    for user in (ana.declarant, make_user(Role.CONTACT, entity)):
        body = _post(client, {"query": {"id": str(ana.pk)}}, bearer(user)).json()
        assert SECRET in json.dumps(body, ensure_ascii=False)
        assert not _errors(body)
    # a reviewer of another entity: public only
    other = make_user(Role.CONTACT, EntityFactory())
    body = _post(client, {"query": {"id": str(ana.pk)}}, bearer(other)).json()
    assert SECRET not in json.dumps(body, ensure_ascii=False)


def test_a_claimed_requester_rfc_grants_nothing(client, world):
    body = _post(
        client,
        {"rfcSolicitante": "BRAA800101AB1", "query": {"id": str(world["ana"].pk)}},
        world["reader"],
    ).json()
    assert SECRET not in json.dumps(body, ensure_ascii=False)


@pytest.mark.parametrize(
    ("query", "names"),
    [
        ({"nombres": "an"}, ["Ana"]),
        ({"primerApellido": "ZEP"}, ["Bruno"]),
        (
            {"datosEmpleoCargoComision": {"nombreEntePublico": "alcaldía de prueba"}},
            ["Bruno", "Carla"],
        ),
        ({"escolaridadNivel": "LIC"}, []),
        ({"totalIngresosNetos": {"min": 1, "max": 100000}}, []),
        ({"bienesInmuebles": {"superficieTerreno": {"min": 10}}}, []),
        ({"id": "no-es-numero"}, []),
        ({"nombres": ""}, ["Ana", "Bruno", "Carla"]),
    ],
)
def test_filters(client, world, query, names):
    body = _post(client, {"query": query, "sort": {"nombres": "asc"}}, world["reader"]).json()
    assert [
        r["declaracion"]["situacionPatrimonial"]["datosGenerales"]["nombre"]
        for r in body["results"]
    ] == names


def test_sort_and_pages(client, world):
    auth = world["reader"]
    body = _post(
        client,
        {
            "sort": {
                "datosEmpleoCargoComision": {"nombreEntePublico": "asc"},
                "primerApellido": "desc",
            }
        },
        auth,
    ).json()
    assert [
        r["declaracion"]["situacionPatrimonial"]["datosGenerales"]["primerApellido"]
        for r in body["results"]
    ] == ["Zepeda", "Mora", "Bravo"]
    page = _post(client, {"sort": {"primerApellido": "asc"}, "page": 2, "pageSize": 2}, auth).json()
    assert page["pagination"] == {"pageSize": 2, "page": 2, "totalRows": 3, "hasNextPage": False}
    assert [
        r["declaracion"]["situacionPatrimonial"]["datosGenerales"]["primerApellido"]
        for r in page["results"]
    ] == ["Zepeda"]


@pytest.mark.parametrize(
    "body",
    [
        {"pageSize": 0},
        {"pageSize": 201},
        {"page": -1},
        {"sort": {"salario": "asc"}},
        {"sort": {"datosEmpleoCargoComision": {"sueldo": "asc"}}},
        {"sort": {"nombres": "alfabetico"}},
        {"query": {"nombres": 7}},
        {"query": {"totalIngresosNetos": {"min": "mucho"}}},
        {"query": {"datosEmpleoCargoComision": {"nombreEntePublico": ["x"]}}},
        {"query": {"datosEmpleoCargoComision": "SEMOVI"}},
        {"query": {"color": "rojo"}},
        {"otra": 1},
        "texto",
    ],
)
def test_bad_requests_are_400_and_change_nothing(client, world, body):
    before = list(Declaration.objects.values_list("pk", "status", "updated_at"))
    response = _post(client, body, world["reader"])
    assert response.status_code == 400
    assert set(response.json()) >= {"code", "message"}
    assert list(Declaration.objects.values_list("pk", "status", "updated_at")) == before


def test_no_token_is_401_and_a_token_without_pdn_is_403(client, entity):
    assert (
        client.post("/v2/declaraciones", "{}", content_type="application/json").status_code == 401
    )
    servant = make_user(Role.SERVANT, entity)
    response = _post(client, {}, bearer(servant, "ethics"))
    assert response.status_code == 403 and set(response.json()) >= {"code", "message"}


def test_query_count_does_not_grow_with_the_page(
    client, world, entity, django_assert_max_num_queries
):
    for n in range(15):
        _declaration(f"N{n}", "Extra", entity, filed_at=timezone.now() - dt.timedelta(days=n))
    with django_assert_max_num_queries(10):
        response = _post(client, {"pageSize": 200}, world["reader"])
    assert len(response.json()["results"]) == 18
