"""With JavaScript off, a committee member imports ENCIG figures (a bad file first) and adds a
work-plan action; the monitoring page shows it next to its target."""

import datetime as dt

import pytest
from django.utils import timezone

from lacs.models import Role
from oversight.models import EncigValue, Goal, PriorityArea, WorkPlan
from tests.conftest import make_user
from tests.factories import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

BAD = b"year,indicator,procedure,value,ci_low,ci_high\n2023,perception,,muy alta,1,2\n"
GOOD = b"year,indicator,procedure,value,ci_low,ci_high\n2023,perception,,90.4,89.1,91.7\n"


def test_committee_member_imports_encig_and_plans_an_action_without_javascript(
    nojs_page, entity, tmp_path
):
    page = nojs_page
    make_user(Role.COMMITTEE, username="cecilia")
    area = PriorityArea.objects.create(name="Contrataciones públicas")
    Goal.objects.create(
        plan=WorkPlan.objects.create(year=timezone.localdate().year),
        area=area,
        name="Más licitaciones públicas",
    )
    page.goto(page.base_url + "/accounts/login/?next=/dashboards/committee/encig/")
    page.get_by_label("Usuario").fill("cecilia")
    page.get_by_label("Contraseña").fill(PASSWORD)
    page.get_by_role("button", name="Entrar").click()

    page.set_input_files(
        "input[type=file]", files=[{"name": "encig.csv", "mimeType": "text/csv", "buffer": BAD}]
    )
    page.get_by_role("button", name="Importar").click()
    assert "Línea 2: «muy alta» en value no es un número" in page.get_by_role("alert").inner_text()
    assert not EncigValue.objects.exists()
    page.set_input_files(
        "input[type=file]", files=[{"name": "encig.csv", "mimeType": "text/csv", "buffer": GOOD}]
    )
    page.get_by_role("button", name="Importar").click()
    assert page.get_by_role("cell", name="90.40").is_visible()

    page.goto(page.base_url + "/dashboards/plan/")
    page.select_option("#id_action-goal", index=1)
    page.fill("#id_action-name", "Reducir la adjudicación directa")
    page.select_option("#id_action-entity", str(entity.pk))
    page.fill("#id_action-indicator", "Adjudicación directa (% del valor)")
    page.fill("#id_action-baseline", "66")
    page.fill("#id_action-target", "40")
    due = timezone.localdate() + dt.timedelta(days=120)
    page.fill("#id_action-due", due.isoformat())
    page.get_by_role("button", name="Agregar acción").click()
    assert page.get_by_role("link", name="Reducir la adjudicación directa").is_visible()
    assert page.get_by_text("Gris: sin avance reportado").is_visible()
    page.goto(page.base_url + "/dashboards/monitoring/")
    assert page.locator("svg polyline, svg line").count() >= 2
    page.screenshot(path=str(tmp_path / "monitoring.png"), full_page=True)
