"""Journeys of case work: assignment from the case page and the inbox, and the protection
track from the whistle-blower's request to the handler's first answer."""

import re

import pytest
from playwright.sync_api import expect

from cases import actions
from cases.access import cases_visible_to
from cases.models import Case, CaseStatus
from lacs.models import Role
from tests.browser.test_cases_journey import sign_in
from tests.cases.factories import open_case
from tests.conftest import make_user
from tests.factories import CategoryFactory
from whistleblowing.actions import report_submit
from whistleblowing.models import ProtectionRequest, ProtectionStatus

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_contact_point_assigns_a_case_and_the_investigator_opens_it(nojs_page, entity, browser):
    contact = make_user(Role.CONTACT, entity, username="carla")
    ana = make_user(Role.INVESTIGATOR, entity, username="ana")
    case, _key = open_case(entity)
    other, _key = open_case(entity)
    page = nojs_page
    sign_in(page, contact, "/cases/")

    # Bulk acknowledgement from the inbox, without JavaScript.
    page.get_by_label(f"Elegir el caso {other.number}").check()
    page.get_by_label("Acción").select_option("acknowledge")
    page.get_by_role("button", name="Aplicar").click()
    expect(page.get_by_role("status")).to_contain_text("Listo: 1 de 1 casos.")
    assert Case.objects.get(pk=other.pk).status == CaseStatus.ACKNOWLEDGED

    page.get_by_role("link", name=case.number).click()
    page.get_by_label("Asignar a").select_option(label=ana.get_full_name())
    page.get_by_role("button", name="Asignar caso").click()
    expect(page.get_by_role("status")).to_contain_text("Caso asignado a")
    assert Case.objects.get(pk=case.pk).assigned_to == ana

    page.goto(f"{page.base_url}/cases/workload/")
    row = page.get_by_role("row", name=re.compile(ana.get_full_name()))
    expect(row).to_contain_text("1")

    context = browser.new_context(locale="es-MX", java_script_enabled=False)
    investigator = context.new_page()
    investigator.base_url = page.base_url
    sign_in(investigator, ana, "/cases/")
    expect(investigator.get_by_role("link", name=case.number)).to_be_visible()
    investigator.get_by_role("link", name=case.number).click()
    expect(investigator.get_by_role("button", name="Guardar nota")).to_be_visible()  # keys open
    context.close()
    assert list(cases_visible_to(ana)) == [case]


def test_protection_request_reaches_the_inbox_and_its_first_answer_stops_the_clock(
    nojs_page, entity
):
    contact = make_user(Role.CONTACT, entity, username="carla")
    report, receipt = report_submit(
        entity=entity,
        category=CategoryFactory(),
        answers=[],
        description="Me pidieron dinero.",
        files=[],
    )
    actions.case_route(case_id=report.case_id)
    page = nojs_page
    page.goto(f"{page.base_url}/report/followup/")
    page.get_by_label("Su comprobante").fill(receipt)
    page.get_by_role("button", name="Ver mi denuncia").click()
    page.get_by_label("¿Qué represalia sufrió o teme sufrir?").fill("Me quitaron funciones")
    page.get_by_label("¿Cuándo ocurrió?").fill("Ayer")
    page.get_by_label("¿Quién la llevó o llevaría a cabo?").fill("Mi jefa")
    page.get_by_role("button", name="Pedir protección").click()
    page.get_by_role("button", name="Salir del seguimiento").click()
    request = ProtectionRequest.objects.get()
    assert request.answer_by is not None

    sign_in(page, contact, "/cases/")
    row = page.get_by_role("row", name=re.compile(report.case.number))
    expect(row).to_contain_text("Protección pendiente")
    expect(row).to_contain_text("Sin leer")
    page.get_by_role("link", name=report.case.number).click()
    expect(page.get_by_text("primera respuesta a más tardar")).to_be_visible()
    request_form = f"#id_p{request.pk}-status"
    page.locator(request_form).select_option(ProtectionStatus.REVIEW)
    page.get_by_label("Medidas o respuesta (la persona denunciante la verá)").fill(
        "Analizamos su solicitud."
    )
    page.get_by_role("button", name="Guardar", exact=True).click()
    expect(page.get_by_text("respondida el")).to_be_visible()
    page.goto(f"{page.base_url}/cases/")
    row = page.get_by_role("row", name=re.compile(report.case.number))
    expect(row).not_to_contain_text("Protección pendiente")
    expect(row).not_to_contain_text("Sin leer")
