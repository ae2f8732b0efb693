"""A contact point signs in with password and TOTP, switches to English and back."""

import pytest
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from lacs.models import Role
from tests.conftest import make_user
from tests.factories import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_contact_point_signs_in_with_totp_and_switches_language(page, entity):
    contact = make_user(Role.CONTACT, entity, username="carlos")
    device = TOTPDevice.objects.get(user=contact)
    page.goto(page.base_url + "/accounts/login/")
    assert page.locator("html").get_attribute("lang") == "es-mx"
    page.get_by_label("Usuario").fill("carlos")
    page.get_by_label("Contraseña").fill(PASSWORD)
    page.get_by_label("Código de verificación", exact=False).fill(f"{totp(device.bin_key):06d}")
    page.get_by_role("button", name="Entrar").click()
    assert page.get_by_role("button", name="Salir").is_visible()
    page.select_option("#lang-select", "en")
    page.get_by_role("button", name="Cambiar").click()
    assert page.locator("html").get_attribute("lang") == "en"
    assert page.get_by_role("button", name="Sign out").is_visible()


def test_wrong_code_keeps_the_user_out_with_a_clear_message(page, entity):
    make_user(Role.CONTACT, entity, username="carlos")
    page.goto(page.base_url + "/accounts/login/")
    page.get_by_label("Usuario").fill("carlos")
    page.get_by_label("Contraseña").fill(PASSWORD)
    page.get_by_label("Código de verificación", exact=False).fill("000000")
    page.get_by_role("button", name="Entrar").click()
    assert (
        page.get_by_role("alert")
        .inner_text()
        .startswith("Usuario, contraseña o código incorrectos")
    )


def test_admin_page_works_without_javascript(nojs_page, entity):
    admin = make_user(Role.ADMIN, None, username="ana")
    device = TOTPDevice.objects.get(user=admin)
    page = nojs_page
    page.goto(page.base_url + "/accounts/login/?next=/staff/entities/")
    page.get_by_label("Usuario").fill("ana")
    page.get_by_label("Contraseña").fill(PASSWORD)
    page.get_by_label("Código de verificación", exact=False).fill(f"{totp(device.bin_key):06d}")
    page.get_by_role("button", name="Entrar").click()
    assert page.get_by_role("heading", name="Entes públicos").is_visible()
    assert page.get_by_role("link", name=entity.name).is_visible()
