"""A report filed through the page is routed by a real Celery worker to the contact point."""

import time

import pytest
from django.test import Client

from cases.access import case_data_key
from cases.models import Case
from lacs import keys
from lacs.models import Role
from tests.conftest import make_user
from tests.factories import PASSWORD
from tests.whistleblowing.factories import questionnaire, receipt_of, submit
from whistleblowing.sealing import open_text

pytestmark = [pytest.mark.services, pytest.mark.django_db(transaction=True)]


def test_a_filed_report_is_routed_by_a_real_worker_and_readable_by_its_contact_point(
    celery_worker_process, entity
):
    contact = make_user(Role.CONTACT, entity)
    category, questions = questionnaire()
    receipt_of(submit(Client(), category, entity, questions))
    case = Case.objects.get()
    deadline = time.monotonic() + 60
    while case.routed_at is None and time.monotonic() < deadline:
        time.sleep(0.5)
        case.refresh_from_db()
    assert case.routed_at is not None, "the worker did not route the report"
    private = keys.user_private_key(user=contact, password=PASSWORD)
    data_key = case_data_key(case=case, user=contact, private_key=private)
    description = open_text(data_key, case.report.description, case, "description")
    assert description == "Me pidieron dinero para agilizar un trámite."
