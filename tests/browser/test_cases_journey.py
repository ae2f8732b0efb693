"""A contact point signs in, finds the routed case in the inbox, acknowledges it, adds a note."""

import pytest
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from cases.models import Case, CaseStatus
from lacs.models import Role
from tests.cases.factories import open_case
from tests.conftest import make_user
from tests.factories import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_contact_point_triages_a_routed_case_without_javascript(nojs_page, entity):
    contact = make_user(Role.CONTACT, entity, username="carlos")
    case, _key = open_case(entity)  # committed: routing runs (eagerly) on commit
    page = nojs_page
    page.goto(page.base_url + "/accounts/login/?next=/cases/")
    page.get_by_label("Usuario").fill("carlos")
    page.get_by_label("Contraseña").fill(PASSWORD)
    device = TOTPDevice.objects.get(user=contact)
    page.get_by_label("Código de verificación", exact=False).fill(f"{totp(device.bin_key):06d}")
    page.get_by_role("button", name="Entrar").click()

    assert page.get_by_role("heading", name="Bandeja de casos").is_visible()
    page.get_by_role("link", name=case.number).click()
    page.locator("#id_transition-to").select_option(CaseStatus.ACKNOWLEDGED)
    page.get_by_role("button", name="Cambiar estado").click()
    assert "Estado actualizado" in page.get_by_role("status").inner_text()

    page.locator("#id_note-text").fill("Pedir expediente de licencias")
    page.get_by_role("button", name="Guardar nota").click()
    assert page.get_by_text("Pedir expediente de licencias").is_visible()
    assert Case.objects.get(pk=case.pk).status == CaseStatus.ACKNOWLEDGED
