"""Routing latency: report committed → case visible in the recipient's inbox, at p50/p95.

Runs a real Celery worker on a throwaway database and the configured Redis, then, in one run,
alternates ``--reports`` (default 500) round trips of a no-op task (``lacs.ping``), the baseline,
with as many cases opened one after another, each timed from its commit until the inbox's
permission query (``cases_visible_to``) shows it to the contact point. Alternating keeps a
noisy machine from favouring either side. Target: routing p95 at most 3× the no-op round trip's p95.
Ends with ``RESULT routing ratio=<x> target=<y> <ok|FAIL>``.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres REDIS_URL=redis://127.0.0.1:6379/0 \
    LACS_TEST_REDIS_DB=14 .venv/bin/python bench/routing.py --reports 200
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "lacs.settings_test")
os.environ["LACS_CELERY_EAGER"] = "0"
TARGET = 3.0
SETTLE = 0.03  # each sample starts on an idle worker
PUBLISH: list[float] = []  # commit → task published (the on-commit hook's own cost)


def _database_url(conf: dict, name: str) -> str:
    host = conf["HOST"] or "127.0.0.1"
    auth = conf["USER"] + (f":{conf['PASSWORD']}" if conf["PASSWORD"] else "")
    if host.startswith("/"):
        return f"postgresql://{conf['USER']}@/{name}?host={host}"
    return f"postgresql://{auth}@{host}:{conf['PORT'] or 5432}/{name}"


def _start_worker(database_url: str) -> subprocess.Popen:
    from django.conf import settings

    from lacs.celery import app

    env = {**os.environ, "DATABASE_URL": database_url, "LACS_KEY_DIR": str(settings.KEY_DIR)}
    worker = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "lacs",
            "worker",
            os.environ.get("BENCH_LOGLEVEL", "--loglevel=WARNING"),
            "--concurrency=1",
            "--pool=prefork",
            "--without-gossip",
            "--without-mingle",
        ],
        cwd=ROOT,
        env=env,
        start_new_session=True,
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if app.control.ping(timeout=0.5):
            return worker
    worker.terminate()
    raise RuntimeError("the worker did not answer")


def _percentiles(values: list[float]) -> tuple[float, float]:
    ordered = sorted(values)
    return statistics.median(ordered), ordered[min(len(ordered) - 1, int(len(ordered) * 0.95))]


def _noop_round_trip() -> float:
    from lacs.tasks import ping

    began = time.perf_counter()
    ping.apply_async(("x",)).get(timeout=30)
    return time.perf_counter() - began


def _routing_setup():
    from lacs import actions as lacs_actions
    from lacs.models import Category, ContactPoint, Entity
    from tests.factories import PASSWORD, UserFactory

    entity = Entity.objects.create(name="Ente de prueba", kind="secretaria")
    category = Category.objects.create(code="bench", name="Bench")
    user = UserFactory(username="bench-contact")
    lacs_actions.user_keys_create(user=user, password=PASSWORD)
    ContactPoint.objects.create(entity=entity, user=user, kind="primary", start="2020-01-01")
    return entity, category, user


def _routing_latency(entity, category, user) -> float:
    from django.db import connection, transaction

    from cases.access import cases_visible_to
    from cases.actions import case_open
    from cases.models import CaseSource

    committed: list[float] = []
    with transaction.atomic():
        transaction.on_commit(lambda mark=committed: mark.append(time.perf_counter()))
        case, _key = case_open(entity=entity, category=category, source=CaseSource.REPORT)
        transaction.on_commit(lambda mark=committed: mark.append(time.perf_counter()))
    # the inbox's own permission query, compiled once: polling must not cost more than it sees
    sql, params = cases_visible_to(user).filter(pk=case.pk).values("pk").query.sql_with_params()
    with connection.cursor() as cursor:
        while True:
            cursor.execute(sql, params)
            if cursor.fetchone():
                break
            time.sleep(0.001)  # a 1 ms step: finer would steal the worker's CPU
    PUBLISH.append(committed[1] - committed[0])
    return time.perf_counter() - committed[0]


def _measure(n: int) -> tuple[list[float], list[float]]:
    """Alternate one no-op round trip and one routed report, so both see the same machine, each
    starting on an idle worker."""
    people = _routing_setup()
    for _ in range(10):  # warm both paths (connections, prepared statements, imports)
        _noop_round_trip()
        _routing_latency(*people)
    PUBLISH.clear()
    noop, routing = [], []
    for _ in range(n):
        noop.append(_noop_round_trip())
        time.sleep(SETTLE)
        routing.append(_routing_latency(*people))
        time.sleep(SETTLE)  # the routing's after-commit work (its notice) must not slow the no-op
    return noop, routing


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--scale", type=float, default=1.0, help="fraction of 500 reports")
    parser.add_argument("--reports", type=int, default=None, help="an exact count instead")
    args = parser.parse_args()
    args.reports = args.reports or max(20, round(500 * args.scale))

    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection, connections

    from lacs.celery import app

    app.conf.task_always_eager = False
    original = connection.settings_dict["NAME"]
    scratch = f"lacs_bench_routing_{os.getpid()}"
    with connection.cursor() as cur:
        cur.execute(f'CREATE DATABASE "{scratch}"')
    connection.close()
    connections.databases["default"]["NAME"] = scratch
    worker = None
    try:
        call_command("migrate", verbosity=0)
        app.control.purge()
        worker = _start_worker(_database_url(connection.settings_dict, scratch))
        noop, routing = _measure(args.reports)
    finally:
        if worker is not None:
            os.killpg(worker.pid, 15)
            worker.wait(timeout=30)
        connection.close()
        connections.databases["default"]["NAME"] = original
        with connection.cursor() as cur:
            cur.execute(f'DROP DATABASE IF EXISTS "{scratch}"')
    noop_p50, noop_p95 = _percentiles(noop)
    route_p50, route_p95 = _percentiles(routing)
    print(f"no-op task round trip   p50 {noop_p50 * 1000:7.1f} ms   p95 {noop_p95 * 1000:7.1f} ms")
    print(
        f"commit → inbox          p50 {route_p50 * 1000:7.1f} ms   p95 {route_p95 * 1000:7.1f} ms"
        f"   ({args.reports} reports)"
    )
    print(f"of which publishing     p50 {statistics.median(PUBLISH) * 1000:7.1f} ms (on commit)")
    ratio = route_p95 / noop_p95
    print(
        f"RESULT routing ratio={ratio:.2f} target={TARGET:.1f} {'ok' if ratio <= TARGET else 'FAIL'}"
    )
    return 0 if ratio <= TARGET else 1


if __name__ == "__main__":
    sys.exit(main())
