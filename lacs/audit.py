"""The tamper-evident audit log.

Every action writes its row through ``audit_record`` in the action's own transaction. Rows form a
hash chain (SHA-256 over the previous hash and the row's canonical JSON); the head row keeps the
newest sequence number and hash, and is locked while a row is appended, so the chain has one
order even under concurrent writers. ``audit_verify`` walks the chain and names the first row
that does not match.

The chain alone is unkeyed: whoever can write to the database can rewrite a row and recompute
every hash after it. So each day the worker signs the head with an Ed25519 key that the web tier
and the database never hold (``audit_head_sign``) and publishes it; ``audit_verify`` checks the
chain against every published head, including a copy kept outside the database.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from dataclasses import dataclass
from typing import Any

from django.db import connection, models, transaction
from django.utils import timezone

from lacs import crypto, keys
from lacs.days import day_start
from lacs.db import execute_prepared
from lacs.models import AuditEvent, AuditHead, AuditSignedHead, Entity

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
    head = head_locked()
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


def head_locked() -> tuple[int, str]:
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
    heads: int = 0  # published heads the chain was checked against


@dataclass(frozen=True)
class SignedHead:
    day: dt.date
    seq: int
    hash: str
    key: str
    signature: str

    @classmethod
    def parse(cls, line: str) -> SignedHead:
        day, seq, digest, key, signature = line.split()
        return cls(dt.date.fromisoformat(day), int(seq), digest, key, signature)

    def valid(self, public_key: bytes) -> bool:
        return crypto.b64d(self.key) == public_key and crypto.signature_valid(
            public_key, head_message(self.day, self.seq, self.hash), crypto.b64d(self.signature)
        )


def head_message(day: dt.date, seq: int, digest: str) -> bytes:
    """What is signed: the day, the sequence number and the hash of the head row."""
    return f"lacs-audit-head\n{day.isoformat()}\n{seq}\n{digest}".encode()


def published_heads() -> list[SignedHead]:
    rows = AuditSignedHead.objects.order_by("seq", "day")
    return [SignedHead(r.day, r.seq, r.hash, r.key, r.signature) for r in rows]


def verify_since(last: AuditSignedHead | None, head_seq: int, head_hash: str) -> str:
    """Check the rows after the last signed head lead to the current head; '' when they do."""
    prev_hash, expected = (last.hash, last.seq + 1) if last else (GENESIS, 1)
    if last is not None:
        row = AuditEvent.objects.filter(seq=last.seq).values_list("hash", flat=True).first()
        if row != last.hash:
            return f"row #{last.seq} no longer matches the head signed on {last.day}"
    for event in AuditEvent.objects.filter(seq__gte=expected).order_by("seq").iterator(2000):
        if event.seq != expected or event.prev_hash != prev_hash:
            return f"row #{expected} is missing or out of place"
        if event_hash(prev_hash, event) != event.hash:
            return f"row #{event.seq} was altered"
        prev_hash, expected = event.hash, expected + 1
    if expected - 1 != head_seq or prev_hash != head_hash:
        return "the head does not match the last row"
    return ""


def audit_verify(
    *,
    chunk: int = 5000,
    heads: list[SignedHead] | None = None,
    public_key: bytes | None = None,
) -> VerifyResult:
    """Walk the chain in order; report the first altered, removed or inserted row.

    ``heads`` (default: those published in the database) are checked with ``public_key``: a head
    with a bad signature fails, and so does a chain whose row at a signed head's sequence number
    has another hash (rows up to it were rewritten, even if every hash after was recomputed).
    """
    heads = published_heads() if heads is None else heads
    public_key = public_key or keys.audit_public_key()
    if heads and public_key is None:
        return VerifyResult(False, 0, "signed heads given but no public key to check them", None)
    for head in heads:
        if not head.valid(public_key):  # type: ignore[arg-type]
            return VerifyResult(False, 0, f"the head signed on {head.day} has a bad signature")
    pending = {head.seq: head for head in heads}
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
        signed = pending.pop(event.seq, None)
        if signed is not None and signed.hash != event.hash:
            problem = f"rows up to #{event.seq} differ from the head signed on {signed.day}"
            return VerifyResult(False, checked, problem, event.seq)
        prev_hash, expected_seq, checked = event.hash, expected_seq + 1, checked + 1
    if pending:
        first = min(pending.values(), key=lambda h: h.seq)
        problem = (
            f"rows after #{checked} were removed (the head signed on {first.day} is #{first.seq})"
        )
        return VerifyResult(False, checked, problem, checked + 1)
    head_row = AuditHead.objects.filter(id=1).first()
    head_seq, head_hash = (head_row.seq, head_row.hash) if head_row else (0, GENESIS)
    if head_seq != checked or head_hash != prev_hash:
        return VerifyResult(
            False, checked, f"rows after #{checked} were removed (head is #{head_seq})", checked + 1
        )
    return VerifyResult(True, checked, heads=len(heads))
