"""A procurement analyst imports Mexico City's OCDS files and reads the indicators, no JavaScript."""

import pytest

from lacs.models import Role
from tests.conftest import make_user
from tests.factories import PASSWORD
from tests.fixtures import MEXICO_CITY_OCDS as MX

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_analyst_imports_files_and_reads_indicators(nojs_page):
    make_user(Role.ANALYST, None, username="alma")
    page = nojs_page
    page.goto(page.base_url + "/accounts/login/?next=/procurement/imports/")
    page.get_by_label("Usuario").fill("alma")
    page.get_by_label("Contraseña").fill(PASSWORD)
    page.get_by_role("button", name="Entrar").click()
    page.get_by_label("Archivos OCDS").set_input_files(
        [str(MX / "release-package-1.json"), str(MX / "release-package_encoding-iso-8859-1.json")]
    )
    page.get_by_role("button", name="Importar").click()
    assert "Importación #" in page.locator("h1").inner_text()
    page.wait_for_selector("text=Con errores")  # the page refreshes itself until the end
    assert page.locator("progress").get_attribute("value") == "100"
    assert "UTF-8" in page.locator(".errorlist").inner_text()
    page.get_by_role("link", name="Indicadores").click()
    assert page.get_by_role("heading", name="Excepciones legales citadas").is_visible()
    assert "Art. 54 fr. II BIS" in page.content()
