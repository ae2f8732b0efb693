"""Retention: a closed case past its category's period is crypto-shredded — its keys go first,
then its rows — with an audit row that keeps no content, and the dashboards still count it."""

from __future__ import annotations

import datetime as dt
import json
from collections import Counter

import pytest
from django.core.management import call_command
from django.db.models import Sum
from django.utils import timezone

from cases import access as case_access
from cases.actions import case_note_add, case_route, case_transition
from cases.models import (
    Case,
    CaseKeyWrap,
    CaseNote,
    CaseRecipient,
    CaseRouting,
    CaseStatus,
    CaseUserObjectPermission,
    Outcome,
)
from cases.retention import case_keys_destroy, retention_run
from cases.tasks import BEAT_SCHEDULE
from lacs import keys
from lacs.audit import audit_verify
from lacs.models import AuditEvent, Role
from oversight.actions import figures_refresh
from oversight.models import Figure
from tests.conftest import make_user
from tests.factories import PASSWORD, CategoryFactory
from whistleblowing.access import report_for_receipt
from whistleblowing.actions import (
    message_from_whistleblower,
    protection_request_decide,
    protection_request_file,
    report_submit,
)
from whistleblowing.files import CleanFile
from whistleblowing.models import (
    Attachment,
    IdentityVault,
    Message,
    ProtectionRequest,
    ProtectionStatus,
    Report,
)
from whistleblowing.sealing import open_text

SECRET = "El director cobra por cada licencia"


def _file_and_close(entity, category, contact) -> tuple[Case, str]:
    """A report with a file, an identity, a message, a protection request and a note, closed."""
    report, receipt = report_submit(
        entity=entity,
        category=category,
        answers=[],
        description=SECRET,
        files=[CleanFile("prueba.txt", "text/plain", b"contenido del archivo", False)],
        identity={"name": "Ana", "contact": "ana@example.org"},
    )
    case_route(case_id=report.case_id)
    case = Case.objects.get(pk=report.case_id)
    private = keys.user_private_key(user=contact, password=PASSWORD)
    data_key = case_access.case_data_key(case=case, user=contact, private_key=private)
    notes_key = case_access.case_notes_key(case=case, user=contact, private_key=private)
    message_from_whistleblower(case=case, data_key=data_key, body="Otro dato", files=[])
    protection = protection_request_file(
        case=case, data_key=data_key, what="despido", when="ayer", who="jefe"
    )
    # Decided: an open protection request would keep the case's rows (see test_notices_and_protection).
    protection_request_decide(
        request=protection,
        status=ProtectionStatus.GRANTED,
        measures="Cambio de área",
        data_key=data_key,
        actor=contact,
    )
    case_note_add(actor=contact, case=case, notes_key=notes_key, text="Nota interna")
    case_transition(
        actor=contact,
        case=case,
        to=CaseStatus.ACKNOWLEDGED,
        version=case.version,
        notes_key=notes_key,
    )
    case_transition(
        actor=contact,
        case=case,
        to=CaseStatus.CLOSED,
        version=case.version,
        notes_key=notes_key,
        reason="Concluida",
        outcome=Outcome.SUBSTANTIATED,
        closure_reason="Se sancionó a la persona responsable.",
        data_key=data_key,
    )
    return case, receipt


def _figures() -> Counter:
    totals = (
        Figure.objects.values_list("month", "entity_id", "dimension", "key")
        .annotate(total=Sum("n"))
        .order_by()
    )
    return Counter({row[:4]: row[4] for row in totals})


@pytest.mark.django_db
def test_retention_destroys_keys_then_rows_and_the_dashboards_still_count_the_case(entity):
    contact = make_user(Role.CONTACT, entity)
    make_user(Role.CUSTODIAN)  # the identity vault gets a custodian wrap
    short = CategoryFactory(code="retencion-corta", retention_days=30)
    long = CategoryFactory(code="retencion-larga", retention_days=3650)
    case, receipt = _file_and_close(entity, short, contact)
    kept, kept_receipt = _file_and_close(entity, long, contact)
    assert report_for_receipt(receipt) is not None
    assert IdentityVault.objects.get(report__case=case).custodian_wraps
    figures_refresh()
    before = _figures()
    assert before[(case.received_on.replace(day=1), entity.pk, "cases", "")] == 2

    today = timezone.localdate()
    assert retention_run(today=today + dt.timedelta(days=29)).due == 0
    dry = retention_run(today=today + dt.timedelta(days=31), dry_run=True)
    assert (dry.due, dry.deleted) == (1, 0)
    assert Case.objects.filter(pk=case.pk).exists()

    result = retention_run(today=today + dt.timedelta(days=31))
    assert (result.due, result.deleted) == (1, 1)

    # Nothing can open it: no wrap of either key, no receipt key, no identity key.
    assert report_for_receipt(receipt) is None
    assert not CaseKeyWrap.objects.filter(case_id=case.pk).exists()
    assert not IdentityVault.objects.filter(report__case_id=case.pk).exists()
    # And its rows (the encrypted files live in Attachment rows) are gone.
    for model in (Report, Attachment, Message, ProtectionRequest, CaseNote, CaseRecipient):
        assert not model.objects.filter(case_id=case.pk).exists(), model
    assert not CaseRouting.objects.filter(case_id=case.pk).exists()
    assert not CaseUserObjectPermission.objects.filter(content_object_id=case.pk).exists()
    assert not Case.objects.filter(pk=case.pk).exists()

    # The other category's case is untouched and still readable by its whistle-blower.
    found = report_for_receipt(kept_receipt)
    assert found is not None
    assert open_text(found[1], found[0].description, kept, "description") == SECRET

    # One audit row, without content; the chain still verifies.
    (event,) = AuditEvent.objects.filter(action="case.retention_delete")
    assert event.object_id == str(case.pk)
    assert set(event.data) == {"category", "retention_days", "wraps"}
    assert SECRET not in json.dumps(list(AuditEvent.objects.values_list("data", flat=True)))
    assert audit_verify().ok

    figures_refresh()
    assert _figures() == before


@pytest.fixture(params=["now", "23:30"])
def clock(request, monkeypatch):
    """The real clock, and one stopped today at 23:30 in Mexico City (05:30 UTC the next day),
    where a day taken in UTC is not the city's day."""
    if request.param == "23:30":
        today = timezone.localdate()
        moment = timezone.make_aware(dt.datetime.combine(today, dt.time(23, 30)))
        assert moment.astimezone(dt.UTC).date() != today
        monkeypatch.setattr(timezone, "now", lambda: moment)
    return request.param


@pytest.mark.django_db
def test_a_run_interrupted_after_the_keys_went_deletes_the_rows_next_time(entity, clock):
    contact = make_user(Role.CONTACT, entity)
    category = CategoryFactory(code="retencion-cero", retention_days=0)
    case, receipt = _file_and_close(entity, category, contact)
    figures_refresh()
    before = _figures()
    assert case_keys_destroy(case_id=case.pk)  # the run stops here
    assert report_for_receipt(receipt) is None
    assert Case.objects.filter(pk=case.pk).exists()

    call_command("retention_run", "--dry-run")
    assert Case.objects.filter(pk=case.pk).exists()
    call_command("retention_run")
    assert not Case.objects.filter(pk=case.pk).exists()
    assert retention_run().due == 0
    figures_refresh()
    assert _figures() == before
    assert audit_verify().ok


def test_retention_runs_nightly_from_beat():
    assert BEAT_SCHEDULE["cases-retention"]["task"] == "cases.retention_run"
