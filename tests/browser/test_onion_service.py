"""Through the onion service, JavaScript off (Tor Browser "Safest"): a whistle-blower files a
report and follows it up over plain HTTP under the .onion host, the server running with the
settings docker-compose.yml gives ``web-onion`` (production profile)."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from lacs import crypto
from lacs.models import Role
from tests.browser.chromium import find
from tests.conftest import make_user
from tests.test_compose import ONION, run_as, stop
from tests.whistleblowing.factories import questionnaire

pytestmark = [pytest.mark.browser, pytest.mark.services, pytest.mark.django_db(transaction=True)]
HOST = ONION.removeprefix("http://")

WAIT_SECONDS = 3


@pytest.fixture
def onion_site(tmp_path, transactional_db):
    _private, public = crypto.new_keypair()
    process, port = run_as(
        "web-onion",
        tmp_path,
        static=True,
        # Without JavaScript a post is admitted once its challenge is this old (20 s in
        # production): short here, but the journey still meets the wait and posts again.
        env_extra={"LACS_WB_POW_WAIT_SECONDS": str(WAIT_SECONDS)},
        LACS_INTAKE_PUBLIC_KEY=crypto.b64e(public),
    )
    yield port
    stop(process)


def test_report_and_follow_up_through_the_onion_service_with_javascript_off(
    browser, onion_site, entity
):
    make_user(Role.CONTACT, entity)
    category, _questions = questionnaire()
    # Tor Browser reaches the onion through Tor; here its name resolves to the onion web service.
    # Tor Browser treats .onion origins as secure contexts (it sends Sec-Fetch-Site there, which
    # the intake's no-referrer forms rely on); Chromium does so when told.
    tor_browser = browser.browser_type.launch(
        executable_path=find(),
        args=[
            "--no-sandbox",
            f"--host-resolver-rules=MAP {HOST} 127.0.0.1:{onion_site}",
            f"--unsafely-treat-insecure-origin-as-secure={ONION}",
        ],
    )
    try:
        context = tor_browser.new_context(locale="en-US", java_script_enabled=False)
        context.set_default_timeout(30_000)
        page = context.new_page()
        response = page.goto(f"{ONION}/report/")
        assert response.status == 200 and page.url.startswith(ONION)  # no redirect to HTTPS
        assert "Strict-Transport-Security" not in response.headers
        assert "onion-location" not in response.headers

        page.select_option("#category", category.code)
        page.get_by_role("button", name="Continuar").click()
        page.select_option("#id_entity", label=f"{entity.name} ({entity.acronym})")
        page.get_by_label("¿Quién participó?").fill("Un inspector de ventanilla")
        page.get_by_label("¿Dónde ocurrió?").select_option("Oficina")
        page.get_by_label("No", exact=True).check()
        page.get_by_label("Describa lo que ocurrió").fill("Me pidieron dinero para un trámite.")
        page.get_by_role("button", name="Enviar denuncia").click()
        if not page.locator("#receipt").count():  # posted before the wait was over
            expect(page.get_by_role("alert")).to_contain_text("espere")
            page.wait_for_timeout((WAIT_SECONDS + 1) * 1000)
            page.get_by_role("button", name="Enviar denuncia").click()
        expect(page.locator("#receipt")).to_be_visible()
        receipt = page.locator("#receipt").inner_text().strip()
        assert len(receipt.split()) == 8

        page.get_by_role("link", name="Ir al seguimiento").click()
        page.get_by_label("Su comprobante").fill(receipt)
        page.get_by_role("button", name="Ver mi denuncia").click()
        if not page.locator("#status").count():  # the follow-up meets the same wait
            expect(page.get_by_role("alert")).to_contain_text("espere")
            page.wait_for_timeout((WAIT_SECONDS + 1) * 1000)
            page.get_by_role("button", name="Ver mi denuncia").click()
        expect(page.locator("#status")).to_contain_text("Recibimos su denuncia")
        expect(page.get_by_text("Me pidieron dinero para un trámite.")).to_be_visible()
        assert page.url.startswith(ONION)
    finally:
        tor_browser.close()
