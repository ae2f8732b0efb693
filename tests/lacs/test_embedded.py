"""Two checkouts run their embedded Redis side by side, each on a free port it records."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from pathlib import Path
from urllib.parse import urlsplit

import pytest

ROOT = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.services


def _embedded(run_dir: Path, call: str) -> str:
    """``lacs.embedded.<call>`` in a process of its own, as the settings of a checkout whose
    ``.run/`` is ``run_dir`` would run it."""
    env = {**os.environ, "LACS_RUN_DIR": str(run_dir)}
    env.pop("LACS_EMBEDDED_REDIS_PORT", None)
    done = subprocess.run(
        [sys.executable, "-c", f"from lacs import embedded; print(embedded.{call})"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    return done.stdout.strip()


def _port(url: str) -> int:
    return urlsplit(url).port


def _pong(port: int) -> bool:
    with socket.create_connection(("127.0.0.1", port), 2) as s:
        s.sendall(b"PING\r\n")
        return s.recv(16).startswith(b"+PONG")


@pytest.fixture
def checkouts(tmp_path):
    runs = [tmp_path / "one" / ".run", tmp_path / "two" / ".run"]
    yield runs
    for run in runs:
        _embedded(run, "stop()")


def test_two_checkouts_get_a_redis_each_on_the_port_they_recorded(checkouts):
    one, two = checkouts
    first, second = _embedded(one, "redis_url()"), _embedded(two, "redis_url()")
    assert _port(first) != _port(second)
    assert _port(first) != 16379  # no fixed port any more
    for run, url in ((one, first), (two, second)):
        assert (run / "redis" / "port").read_text().strip() == str(_port(url))
        assert _pong(_port(url))
    # The worker and beat of a checkout find the server its web process started.
    assert _embedded(one, "redis_url()") == first
    assert _embedded(one, "redis_port()") == str(_port(first))

    _embedded(one, "stop()")
    assert not (one / "redis" / "port").exists()
    assert _embedded(one, "redis_port()") == "None"
    assert _pong(_port(second))  # the other checkout's server runs on


def test_a_recorded_port_now_held_by_another_program_is_not_taken_for_ours(checkouts):
    one, _ = checkouts
    (one / "redis").mkdir(parents=True)
    with socket.socket() as foreign:
        foreign.bind(("127.0.0.1", 0))
        foreign.listen()
        taken = foreign.getsockname()[1]
        (one / "redis" / "port").write_text(f"{taken}\n")
        url = _embedded(one, "redis_url()")
    assert _port(url) != taken
    assert (one / "redis" / "port").read_text().strip() == str(_port(url))
    assert _pong(_port(url))
