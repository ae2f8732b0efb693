"""Nobody misses what happens on a case: batched notices without time or content, unread
markers, handler files, and the protection track's own deadline."""

import datetime as dt
import uuid

import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from cases import actions as case_actions
from cases.actions import case_route, notices_send
from cases.calendar import working_days_add
from cases.models import Case, CaseRecipient, CaseStatus, Holiday, NoticeKind, PendingNotice
from cases.retention import case_keys_destroy, retention_due
from lacs.models import AuditEvent, ContactPointKind, Role
from tests.conftest import make_user, sign_in
from tests.factories import CategoryFactory, ContactPointFactory
from tests.whistleblowing.factories import follow_up, questionnaire, receipt_of, submit, text_file
from whistleblowing import actions
from whistleblowing.models import Attachment, ProtectionRequest, ProtectionStatus

pytestmark = pytest.mark.django_db


@pytest.fixture
def filed(client, entity):
    contact = make_user(Role.CONTACT, entity)
    category, questions = questionnaire()
    receipt = receipt_of(submit(client, category, entity, questions))
    case = Case.objects.get()
    assert case_route(case_id=case.pk) is True
    PendingNotice.objects.all().delete()  # the routing notice: tested in test_routing
    return receipt, case, contact


def _handler(user) -> Client:
    handler = Client()
    sign_in(handler, user)
    return handler


def _inbox_row(handler: Client, case) -> str:
    html = handler.get(reverse("cases:inbox")).content.decode()
    start = html.index(case.number)
    return html[start : html.index("</tr>", start)]


def test_a_whistleblower_message_waits_for_a_batch_without_time_or_content(
    filed, django_capture_on_commit_callbacks
):
    receipt, case, contact = filed
    wb = Client()
    follow_up(wb, receipt)
    with django_capture_on_commit_callbacks(execute=True):
        wb.post(
            reverse("whistleblowing:followup_message"),
            {"body": "El inspector volvió ayer", "files": [text_file("recibo")]},
        )
    assert mail.outbox == []  # nothing goes at the moment of the event
    notice = PendingNotice.objects.get()
    assert (notice.user, notice.case, notice.kind) == (contact, case, NoticeKind.ACTIVITY)
    fields = {f.name for f in PendingNotice._meta.get_fields()}
    assert fields == {"id", "user", "case", "kind", "queued_on"}  # the day, never a time
    assert isinstance(notice.pk, uuid.UUID)  # no sequence to order it among other rows
    with django_capture_on_commit_callbacks(execute=True):
        assert notices_send(chance=0) == 0  # today's batch waits for a lucky run
        assert notices_send(chance=1) == 1
    (sent,) = mail.outbox
    assert sent.to == [contact.email] and case.number in sent.body
    assert "inspector" not in sent.body and "recibo" not in sent.body
    assert not PendingNotice.objects.exists()


def test_several_events_make_one_mail_and_a_batch_of_yesterday_always_goes(
    filed, django_capture_on_commit_callbacks
):
    receipt, _case, _contact = filed
    wb = Client()
    follow_up(wb, receipt)
    for text in ("uno", "dos"):
        wb.post(reverse("whistleblowing:followup_message"), {"body": text})
    assert PendingNotice.objects.count() == 1
    tomorrow = timezone.localdate() + dt.timedelta(days=1)
    with django_capture_on_commit_callbacks(execute=True):
        assert notices_send(today=tomorrow, chance=0) == 1
    assert len(mail.outbox) == 1


def test_a_case_is_unread_until_its_recipient_opens_it(filed):
    receipt, case, contact = filed
    handler = _handler(contact)
    assert "Sin leer" in _inbox_row(handler, case)  # routed, never opened
    handler.get(reverse("cases:detail", args=[case.pk]))
    assert "Sin leer" not in _inbox_row(handler, case)
    wb = Client()
    follow_up(wb, receipt)
    wb.post(reverse("whistleblowing:followup_message"), {"body": "Otro dato"})
    assert "Sin leer" in _inbox_row(handler, case)
    other = make_user(Role.CONTACT, case.entity)
    assert not PendingNotice.objects.filter(user=other).exists()


def test_a_waiting_identity_request_notifies_the_custodians(filed, entity):
    _receipt, case, contact = filed
    custodian = make_user(Role.CUSTODIAN)
    from whistleblowing.models import IdentityVault, Report

    vault = IdentityVault.objects.create(
        report=Report.objects.get(case=case), sealed=b"x", receipt_sealed_key=b"x"
    )
    actions.identity_request_file(vault=vault, reasoning="Necesario", actor=contact)
    assert list(PendingNotice.objects.values_list("user_id", "kind")) == [
        (custodian.pk, NoticeKind.IDENTITY)
    ]


def test_handler_sends_a_cleaned_sealed_file_with_a_message(filed):
    receipt, case, contact = filed
    handler = _handler(contact)
    handler.post(
        reverse("whistleblowing:handle_message", args=[case.pk]),
        {"body": "Le envío el acuse", "files": [text_file("acuse firmado", name="acuse.txt")]},
    )
    attachment = Attachment.objects.get(case=case)
    assert attachment.origin == "handler" and b"acuse firmado" not in bytes(attachment.content)
    wb = Client()
    follow_up(wb, receipt)
    download = wb.get(reverse("whistleblowing:followup_attachment", args=[attachment.pk]))
    assert download.status_code == 200 and download.content == b"acuse firmado"


# --- The protection track ----------------------------------------------------------------------
def _protect(receipt) -> ProtectionRequest:
    wb = Client()
    follow_up(wb, receipt)
    wb.post(
        reverse("whistleblowing:followup_protection"),
        {"what": "Me quitaron funciones", "when": "Ayer", "who": "Mi jefa"},
    )
    return ProtectionRequest.objects.get()


def test_protection_request_has_its_own_deadline_in_working_days(filed, settings):
    receipt, case, contact = filed
    today = timezone.localdate()
    Holiday.objects.create(day=working_days_add(today, 3), name="Día inhábil de prueba")
    request = _protect(receipt)
    assert request.answer_by == working_days_add(today, settings.PROTECTION_ANSWER_DAYS)
    span = (request.answer_by - today).days
    assert span >= 14 + 1  # ten working days: two weekends and the holiday at least
    assert PendingNotice.objects.filter(user=contact, kind=NoticeKind.PROTECTION).exists()
    assert "Protección pendiente" in _inbox_row(_handler(contact), case)


def test_protection_deadline_reminds_then_escalates_also_after_closure(filed, entity):
    receipt, case, _contact = filed
    request = _protect(receipt)
    Case.objects.filter(pk=case.pk).update(status=CaseStatus.CLOSED)
    backup = make_user(Role.SERVANT, entity)
    ContactPointFactory(user=backup, entity=entity, kind=ContactPointKind.ALTERNATE)
    near = request.answer_by - dt.timedelta(days=1)
    assert actions.protection_deadlines_check(today=near) == {"reminded": 1, "breached": 0}
    assert actions.protection_deadlines_check(today=near) == {"reminded": 0, "breached": 0}
    late = request.answer_by + dt.timedelta(days=1)
    assert actions.protection_deadlines_check(today=late) == {"reminded": 0, "breached": 1}
    assert actions.protection_deadlines_check(today=late) == {"reminded": 0, "breached": 0}
    request.refresh_from_db()
    assert request.breached_on == late
    breach = AuditEvent.objects.get(action="whistleblowing.protection_breach")
    assert backup.pk in breach.data["escalated_to"]
    assert CaseRecipient.objects.filter(case=case, user=backup).exists()


def test_a_first_answer_stops_the_protection_clock(filed):
    receipt, case, contact = filed
    request = _protect(receipt)
    _handler(contact).post(
        reverse("whistleblowing:handle_protection", args=[case.pk, request.pk]),
        {f"p{request.pk}-status": "review", f"p{request.pk}-measures": ""},
    )
    request.refresh_from_db()
    assert request.answered_on == timezone.localdate()
    late = request.answer_by + dt.timedelta(days=5)
    assert actions.protection_deadlines_check(today=late) == {"reminded": 0, "breached": 0}


def test_retention_waits_for_an_open_protection_request(filed):
    receipt, case, _contact = filed
    request = _protect(receipt)
    category = CategoryFactory(code="corta", retention_days=1)
    Case.objects.filter(pk=case.pk).update(
        status=CaseStatus.CLOSED, category=category, feedback_given_on=dt.date(2020, 1, 1)
    )
    assert retention_due() == {}  # closed long ago, but the protection request is open
    assert case_keys_destroy(case_id=case.pk) is False  # nor when asked for it directly
    ProtectionRequest.objects.filter(pk=request.pk).update(status=ProtectionStatus.GRANTED)
    assert retention_due() == {"corta": [case.pk]}


def test_routing_notices_go_through_the_batch(entity, django_capture_on_commit_callbacks):
    from tests.cases.factories import open_case

    contact = make_user(Role.CONTACT, entity)
    case, _key = open_case(entity)
    with django_capture_on_commit_callbacks(execute=True):
        case_route(case_id=case.pk)
    assert mail.outbox == []
    assert PendingNotice.objects.filter(user=contact, case=case, kind=NoticeKind.ROUTED).exists()
    assert case_actions.notices_send(chance=1) == 1


def test_the_api_inbox_carries_the_unread_and_protection_markers(filed):
    receipt, case, contact = filed
    handler = _handler(contact)
    handler.get(reverse("cases:detail", args=[case.pk]))
    (row,) = handler.get(reverse("api-cases")).json()["results"]
    assert (row["unread"], row["protection_open"]) == (False, False)
    _protect(receipt)
    (row,) = handler.get(reverse("api-cases")).json()["results"]
    assert (row["unread"], row["protection_open"]) == (True, True)


def test_the_api_shows_the_protection_track_and_takes_the_first_answer(filed, other_entity):
    receipt, case, contact = filed
    request = _protect(receipt)
    url = reverse("api-case-protection-decide", args=[case.pk, request.pk])
    outsider = _handler(make_user(Role.CONTACT, other_entity))
    refused = outsider.post(url, {"status": "review"}, content_type="application/json")
    assert refused.status_code == 404
    handler = _handler(contact)
    (track,) = handler.get(reverse("api-case", args=[case.pk])).json()["protection_requests"]
    assert track["answer_by"] == request.answer_by.isoformat() and track["answered_on"] is None
    answered = handler.post(
        url, {"status": "review", "measures": "En análisis"}, content_type="application/json"
    )
    assert answered.status_code == 200
    assert answered.json()["answered_on"] == timezone.localdate().isoformat()
