"""Insert many new rows with PostgreSQL's COPY — about three times faster than a multi-row
INSERT for large JSON documents. Only for rows known to be new; a concurrent import that got
there first makes the caller fall back to an upsert (see ``copy_or_upsert``)."""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Callable, Iterable, Sequence
from decimal import Decimal
from typing import Any

import orjson
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
