"""The notices batch and the protection deadline run in a real Celery worker process."""

import datetime as dt

import pytest
from django.core import mail

from cases.actions import case_route
from cases.models import Case, PendingNotice
from cases.tasks import notices_send_task
from lacs.models import AuditEvent, Role
from tests.conftest import make_user
from tests.factories import CategoryFactory
from whistleblowing.actions import protection_request_file, report_submit
from whistleblowing.models import ProtectionRequest
from whistleblowing.tasks import protection_deadlines_check_task


@pytest.mark.worker_env(LACS_NOTICE_SEND_PERCENT="100")
def test_notices_and_protection_deadlines_run_in_a_real_worker(celery_worker_process, entity):
    make_user(Role.CONTACT, entity)
    report, _receipt = report_submit(
        entity=entity, category=CategoryFactory(), answers=[], description="x", files=[]
    )
    case_route(case_id=report.case_id)
    case = Case.objects.get(pk=report.case_id)
    data_key = _data_key(report)
    protection_request_file(case=case, data_key=data_key, what="a", when="b", who="c")
    ProtectionRequest.objects.update(answer_by=dt.date(2020, 1, 1))
    assert protection_deadlines_check_task.delay().get(timeout=60) == {
        "reminded": 0,
        "breached": 1,
    }
    assert AuditEvent.objects.filter(action="whistleblowing.protection_breach").exists()
    assert PendingNotice.objects.exists()
    assert notices_send_task.delay().get(timeout=60) == 1
    assert not PendingNotice.objects.exists()
    assert mail.outbox == []  # sent by the worker's own mail backend, not this process's


def _data_key(report) -> bytes:
    """The case's data key, as its recipient unlocks it."""
    from cases.access import case_data_key
    from cases.models import CaseRecipient
    from lacs import keys
    from tests.factories import PASSWORD

    user = CaseRecipient.objects.filter(case_id=report.case_id).first().user
    private = keys.user_private_key(user=user, password=PASSWORD)
    return case_data_key(case=report.case, user=user, private_key=private)
