"""Publishing tasks from requests that must not hang on a dead broker.

``publish_quickly`` keeps one broker connection per thread (and per process: a connection
inherited across ``fork`` is never reused), so a publish costs one Redis round trip instead of a
new connection. It makes one quick attempt and raises if the broker cannot be reached; callers
keep an outbox row that a beat sweep picks up, so nothing is lost when it raises.
"""

from __future__ import annotations

import contextlib
import os
import threading
from typing import Any

_local = threading.local()


def _connection(app) -> Any:
    conn = getattr(_local, "conn", None)
    if conn is not None and getattr(_local, "pid", None) == os.getpid():
        return conn
    conn = app.connection_for_write()
    try:
        conn.ensure_connection(max_retries=1, interval_start=0, interval_step=0.1, timeout=2)
    except Exception:
        conn.release()
        raise
    _local.conn, _local.pid = conn, os.getpid()
    return conn


def _forget() -> None:
    conn, _local.conn = getattr(_local, "conn", None), None
    if conn is not None and getattr(_local, "pid", None) == os.getpid():
        with contextlib.suppress(Exception):  # already broken: dropping it is all that is left
            conn.release()


def publish_quickly(task, args: tuple, **options: Any) -> None:
    """Send ``task`` with ``args``; one retry on a fresh connection if the kept one went stale."""
    if task.app.conf.task_always_eager:
        task.apply_async(args, **options)
        return
    for attempt in (1, 2):
        reused = getattr(_local, "conn", None) is not None and _local.pid == os.getpid()
        try:
            task.apply_async(args, connection=_connection(task.app), retry=False, **options)
            return
        except Exception:
            _forget()
            if attempt == 2 or not reused:
                raise
