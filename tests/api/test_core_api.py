"""OAuth2 tokens scoped by role, the error shape, page limits, and the entity endpoints."""

import pytest
from django.urls import reverse
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice
from oauth2_provider.models import Application

from lacs.audit import audit_verify
from lacs.models import ContactPoint, Entity, Role
from tests.conftest import make_user
from tests.factories import PASSWORD, EntityFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def application(db):
    owner = UserFactory(username="pdn-client-owner")
    return Application.objects.create(
        name="Plataforma Digital Nacional",
        user=owner,
        client_type=Application.CLIENT_CONFIDENTIAL,
        authorization_grant_type=Application.GRANT_PASSWORD,
        client_secret="s3cret-client",
        hash_client_secret=False,
    )


def _token(client, application, username, scope, otp=""):
    data = {
        "grant_type": "password",
        "username": username,
        "password": PASSWORD,
        "scope": scope,
        "client_id": application.client_id,
        "client_secret": "s3cret-client",
    }
    if otp:
        data["otp"] = otp
    return client.post("/oauth", data)


def _otp(user):
    return f"{totp(TOTPDevice.objects.get(user=user).bin_key):06d}"


def test_admin_token_with_code_manages_entities(client, application):
    admin = make_user(Role.ADMIN, None, username="ana")
    response = _token(client, application, "ana", "entities", otp=_otp(admin))
    assert response.status_code == 200, response.content
    bearer = {"HTTP_AUTHORIZATION": f"Bearer {response.json()['access_token']}"}
    created = client.post(
        "/api/v1/entities/",
        {"name": "Alcaldía Nueva", "kind": "alcaldia"},
        content_type="application/json",
        **bearer,
    )
    assert created.status_code == 201
    assert Entity.objects.filter(name="Alcaldía Nueva").exists()
    assert client.get("/api/v1/entities/?page_size=10", **bearer).json()["count"] >= 1
    assert audit_verify().ok


def test_password_grant_without_code_is_refused_for_two_factor_roles(client, application):
    make_user(Role.ADMIN, None, username="ana")
    response = _token(client, application, "ana", "entities")
    assert response.status_code in (400, 401)
    assert "access_token" not in response.json()


def test_a_scope_beyond_the_users_roles_is_refused(client, application):
    make_user(Role.SERVANT, EntityFactory(), username="sergio")
    response = _token(client, application, "sergio", "entities")
    assert response.status_code in (400, 401)
    assert response.json().get("error") == "invalid_scope"


def test_a_token_without_the_scope_gets_a_403_in_the_error_shape(client, application):
    admin = make_user(Role.ADMIN, None, username="ana")
    token = _token(client, application, "ana", "dashboards", otp=_otp(admin)).json()["access_token"]
    response = client.get("/api/v1/entities/", HTTP_AUTHORIZATION=f"Bearer {token}")
    assert response.status_code == 403
    assert set(response.json()) >= {"code", "message"}


def test_bad_token_is_401_with_a_machine_readable_error(client):
    response = client.get("/api/v1/entities/", HTTP_AUTHORIZATION="Bearer not-a-token")
    assert response.status_code == 401
    assert response.json()["code"] in ("authentication_failed", "not_authenticated")


@pytest.mark.parametrize("size", ["0", "201", "abc", "-3"])
def test_oversized_or_malformed_page_size_is_400(client_for, size):
    response = client_for("admin").get(f"/api/v1/entities/?page_size={size}")
    assert response.status_code == 400
    assert response.json()["code"] == "invalid"


@pytest.mark.parametrize(
    "body",
    [
        {"name": "X", "kind": "alcaldia", "colour": "red"},
        {"name": "X", "kind": "planet"},
        {"name": 12, "kind": "alcaldia", "parent": "arriba"},
        ["not", "an", "object"],
    ],
)
def test_bad_entity_input_is_400_and_changes_nothing(client_for, body):
    before = Entity.objects.count()
    response = client_for("admin").post("/api/v1/entities/", body, content_type="application/json")
    assert response.status_code == 400
    assert {"code", "message"} <= set(response.json())
    assert Entity.objects.count() == before


def test_second_primary_over_the_api_is_refused_like_on_the_page(client_for, entity):
    # the matrix fixture already appointed a primary for ``entity``
    newcomer = UserFactory()
    response = client_for("admin").post(
        reverse("api-entity-contact-points", args=[entity.pk]),
        {"user": newcomer.pk, "kind": "primary", "start": "2025-01-01"},
        content_type="application/json",
    )
    assert response.status_code == 400
    assert not ContactPoint.objects.filter(user=newcomer).exists()


def test_schema_and_docs_are_served_without_third_party_assets(client):
    schema = client.get("/api/schema/")
    assert schema.status_code == 200 and b"openapi" in schema.content
    docs = client.get("/api/docs/").content.decode()
    assert "cdn" not in docs.lower() and "https://" not in docs
