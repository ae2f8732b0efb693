"""The OpenAPI schema says how each operation is reached: OAuth2 bearer tokens (the password and
client-credentials grants at ``/oauth``) with the scope the operation asks for, and it types
what can be null as nullable."""

import pytest
from drf_spectacular.generators import SchemaGenerator


@pytest.fixture(scope="module")
def schema():
    return SchemaGenerator().get_schema(request=None, public=True)


def test_the_oauth2_scheme_names_its_flows_token_url_and_scopes(schema):
    scheme = schema["components"]["securitySchemes"]["oauth2"]
    assert scheme["type"] == "oauth2" and "Bearer" in scheme["description"]
    for flow in ("password", "clientCredentials"):
        assert scheme["flows"][flow]["tokenUrl"] == "/oauth"
        assert {"pdn", "read:declaraciones", "cases"} <= set(scheme["flows"][flow]["scopes"])


@pytest.mark.parametrize(
    ("path", "method", "scopes"),
    [
        ("/api/v1/cases/", "get", [["cases"]]),
        ("/api/v1/procurement/flags/", "get", [["procurement"]]),
        ("/v1/ssancionados", "post", [["pdn"]]),
        ("/v1/spic/dependencias", "get", [["pdn"]]),
        ("/v2/declaraciones", "post", [["pdn"], ["read:declaraciones"]]),
    ],
)
def test_operations_that_take_a_token_document_its_scope(schema, path, method, scopes):
    security = schema["paths"][path][method]["security"]
    assert [r["oauth2"] for r in security if "oauth2" in r] == scopes


def test_anonymous_reports_document_no_token(schema):
    assert schema["paths"]["/api/v1/reports/"]["post"]["security"] == [{}]


def test_each_dependencias_documents_only_the_refusal_its_specification_declares(schema):
    responses = lambda p: set(schema["paths"][p]["get"]["responses"])  # noqa: E731
    assert {"401", "403"} & responses("/v1/ssancionados/dependencias") == {"403"}
    assert {"401", "403"} & responses("/v1/psancionados/dependencias") == {"401"}


def test_the_ocid_of_a_flag_on_an_organisation_is_nullable(schema):
    ocid = schema["components"]["schemas"]["FlagOut"]["properties"]["ocid"]
    assert ocid == {"type": "string", "nullable": True}
