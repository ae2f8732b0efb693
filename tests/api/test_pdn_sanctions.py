"""PDN System 3 (``/v1/ssancionados``, ``/v1/psancionados``): shape, filters, sort, access."""

import datetime as dt
import json
from pathlib import Path

import pytest
from django.utils import timezone
from jsonschema import Draft7Validator
from oauth2_provider.models import AccessToken

from cases.api.pdn import INDIVIDUALS_SPEC, SERVANTS_SPEC, spec_schema
from cases.models import IndividualSanction, ServantSanction
from lacs.models import Role
from tests.conftest import make_user
from tests.factories import EntityFactory

pytestmark = pytest.mark.django_db


def _spec(copy: Path) -> Path:
    """The specification the app ships: a verbatim copy of the PDN's, kept in the repository."""
    return copy


def _errors(body, path: Path, name: str) -> list[str]:
    schema = spec_schema(_spec(path), name)
    return [e.message for e in Draft7Validator(schema).iter_errors(body)]


def servant_sanction(entity, investigator, **fields):
    values = {
        "given_names": "Rosa",
        "first_surname": "Pérez",
        "second_surname": "Luna",
        "rfc": "PELR800101AB1",
        "curp": "PELR800101MDFRNS09",
        "gender": "F",
        "position": "Jefa de compras",
        "level": "K11",
        "fault": "VPC",
        "kinds": ["I", "M"],
        "facts": "Adjudicó sin concurso.",
        "file_number": "OIC/001/2025",
        "authority": "Órgano Interno de Control",
        "fine_amount": "15000.50",
        "ban_term": "1 año",
        "ban_start": dt.date(2025, 3, 1),
        "ban_end": dt.date(2026, 3, 1),
        "resolved_on": dt.date(2025, 2, 20),
        "resolution_url": "https://example.org/resolucion.pdf",
        **fields,
    }
    return ServantSanction.objects.create(entity=entity, recorded_by=investigator, **values)


def individual_sanction(entity, investigator, **fields):
    values = {
        "name": "Constructora Azteca SA de CV",
        "person_kind": "M",
        "rfc": "CAZ010101AA1",
        "kinds": ["I", "M"],
        "facts": "Presentó documentos falsos.",
        "file_number": "OIC/P/007/2025",
        "authority": "Órgano Interno de Control",
        "fault": "Falsedad de información",
        "contract_subject": "Obra pública",
        "fine_amount": "250000",
        "resolution_sense": "Sancionatoria",
        "notified_on": dt.date(2025, 4, 2),
        **fields,
    }
    return IndividualSanction.objects.create(entity=entity, recorded_by=investigator, **values)


def bearer(user, scope="pdn") -> dict:
    token = AccessToken.objects.create(
        user=user,
        token=f"t-{user.pk}-{scope.replace(' ', '-')}",
        scope=scope,
        expires=timezone.now() + dt.timedelta(hours=1),
    )
    return {"HTTP_AUTHORIZATION": f"Bearer {token.token}"}


@pytest.fixture
def world(entity, other_entity):
    investigator = make_user(Role.INVESTIGATOR, entity)
    servants = [
        servant_sanction(entity, investigator),
        servant_sanction(
            other_entity,
            investigator,
            given_names="Ana",
            first_surname="Zamora",
            second_surname="",
            rfc="",
            curp="",
            gender="",
            level="",
            kinds=["S"],
            fault="AG",
            fine_amount=None,
            ban_term="",
            ban_start=None,
            ban_end=None,
            resolved_on=None,
            resolution_url="",
            authority="",
        ),
    ]
    individuals = [
        individual_sanction(entity, investigator),
        individual_sanction(
            other_entity,
            investigator,
            name="Juan Ávila",
            person_kind="F",
            rfc="",
            kinds=["A"],
            fine_amount=None,
            notified_on=None,
            resolution_sense="",
            contract_subject="",
            fault="",
        ),
    ]
    reader = make_user(Role.CPC)
    return {"servants": servants, "individuals": individuals, "auth": bearer(reader)}


def _post(client, path, body, auth):
    return client.post(path, json.dumps(body), content_type="application/json", **auth)


def test_servant_sanctions_validate_against_the_specification(client, world):
    response = _post(client, "/v1/ssancionados", {}, world["auth"])
    assert response.status_code == 200
    body = response.json()
    assert not _errors(body, SERVANTS_SPEC, "ssancionados")
    assert body["pagination"] == {"pageSize": 10, "page": 1, "totalRows": 2, "hasNextPage": False}
    first = next(r for r in body["results"] if r["servidorPublicoSancionado"]["nombres"] == "Rosa")
    assert first["tipoFalta"] == {
        "clave": "VPC",
        "valor": "VIOLACION PROCEDIMIENTOS DE CONTRATACION",
    }
    assert [k["clave"] for k in first["tipoSancion"]] == ["I", "M"]
    assert first["multa"]["monto"] == 15000.5
    assert first["resolucion"]["fechaResolucion"] == "2025-02-20"


def test_individual_sanctions_validate_against_the_specification(client, world):
    response = _post(client, "/v1/psancionados", {"pageSize": 200}, world["auth"])
    assert response.status_code == 200
    body = response.json()
    assert not _errors(body, INDIVIDUALS_SPEC, "resParticularesSancionados")
    assert body["pagination"]["totalRows"] == 2


def test_dependencias_list_the_institutions_with_sanctions(client, world, entity, other_entity):
    EntityFactory(name="Ente sin sanciones")
    for path, spec in (
        ("/v1/ssancionados/dependencias", SERVANTS_SPEC),
        ("/v1/psancionados/dependencias", INDIVIDUALS_SPEC),
    ):
        body = client.get(path, **world["auth"]).json()
        assert not _errors(body, spec, "dependencias")
        assert sorted(d["nombre"] for d in body) == sorted([entity.name, other_entity.name])


@pytest.mark.parametrize(
    ("query", "names"),
    [
        ({"nombres": "ros"}, ["Rosa"]),
        ({"primerApellido": "ZAMORA"}, ["Ana"]),
        ({"rfc": "pelr800101ab1"}, ["Rosa"]),
        ({"curp": "PELR800101MDFRNS09"}, ["Rosa"]),
        ({"tipoSancion": ["S", "O"]}, ["Ana"]),
        ({"institucionDependencia": "alcaldía de prueba"}, ["Ana"]),
        ({"id": "999999999"}, []),
        ({"id": "no-es-numero"}, []),
    ],
)
def test_servant_filters(client, world, query, names):
    body = _post(client, "/v1/ssancionados", {"query": query}, world["auth"]).json()
    assert [r["servidorPublicoSancionado"]["nombres"] for r in body["results"]] == names


def test_filter_by_id(client, world):
    wanted = world["servants"][1]
    body = _post(client, "/v1/ssancionados", {"query": {"id": str(wanted.pk)}}, world["auth"])
    assert [r["id"] for r in body.json()["results"]] == [str(wanted.pk)]


def test_individual_filters_and_sort(client, world):
    auth = world["auth"]
    body = _post(client, "/v1/psancionados", {"query": {"tipoPersona": "F"}}, auth).json()
    assert [r["particularSancionado"]["nombreRazonSocial"] for r in body["results"]] == [
        "Juan Ávila"
    ]
    body = _post(
        client, "/v1/psancionados", {"query": {"expediente": "oic/p/007/2025"}}, auth
    ).json()
    assert body["pagination"]["totalRows"] == 2
    for direction, expected in (
        ("asc", ["Constructora Azteca SA de CV", "Juan Ávila"]),
        ("desc", ["Juan Ávila", "Constructora Azteca SA de CV"]),
    ):
        body = _post(
            client, "/v1/psancionados", {"sort": {"nombreRazonSocial": direction}}, auth
        ).json()
        assert [r["particularSancionado"]["nombreRazonSocial"] for r in body["results"]] == expected


def test_servant_sort_and_pages(client, world):
    auth = world["auth"]
    body = _post(
        client,
        "/v1/ssancionados",
        {"sort": {"primerApellido": "desc"}, "pageSize": 1, "page": 1},
        auth,
    ).json()
    assert body["pagination"]["hasNextPage"] is True
    assert body["results"][0]["servidorPublicoSancionado"]["primerApellido"] == "Zamora"
    body = _post(
        client,
        "/v1/ssancionados",
        {"sort": {"primerApellido": "desc"}, "pageSize": 1, "page": 2},
        auth,
    ).json()
    assert body["results"][0]["servidorPublicoSancionado"]["primerApellido"] == "Pérez"
    assert body["pagination"]["hasNextPage"] is False


@pytest.mark.parametrize(
    ("path", "body"),
    [
        ("/v1/ssancionados", {"pageSize": 0}),
        ("/v1/ssancionados", {"pageSize": 201}),
        ("/v1/ssancionados", {"page": "uno"}),
        ("/v1/ssancionados", {"sort": {"salario": "asc"}}),
        ("/v1/ssancionados", {"sort": {"nombres": "arriba"}}),
        ("/v1/ssancionados", {"query": {"nombres": 5}}),
        ("/v1/ssancionados", {"query": {"tipoSancion": ["A"]}}),
        ("/v1/ssancionados", {"query": {"tipoSancion": "I"}}),
        ("/v1/ssancionados", {"query": {"color": "rojo"}}),
        ("/v1/psancionados", {"query": {"tipoSancion": ["IRSC"]}}),
        ("/v1/psancionados", {"sort": {"curp": "asc"}}),
        ("/v1/psancionados", []),
    ],
)
def test_bad_requests_are_400_in_the_error_shape_and_change_nothing(client, world, path, body):
    before = (ServantSanction.objects.count(), IndividualSanction.objects.count())
    response = _post(client, path, body, world["auth"])
    assert response.status_code == 400
    assert set(response.json()) >= {"code", "message"}
    assert (ServantSanction.objects.count(), IndividualSanction.objects.count()) == before


def test_malformed_json_is_400(client, world):
    response = client.post(
        "/v1/ssancionados", "{not json", content_type="application/json", **world["auth"]
    )
    assert response.status_code == 400 and response.json()["code"]


@pytest.mark.parametrize("path", ["/v1/ssancionados", "/v1/psancionados"])
def test_no_token_is_401_and_a_token_without_pdn_is_403(client, entity, path):
    if path.endswith("dependencias"):
        method = client.get
    else:

        def method(path, **extra):
            return client.post(path, "{}", content_type="application/json", **extra)

    assert method(path).status_code == 401
    contact = make_user(Role.CONTACT, entity)
    response = method(path, **bearer(contact, "cases"))
    assert response.status_code == 403
    assert set(response.json()) >= {"code", "message"}


def test_queries_do_not_grow_with_the_page(client, world, django_assert_max_num_queries):
    entity = world["servants"][0].entity
    investigator = world["servants"][0].recorded_by
    for n in range(20):
        servant_sanction(entity, investigator, file_number=f"X/{n}")
    with django_assert_max_num_queries(8):
        response = _post(client, "/v1/ssancionados", {"pageSize": 200}, world["auth"])
    assert len(response.json()["results"]) == 22
