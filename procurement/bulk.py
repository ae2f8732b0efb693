"""Insert many new rows with PostgreSQL's COPY — about three times faster than a multi-row
INSERT for large JSON documents. Only for rows known to be new; a concurrent import that got
there first makes the caller fall back to an upsert (see ``copy_or_upsert``)."""

from __future__ import annotations

import datetime as dt
import io
import threading
from collections.abc import Callable, Iterable, Sequence
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
    """COPY batches of encoded rows into one table on the caller's connection and transaction,
    each in a second thread, so that PostgreSQL takes in one batch (parsing its JSONB is most
    of its work) while Python prepares the next; psycopg2 lets go of the GIL while it waits.

    ``write`` waits for the batch before it, so the caller's own queries never see a half-done
    state. A batch marked ``upsert`` (rows that exist), or one that meets a row a concurrent
    import inserted first, goes through a temporary staging table and INSERT … ON CONFLICT.
    """

    def __init__(self, table: str, columns: Sequence[str], unique: Sequence[str]):
        qn = connection.ops.quote_name
        names = ", ".join(qn(c) for c in columns)
        staging = qn(f"{table}_staging")
        updates = ", ".join(f"{qn(c)} = EXCLUDED.{qn(c)}" for c in columns if c not in unique)
        self.copy_sql = f"COPY {qn(table)} ({names}) FROM STDIN"
        empty = f"SELECT {names} FROM {qn(table)} WITH NO DATA"  # noqa: S608  # quoted names
        self.staging_sql = (
            f"CREATE TEMP TABLE IF NOT EXISTS {staging} ON COMMIT DROP AS {empty}",
            f"TRUNCATE {staging}",
        )
        self.staging_copy_sql = f"COPY {staging} ({names}) FROM STDIN"
        keys = ", ".join(qn(c) for c in unique)
        self.merge_sql = (
            f"INSERT INTO {qn(table)} ({names}) SELECT {names} FROM {staging} "  # noqa: S608
            f"ON CONFLICT ({keys}) DO UPDATE SET {updates}"
        )
        self.pending: threading.Thread | None = None
        self.error: BaseException | None = None

    def write(self, lines: bytes, *, upsert: bool = False) -> None:
        if not lines:
            return
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
                if not upsert:
                    cursor.execute("SAVEPOINT lacs_copy")
                    try:
                        _copy(cursor, self.copy_sql, lines)
                    except psycopg2.IntegrityError:
                        cursor.execute("ROLLBACK TO SAVEPOINT lacs_copy")
                        upsert = True
                    cursor.execute("RELEASE SAVEPOINT lacs_copy")
                if upsert:
                    for sql in self.staging_sql:
                        cursor.execute(sql)
                    _copy(cursor, self.staging_copy_sql, lines)
                    cursor.execute(self.merge_sql)
                # Check the batch's foreign keys now, in this thread, rather than all of them at
                # commit (Django's are deferred): the same checks, while Python works on.
                cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
                cursor.execute("SET CONSTRAINTS ALL DEFERRED")
        except BaseException as exc:  # handed to the caller's thread by ``wait``
            self.error = exc


def _copy(cursor, sql: str, lines: bytes) -> None:
    # One read of the whole batch: each read takes the GIL back from the preparing thread.
    cursor.copy_expert(sql, io.BytesIO(lines), size=len(lines) + 1)


def copy_field(value: Any) -> bytes:
    """One field in COPY's text format."""
    return _field(value)
