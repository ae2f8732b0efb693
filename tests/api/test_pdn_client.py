"""A PDN client's whole journey: a token by the password grant at /oauth, then every interface."""

import json

import pytest
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice
from oauth2_provider.models import Application

from lacs.models import Role
from tests.conftest import make_user
from tests.factories import PASSWORD, UserFactory

pytestmark = pytest.mark.django_db

SEARCHES = ["/v2/declaraciones", "/v1/spic", "/v1/ssancionados", "/v1/psancionados"]
LISTS = ["/v1/spic/dependencias", "/v1/ssancionados/dependencias", "/v1/psancionados/dependencias"]


@pytest.fixture
def pdn_application(db):
    return Application.objects.create(
        name="Plataforma Digital Nacional",
        user=UserFactory(username="pdn-owner"),
        client_type=Application.CLIENT_CONFIDENTIAL,
        authorization_grant_type=Application.GRANT_PASSWORD,
        client_secret="pdn-secret",
        hash_client_secret=False,
    )


def _token(client, application, user, scope="pdn") -> dict:
    data = {
        "grant_type": "password",
        "username": user.username,
        "password": PASSWORD,
        "scope": scope,
        "client_id": application.client_id,
        "client_secret": "pdn-secret",
    }
    device = TOTPDevice.objects.filter(user=user, confirmed=True).first()
    if device is not None:
        data["otp"] = f"{totp(device.bin_key):06d}"
    return client.post("/oauth", data)


@pytest.mark.parametrize("role", [Role.CPC, Role.SERVANT])
def test_a_pdn_client_gets_a_token_and_queries_every_interface(
    client, pdn_application, entity, role
):
    user = make_user(role, entity)
    response = _token(client, pdn_application, user)
    assert response.status_code == 200, response.content
    grant = response.json()
    assert grant["scope"] == "pdn" and grant["token_type"] == "Bearer"
    auth = {"HTTP_AUTHORIZATION": f"Bearer {grant['access_token']}"}
    for path in SEARCHES:
        answer = client.post(
            path, json.dumps({"page": 1, "pageSize": 5}), content_type="application/json", **auth
        )
        assert answer.status_code == 200, (path, answer.content)
        assert set(answer.json()) == {"pagination", "results"}
    for path in LISTS:
        answer = client.get(path, **auth)
        assert answer.status_code == 200 and isinstance(answer.json(), list)


def test_a_two_factor_role_without_its_code_gets_no_token(client, pdn_application):
    admin = make_user(Role.ADMIN, None)
    TOTPDevice.objects.filter(user=admin).update(confirmed=True)
    response = client.post(
        "/oauth",
        {
            "grant_type": "password",
            "username": admin.username,
            "password": PASSWORD,
            "scope": "pdn",
            "client_id": pdn_application.client_id,
            "client_secret": "pdn-secret",
        },
    )
    assert response.status_code in (400, 401) and "access_token" not in response.json()


def test_an_expired_or_unknown_token_is_401(client):
    response = client.post(
        "/v1/ssancionados", "{}", content_type="application/json", HTTP_AUTHORIZATION="Bearer nope"
    )
    assert response.status_code == 401 and set(response.json()) >= {"code", "message"}
