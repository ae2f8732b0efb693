"""Publishing tasks from requests that must not hang on a dead broker.

``publish_quickly`` keeps one broker connection per thread (and per process and broker URL: a
connection inherited across ``fork``, or to a broker no longer configured, is never reused), so a publish costs one Redis round trip instead of a
new connection. It makes one quick attempt and raises if the broker cannot be reached; callers
keep an outbox row that a beat sweep picks up, so nothing is lost when it raises.
"""

from __future__ import annotations

import contextlib
import os
import threading
from typing import Any

_local = threading.local()


def _kept(app) -> Any:
    """The kept connection, if it belongs to this process and still to the configured broker."""
    conn = getattr(_local, "conn", None)
    same = getattr(_local, "key", None) == (os.getpid(), _broker(app))
    return conn if conn is not None and same else None


def _broker(app) -> str:
    return str(app.conf.broker_write_url or app.conf.broker_url)


def _connection(app) -> Any:
    conn = _kept(app)
    if conn is not None:
        return conn
    _forget()
    conn = app.connection_for_write()
    try:
        conn.ensure_connection(max_retries=1, interval_start=0, interval_step=0.1, timeout=2)
    except Exception:
        conn.release()
        raise
    _local.conn, _local.key = conn, (os.getpid(), _broker(app))
    return conn


def _forget() -> None:
    conn, _local.conn = getattr(_local, "conn", None), None
    if conn is not None and getattr(_local, "key", (None,))[0] == os.getpid():
        with contextlib.suppress(Exception):  # already broken: dropping it is all that is left
            conn.release()


def publish_quickly(task, args: tuple, **options: Any) -> None:
    """Send ``task`` with ``args``; one retry on a fresh connection if the kept one went stale."""
    if task.app.conf.task_always_eager:
        task.apply_async(args, **options)
        return
    for attempt in (1, 2):
        reused = _kept(task.app) is not None
        try:
            task.apply_async(args, connection=_connection(task.app), retry=False, **options)
            return
        except Exception:
            _forget()
            if attempt == 2 or not reused:
                raise
