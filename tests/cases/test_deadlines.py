"""Deadlines: reminders before, breach marks and escalation after (the beat task's code)."""

import datetime as dt

import pytest
from django.core import mail
from django.utils import timezone

from cases import actions
from cases.access import cases_visible_to
from cases.models import Case, CaseRecipient, DeadlineState, RecipientState
from cases.tasks import BEAT_SCHEDULE
from lacs.celery import app as celery_app
from lacs.models import AuditEvent, ContactPointKind, Role
from tests.cases.factories import open_case
from tests.conftest import make_user
from tests.factories import ContactPointFactory, EntityFactory


@pytest.fixture
def routed(entity):
    contact = make_user(Role.CONTACT, entity)
    case, _key = open_case(entity)
    actions.case_route(case_id=case.pk)
    return Case.objects.get(pk=case.pk), contact


def run_checks(capture, **kw):
    with capture(execute=True):
        return actions.deadlines_check(**kw)


@pytest.mark.django_db
def test_reminder_is_sent_once_before_the_acknowledge_deadline(
    routed, django_capture_on_commit_callbacks
):
    case, contact = routed
    today = timezone.localdate()
    Case.objects.filter(pk=case.pk).update(acknowledge_by=today + dt.timedelta(days=1))
    assert Case.objects.get(pk=case.pk).acknowledge_state() == DeadlineState.NEAR
    assert run_checks(django_capture_on_commit_callbacks)["ack_reminded"] == 1
    assert run_checks(django_capture_on_commit_callbacks)["ack_reminded"] == 0
    assert [m.to for m in mail.outbox] == [[contact.email]]
    assert "Plazo por vencer" in mail.outbox[0].subject


@pytest.mark.django_db
def test_breach_is_marked_and_escalated_to_alternate_and_comptroller(
    routed, entity, django_capture_on_commit_callbacks
):
    case, _contact = routed
    backup = make_user(Role.SERVANT, entity)
    ContactPointFactory(user=backup, entity=entity, kind=ContactPointKind.ALTERNATE)
    comptroller = EntityFactory(is_comptroller=True)
    auditor = make_user(Role.CONTACT, comptroller)
    Case.objects.filter(pk=case.pk).update(acknowledge_by=dt.date(2020, 1, 1))
    assert run_checks(django_capture_on_commit_callbacks)["ack_breached"] == 1
    assert run_checks(django_capture_on_commit_callbacks)["ack_breached"] == 0
    case.refresh_from_db()
    assert case.acknowledge_breached_on == timezone.localdate()
    added = CaseRecipient.objects.filter(case=case, state=RecipientState.PENDING_KEY)
    assert set(added.values_list("user_id", flat=True)) == {backup.pk, auditor.pk}
    assert case in cases_visible_to(auditor)
    event = AuditEvent.objects.get(action="case.acknowledge_breach")
    assert sorted(event.data["escalated_to"]) == sorted([backup.pk, auditor.pk])


@pytest.mark.django_db
def test_acknowledged_case_has_no_acknowledge_breach_but_feedback_breach(
    routed, django_capture_on_commit_callbacks
):
    case, _contact = routed
    Case.objects.filter(pk=case.pk).update(
        status="acknowledged", acknowledge_by=dt.date(2020, 1, 1), feedback_by=dt.date(2020, 3, 1)
    )
    counts = run_checks(django_capture_on_commit_callbacks)
    assert (counts["ack_breached"], counts["fb_breached"]) == (0, 1)
    case.refresh_from_db()
    assert case.deadline_badge() == DeadlineState.MISSED
    assert case in Case.objects.deadline_state(DeadlineState.MISSED)


def test_beat_runs_the_routing_sweep_the_deadline_checks_and_retention():
    tasks = {entry["task"] for entry in BEAT_SCHEDULE.values()}
    assert tasks == {
        "cases.routing_sweep",
        "cases.deadlines_check",
        "cases.recipients_expire",
        "cases.retention_run",
        "cases.unrouted_alert",
        "cases.notices_send",
    }
    assert tasks <= set(celery_app.tasks)


@pytest.mark.django_db
def test_contact_point_whose_appointment_ended_loses_the_case(routed, entity):
    case, contact = routed
    successor = make_user(Role.CONTACT, entity)
    CaseRecipient.objects.create(
        case=case, user=successor, entity=entity, role="primary", state=RecipientState.PENDING_KEY
    )
    yesterday = timezone.localdate() - dt.timedelta(days=1)
    contact.contact_points.update(end=yesterday)
    # the successor has no key wrap yet: the ending contact point keeps it for the hand-over
    assert actions.recipients_expire() == 0
    assert case in cases_visible_to(contact)
    CaseRecipient.objects.filter(user=successor).update(state=RecipientState.ACTIVE)
    CaseRecipient.objects.filter(user=contact).update(reason="")
    assert actions.recipients_expire() == 1
    assert case not in cases_visible_to(contact)
    assert CaseRecipient.objects.get(user=contact).state == RecipientState.REVOKED
