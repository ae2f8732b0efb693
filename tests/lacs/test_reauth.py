import pytest
from django.urls import reverse
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from lacs.access import REAUTH_SESSION_KEY
from lacs.models import RoleAssignment
from tests.factories import PASSWORD, UserFactory

pytestmark = pytest.mark.django_db


def _age_confirmation(client, seconds):
    session = client.session
    session[REAUTH_SESSION_KEY] -= seconds
    session.save()


def test_sensitive_page_asks_again_after_the_confirmation_window(
    client_for, matrix_users, settings
):
    admin = client_for("admin")
    _age_confirmation(admin, settings.REAUTH_SECONDS + 1)
    target = reverse("staff_roles")
    response = admin.post(target, {"user": UserFactory().pk, "role": "cpc", "start": "2026-01-01"})
    assert response.status_code == 302 and response.url.startswith(reverse("confirm_identity"))
    assert not RoleAssignment.objects.filter(role="cpc", start="2026-01-01").exists()

    device = TOTPDevice.objects.get(user=matrix_users["admin"])
    confirmed = admin.post(
        reverse("confirm_identity"),
        {
            "password": PASSWORD,
            "otp_token": f"{totp(device.bin_key):06d}",
            "next": target,
        },
    )
    assert confirmed.status_code == 302 and confirmed.url == target
    assert admin.get(target).status_code == 200


def test_wrong_password_does_not_confirm(client_for, settings):
    admin = client_for("admin")
    _age_confirmation(admin, settings.REAUTH_SECONDS + 1)
    response = admin.post(reverse("confirm_identity"), {"password": "wrong", "otp_token": "000000"})
    assert response.status_code == 200
    assert "no son correctos" in response.content.decode()
    assert admin.get(reverse("staff_roles")).status_code == 302


def test_activity_extends_the_session_and_inactivity_ends_it(client_for, settings):
    import datetime as dt

    from django.contrib.sessions.models import Session
    from django.utils import timezone

    admin = client_for("admin")
    key = admin.session.session_key
    soon = timezone.now() + dt.timedelta(seconds=30)
    Session.objects.filter(session_key=key).update(expire_date=soon)
    assert admin.get(reverse("staff_roles")).status_code == 200
    extended = Session.objects.get(session_key=key).expire_date
    assert extended > soon + dt.timedelta(seconds=settings.SESSION_COOKIE_AGE - 120)

    Session.objects.filter(session_key=admin.session.session_key).update(
        expire_date=timezone.now() - dt.timedelta(seconds=1)
    )
    response = admin.get(reverse("staff_roles"))
    assert response.status_code == 302 and response.url.startswith(reverse("login"))


def test_a_signed_in_staff_member_without_a_code_can_still_report_anonymously(client, entity):
    from lacs.models import Role
    from tests.conftest import make_user

    contact = make_user(Role.CONTACT, entity, username="sin-codigo")
    client.force_login(contact)  # signed in, TOTP not verified
    assert client.get("/report/").status_code == 200
    assert client.get("/report/followup/").status_code == 200
    assert client.get("/cases/").status_code == 302  # everything else waits for the code
