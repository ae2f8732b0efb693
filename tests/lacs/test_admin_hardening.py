"""An administrator cannot take a contact point's reports through the admin site.

The attack: reset the password in /admin/ (unaudited), read the TOTP secret in django-otp's
admin, sign in as the contact point. And the admin site itself must ask for the code.
"""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import reverse
from django_otp.plugins.otp_totp.models import TOTPDevice

from lacs import actions
from lacs.models import AuditEvent, ContactPoint, Role, RoleAssignment
from tests.conftest import make_user
from tests.factories import PASSWORD

pytestmark = pytest.mark.django_db


def test_the_admin_log_in_page_does_not_sign_in_with_the_password_alone(entity):
    admin_user = make_user(Role.ADMIN)
    client = Client()
    response = client.post("/admin/login/", {"username": admin_user.username, "password": PASSWORD})
    assert response.status_code == 302
    assert "_auth_user_id" not in client.session
    assert client.get("/admin/").status_code == 302


def test_a_staff_session_without_the_code_does_not_reach_the_admin(entity):
    admin_user = make_user(Role.ADMIN)
    client = Client()
    client.force_login(admin_user)  # password only: no TOTP device verified in this session
    response = client.get("/admin/lacs/entity/")
    assert response.status_code == 302
    assert "/admin/lacs/entity/" not in response["Location"].split("?")[0]


def test_no_page_of_the_admin_shows_a_totp_secret(client_for, matrix_users):
    device = TOTPDevice.objects.get(user=matrix_users["contact"])
    admin = client_for("admin")
    pages = [
        reverse("admin:otp_totp_totpdevice_changelist"),
        reverse("admin:otp_totp_totpdevice_change", args=[device.pk]),
    ]
    for page in pages:
        response = admin.get(page)
        assert response.status_code == 200
        assert device.key not in response.content.decode()
    for suffix in ("config/", "qrcode/"):
        url = f"/admin/otp_totp/totpdevice/{device.pk}/{suffix}"
        assert device.key not in admin.get(url).content.decode()


def test_a_password_reset_in_the_admin_is_audited_and_keeps_the_totp_device(
    client_for, matrix_users
):
    contact = matrix_users["contact"]
    response = client_for("admin").post(
        reverse("admin:auth_user_password_change", args=[contact.pk]),
        {"password1": "una-contraseña-nueva-larga", "password2": "una-contraseña-nueva-larga"},
    )
    assert response.status_code == 302
    contact.refresh_from_db()
    assert contact.check_password("una-contraseña-nueva-larga")
    event = AuditEvent.objects.get(action="user.password_reset")
    assert event.actor == matrix_users["admin"]
    assert event.object_id == str(contact.pk)
    assert TOTPDevice.objects.filter(user=contact, confirmed=True).exists()
    # the password alone does not sign them in: the code is still asked for
    thief = Client()
    thief.post(
        reverse("login"), {"username": contact.username, "password": "una-contraseña-nueva-larga"}
    )
    assert "_auth_user_id" not in thief.session


def test_an_administrator_cannot_be_appointed_contact_point(matrix_users, entity):
    other_admin = make_user(Role.ADMIN)
    with pytest.raises(ValidationError, match="administra la plataforma"):
        actions.contact_point_appoint(
            actor=matrix_users["admin"],
            entity=entity,
            user=other_admin,
            kind="alternate",
            start=dt.date(2026, 1, 1),
            proposed_by=matrix_users["admin"],
        )
    assert not ContactPoint.objects.filter(user=other_admin).exists()


@pytest.mark.parametrize("role", [Role.INVESTIGATOR, Role.CUSTODIAN])
def test_an_administrator_cannot_be_investigator_or_custodian(matrix_users, entity, role):
    other_admin = make_user(Role.ADMIN)
    with pytest.raises(ValidationError, match="administra la plataforma"):
        actions.role_assign(
            actor=matrix_users["admin"],
            user=other_admin,
            role=role,
            entity=entity,
            proposed_by=matrix_users["admin"],
        )
    assert not RoleAssignment.objects.filter(user=other_admin, role=role).exists()


def test_the_staff_page_refuses_to_propose_an_administrator_as_contact_point(client_for, entity):
    other_admin = make_user(Role.ADMIN)
    response = client_for("admin").post(
        reverse("staff_entity_contact", args=[entity.pk]),
        {"user": other_admin.pk, "kind": "alternate", "start": "2026-01-01"},
    )
    assert response.status_code == 200
    assert "administra la plataforma" in response.content.decode()


def test_nobody_is_made_staff_or_superuser_with_a_tick_in_the_admin(client_for, matrix_users):
    contact = matrix_users["contact"]
    client_for("admin").post(
        reverse("admin:auth_user_change", args=[contact.pk]),
        {"username": contact.username, "is_active": "on", "is_staff": "on", "is_superuser": "on"},
    )
    contact.refresh_from_db()
    assert not contact.is_superuser and not contact.is_staff


def test_a_contact_point_cannot_be_given_the_admin_role(matrix_users):
    with pytest.raises(ValidationError, match="no puede administrar"):
        actions.role_assign(
            actor=matrix_users["admin"],
            user=matrix_users["contact"],
            role=Role.ADMIN,
            proposed_by=make_user(Role.ADMIN),
        )
    assert not RoleAssignment.objects.filter(user=matrix_users["contact"], role=Role.ADMIN).exists()


def test_an_oauth_client_made_in_the_admin_is_audited_and_tokens_are_not_shown(
    client_for, matrix_users
):
    from oauth2_provider.models import get_application_model

    admin = client_for("admin")
    page = admin.get(reverse("admin:oauth2_provider_application_add"))
    assert page.status_code == 200
    form = page.context["adminform"].form
    data = {
        name: "" if value is None or callable(value) else value
        for name, value in form.initial.items()
    }
    data.update(
        {
            "name": "PDN",
            "client_id": "cliente-pdn",
            "client_secret": "secreto-del-cliente-pdn-largo",
            "user": matrix_users["admin"].pk,
            "client_type": "confidential",
            "authorization_grant_type": "password",
            "algorithm": "",
        }
    )
    data = {k: v for k, v in data.items() if not isinstance(v, bool) or v}
    response = admin.post(reverse("admin:oauth2_provider_application_add"), data)
    assert response.status_code == 302, response.context["adminform"].form.errors
    assert get_application_model().objects.filter(name="PDN").exists()
    assert AuditEvent.objects.filter(action="oauth2_provider.application.create").exists()
    assert admin.get("/admin/oauth2_provider/accesstoken/").status_code == 404
