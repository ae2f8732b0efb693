"""A public servant acknowledges the ethics code and files a conflict-of-interest declaration."""

import pytest

from ethics.models import CodeAcknowledgement, Declaration, DeclarationStatus, MoralReminder
from lacs.models import Role
from tests.conftest import make_user
from tests.ethics.factories import CodeVersionFactory
from tests.factories import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_servant_acknowledges_the_code_and_files_a_declaration(page, entity):
    servant = make_user(Role.SERVANT, entity, username="sergio")
    CodeVersionFactory(title="Código de Ética CDMX")
    MoralReminder.objects.create(
        transaction="declaration_file", variant="A", text="Declarar con verdad protege su nombre."
    )
    page.goto(page.base_url + "/accounts/login/?next=/ethics/")
    page.get_by_label("Usuario").fill("sergio")
    page.get_by_label("Contraseña").fill(PASSWORD)
    page.get_by_role("button", name="Entrar").click()

    page.get_by_role("link", name="Leer y reconocer el código").click()
    assert page.get_by_role("heading", name="Código de Ética CDMX").is_visible()
    page.get_by_role("button", name="He leído y conozco el código de ética").click()
    assert page.get_by_text("Ya reconoció esta versión del código.").is_visible()
    assert CodeAcknowledgement.objects.filter(user=servant).count() == 1

    page.goto(page.base_url + "/ethics/declarations/")
    page.get_by_label("Tipo de declaración").select_option("INICIAL")
    assert page.get_by_text("Declarar con verdad protege su nombre.").is_visible()
    page.get_by_label("Leí el recordatorio").check()
    page.get_by_role("button", name="Comenzar").click()

    page.locator("#participacion").get_by_role("link", name="Agregar").click()
    page.get_by_label("Empresa, sociedad o asociación").fill("Constructora Azteca SA de CV")
    page.get_by_label("RFC de la empresa").fill("CAZ01010")
    page.get_by_label("Porcentaje de participación").fill("20")
    page.get_by_role("button", name="Guardar").click()
    assert page.get_by_text("El RFC no tiene un formato válido").is_visible()  # draft kept
    page.get_by_label("RFC de la empresa").fill("CAZ010101AB1")
    page.get_by_role("button", name="Guardar").click()
    assert page.get_by_text("Constructora Azteca SA de CV").is_visible()

    page.get_by_role("button", name="Presentar declaración").click()
    assert page.get_by_text("Declaración presentada.").is_visible()
    declaration = Declaration.objects.get(declarant=servant)
    assert declaration.status == DeclarationStatus.FILED
    item = declaration.interest["participacion"]["participacion"][0]
    assert item["tipoOperacion"] == "AGREGAR" and item["rfc"] == "CAZ010101AB1"
