"""Intake under load: concurrent report submissions against a real server and PostgreSQL.

Creates a throwaway database on the PostgreSQL server of ``DATABASE_URL``, migrates it, starts
gunicorn (one sync worker per core, demo profile: production Argon2id parameters) and drives it
with 16 client threads. In the same run it measures two baselines:

- the same server answering a minimal POST that inserts one row (same clients, same count);
- one Argon2id derivation at the production parameters, in this process.

Each submission is a full report through ``/report/new/`` (CSRF token, signed nonce,
questionnaire answers, a description): one receipt derivation, the case, the sealed report, two
audit rows. Three targets, measured in the same run:

- service time: p50 with one client per core ≤ one derivation + 3 × the minimal POST's p50 (at
  one client per core too);
- throughput with 16 clients ≥ 90 % of cores ÷ derivation time;
- queueing: p50 with 16 clients ≤ 1.2 × (16 × the measured per-submission time ÷ cores), the
  per-submission time being the one-client-per-core p50. With 16 clients on fewer cores a request
  waits behind 16 ÷ cores others, so no server can do better than that product; an absolute
  latency target at 16 clients would measure the queue, not the server.

Ends with one ``RESULT intake ... ok|FAIL`` line per target.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres REDIS_URL=redis://127.0.0.1:6379/11 \
      .venv/bin/python bench/intake.py --reports 320
"""

from __future__ import annotations

import argparse
import os
import re
import signal
import socket
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from bench.common import admin_sql, percentile  # noqa: E402

CLIENTS = 16


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _drive(
    base: str, count: int, make_request, clients: int = CLIENTS
) -> tuple[list[float], float]:
    """Run ``count`` requests over ``clients`` threads; returns latencies (s) and wall time."""
    latencies: list[float] = []
    lock = threading.Lock()
    remaining = [count]

    def worker():
        import requests

        session = requests.Session()
        prepare = make_request(session, base)
        while True:
            with lock:
                if remaining[0] <= 0:
                    return
                remaining[0] -= 1
            started = time.perf_counter()
            response = prepare()
            elapsed = time.perf_counter() - started
            if response.status_code != 200:
                raise SystemExit(f"unexpected {response.status_code} from the server")
            with lock:
                latencies.append(elapsed)

    threads = [threading.Thread(target=worker) for _ in range(clients)]
    started = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return latencies, time.perf_counter() - started


def _minimal(session, base):
    return lambda: session.post(f"{base}/bench/minimal/", data={"x": "1"}, timeout=60)


def _submission(category: str, entity: int, question: int):
    from whistleblowing.forms import new_nonce

    def make(session, base):
        page = session.get(f"{base}/report/new/?category={category}", timeout=60)
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text).group(1)

        def post():
            response = session.post(
                f"{base}/report/new/",
                data={
                    "csrfmiddlewaretoken": token,
                    "category": category,
                    "nonce": new_nonce(),
                    "entity": str(entity),
                    f"q_{question}": "Un inspector",
                    "description": "Me pidieron dinero para agilizar un trámite.",
                },
                headers={"Referer": f"{base}/report/new/"},
                timeout=60,
            )
            if 'id="receipt"' not in response.text:
                raise SystemExit("a submission did not return a receipt")
            return response

        return post

    return make


def _derivation_seconds(runs: int = 5) -> float:
    from lacs import crypto

    times = []
    for _ in range(runs):
        started = time.perf_counter()
        crypto.derive_key("odio siglo rampa alba quemar folio roer ocio", crypto.new_salt())
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=float, default=1.0, help="fraction of 320 reports")
    parser.add_argument("--reports", type=int, default=None, help="an exact count instead")
    args = parser.parse_args()
    args.reports = args.reports or max(CLIENTS, round(320 * args.scale))
    base_url = os.environ.get("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/postgres")
    name = f"lacs_bench_intake_{os.getpid()}"
    db_url = urlunsplit(urlsplit(base_url)._replace(path=f"/{name}"))
    env = {
        **os.environ,
        "DATABASE_URL": db_url,
        "DJANGO_SETTINGS_MODULE": "bench.intake_settings",
        "LACS_PROFILE": "demo",
        "PYTHONPATH": str(ROOT),
    }
    os.environ.update(
        {k: env[k] for k in ("DATABASE_URL", "DJANGO_SETTINGS_MODULE", "LACS_PROFILE")}
    )
    admin_sql(base_url, f'CREATE DATABASE "{name}"')
    server = None
    try:
        python = sys.executable
        subprocess.run([python, "manage.py", "migrate", "-v", "0"], cwd=ROOT, env=env, check=True)
        import django

        django.setup()
        from django.db import connection

        from lacs.models import Category, Entity, EntityKind
        from whistleblowing.models import Question, Questionnaire

        entity = Entity.objects.create(name="Ente de prueba", kind=EntityKind.SECRETARIA)
        category = Category.objects.create(code="bench", name="Prueba")
        form = Questionnaire.objects.create(category=category)
        question = Question.objects.create(questionnaire=form, kind="text", label="¿Quién?")
        with connection.cursor() as cursor:
            cursor.execute("CREATE TABLE bench_minimal (id bigserial PRIMARY KEY, day date)")
        connection.close()

        cores = os.cpu_count() or 1
        port = _free_port()
        server = subprocess.Popen(
            [
                str(Path(python).with_name("gunicorn")),
                "-c",
                "lacs/gunicorn_conf.py",
                "lacs.wsgi:application",
                "--bind",
                f"127.0.0.1:{port}",
                "--workers",
                str(cores),
                "--log-level",
                "warning",
            ],
            cwd=ROOT,
            env=env,
            start_new_session=True,
        )
        base = f"http://127.0.0.1:{port}"
        import requests

        deadline = time.monotonic() + 60
        while True:
            try:
                requests.get(f"{base}/report/", timeout=10)
                break
            except requests.RequestException:
                if time.monotonic() > deadline or server.poll() is not None:
                    raise SystemExit("the server did not start") from None
                time.sleep(0.3)

        _drive(base, 2 * CLIENTS, _minimal)  # warm-up
        minimal, minimal_wall = _drive(base, args.reports, _minimal)
        derivation = _derivation_seconds()
        submit = _submission(category.code, entity.pk, question.pk)
        _drive(base, CLIENTS, submit)  # warm-up
        latencies, wall = _drive(base, args.reports, submit)
        # The service time, without queueing: one client per core.
        unqueued, _wall = _drive(base, max(cores * 8, 16), submit, clients=cores)
        unqueued_minimal, _wall = _drive(base, max(cores * 8, 16), _minimal, clients=cores)
    finally:
        if server is not None and server.poll() is None:
            os.killpg(server.pid, signal.SIGTERM)
            server.wait(timeout=30)
        from django.db import connections

        connections.close_all()
        admin_sql(base_url, f'DROP DATABASE IF EXISTS "{name}"')

    rate = args.reports / wall
    bound = cores / derivation
    p50, p95 = percentile(latencies, 0.5), percentile(latencies, 0.95)
    m50, m95 = percentile(minimal, 0.5), percentile(minimal, 0.95)
    u50, um50 = percentile(unqueued, 0.5), percentile(unqueued_minimal, 0.5)
    service_target = derivation + 3 * um50
    rate_target = 0.9 * bound
    queue_target = 1.2 * (CLIENTS * u50 / cores)
    print(f"cores={cores} clients={CLIENTS} reports={args.reports}")
    print(f"argon2id derivation: {derivation * 1000:.1f} ms (bound {bound:.1f}/s)")
    print(
        f"minimal POST: {args.reports / minimal_wall:.1f}/s p50={m50 * 1000:.1f} ms p95={m95 * 1000:.1f} ms"
    )
    print(
        f"submissions, {CLIENTS} clients: {rate:.1f}/s p50={p50 * 1000:.1f} ms p95={p95 * 1000:.1f} ms"
    )
    print(
        f"one client per core: submission p50={u50 * 1000:.1f} ms, minimal POST p50="
        f"{um50 * 1000:.1f} ms"
    )
    ok_service = u50 <= service_target
    ok_rate = rate >= rate_target
    ok_queue = p50 <= queue_target
    print(
        f"RESULT intake service p50@{cores}clients={u50 * 1000:.1f}ms "
        f"target<={service_target * 1000:.1f}ms (derivation + 3x minimal POST) "
        f"{'ok' if ok_service else 'FAIL'}"
    )
    print(
        f"RESULT intake throughput@{CLIENTS}clients={rate:.1f}/s "
        f"target>={rate_target:.1f}/s (90% of cores / derivation) {'ok' if ok_rate else 'FAIL'}"
    )
    print(
        f"RESULT intake latency p50@{CLIENTS}clients={p50 * 1000:.1f}ms "
        f"target<={queue_target * 1000:.1f}ms (1.2 x {CLIENTS} x per-submission / cores) "
        f"{'ok' if ok_queue else 'FAIL'}"
    )
    return 0 if ok_service and ok_rate and ok_queue else 1


if __name__ == "__main__":
    sys.exit(main())
