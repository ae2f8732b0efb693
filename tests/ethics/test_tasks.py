import datetime as dt

import pytest
from django.core import mail
from django.utils import timezone

from ethics.models import DeadlineNotice
from ethics.tasks import declaration_deadlines_notify_task
from tests.ethics.factories import DeclarationFactory, ServantAppointmentFactory


@pytest.mark.django_db
def test_deadline_reminders_are_sent_once_per_stage(django_capture_on_commit_callbacks):
    today = timezone.localdate()
    due_soon = ServantAppointmentFactory(start=today - dt.timedelta(days=50))
    overdue = ServantAppointmentFactory(start=today - dt.timedelta(days=70))
    on_time = ServantAppointmentFactory(start=today - dt.timedelta(days=50))
    DeclarationFactory(appointment=on_time)
    with django_capture_on_commit_callbacks(execute=True):
        assert declaration_deadlines_notify_task.delay().get() == 2
    with django_capture_on_commit_callbacks(execute=True):
        assert declaration_deadlines_notify_task.delay().get() == 0
    assert {(n.appointment_id, n.stage) for n in DeadlineNotice.objects.all()} == {
        (due_soon.pk, "due_soon"),
        (overdue.pk, "overdue"),
    }
    assert sorted(m.to[0] for m in mail.outbox) == sorted([due_soon.user.email, overdue.user.email])
    assert all("Constructora" not in m.body for m in mail.outbox)


@pytest.mark.services
def test_deadline_reminders_run_in_a_real_worker(celery_worker_process):
    today = timezone.localdate()
    appointment = ServantAppointmentFactory(start=today - dt.timedelta(days=70))
    result = declaration_deadlines_notify_task.delay()
    assert result.get(timeout=60) == 1
    assert DeadlineNotice.objects.filter(appointment=appointment, stage="overdue").exists()
