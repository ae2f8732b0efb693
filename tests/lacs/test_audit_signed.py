"""Evidence that cannot be rewritten: the audit log is append-only, its head is signed daily with
a key the database never holds, and verification checks the chain against the published heads.

The attacker holds the database (owner rights): they rewrite a row and recompute every hash
after it, so the bare chain verifies again. The signed heads, and the copy the CPC kept, do not.
"""

import datetime as dt

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection, transaction
from django.db.utils import DatabaseError
from django.urls import reverse

from lacs import crypto, keys
from lacs.actions import audit_head_publish
from lacs.audit import GENESIS, audit_record, audit_verify, event_hash
from lacs.models import AuditEvent, AuditHead, AuditSignedHead, Role
from tests.conftest import make_user, sign_in
from tests.factories import EntityFactory

pytestmark = pytest.mark.django_db
DAY = dt.date(2026, 11, 30)


def _record(n: int, **kw) -> None:
    for i in range(n):
        with transaction.atomic():
            audit_record(action="test.event", data={"i": i}, **kw)


def _rewrite_history(seq: int) -> None:
    """Change row ``seq`` and recompute the chain after it, as an owner who disabled the trigger."""
    with connection.cursor() as cursor:
        for table in ("lacs_auditevent", "lacs_auditsignedhead"):
            cursor.execute(f"ALTER TABLE {table} DISABLE TRIGGER {table}_append_only")
    AuditEvent.objects.filter(seq=seq).update(data={"i": "reescrito"})
    prev = GENESIS
    for event in AuditEvent.objects.order_by("seq"):
        event.prev_hash = prev
        event.hash = event_hash(prev, event)
        AuditEvent.objects.filter(pk=event.pk).update(prev_hash=event.prev_hash, hash=event.hash)
        prev = event.hash
    AuditHead.objects.filter(id=1).update(hash=prev)


def test_the_audit_log_refuses_update_and_delete_even_for_its_owner():
    _record(2)
    for statement in (
        "UPDATE lacs_auditevent SET data = '{}' WHERE seq = 1",
        "DELETE FROM lacs_auditevent WHERE seq = 2",
    ):
        with (
            pytest.raises(DatabaseError, match="append-only"),
            transaction.atomic(),
            connection.cursor() as cursor,
        ):
            cursor.execute(statement)
    assert AuditEvent.objects.count() == 2 and audit_verify().ok


def test_a_recomputed_chain_verifies_alone_but_not_against_the_signed_head(tmp_path):
    _record(3)
    head = audit_head_publish(private_key=keys.audit_signing_key(), day=DAY)
    kept = tmp_path / "heads.txt"
    kept.write_text(head.line() + "\n")  # what the CPC downloaded and kept
    _record(2)
    assert audit_verify().ok and audit_verify().heads == 1
    _rewrite_history(2)
    assert audit_verify(heads=[]).ok  # the bare chain is fooled
    result = audit_verify()
    assert not result.ok and "signed on 2026-11-30" in result.problem
    AuditSignedHead.objects.all().delete()  # the attacker removes the published heads too
    with pytest.raises(CommandError, match="signed on 2026-11-30"):
        call_command("audit_verify", "--heads", str(kept))


def test_a_head_signed_with_another_key_is_refused(tmp_path):
    _record(2)
    forged_key, _public = crypto.new_signing_key()
    head = audit_head_publish(private_key=forged_key, day=DAY)  # an insider's own key
    result = audit_verify()
    assert not result.ok and "bad signature" in result.problem
    assert head.key != crypto.b64e(keys.audit_public_key())


def test_removing_the_newest_rows_is_caught_by_a_signed_head():
    _record(4)
    audit_head_publish(private_key=keys.audit_signing_key(), day=DAY)
    with connection.cursor() as cursor:
        cursor.execute("ALTER TABLE lacs_auditevent DISABLE TRIGGER lacs_auditevent_append_only")
    last = AuditEvent.objects.order_by("-seq").first()
    AuditEvent.objects.filter(seq__gte=last.seq - 1).delete()
    keep = AuditEvent.objects.order_by("-seq").first()
    AuditHead.objects.filter(id=1).update(seq=keep.seq, hash=keep.hash)
    result = audit_verify()
    assert not result.ok and "removed" in result.problem


def test_signing_refuses_a_chain_broken_since_the_last_head():
    _record(2)
    audit_head_publish(private_key=keys.audit_signing_key(), day=DAY)
    _record(2)
    _rewrite_history(1)
    with pytest.raises(RuntimeError, match="not signed"):
        audit_head_publish(private_key=keys.audit_signing_key(), day=DAY + dt.timedelta(days=1))


def test_signing_twice_a_day_publishes_one_head():
    _record(1)
    first = audit_head_publish(private_key=keys.audit_signing_key(), day=DAY)
    again = audit_head_publish(private_key=keys.audit_signing_key(), day=DAY)
    assert first.pk == again.pk and AuditSignedHead.objects.count() == 1


def test_deleting_a_user_and_an_entity_keeps_the_chain_verifiable():
    actor = make_user(Role.ADMIN)
    entity = EntityFactory()
    _record(1, actor=actor, entity=entity)
    audit_head_publish(private_key=keys.audit_signing_key(), day=DAY)
    actor.delete()
    entity.delete()
    event = AuditEvent.objects.get(action="test.event")
    assert event.actor_id is not None and event.entity_id is not None  # kept as data
    assert audit_verify().ok


def test_the_cpc_reads_and_downloads_the_signed_heads(client):
    _record(1)
    head = audit_head_publish(private_key=keys.audit_signing_key(), day=DAY)
    sign_in(client, make_user(Role.CPC))
    page = client.get(reverse("audit_heads")).content.decode()
    assert head.hash in page and crypto.b64e(keys.audit_public_key()) in page
    download = client.get(reverse("audit_heads_file"))
    assert download["Content-Disposition"].startswith("attachment")
    assert head.line() in download.content.decode()


def test_the_head_is_signed_daily_by_beat():
    from lacs.tasks import BEAT_SCHEDULE, audit_head_sign_task

    assert any(job["task"] == "lacs.audit_head_sign" for job in BEAT_SCHEDULE.values())
    _record(1)
    assert audit_head_sign_task() >= 1
    assert AuditSignedHead.objects.count() == 1
