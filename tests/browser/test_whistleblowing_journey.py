"""A whistle-blower with JavaScript off files a report, writes down the receipt, comes back."""

import re

import pytest
from playwright.sync_api import expect

from lacs.models import Role
from tests.conftest import make_user
from tests.whistleblowing.factories import questionnaire

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_report_and_follow_up_with_javascript_off(nojs_page, entity, tmp_path):
    make_user(Role.CONTACT, entity)
    category, _questions = questionnaire()
    evidence = tmp_path / "evidencia.txt"
    evidence.write_text("Recibo sin folio del 2 de octubre.")
    external = []
    page = nojs_page
    page.on(
        "request",
        lambda r: external.append(r.url) if not r.url.startswith(page.base_url) else None,
    )

    page.goto(page.base_url + "/")
    page.get_by_role("link", name="Presentar una denuncia").click()
    expect(page.get_by_role("heading", name="Antes de empezar")).to_be_visible()
    page.select_option("#category", category.code)
    page.get_by_role("button", name="Continuar").click()

    # First try without a description: the error is clear and nothing typed is lost.
    page.select_option("#id_entity", label=f"{entity.name} ({entity.acronym})")
    page.get_by_label("¿Quién participó?").fill("Un inspector de ventanilla")
    page.get_by_label("¿Dónde ocurrió?").select_option("Oficina")
    page.get_by_label("No", exact=True).check()
    page.set_input_files("#id_files", str(evidence))
    page.get_by_role("button", name="Enviar denuncia").click()
    expect(page.get_by_role("alert")).to_be_visible()
    expect(page.get_by_label("¿Quién participó?")).to_have_value("Un inspector de ventanilla")
    expect(page.get_by_text("evidencia.txt")).to_be_visible()

    page.get_by_label("Describa lo que ocurrió").fill("Me pidieron dinero para un trámite.")
    page.get_by_role("button", name="Enviar denuncia").click()
    expect(page.locator("#receipt")).to_be_visible()
    receipt = page.locator("#receipt").inner_text().strip()
    assert len(receipt.split()) == 8

    page.get_by_role("link", name="Ir al seguimiento").click()
    page.get_by_label("Su comprobante").fill(receipt)
    page.get_by_role("button", name="Ver mi denuncia").click()
    expect(page.locator("#status")).to_contain_text("Recibimos su denuncia")
    expect(page.get_by_text("Me pidieron dinero para un trámite.")).to_be_visible()
    expect(page.get_by_text("evidencia.txt")).to_be_visible()

    page.get_by_label("Su mensaje").fill("Puedo aportar más datos.")
    page.get_by_role("button", name="Enviar", exact=True).click()
    expect(page.get_by_text("Su mensaje se envió.")).to_be_visible()
    expect(page.get_by_text("Puedo aportar más datos.")).to_be_visible()

    page.get_by_role("button", name="Salir del seguimiento").click()
    expect(page).to_have_url(re.compile(r"/report/followup/$"))
    assert external == []
