"""Server-side prepared statements for the few statements every report pays for.

PostgreSQL plans a statement each time it is sent; for routing's wide read that planning costs
more than running it. ``execute_prepared`` sends ``PREPARE`` once per database connection and
``EXECUTE`` afterwards. Write the statement with ``$1 … $n`` and casts where a type is not
obvious; pass the values as a list. Prepared statements live in the server session, so the
database must be reached directly or through a session-pooling proxy (not transaction pooling).
"""

from __future__ import annotations

import weakref

from django.db import connection

_prepared: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def execute_prepared(cursor, name: str, sql: str, params: list) -> None:
    """Run ``sql`` (named ``name``, unique in the code base) on ``cursor`` as a prepared statement."""
    raw = connection.connection  # the psycopg2 connection: PREPARE lives as long as it does
    names = _prepared.setdefault(raw, set())
    if name not in names:
        cursor.execute(f"PREPARE {name} AS {sql}")
        names.add(name)
    placeholders = ", ".join(["%s"] * len(params))
    cursor.execute(f"EXECUTE {name} ({placeholders})" if params else f"EXECUTE {name}", params)
