"""Working days (días hábiles) and the holiday calendar admins maintain."""

import datetime as dt

import pytest
from django.urls import reverse

from cases.calendar import next_working_day, working_days_add
from cases.models import Holiday
from lacs.models import AuditEvent, Role
from tests.cases.factories import open_case
from tests.conftest import make_user, sign_in

FRIDAY = dt.date(2026, 12, 4)


@pytest.mark.django_db
def test_working_days_skip_weekends_and_holidays():
    assert working_days_add(FRIDAY, 1) == dt.date(2026, 12, 7)  # Monday
    assert working_days_add(FRIDAY, 5) == dt.date(2026, 12, 11)
    Holiday.objects.create(day=dt.date(2026, 12, 8), name="Prueba")
    assert working_days_add(FRIDAY, 5) == dt.date(2026, 12, 14)
    assert next_working_day(dt.date(2026, 12, 5)) == dt.date(2026, 12, 7)
    assert next_working_day(dt.date(2026, 12, 8)) == dt.date(2026, 12, 9)


@pytest.mark.django_db
def test_a_new_case_counts_its_acknowledgement_term_in_working_days(entity, settings):
    case, _key = open_case(entity)
    assert case.acknowledge_by == working_days_add(case.received_on, settings.ACKNOWLEDGE_DAYS)
    assert case.acknowledge_by.weekday() < 5 and case.feedback_by.weekday() < 5
    assert (case.acknowledge_by - case.received_on).days >= settings.ACKNOWLEDGE_DAYS


@pytest.mark.django_db
def test_admin_maintains_the_holiday_calendar_with_audited_actions(client):
    admin = make_user(Role.ADMIN)
    sign_in(client, admin)
    url = reverse("cases:holidays")
    client.post(url, {"day": "2026-12-12", "name": "Día de la Virgen de Guadalupe"})
    holiday = Holiday.objects.get()
    assert holiday.day == dt.date(2026, 12, 12)
    assert AuditEvent.objects.get(action="cases.holiday_add").actor == admin
    again = client.post(url, {"day": "2026-12-12", "name": "Otra vez"})
    assert "Ese día ya es inhábil." in again.content.decode()
    assert "Día de la Virgen de Guadalupe" in client.get(url).content.decode()
    client.post(reverse("cases:holiday_remove", args=[holiday.pk]))
    assert not Holiday.objects.exists()
    assert AuditEvent.objects.filter(action="cases.holiday_remove").count() == 1


@pytest.mark.django_db
def test_a_contact_point_cannot_change_the_holiday_calendar(client, entity):
    sign_in(client, make_user(Role.CONTACT, entity))
    response = client.post(reverse("cases:holidays"), {"day": "2026-12-12", "name": "X"})
    assert response.status_code == 403 and not Holiday.objects.exists()


@pytest.mark.django_db
def test_statutory_rest_days_are_added_once_and_audited():
    from django.core.management import call_command

    from cases.calendar import statutory_rest_days

    days = dict(statutory_rest_days(2027))
    assert dt.date(2027, 2, 1) in days  # first Monday of February
    assert dt.date(2027, 3, 15) in days  # third Monday of March
    assert dt.date(2027, 11, 15) in days  # third Monday of November
    assert dt.date(2030, 10, 1) in dict(statutory_rest_days(2030))
    call_command("holidays_statutory", "2027")
    call_command("holidays_statutory", "2027")
    assert Holiday.objects.count() == len(days)
    assert AuditEvent.objects.filter(action="cases.holidays_statutory_add").count() == 1
