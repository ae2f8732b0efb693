"""The tamper-evident audit log.

Every action writes its row through ``audit_record`` in the action's own transaction. Rows form a
hash chain (SHA-256 over the previous hash and the row's canonical JSON); the head row keeps the
newest sequence number and hash, and is locked while a row is appended, so the chain has one
order even under concurrent writers. ``audit_verify`` walks the chain and names the first row
that does not match.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from dataclasses import dataclass
from typing import Any

from django.db import connection, models, transaction
from django.utils import timezone

from lacs.days import day_start
from lacs.db import execute_prepared
from lacs.models import AuditEvent, AuditHead, Entity

GENESIS = "0" * 64


def _canonical(event: AuditEvent) -> bytes:
    body = {
        "seq": event.seq,
        "at": event.at.astimezone(dt.UTC).isoformat(),
        "actor": event.actor_id,
        "actor_label": event.actor_label,
        "action": event.action,
        "object_type": event.object_type,
        "object_id": event.object_id,
        "entity": event.entity_id,
        "data": event.data,
    }
    return json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def event_hash(prev_hash: str, event: AuditEvent) -> str:
    return hashlib.sha256(prev_hash.encode() + b"\n" + _canonical(event)).hexdigest()


def audit_record(
    *,
    action: str,
    actor: Any = None,
    obj: models.Model | None = None,
    entity: Entity | int | None = None,
    data: dict | None = None,
    day_only: bool = False,
) -> AuditEvent:
    """Append one row to the chain. Call inside the action's transaction.

    ``day_only`` stores the day, not the time — for anything a whistle-blower did, so that the
    log cannot be lined up with network records. ``data`` must hold no report content.
    """
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("audit_record must run inside the action's transaction")
    now = day_start() if day_only else timezone.now()
    head = _head_locked()
    user = actor if getattr(actor, "is_authenticated", False) else None
    event = AuditEvent(
        seq=head[0] + 1,
        at=now,
        actor=user,
        actor_label=user.get_username() if user else "",
        action=action,
        object_type=obj._meta.label_lower if obj is not None else "",
        object_id=str(obj.pk) if obj is not None else "",
        entity_id=entity.pk if isinstance(entity, Entity) else entity,
        data=json.loads(json.dumps(data or {}, default=str)),
        prev_hash=head[1],
    )
    event.hash = event_hash(head[1], event)
    _append(event)
    return event


def _head_locked() -> tuple[int, str]:
    """Lock the head row (creating it for the very first row) and return (seq, hash)."""
    sql = f"SELECT seq, hash FROM {AuditHead._meta.db_table} WHERE id = 1 FOR UPDATE"  # noqa: S608
    with connection.cursor() as cursor:
        cursor.execute(sql)
        row = cursor.fetchone()
        if row is None:  # a concurrent first writer waits here on the new row, then reads it
            AuditHead.objects.get_or_create(id=1)
            cursor.execute(sql)
            row = cursor.fetchone()
    return row


def _append(event: AuditEvent) -> None:
    """Insert the row and move the head to it in one statement (every action pays for this)."""
    columns = [f for f in AuditEvent._meta.concrete_fields if not f.primary_key]
    names = ", ".join(connection.ops.quote_name(str(f.column)) for f in columns)
    values = [f.get_db_prep_save(getattr(event, f.attname), connection) for f in columns]
    event_table, head_table = AuditEvent._meta.db_table, AuditHead._meta.db_table
    placeholders = ", ".join(f"${n}" for n in range(1, len(columns) + 1))
    with connection.cursor() as cursor:
        execute_prepared(
            cursor,
            "lacs_audit_append",
            f"""WITH e AS (
                    INSERT INTO {event_table} ({names})
                    VALUES ({placeholders}) RETURNING id, seq, hash)
                UPDATE {head_table} h SET seq = e.seq, hash = e.hash FROM e WHERE h.id = 1
                RETURNING e.id""",  # noqa: S608  # names from model meta, values as parameters
            values,
        )
        (event.pk,) = cursor.fetchone()
    event._state.adding, event._state.db = False, connection.alias


@dataclass
class VerifyResult:
    ok: bool
    checked: int
    problem: str = ""
    seq: int | None = None


def audit_verify(*, chunk: int = 5000) -> VerifyResult:
    """Walk the chain in order; report the first altered, removed or inserted row."""
    prev_hash, expected_seq, checked = GENESIS, 1, 0
    rows = AuditEvent.objects.order_by("seq")
    for event in rows.iterator(chunk_size=chunk):
        if event.seq != expected_seq:
            return VerifyResult(False, checked, f"row #{expected_seq} is missing", expected_seq)
        if event.prev_hash != prev_hash:
            return VerifyResult(
                False, checked, f"row #{event.seq} does not follow its predecessor", event.seq
            )
        if event_hash(prev_hash, event) != event.hash:
            return VerifyResult(False, checked, f"row #{event.seq} was altered", event.seq)
        prev_hash, expected_seq, checked = event.hash, expected_seq + 1, checked + 1
    head = AuditHead.objects.filter(id=1).first()
    head_seq, head_hash = (head.seq, head.hash) if head else (0, GENESIS)
    if head_seq != checked or head_hash != prev_hash:
        return VerifyResult(
            False, checked, f"rows after #{checked} were removed (head is #{head_seq})", checked + 1
        )
    return VerifyResult(True, checked)
