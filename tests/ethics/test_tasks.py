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


@pytest.mark.django_db
def test_overdue_advice_and_follow_ups_reach_the_contact_point_once(
    entity, django_capture_on_commit_callbacks
):
    from ethics import actions
    from ethics.models import AdviceRequest
    from ethics.tasks import advice_and_follow_ups_notify_task
    from lacs.models import Role
    from tests.conftest import make_user

    contact = make_user(Role.CONTACT, entity)
    servant = make_user(Role.SERVANT, entity)
    today = timezone.localdate()
    AdviceRequest.objects.create(
        asker=servant, entity=entity, question="¿Puedo?", due_date=today - dt.timedelta(days=1)
    )
    actions.conflict_open(
        actor=contact,
        entity=entity,
        servant=servant,
        kind="potential",
        summary="x",
        follow_up=today,
    )
    with django_capture_on_commit_callbacks(execute=True):
        assert advice_and_follow_ups_notify_task.delay().get() == {"advice": 1, "follow_ups": 1}
    with django_capture_on_commit_callbacks(execute=True):
        assert advice_and_follow_ups_notify_task.delay().get() == {"advice": 0, "follow_ups": 0}
    assert [m.to for m in mail.outbox] == [[contact.email], [contact.email]]
    assert all("¿Puedo?" not in m.body for m in mail.outbox)


@pytest.mark.django_db
def test_publishing_a_code_version_emails_servants_once(entity, django_capture_on_commit_callbacks):
    from ethics import actions
    from ethics.models import CodeVersion
    from lacs.models import Role
    from tests.conftest import make_user

    servant = make_user(Role.SERVANT, entity)
    admin = make_user(Role.ADMIN)
    version = CodeVersion.objects.create(number=7, title="Código", conflict_definition="d")
    with django_capture_on_commit_callbacks(execute=True):
        actions.code_version_publish(actor=admin, version=version)
    assert [m.to for m in mail.outbox] == [[servant.email]]
    assert actions.code_published_notify(version_id=version.pk) == 0
