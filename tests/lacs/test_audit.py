import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection, transaction
from django.utils import timezone

from lacs.audit import audit_record, audit_verify
from lacs.models import AuditEvent

pytestmark = pytest.mark.django_db


def _record(n: int) -> None:
    for i in range(n):
        with transaction.atomic():
            audit_record(action="test.event", data={"i": i})


def test_chain_of_untouched_rows_verifies():
    _record(5)
    result = audit_verify()
    assert result.ok and result.checked == 5
    call_command("audit_verify")


def test_each_row_carries_the_previous_rows_hash():
    _record(3)
    rows = list(AuditEvent.objects.order_by("seq"))
    assert [r.prev_hash for r in rows[1:]] == [r.hash for r in rows[:-1]]


def as_owner_without_the_trigger() -> None:
    """What a database owner bent on rewriting history does first."""
    with connection.cursor() as cursor:
        cursor.execute("ALTER TABLE lacs_auditevent DISABLE TRIGGER lacs_auditevent_append_only")


def test_altered_row_is_named():
    _record(4)
    as_owner_without_the_trigger()
    with connection.cursor() as cursor:
        cursor.execute("UPDATE lacs_auditevent SET data = '{\"i\": 99}' WHERE seq = 2")
    result = audit_verify()
    assert not result.ok and result.seq == 2 and "altered" in result.problem
    with pytest.raises(CommandError, match="#2"):
        call_command("audit_verify")


def test_removed_middle_row_is_named():
    _record(4)
    as_owner_without_the_trigger()
    AuditEvent.objects.filter(seq=3).delete()
    result = audit_verify()
    assert not result.ok and result.seq == 3


def test_removed_newest_row_is_noticed():
    _record(4)
    as_owner_without_the_trigger()
    AuditEvent.objects.filter(seq=4).delete()
    assert not audit_verify().ok


@pytest.mark.django_db(transaction=True)
def test_recording_outside_a_transaction_is_refused():
    with pytest.raises(RuntimeError):
        audit_record(action="test.event")
    assert AuditEvent.objects.count() == 0


def test_day_only_rows_keep_no_time_of_day():
    with transaction.atomic():
        event = audit_record(action="report.submit", day_only=True)
    event.refresh_from_db()
    local = timezone.localtime(event.at)
    assert (local.hour, local.minute, local.second) == (0, 0, 0)
    assert local.date() == timezone.localdate()
