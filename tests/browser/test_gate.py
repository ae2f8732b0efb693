"""The anonymous gate in a real browser: the script pays the proof of work; without it, a wait."""

import pytest
from playwright.sync_api import expect

from lacs.models import Role
from tests.conftest import make_user
from tests.factories import CategoryFactory
from whistleblowing.actions import report_submit

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def receipt(entity):
    make_user(Role.CONTACT, entity)
    category = CategoryFactory(code="puerta", name="Puerta")
    _report, receipt = report_submit(
        entity=entity, category=category, answers=[], description="Denuncia", files=[]
    )
    return receipt


def test_with_javascript_the_proof_of_work_opens_the_report_without_waiting(
    page, receipt, settings
):
    settings.WB_POW_DIFFICULTY = 12
    settings.WB_POW_WAIT_SECONDS = 600  # only a proof could get in now
    page.goto(page.base_url + "/report/followup/")
    page.get_by_label("Su comprobante").fill(receipt)
    page.get_by_role("button", name="Ver mi denuncia").click()
    expect(page.locator("#status")).to_contain_text("Recibimos su denuncia")


def test_without_javascript_the_page_asks_to_wait_and_keeps_the_receipt(
    nojs_page, receipt, settings
):
    settings.WB_POW_WAIT_SECONDS = 600
    page = nojs_page
    page.goto(page.base_url + "/report/followup/")
    page.get_by_label("Su comprobante").fill(receipt)
    page.get_by_role("button", name="Ver mi denuncia").click()
    expect(page.get_by_role("alert")).to_contain_text("espere")
    expect(page.get_by_label("Su comprobante")).to_have_value(receipt)
