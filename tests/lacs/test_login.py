import time

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


def test_failed_logins_slow_a_password_alone_even_the_right_one(client, settings):
    settings.LOGIN_FAILURE_LIMIT = 3
    make_user(Role.SERVANT, None, username="sergio")
    for _ in range(4):
        _login(client, "sergio", password="wrong-password")
    response = _login(client, "sergio")
    assert response.status_code == 200
    assert "Demasiados intentos" in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_nobody_can_lock_a_contact_point_out_from_the_same_address(entity, settings):
    """An attacker and the contact point share one address (a proxy): the attacker's failures
    slow a password alone, but the password with the TOTP code always signs in at once."""
    settings.LOGIN_FAILURE_LIMIT = 3
    settings.LOGIN_SOURCE_FAILURE_LIMIT = 5
    contact = make_user(Role.CONTACT, entity, username="carla")
    attacker = Client(REMOTE_ADDR="203.0.113.50")
    for _ in range(40):
        _login(attacker, "carla", password="adivinanza", token="123456")
    slowed = _login(attacker, "carla", password="adivinanza")
    assert "Demasiados intentos" in slowed.content.decode()
    owner = Client(REMOTE_ADDR="203.0.113.50")
    assert _login(owner, "carla", token=_code(contact)).status_code == 302


def test_without_a_second_factor_the_account_is_slowed_not_locked(settings):
    settings.LOGIN_FAILURE_LIMIT = 2
    settings.LOGIN_BACKOFF_MAX_SECONDS = 1
    make_user(Role.SERVANT, None, username="sergio")
    attacker = Client(REMOTE_ADDR="203.0.113.50")
    for _ in range(20):
        _login(attacker, "sergio", password="wrong-password")
    time.sleep(1.1)  # the back-off never grows past LOGIN_BACKOFF_MAX_SECONDS
    assert _login(Client(REMOTE_ADDR="203.0.113.50"), "sergio").status_code == 302


def test_a_flood_from_one_source_slows_other_accounts_but_the_second_factor_still_works(
    entity, settings
):
    settings.LOGIN_SOURCE_FAILURE_LIMIT = 5
    contact = make_user(Role.CONTACT, entity, username="carla")
    make_user(Role.SERVANT, None, username="sergio")
    shared = Client(REMOTE_ADDR="198.51.100.7")
    for n in range(6):
        _login(shared, f"nadie-{n}", password="x")
    # A servant with no second factor is slowed only after a failure of its own…
    assert _login(Client(REMOTE_ADDR="198.51.100.7"), "sergio").status_code == 302
    # …and the contact point signs in with the code whatever the source did.
    assert (
        _login(Client(REMOTE_ADDR="198.51.100.7"), "carla", token=_code(contact)).status_code == 302
    )


def test_admin_log_in_goes_through_the_same_throttled_page(client):
    response = client.get("/admin/login/?next=/admin/")
    assert response.status_code == 302
    assert response.url == f"{reverse('login')}?next=/admin/"


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
