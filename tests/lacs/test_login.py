import pytest
from django.test import Client
from django.urls import reverse
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from lacs import keys
from lacs.models import Role, UserKeyPair
from tests.conftest import make_user
from tests.factories import PASSWORD

pytestmark = pytest.mark.django_db


def _code(user) -> str:
    device = TOTPDevice.objects.get(user=user, confirmed=True)
    return f"{totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits):06d}"


def _login(client, username, password=PASSWORD, token=""):
    return client.post(
        reverse("login"), {"username": username, "password": password, "otp_token": token}
    )


def test_servant_signs_in_with_password_alone(client):
    servant = make_user(Role.SERVANT, None, username="sergio")
    response = _login(client, "sergio")
    assert response.status_code == 302
    assert client.get(reverse("home")).context["user"] == servant


def test_contact_point_without_code_is_refused(client, entity):
    make_user(Role.CONTACT, entity, username="carlos")
    response = _login(client, "carlos")
    assert response.status_code == 200
    assert "_auth_user_id" not in client.session


def test_contact_point_with_code_signs_in_verified_and_unlocks_key(client, entity):
    contact = make_user(Role.CONTACT, entity, username="carlos")
    response = _login(client, "carlos", token=_code(contact))
    assert response.status_code == 302
    request = client.get(reverse("home")).wsgi_request
    assert request.user.is_verified()
    private = keys.session_private_key(request)
    assert private is not None
    assert keys.user_private_key(user=contact, password=PASSWORD) == private


def test_role_needing_two_factor_without_device_must_enrol_first(client, entity):
    contact = make_user(Role.CONTACT, entity, username="nuevo")
    TOTPDevice.objects.filter(user=contact).delete()
    assert _login(client, "nuevo").status_code == 302
    response = client.get(reverse("staff_entities"))
    assert response.status_code == 302 and reverse("two_factor") in response.url
    page = client.get(reverse("two_factor"))
    assert "otpauth://" in page.context["otpauth"]
    device = TOTPDevice.objects.get(user=contact)
    code = f"{totp(device.bin_key):06d}"
    assert client.post(reverse("two_factor"), {"otp_token": code}).status_code == 302
    device.refresh_from_db()
    assert device.confirmed


def test_failed_logins_are_throttled_even_with_the_right_password_afterwards(client, settings):
    settings.LOGIN_FAILURE_LIMIT = 3
    make_user(Role.SERVANT, None, username="sergio")
    for _ in range(3):
        _login(client, "sergio", password="wrong-password")
    response = _login(client, "sergio")
    assert response.status_code == 200
    assert "Demasiados intentos" in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_password_change_rewraps_the_private_key(client, entity):
    contact = make_user(Role.CONTACT, entity, username="carlos")
    before = keys.user_private_key(user=contact, password=PASSWORD)
    _login(client, "carlos", token=_code(contact))
    new_password = "otra-clave-larga-y-segura-2026"
    response = client.post(
        reverse("password_change"),
        {
            "old_password": PASSWORD,
            "new_password1": new_password,
            "new_password2": new_password,
        },
    )
    assert response.status_code == 302
    assert keys.user_private_key(user=contact, password=new_password) == before


def test_first_login_creates_a_key_pair(client):
    servant = make_user(Role.SERVANT, None, username="sin-llaves", with_keys=False)
    _login(client, "sin-llaves")
    assert UserKeyPair.objects.filter(user=servant).exists()


def test_logout_forgets_the_session(client):
    make_user(Role.SERVANT, None, username="sergio")
    _login(client, "sergio")
    client.post(reverse("logout"))
    assert "_auth_user_id" not in Client().session


def test_demo_totp_prints_the_code_the_login_accepts(client, entity):
    from io import StringIO

    from django.core.management import call_command

    make_user(Role.CONTACT, entity, username="carlos")
    out = StringIO()
    call_command("demo_totp", "carlos", stdout=out)
    assert _login(client, "carlos", token=out.getvalue().strip()).status_code == 302
