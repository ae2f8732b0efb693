"""Mixed load for a bounded time: submissions, follow-ups, inbox pages and the dashboard.

Starts its own throwaway services on loopback (an initdb'd PostgreSQL cluster, a redis-server,
gunicorn with 2 workers and ``-c lacs/gunicorn_conf.py``, one Celery worker), seeds a contact
point and a CPC member, then:

1. baseline: one client runs the mix for a quarter of the time (p95 per kind);
2. load: ``CLIENTS × scale`` clients run the mix for ``DURATION × scale`` seconds;
3. every receipt handed out is checked: its report exists once, routed once, readable by the
   whistle-blower (receipt) and the recipient (wrap + private key) — no lost report.

The server and worker run with the production Argon2id parameters (``bench/load_settings.py``:
64 MiB, three passes), so every submission and follow-up pays the receipt derivation production
pays; under the test profile's 1 MiB the rate was several times what production sustains.

Prints throughput, p50/p95 and errors per kind, then
``RESULT load ratio=<p95 under load ÷ p95 single client> target=<clients ÷ workers × 2> ok|FAIL``
(ok also needs zero errors and no lost report) and
``RESULT load sustained=<requests/s under load> errors=<n> lost=<n> argon2id=<parameters> ok|FAIL``.

    .venv/bin/python bench/load.py --scale 0.5
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import tempfile
import threading
import time
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from bench.common import percentile  # noqa: E402
from tests.reliability.stack import (  # noqa: E402
    Gunicorn,
    PostgresCluster,
    RedisServer,
    Worker,
    manage,
    probe,
    service_env,
)

WORKERS = 2
CLIENTS = 8
DURATION = 40.0
# The mix, in the order a client cycles through it.
MIX = ("submit", "inbox", "submit", "followup", "dashboard", "submit", "followup", "inbox")


class Client:
    def __init__(self, base: str, seeded: dict, cookies: dict, shared: dict) -> None:
        import requests

        self.base, self.seeded, self.shared = base, seeded, shared
        self.anon = requests.Session()
        self.staff = {role: requests.Session() for role in cookies}
        for role, jar in cookies.items():
            for name, value in jar.items():
                self.staff[role].cookies.set(name, value)
        page = self.anon.get(f"{base}/report/new/?category={seeded['category']}", timeout=60)
        self.csrf = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text).group(1)

    def submit(self) -> bool:
        from whistleblowing.forms import new_nonce

        text = f"Denuncia de carga {time.monotonic_ns()}"
        response = self.anon.post(
            f"{self.base}/report/new/",
            data={
                "csrfmiddlewaretoken": self.csrf,
                "category": self.seeded["category"],
                "nonce": new_nonce(),
                "entity": str(self.seeded["entity"]),
                "description": text,
            },
            headers={"Referer": f"{self.base}/report/new/"},
            timeout=60,
        )
        receipt = re.search(r'<p id="receipt" class="receipt">([^<]+)</p>', response.text)
        if response.status_code != 200 or receipt is None:
            return False
        number = re.search(r"<strong>(CDMX-[0-9]+-[0-9]+)</strong>", response.text).group(1)
        with self.shared["lock"]:
            self.shared["receipts"].append(
                {"receipt": receipt.group(1).strip(), "number": number, "description": text}
            )
        return True

    def followup(self) -> bool:
        with self.shared["lock"]:
            receipts = self.shared["receipts"]
            item = receipts[len(receipts) // 2] if receipts else None
        if item is None:
            return self.submit()
        from whistleblowing.forms import new_nonce

        response = self.anon.post(
            f"{self.base}/api/v1/reports/followup/",
            json={"receipt": item["receipt"], "challenge": new_nonce()},
            timeout=60,
        )
        return response.status_code == 200 and response.json().get("case_number") == item["number"]

    def inbox(self) -> bool:
        response = self.staff["contact"].get(f"{self.base}/cases/", timeout=60)
        return response.status_code == 200

    def dashboard(self) -> bool:
        response = self.staff["cpc"].get(f"{self.base}/dashboards/", timeout=60)
        return response.status_code == 200


def _run(clients: list[Client], seconds: float) -> dict[str, dict]:
    timings: dict[str, list[float]] = defaultdict(list)
    errors: dict[str, int] = defaultdict(int)
    lock = threading.Lock()
    stop = time.monotonic() + seconds

    def loop(client: Client, offset: int) -> None:
        step = offset
        while time.monotonic() < stop:
            kind = MIX[step % len(MIX)]
            step += 1
            began = time.perf_counter()
            try:
                ok = getattr(client, kind)()
            except Exception:  # a refused connection or a timeout is an error of that kind
                ok = False
            elapsed = time.perf_counter() - began
            with lock:
                timings[kind].append(elapsed)
                errors[kind] += not ok

    threads = [threading.Thread(target=loop, args=(c, i)) for i, c in enumerate(clients)]
    began = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    wall = time.perf_counter() - began
    return {
        kind: {
            "n": len(values),
            "rate": len(values) / wall,
            "p50": percentile(values, 0.50),
            "p95": percentile(values, 0.95),
            "errors": errors[kind],
        }
        for kind, values in sorted(timings.items())
    } | {"all": _all(timings, errors, wall)}


def _all(timings, errors, wall) -> dict:
    values = [v for vs in timings.values() for v in vs]
    return {
        "n": len(values),
        "rate": len(values) / wall,
        "p50": percentile(values, 0.50),
        "p95": percentile(values, 0.95),
        "errors": sum(errors.values()),
    }


def _print(title: str, figures: dict[str, dict]) -> None:
    print(f"{title}:")
    for kind, row in figures.items():
        print(
            f"  {kind:10} n={row['n']:5}  {row['rate']:7.1f}/s  p50={row['p50'] * 1000:7.1f} ms"
            f"  p95={row['p95'] * 1000:7.1f} ms  errors={row['errors']}"
        )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=float, default=1.0, help="scales duration and clients")
    args = parser.parse_args()
    import os

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bench.load_settings")
    os.environ.setdefault("LACS_PROFILE", "test")
    pg, redis = PostgresCluster(), RedisServer()
    started: list = []
    work = Path(tempfile.mkdtemp(prefix="lacs-load-"))
    try:
        pg.init()
        redis.start()
        env = service_env(
            pg.create_database("lacs_load"),
            redis,
            work / "keys",
            DJANGO_SETTINGS_MODULE="bench.load_settings",
        )
        os.environ.update({k: env[k] for k in ("DATABASE_URL", "REDIS_URL", "LACS_KEY_DIR")})
        import django

        django.setup()  # for the signed form nonce (same test-profile secret as the server)
        from lacs import crypto

        kdf = str(crypto.kdf_current())  # the server's and the worker's: the same settings
        if crypto.kdf_current().memory_kib != crypto.ARGON2_MEMORY_KIB:
            raise SystemExit(f"not the production Argon2id parameters: {kdf}")
        manage(env, "migrate", "--no-input", "-v", "0")
        seeded = probe(env, "seed")
        cookies = {role: probe(env, "session", role) for role in ("contact", "cpc")}
        started.append(Gunicorn(env, workers=WORKERS).start())
        started.append(Worker(env).start())
        base = started[0].base
        shared: dict = {"lock": threading.Lock(), "receipts": []}
        duration = DURATION * args.scale
        count = max(2, round(CLIENTS * args.scale))

        single = _run([Client(base, seeded, cookies, shared)], duration / 4)
        _print("single client (baseline)", single)
        loaded = _run([Client(base, seeded, cookies, shared) for _ in range(count)], duration)
        _print(f"{count} clients for {duration:.0f} s on {WORKERS} gunicorn workers", loaded)

        settled = probe(env, "settle", "--timeout", "300")
        path = work / "receipts.json"
        path.write_text(json.dumps(shared["receipts"]))
        verified = probe(env, "verify", str(path))
        receipts = len(shared["receipts"])
        lost = receipts - verified["distinct_cases_by_receipt"] + len(verified["problems"])
        lost += abs(verified["cases"] - receipts) + abs(verified["routed_done"] - receipts)
        print(f"routing settled: {settled}")
        print(f"receipts {receipts}, cases {verified['cases']}, lost or wrong {lost}")
        from whistleblowing.models import Report

        stored = sorted(set(Report.objects.values_list("receipt_kdf", flat=True)))
        print(f"receipt keys stored with: {', '.join(stored)}")
        if stored != [kdf]:
            raise SystemExit(f"the server derived receipts at {stored}, not {kdf}")

        ratio = loaded["all"]["p95"] / single["all"]["p95"]
        target = count / WORKERS * 2
        errors = loaded["all"]["errors"] + single["all"]["errors"]
        ok = ratio <= target and errors == 0 and lost == 0
        rate = loaded["all"]["rate"]
        print(f"sustained {rate:.1f} requests/s with {errors} errors at {kdf}")
        print(f"RESULT load ratio={ratio:.2f} target={target:.2f} {'ok' if ok else 'FAIL'}")
        clean = errors == 0 and lost == 0
        print(
            f"RESULT load sustained={rate:.1f}/s errors={errors} lost={lost} argon2id={kdf} "
            f"{'ok' if clean else 'FAIL'}"
        )
        return 0 if ok else 1
    finally:
        for proc in reversed(started):
            proc.stop()
        redis.destroy()
        pg.destroy()


if __name__ == "__main__":
    sys.exit(main())
