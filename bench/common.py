"""Helpers every benchmark shares: throwaway databases, admin SQL, percentiles, RESULT lines."""

from __future__ import annotations

import contextlib


def admin_sql(url: str, sql: str) -> None:
    """Run one statement outside a transaction (CREATE/DROP DATABASE) on the server of ``url``."""
    import psycopg2

    connection = psycopg2.connect(url)
    connection.autocommit = True
    with connection.cursor() as cursor:
        cursor.execute(sql)
    connection.close()


@contextlib.contextmanager
def scratch_database(prefix: str, *, keep: bool = False):
    """Point Django's default connection at a new database for the block, then drop it."""
    import os

    from django.db import connection, connections

    original = connection.settings_dict["NAME"]
    scratch = f"{prefix}_{os.getpid()}"
    with connection.cursor() as cursor:
        cursor.execute(f'CREATE DATABASE "{scratch}"')
    connection.close()
    connections.databases["default"]["NAME"] = scratch
    try:
        yield scratch
    finally:
        connection.close()
        connections.databases["default"]["NAME"] = original
        if not keep:
            with connection.cursor() as cursor:
                cursor.execute(f'DROP DATABASE IF EXISTS "{scratch}"')


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))] if ordered else float("nan")
