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


def sign_in(page, user, then: str) -> None:
    """The log-in form with the password and a current TOTP code, as a person fills it."""
    page.goto(f"{page.base_url}/accounts/login/?next={then}")
    page.get_by_label("Usuario").fill(user.username)
    page.get_by_label("Contraseña").fill(PASSWORD)
    device = TOTPDevice.objects.get(user=user)
    page.get_by_label("Código de verificación", exact=False).fill(f"{totp(device.bin_key):06d}")
    page.get_by_role("button", name="Entrar").click()


def test_contact_point_triages_a_routed_case_without_javascript(nojs_page, entity):
    contact = make_user(Role.CONTACT, entity, username="carlos")
    case, _key = open_case(entity)  # committed: routing runs (eagerly) on commit
    page = nojs_page
    sign_in(page, contact, "/cases/")

    assert page.get_by_role("heading", name="Bandeja de casos").is_visible()
    page.get_by_role("link", name=case.number).click()
    page.locator("#id_transition-to").select_option(CaseStatus.ACKNOWLEDGED)
    page.get_by_role("button", name="Cambiar estado").click()
    assert "Estado actualizado" in page.get_by_role("status").inner_text()

    page.locator("#id_note-text").fill("Pedir expediente de licencias")
    page.get_by_role("button", name="Guardar nota").click()
    assert page.get_by_text("Pedir expediente de licencias").is_visible()
    assert Case.objects.get(pk=case.pk).status == CaseStatus.ACKNOWLEDGED


def test_admin_hands_waiting_keys_over_with_the_escrow_key(nojs_page, entity):
    import datetime as dt

    from cases import actions
    from cases.access import case_data_key
    from cases.models import CaseRecipient, RecipientState
    from lacs import crypto, keys
    from lacs.models import ContactPointKind, Entity
    from tests.factories import ContactPointFactory

    private, public = crypto.new_keypair()
    Entity.objects.filter(pk=entity.pk).update(escrow_public_key=crypto.b64e(public))
    entity.refresh_from_db()
    make_user(Role.CONTACT, entity)
    case, data_key = open_case(entity)
    backup = make_user(Role.SERVANT, entity, username="suplente")
    ContactPointFactory(user=backup, entity=entity, kind=ContactPointKind.ALTERNATE)
    Case.objects.filter(pk=case.pk).update(acknowledge_by=dt.date(2020, 1, 1))
    actions.deadlines_check()  # the primary let the deadline pass: the alternate waits for keys
    assert CaseRecipient.objects.get(case=case, user=backup).state == RecipientState.PENDING_KEY

    admin = make_user(Role.ADMIN, username="ana")
    page = nojs_page
    sign_in(page, admin, "/cases/recovery/")

    assert page.get_by_role("heading", name="Recuperación de llaves").is_visible()
    assert page.get_by_role("cell", name=case.number).is_visible()
    page.get_by_label("Ente").select_option(str(entity.pk))
    page.get_by_label("Llave privada de recuperación").fill(crypto.b64e(private))
    page.get_by_role("button", name="Entregar llaves").click()
    assert "Llaves entregadas a 1 personas en 1 casos" in page.get_by_role("status").inner_text()
    assert page.get_by_text("Nadie espera llaves.").is_visible()
    fresh = keys.user_private_key(user=backup, password=PASSWORD)
    assert case_data_key(case=case, user=backup, private_key=fresh) == data_key
