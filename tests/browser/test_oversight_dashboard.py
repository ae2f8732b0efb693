"""A CPC member signs in, opens the dashboard, filters it, and reads a figure (screenshot saved)."""

import pytest

from lacs.models import Role
from oversight import actions
from tests.conftest import make_user
from tests.factories import PASSWORD, CategoryFactory, EntityFactory
from tests.oversight.factories import make_cases

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_cpc_member_reads_the_dashboard_and_a_filter_suppresses_a_small_figure(
    page, entity, other_entity, tmp_path
):
    make_user(Role.CPC, username="citlali")
    category = CategoryFactory(name="Cohecho")
    make_cases(7, entity=entity, category=category)
    make_cases(2, entity=other_entity, category=category)
    make_cases(6, entity=EntityFactory(), category=CategoryFactory(name="Peculado"))
    actions.figures_refresh()

    page.goto(page.base_url + "/accounts/login/?next=/dashboards/")
    page.get_by_label("Usuario").fill("citlali")
    page.get_by_label("Contraseña").fill(PASSWORD)
    page.get_by_role("button", name="Entrar").click()
    assert page.get_by_role(
        "heading", name="Tablero del Comité de Participación Ciudadana"
    ).is_visible()
    row = page.locator("#cases_entity tbody tr", has_text=entity.name)
    assert row.locator("td").inner_text() == "7"
    assert page.locator("#cases_entity svg rect").count() >= 1
    page.screenshot(path=str(tmp_path / "dashboard.png"), full_page=True)
    assert (tmp_path / "dashboard.png").stat().st_size > 10_000

    page.select_option("#id_entity", str(other_entity.pk))
    page.get_by_role("button", name="Filtrar").click()
    cell = page.locator("#cases_category tbody tr", has_text="Cohecho").locator("td")
    assert cell.inner_text() == "<5"
    page.screenshot(path=str(tmp_path / "dashboard-filtered.png"), full_page=True)
