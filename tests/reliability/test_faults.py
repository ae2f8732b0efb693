"""Reports submitted by concurrent clients while the services fail under them.

A private PostgreSQL cluster, a private Redis, gunicorn (2 workers, ``lacs/gunicorn_conf.py``)
and a Celery worker are started for the test. ``LACS_FAULT_REPORTS`` clients' submissions
(default 1,000) go through the report form and the anonymous API while:

- Redis is stopped (queued routing messages are lost with it) and started again;
- the routing worker is SIGKILLed while it holds a case's routing row inside its transaction;
- PostgreSQL is restarted (every open connection and transaction is cut).

Afterwards every receipt opens exactly one report, routed exactly once, readable by its
recipient (their wrap and private key) and by the whistle-blower (the receipt); the database
holds no case, report or audit row beyond those receipts; the audit chain verifies.
"""

from __future__ import annotations

import json
import os
import re
import signal
import threading
import time
from collections import Counter
from dataclasses import dataclass, field

import psycopg2
import pytest
import requests

from tests.reliability.stack import (
    Gunicorn,
    PostgresCluster,
    RedisServer,
    Worker,
    manage,
    probe,
    service_env,
    wait_until,
)

pytestmark = pytest.mark.services
COUNT = int(os.environ.get("LACS_FAULT_REPORTS", "1000"))
CLIENTS = 8
# Fractions of the run at which each fault starts (and Redis comes back).
REDIS_DOWN, REDIS_UP, WORKER_KILL, PG_RESTART = 0.10, 0.30, 0.45, 0.65


@dataclass
class Run:
    base: str
    entity: int
    category: str
    next_index: int = 0
    phase: str = "normal"
    receipts: list[dict] = field(default_factory=list)
    outcomes: Counter = field(default_factory=Counter)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def claim(self) -> tuple[int, str] | None:
        with self.lock:
            if self.next_index >= COUNT:
                return None
            self.next_index += 1
            return self.next_index, self.phase


@pytest.fixture
def stack(tmp_path):
    pg, redis = PostgresCluster(), RedisServer()
    started: list = []
    previous = signal.signal(signal.SIGTERM, _interrupt)  # a killed run still tidies up
    try:
        pg.init()
        redis.start()
        env = service_env(pg.create_database("lacs_faults"), redis, tmp_path / "keys")
        manage(env, "migrate", "--no-input", "-v", "0")
        seeded = probe(env, "seed")
        server = Gunicorn(env).start()
        started.append(server)
        yield {"pg": pg, "redis": redis, "env": env, "server": server, **seeded, "procs": started}
    finally:
        for proc in reversed(started):
            proc.stop()
        redis.destroy()
        pg.destroy()
        signal.signal(signal.SIGTERM, previous)


def _interrupt(signum, frame):
    raise KeyboardInterrupt


def _form_session(run: Run) -> tuple[requests.Session, str]:
    session = requests.Session()
    page = session.get(f"{run.base}/report/new/?category={run.category}", timeout=60)
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text).group(1)
    return session, token


def _submit_form(run: Run, session, token: str, description: str) -> dict | None:
    from whistleblowing.forms import new_nonce  # same test-profile SECRET_KEY as the server

    response = session.post(
        f"{run.base}/report/new/",
        data={
            "csrfmiddlewaretoken": token,
            "category": run.category,
            "nonce": new_nonce(),
            "entity": str(run.entity),
            "description": description,
        },
        headers={"Referer": f"{run.base}/report/new/"},
        timeout=60,
    )
    receipt = re.search(r'<p id="receipt" class="receipt">([^<]+)</p>', response.text)
    if response.status_code != 200 or receipt is None:
        return None
    number = re.search(r"<strong>(CDMX-[0-9]+-[0-9]+)</strong>", response.text).group(1)
    return {"receipt": receipt.group(1).strip(), "number": number}


def _submit_api(run: Run, session, description: str) -> dict | None:
    from whistleblowing.forms import new_nonce  # the challenge the API's GET would give

    response = session.post(
        f"{run.base}/api/v1/reports/",
        json={
            "challenge": new_nonce(),
            "entity": run.entity,
            "category": run.category,
            "description": description,
        },
        timeout=60,
    )
    if response.status_code != 201:
        return None
    body = response.json()
    return {"receipt": body["receipt"], "number": body["case_number"]}


def _client(run: Run) -> None:
    session, token = _form_session(run)
    api = requests.Session()
    while (claimed := run.claim()) is not None:
        index, phase = claimed
        door = "api" if index % 4 == 0 else "form"
        description = f"Denuncia de prueba {index}: {os.urandom(6).hex()}"
        try:
            if door == "form":
                got = _submit_form(run, session, token, description)
            else:
                got = _submit_api(run, api, description)
        except requests.RequestException:
            got = None
        with run.lock:
            run.outcomes[(phase, door, "receipt" if got else "refused")] += 1
            if got:
                run.receipts.append({**got, "description": description})


def _routing_row_claimed(cursor) -> bool:
    """A worker's backend sits inside its routing transaction (after FOR UPDATE SKIP LOCKED)."""
    cursor.execute(
        "SELECT count(*) FROM pg_stat_activity WHERE state = 'idle in transaction' "
        "AND query ILIKE '%%cases_route_facts_claim%%'"  # the prepared claim (cases.routing)
    )
    return cursor.fetchone()[0] > 0


def _sweep_now(redis_url: str) -> None:
    """Send the beat's sweep through our broker, so the worker has routing to do."""
    from lacs.celery import app

    with app.connection_for_write(redis_url) as conn:
        app.send_task("cases.routing_sweep", kwargs={"older_than_seconds": 0}, connection=conn)


def _kill_inside_routing(stack: dict) -> None:
    _sweep_now(stack["env"]["REDIS_URL"])
    conn = psycopg2.connect(stack["env"]["DATABASE_URL"])
    conn.autocommit = True
    try:
        with conn.cursor() as cursor:
            wait_until(lambda: _routing_row_claimed(cursor), timeout=60, step=0.01)
            stack["worker"].kill()
    finally:
        conn.close()


def _faults(run: Run, stack: dict, log: list[str]) -> None:
    """Inject each fault once the run has reached its fraction of submissions."""

    def reach(fraction: float) -> None:
        wait_until(lambda: run.next_index >= fraction * COUNT, timeout=600, step=0.05)

    env = stack["env"]
    reach(REDIS_DOWN)
    run.phase = "redis_down"
    stack["redis"].stop()
    log.append(f"redis stopped at {run.next_index}")
    reach(REDIS_UP)
    stack["redis"].start()
    run.phase = "worker_killed"
    log.append(f"redis started at {run.next_index}")
    reach(WORKER_KILL)
    _kill_inside_routing(stack)
    log.append(f"worker SIGKILLed inside a routing transaction at {run.next_index}")
    replacement = Worker(env).start()
    stack["procs"].append(replacement)
    reach(PG_RESTART)
    run.phase = "pg_restart"
    stack["pg"].restart()
    log.append(f"postgresql restarted at {run.next_index}")
    run.phase = "after"


def test_reports_survive_redis_down_worker_killed_and_postgres_restart(stack, tmp_path):
    started = time.monotonic()
    # The first worker pauses inside each routing transaction, so it can be killed in one.
    first = Worker({**stack["env"], "LACS_CASES_TEST_ROUTING_PAUSE": "0.1"}).start()
    stack["procs"].append(first)
    stack["worker"] = first
    run = Run(base=stack["server"].base, entity=stack["entity"], category=stack["category"])
    log: list[str] = []
    clients = [threading.Thread(target=_client, args=(run,)) for _ in range(CLIENTS)]
    injector = threading.Thread(target=_faults, args=(run, stack, log))
    injector.start()
    for thread in clients:
        thread.start()
    for thread in clients:
        thread.join()
    injector.join(timeout=120)
    submitted = time.monotonic() - started

    settled = probe(stack["env"], "settle", "--timeout", "180")
    for proc in stack["procs"]:
        proc.stop()
    path = tmp_path / "receipts.json"
    path.write_text(json.dumps(run.receipts))
    counts = probe(stack["env"], "verify", str(path))

    print(f"\nfault run: {COUNT} submissions by {CLIENTS} clients in {submitted:.0f} s")
    print("faults:", "; ".join(log))
    for (phase, door, outcome), n in sorted(run.outcomes.items()):
        print(f"  {phase:14} {door:5} {outcome:8} {n}")
    print("after settling:", json.dumps(settled))
    print("verified:", json.dumps(counts))

    receipts = len(run.receipts)
    assert len(log) == 4, log
    assert sum(run.outcomes.values()) == COUNT
    assert receipts > 0.5 * COUNT
    assert not counts["problems"]
    assert counts["distinct_cases_by_receipt"] == receipts
    assert counts["cases"] == counts["reports"] == receipts  # nothing without a receipt
    assert counts["submit_audit_rows"] == receipts
    assert counts["routed_done"] == counts["route_audit_rows"] == receipts
    assert counts["routed_more_than_once"] == 0
    assert counts["recipients"] == receipts
    assert counts["intake_wraps_left"] == 0
    assert counts["audit_ok"]
