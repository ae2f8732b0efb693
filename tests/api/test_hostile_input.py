"""What an attacker from outside would send: every answer is a 4xx in the documented JSON shape.

The documented shape is ``{"code": ..., "message": ...}`` (plus ``errors`` or ``fields``).
Every request here crashed a worker with a 500 and an HTML page before the parser, the
pagination and the query-string guard below were hardened.
"""

from __future__ import annotations

import json
import re

import pytest
from django.urls import resolve
from drf_spectacular.generators import SchemaGenerator

from lacs.models import Role
from tests.api.test_pdn_sanctions import bearer
from tests.conftest import make_user

pytestmark = pytest.mark.django_db

PDN_SEARCHES = ("/v2/declaraciones", "/v1/spic", "/v1/ssancionados", "/v1/psancionados")
DEEP_ARRAY = "[" * 10_000 + "]" * 10_000
DEEP_OBJECT = '{"a":' * 10_000 + "1" + "}" * 10_000


@pytest.fixture
def hostile(client):
    client.raise_request_exception = False  # see what a real client sees: the status, the body
    return client


@pytest.fixture
def every_scope(db, entity):
    user = make_user(Role.ADMIN, None)
    for role in (Role.INVESTIGATOR, Role.CPC, Role.ANALYST, Role.SERVANT):
        from lacs.models import RoleAssignment

        RoleAssignment.objects.create(user=user, role=role, entity=entity, start="2020-01-01")
    return bearer(user, scope="cases entities dashboards procurement ethics pdn")


def assert_documented_4xx(response) -> dict:
    assert 400 <= response.status_code < 500, (response.status_code, response.content[:300])
    assert response["Content-Type"].startswith("application/json"), response["Content-Type"]
    body = response.json()
    assert isinstance(body.get("code"), str) and isinstance(body.get("message"), str), body
    return body


def json_operations() -> list[tuple[str, str]]:
    """(method, path) of every operation of the published schema that takes a JSON body."""
    schema = SchemaGenerator().get_schema(request=None, public=True)
    found = []
    for path, item in schema["paths"].items():
        for method, operation in item.items():
            content = operation.get("requestBody", {}).get("content", {})
            if "application/json" in content:
                found.append((method, re.sub(r"\{[^}]+\}", "1", path)))
    return found


def test_the_schema_lists_the_anonymous_and_pdn_json_endpoints():
    paths = {path for _, path in json_operations()}
    assert "/api/v1/reports/" in paths
    assert set(PDN_SEARCHES) <= paths


@pytest.mark.parametrize("payload", [DEEP_ARRAY, DEEP_OBJECT], ids=["array", "object"])
def test_json_nested_ten_thousand_levels_is_refused_everywhere(hostile, every_scope, payload):
    for method, path in json_operations():
        for auth in ({}, every_scope):
            call = getattr(hostile, method)
            response = call(path, payload, content_type="application/json", **auth)
            if response.status_code in (401, 403, 405):
                continue  # refused before reading the body: nothing parsed, nothing crashed
            body = assert_documented_4xx(response)
            assert response.status_code == 400, (path, body)


def test_an_oversized_json_body_is_refused_before_it_is_parsed(hostile, settings):
    settings.LACS_API_JSON_MAX_BYTES = 1024
    big = json.dumps({"description": "x" * 5000})
    response = hostile.post("/api/v1/reports/", big, content_type="application/json")
    assert response.status_code == 413
    assert_documented_4xx(response)


@pytest.mark.parametrize("text", ["a\x00b", "\ud800", "x\udfffy"], ids=["nul", "hi", "lo"])
@pytest.mark.parametrize("path", PDN_SEARCHES)
def test_nul_or_lone_surrogate_in_any_pdn_text_filter_is_a_400(hostile, path, text):
    auth = bearer(make_user(Role.CPC), scope="pdn")
    view = resolve(path).func.view_class
    names = sorted(view.filters)
    for name in names:
        body = json.dumps({"query": {name: text}})  # ensure_ascii: "\ud800" travels escaped
        response = hostile.post(path, body, content_type="application/json", **auth)
        assert_documented_4xx(response)
        assert response.status_code == 400, (path, name, response.content)


@pytest.mark.parametrize("path", ["/v1/ssancionados", "/v1/psancionados", "/v2/declaraciones"])
@pytest.mark.parametrize("value", ["\u00b9", "\u0663", "99999999999999999999999"])
def test_odd_digits_in_a_pdn_id_filter_never_crash(hostile, path, value):
    auth = bearer(make_user(Role.CPC), scope="pdn")
    body = json.dumps({"query": {"id": value}})
    response = hostile.post(path, body, content_type="application/json", **auth)
    assert response.status_code < 500, response.content[:300]
    assert response["Content-Type"].startswith("application/json")


def test_lone_surrogate_in_the_anonymous_report_body_is_a_400(hostile):
    body = json.dumps({"description": "\ud800", "category": "x", "entity": 1})
    response = hostile.post("/api/v1/reports/", body, content_type="application/json")
    assert response.status_code == 400
    assert_documented_4xx(response)


@pytest.mark.parametrize("page", [10**18, 2**63, 2**64, 9_223_372_036_854_775_807])
@pytest.mark.parametrize("path", PDN_SEARCHES)
def test_huge_pdn_page_numbers_are_a_400(hostile, path, page):
    auth = bearer(make_user(Role.CPC), scope="pdn")
    for size in (1, 200):
        body = json.dumps({"page": page, "pageSize": size})
        response = hostile.post(path, body, content_type="application/json", **auth)
        assert response.status_code == 400, (path, page, response.content[:200])
        assert_documented_4xx(response)


@pytest.mark.parametrize("path", PDN_SEARCHES)
def test_the_largest_page_the_parser_takes_is_answered_not_crashed(hostile, path):
    auth = bearer(make_user(Role.CPC), scope="pdn")
    body = json.dumps({"page": 2**53 - 1, "pageSize": 200})
    response = hostile.post(path, body, content_type="application/json", **auth)
    assert response.status_code < 500, response.content[:200]
    assert response["Content-Type"].startswith("application/json")


@pytest.mark.parametrize(
    "query",
    [
        "page=1e18",
        "page=9223372036854775808",
        "page=99999999999999999999999",
        "page=%C2%B9",
        "page=-1",
        "page_size=%C2%B9",
        "page_size=%D9%A3",  # ARABIC-INDIC DIGIT THREE: isdigit() but not a page size
        "page_size=1e3",
        "year=%C2%B9",
        "year=99999999999999999999",
        "year=%00",
    ],
)
def test_odd_numbers_in_query_strings_are_a_4xx(hostile, query):
    analyst = make_user(Role.ANALYST, None)
    auth = bearer(analyst, scope="procurement")
    paths = ["/api/v1/procurement/ocds/release-package/"]
    if not query.startswith("year"):  # the flag list takes no year
        paths.append("/api/v1/procurement/flags/")
    for path in paths:
        response = hostile.get(f"{path}?{query}", **auth)
        assert_documented_4xx(response)


@pytest.mark.parametrize("value", ["%00", "a%00b", "%00%00%00"])
def test_nul_in_the_red_flag_code_is_a_400(hostile, value):
    auth = bearer(make_user(Role.ANALYST, None), scope="procurement")
    response = hostile.get(f"/api/v1/procurement/flags/?code={value}", **auth)
    assert response.status_code == 400
    assert_documented_4xx(response)


def test_nul_in_any_query_string_is_refused_on_every_api_get(hostile, every_scope):
    schema = SchemaGenerator().get_schema(request=None, public=True)
    for path, item in schema["paths"].items():
        if "get" not in item or "{" in path:
            continue
        response = hostile.get(f"{path}?q=%00&search=%00", **every_scope)
        assert_documented_4xx(response)
