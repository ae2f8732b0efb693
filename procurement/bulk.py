"""Insert many new rows with PostgreSQL's COPY — about three times faster than a multi-row
INSERT for large JSON documents. Only for rows known to be new; a concurrent import that got
there first makes the caller fall back to an upsert (see ``copy_or_upsert``)."""

from __future__ import annotations

import datetime as dt
import io
import struct
import sys
import threading
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from decimal import Decimal
from typing import Any

import orjson
import psycopg2
from django.db import IntegrityError, connection, transaction

ESCAPES = ((b"\\", b"\\\\"), (b"\t", b"\\t"), (b"\n", b"\\n"), (b"\r", b"\\r"))


class JSONText(bytes):
    """A JSON document already serialised (by orjson): written as it is, not dumped again."""


def _array(items: Iterable[str]) -> bytes:
    quoted = ('"' + str(item).replace("\\", "\\\\").replace('"', '\\"') + '"' for item in items)
    return ("{" + ",".join(quoted) + "}").encode()


def _escape(raw: bytes) -> bytes:
    for plain, escaped in ESCAPES:
        if plain in raw:
            raw = raw.replace(plain, escaped)
    return raw


def _field(value: Any) -> bytes:
    kind = type(value)
    # The common exact types first, by identity; numbers and dates need no escaping.
    if kind is str:
        raw = value.encode()
        if "\\" in value or "\t" in value or "\n" in value or "\r" in value:
            return _escape(raw)
        return raw
    if value is None:
        return b"\\N"
    if kind is JSONText:
        # orjson writes no raw tab, newline or carriage return: only backslashes need escaping.
        return value.replace(b"\\", b"\\\\") if b"\\" in value else value
    if kind is int or kind is Decimal or kind is float:
        return str(value).encode()
    if kind is dt.datetime or kind is dt.date:
        return value.isoformat().encode()
    if isinstance(value, bool):
        raw = b"t" if value else b"f"
    elif isinstance(value, dict):
        raw = orjson.dumps(value)
    elif isinstance(value, list):
        raw = _array(value)
    elif isinstance(value, dt.datetime | dt.date):
        raw = value.isoformat().encode()
    elif isinstance(value, int | float | Decimal | str):
        raw = str(value).encode()
    else:
        raise TypeError(f"cannot COPY a {type(value).__name__}")
    return _escape(raw)


def copy_rows(table: str, columns: Sequence[str], rows: Iterable[Sequence[Any]]) -> None:
    buffer = io.BytesIO()
    for row in rows:
        buffer.write(b"\t".join(map(_field, row)) + b"\n")
    buffer.seek(0)
    names = ", ".join(connection.ops.quote_name(c) for c in columns)
    sql = f"COPY {connection.ops.quote_name(table)} ({names}) FROM STDIN"
    with connection.cursor() as cursor, connection.wrap_database_errors:
        cursor.cursor.copy_expert(sql, buffer)  # raw psycopg2 errors become Django's


def copy_lines(table: str, columns: Sequence[str], lines: bytes) -> None:
    """COPY rows already in COPY's text format (see ``copy_field``), one per line."""
    names = ", ".join(connection.ops.quote_name(c) for c in columns)
    sql = f"COPY {connection.ops.quote_name(table)} ({names}) FROM STDIN"
    with connection.cursor() as cursor, connection.wrap_database_errors:
        _copy(cursor.cursor, sql, lines)


def copy_or_upsert(
    table: str, columns: Sequence[str], rows: list[Sequence[Any]], upsert: Callable[[], None]
) -> None:
    """COPY new rows; if another import inserted one meanwhile, upsert them all instead."""
    if not rows:
        return
    try:
        with transaction.atomic():
            copy_rows(table, columns, rows)
    except IntegrityError:
        upsert()


class CopyWriter:
    """COPY batches of rows, in COPY's binary format, into one table on the caller's connection
    and transaction, each in a second thread, so that PostgreSQL takes in one batch (parsing its
    JSONB is most of its work) while Python prepares the next; psycopg2 lets go of the GIL while
    it waits.

    ``write`` waits for the batch before it, so the caller's own queries never see a half-done
    state. A batch marked ``upsert`` (rows that exist), or one that meets a row a concurrent
    import inserted first, goes through a temporary staging table and INSERT … ON CONFLICT.
    """

    def __init__(self, table: str, columns: Sequence[str], unique: Sequence[str]):
        qn = connection.ops.quote_name
        names = ", ".join(qn(c) for c in columns)
        staging = qn(f"{table}_staging")
        updates = ", ".join(f"{qn(c)} = EXCLUDED.{qn(c)}" for c in columns if c not in unique)
        self.copy_sql = f"COPY {qn(table)} ({names}) FROM STDIN (FORMAT binary)"
        empty = f"SELECT {names} FROM {qn(table)} WITH NO DATA"  # noqa: S608  # quoted names
        self.staging_sql = (
            f"CREATE TEMP TABLE IF NOT EXISTS {staging} ON COMMIT DROP AS {empty}",
            f"TRUNCATE {staging}",
        )
        self.staging_copy_sql = f"COPY {staging} ({names}) FROM STDIN (FORMAT binary)"
        keys = ", ".join(qn(c) for c in unique)
        self.merge_sql = (
            f"INSERT INTO {qn(table)} ({names}) SELECT {names} FROM {staging} "  # noqa: S608
            f"ON CONFLICT ({keys}) DO UPDATE SET {updates}"
        )
        self.pending: threading.Thread | None = None
        self.error: BaseException | None = None

    def write(self, parts: list[bytes], *, upsert: bool = False) -> None:
        """Queue rows in binary format, as the parts they are made of (fields from the
        ``binary_*`` functions, each row beginning with its number of fields): joined here
        once, with the format's header and trailer."""
        if not parts:
            return
        lines = b"".join([BINARY_HEADER, *parts, BINARY_TRAILER])
        self.wait()
        connection.ensure_connection()
        raw = connection.connection
        self.pending = threading.Thread(target=self._run, args=(raw, lines, upsert), daemon=True)
        self.pending.start()

    def wait(self) -> None:
        """Until the batch in flight is written; its error, if any, is raised here as Django's."""
        self.close()
        if self.error is not None:
            error, self.error = self.error, None
            with connection.wrap_database_errors:
                raise error

    def close(self) -> None:
        if self.pending is not None:
            self.pending.join()
            self.pending = None

    def _run(self, raw, lines: bytes, upsert: bool) -> None:
        try:
            with raw.cursor() as cursor:
                # Check the batch's foreign keys right after it, in this thread, rather than all
                # of them at commit (Django's are deferred): the same checks, while Python works
                # on. Statements go together where they can: each one waits for the GIL twice.
                check = "SET CONSTRAINTS ALL IMMEDIATE; SET CONSTRAINTS ALL DEFERRED"
                release = ""
                if not upsert:
                    cursor.execute("SAVEPOINT lacs_copy")
                    release = "RELEASE SAVEPOINT lacs_copy; "
                    try:
                        _copy(cursor, self.copy_sql, lines)
                    except psycopg2.IntegrityError:
                        cursor.execute("ROLLBACK TO SAVEPOINT lacs_copy")
                        upsert = True
                if upsert:
                    cursor.execute(release + "; ".join(self.staging_sql))
                    _copy(cursor, self.staging_copy_sql, lines)
                    cursor.execute(f"{self.merge_sql}; {check}")
                else:
                    cursor.execute(release + check)
        except BaseException as exc:  # handed to the caller's thread by ``wait``
            self.error = exc


@contextmanager
def quick_handover(interval: float = 0.0005) -> Iterator[None]:
    """While a ``CopyWriter`` thread works beside busy Python code: the thread needs the GIL for
    a moment before and after each statement it sends, and by default waits up to 5 ms for it
    each time, while PostgreSQL has nothing to do. Python's own threads are switched at this
    interval; the setting is the interpreter's, and is put back."""
    before = sys.getswitchinterval()
    sys.setswitchinterval(min(before, interval))
    try:
        yield
    finally:
        sys.setswitchinterval(before)


def _copy(cursor, sql: str, lines: bytes) -> None:
    # One read of the whole batch: each read takes the GIL back from the preparing thread.
    cursor.copy_expert(sql, io.BytesIO(lines), size=len(lines) + 1)


def copy_field(value: Any) -> bytes:
    """One field in COPY's text format."""
    return _field(value)


# --- COPY's binary format ----------------------------------------------------------------------
# For the wide rows of compiled releases: PostgreSQL then takes each field by its length instead
# of scanning every byte of a 10 KB document for tabs and backslashes (a fifth of its work for
# them in text format), and Python need not escape the document either. Each value is encoded
# for its column's type exactly; ``CopyWriter`` adds the header and the trailer.
BINARY_HEADER = b"PGCOPY\n\xff\r\n\x00" + bytes(8)  # signature, flags, no header extension
BINARY_TRAILER = b"\xff\xff"
NULL = b"\xff\xff\xff\xff"
VARCHAR_OID = 1043
_PG_EPOCH = dt.datetime(2000, 1, 1, tzinfo=dt.UTC)
_MICROSECOND = dt.timedelta(microseconds=1)
_length = struct.Struct(">i").pack
_int2 = struct.Struct(">ih").pack
_int4 = struct.Struct(">ii").pack
_int8 = struct.Struct(">iq").pack
_array_head = struct.Struct(">iiiii").pack
_numeric = struct.Struct(">ihhHH").pack
_INT4 = range(-(2**31), 2**31)


def binary_bytes(raw: bytes) -> bytes:
    """Text (UTF-8) for a text or varchar column."""
    return _length(len(raw)) + raw


def binary_text(value: str | None) -> bytes:
    return NULL if value is None else binary_bytes(value.encode())


def binary_jsonb(text: bytes) -> bytes:
    """A JSON document already serialised: jsonb's binary input is a version byte, then text."""
    return _length(len(text) + 1) + b"\x01" + text


def binary_bool(value: bool | None) -> bytes:
    return (
        NULL if value is None else (b"\x00\x00\x00\x01\x01" if value else b"\x00\x00\x00\x01\x00")
    )


def binary_int2(value: int | None) -> bytes:
    return NULL if value is None else _int2(2, value)


def binary_int8(value: int | None) -> bytes:
    return NULL if value is None else _int8(8, value)


def binary_timestamptz(value: dt.datetime | None) -> bytes:
    """Microseconds since 2000-01-01 UTC; a datetime without a zone is taken as UTC, as the
    connection's time zone would take it in text."""
    if value is None:
        return NULL
    if value.tzinfo is None:
        value = value.replace(tzinfo=dt.UTC)
    return _int8(8, (value - _PG_EPOCH) // _MICROSECOND)


def binary_cents(cents: int | None) -> bytes:
    """An amount in cents as numeric's binary form: base-10,000 digits after a header of their
    number, the weight of the first (its power of 10,000), the sign and the display scale
    (two decimals)."""
    if cents is None:
        return NULL
    whole, fraction = divmod(abs(cents), 100)
    groups: list[int] = []
    while whole:
        whole, digit = divmod(whole, 10_000)
        groups.append(digit)
    groups.reverse()
    weight = len(groups) - 1
    if fraction:
        groups.append(fraction * 100)
    while groups and groups[-1] == 0:
        groups.pop()
    if not groups:
        weight = 0
    sign = 0x4000 if cents < 0 else 0
    return _numeric(8 + 2 * len(groups), len(groups), weight, sign, 2) + _digits(groups)


def _digits(groups: list[int]) -> bytes:
    return struct.pack(f">{len(groups)}H", *groups)


def binary_text_array(items: Sequence[str], oid: int = VARCHAR_OID) -> bytes:
    """A one-dimensional array of text (varchar by default) without nulls."""
    if not items:
        body = struct.pack(">iii", 0, 0, oid)
    else:
        encoded = [item.encode() for item in items]
        body = _array_head(1, 0, oid, len(items), 1) + b"".join(
            _length(len(raw)) + raw for raw in encoded
        )
    return _length(len(body)) + body


def binary_int4_or_null(value: Any) -> bytes:
    """An int4 column from published data: a number out of its range is left out."""
    return _int4(4, value) if type(value) is int and value in _INT4 else NULL
