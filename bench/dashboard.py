"""CPC dashboard cost at the design's scale, next to one ``SELECT count(*)`` over the cases.

Builds, in a throwaway database on the configured PostgreSQL server, ``1,000,000 × scale`` cases
and ``1,000,000 × scale`` procurement processes over 300 entities (with red flags on 5 % of the
processes), rebuilds the pre-aggregated figures once (timed, for information), then times in one
run:

- the baseline: ``SELECT count(*) FROM cases_case``;
- the whole CPC dashboard (every panel, rendered through the real view, middleware and template)
  with no filter, and with one entity filter.

The target is the slower dashboard at most 3× the count. Ends with
``RESULT dashboard ratio=<x> target=3 <ok|FAIL>``.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres .venv/bin/python bench/dashboard.py --scale 0.05
"""

from __future__ import annotations

import argparse
import datetime as dt
import io
import os
import random
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "lacs.settings_test")

from bench.common import scratch_database  # noqa: E402

FULL = 1_000_000
ENTITIES = 300
TARGET = 3.0
STATUSES = ["received", "acknowledged", "assessment", "investigation", "referred", "closed"]
SOURCES = ["report", "report", "report", "staff", "red_flag", "audit"]
OUTCOMES = ["substantiated", "unsubstantiated", "insufficient", "out_of_scope"]
METHODS = ["open", "selective", "direct", "direct", ""]


def _text(value) -> str:
    if value is None:
        return "\\N"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list):
        return "{}"
    return str(value).replace("\t", " ").replace("\n", " ")


def _copy(cursor, model, rows, given: tuple[str, ...]) -> None:
    """COPY rows of ``given`` columns; every other column gets the model field's default, so a
    field added to the model later does not break the benchmark."""
    fields = [f for f in model._meta.concrete_fields if not f.primary_key]
    names = [f.attname for f in fields]
    unknown = set(given) - set(names)
    if unknown:
        raise SystemExit(f"{model._meta.label} has no column(s) {sorted(unknown)}")
    defaults = {f.attname: f.get_default() for f in fields}
    buffer = io.StringIO()
    for row in rows:
        values = dict(zip(given, row, strict=True))
        buffer.write("\t".join(_text(values.get(n, defaults[n])) for n in names) + "\n")
    buffer.seek(0)
    columns = ", ".join(f'"{f.column}"' for f in fields)
    cursor.copy_expert(f"COPY {model._meta.db_table} ({columns}) FROM STDIN", buffer)


def _chunks(generator_factory, total: int, size: int = 200_000):
    for start in range(0, total, size):
        yield generator_factory(start, min(total, start + size))


def build(n_cases: int, n_processes: int, seed: int = 7) -> list[int]:
    """Load entities, categories, cases, buyers, processes and flags; returns the entity ids."""
    from django.db import connection
    from django.utils import timezone

    from cases.models import Case
    from lacs.models import Category, Entity
    from procurement.models import Buyer, FlagRun, Process, RedFlag

    rng = random.Random(seed)
    today = timezone.localdate()
    first = today.replace(day=1) - dt.timedelta(days=3 * 365)
    span = (today - first).days
    with connection.cursor() as cur:
        _copy(
            cur,
            Entity,
            ((f"Ente {i}", f"E{i}", "secretaria") for i in range(ENTITIES)),
            ("name", "acronym", "kind"),
        )
        _copy(
            cur,
            Category,
            ((f"cat-{i}", f"Categoría {i}", i) for i in range(12)),
            ("code", "name", "position"),
        )
        cur.execute("SELECT id FROM lacs_entity ORDER BY id")
        entities = [r[0] for r in cur.fetchall()]
        cur.execute("SELECT id FROM lacs_category ORDER BY id")
        categories = [r[0] for r in cur.fetchall()]

        def cases(lo: int, hi: int):
            for i in range(lo, hi):
                received = first + dt.timedelta(days=rng.randrange(span))
                status = rng.choice(STATUSES)
                acked = (
                    received + dt.timedelta(days=rng.randrange(12))
                    if status != "received"
                    else None
                )
                given = (
                    received + dt.timedelta(days=rng.randrange(20, 120))
                    if status in ("closed", "referred", "investigation") and rng.random() < 0.8
                    else None
                )
                yield (
                    f"B-{i:08d}",
                    rng.choice(SOURCES),
                    rng.choice(entities),
                    rng.choice(categories),
                    status,
                    received,
                    received + dt.timedelta(days=7),
                    received + dt.timedelta(days=90),
                    acked if acked and acked <= today else None,
                    given if given and given <= today else None,
                    rng.choice(OUTCOMES) if status == "closed" else "",
                )

        columns = (
            "number",
            "source",
            "entity_id",
            "category_id",
            "status",
            "received_on",
            "acknowledge_by",
            "feedback_by",
            "acknowledged_on",
            "feedback_given_on",
            "outcome",
        )
        for chunk in _chunks(cases, n_cases):
            _copy(cur, Case, chunk, columns)
        _copy(
            cur,
            Buyer,
            ((f"BUY{i:04d}", entity) for i, entity in enumerate(entities)),
            ("key", "entity_id"),
        )
        cur.execute("SELECT id FROM procurement_buyer ORDER BY id")
        buyers = [r[0] for r in cur.fetchall()]

        def processes(lo: int, hi: int):
            for i in range(lo, hi):
                day = first + dt.timedelta(days=rng.randrange(span))
                amount = rng.randrange(10_000, 50_000_000)
                yield (
                    f"ocds-bench-{i:08d}",
                    "{}",
                    "x",
                    f"{day.isoformat()} 12:00:00+00",
                    day.year,
                    rng.choice(METHODS),
                    amount,
                    amount,
                    "MXN",
                    rng.choice(buyers),
                )

        columns = (
            "ocid",
            "data",
            "digest",
            "date",
            "year",
            "method",
            "tender_amount",
            "awarded_amount",
            "currency",
            "buyer_id",
        )
        for chunk in _chunks(processes, n_processes):
            _copy(cur, Process, chunk, columns)
        _copy(cur, FlagRun, [("2026-01-01 00:00:00+00",)], ("created_at",))
        cur.execute(
            f'INSERT INTO {RedFlag._meta.db_table} (run_id, "group", key, code, value, process_id) '  # noqa: S608
            "SELECT (SELECT max(id) FROM procurement_flagrun), 'OCID', ocid, "
            "'R0' || (id % 9 + 1), 1, id FROM procurement_process WHERE id % 20 = 0"
        )
        cur.execute("ANALYZE")
    return entities


def _median_ms(fn, runs: int) -> float:
    fn()  # warm caches and connections
    times = []
    for _ in range(runs):
        began = time.perf_counter()
        fn()
        times.append(time.perf_counter() - began)
    return statistics.median(times) * 1000


def measure(entities: list[int], runs: int) -> dict[str, float]:
    from django.db import connection
    from django.test import Client

    from lacs.models import Role, RoleAssignment
    from tests.factories import UserFactory

    def count() -> None:
        with connection.cursor() as cur:
            cur.execute("SELECT count(*) FROM cases_case")
            cur.fetchone()

    user = UserFactory(username="cpc-bench")
    RoleAssignment.objects.create(user=user, role=Role.CPC, start=dt.date(2020, 1, 1))
    client = Client()
    client.force_login(user)
    one = entities[len(entities) // 2]

    def page(params: dict) -> None:
        response = client.get("/dashboards/", params)
        assert response.status_code == 200, response.status_code
        assert b"Casos por ente" in response.content

    return {
        "baseline count(*)": _median_ms(count, runs),
        "dashboard, no filter": _median_ms(lambda: page({}), runs),
        "dashboard, one entity": _median_ms(lambda: page({"entity": one}), runs),
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--scale", type=float, default=1.0, help="fraction of 1,000,000 each")
    parser.add_argument("--runs", type=int, default=15, help="timed renders per variant")
    parser.add_argument("--keep", action="store_true", help="keep the throwaway database")
    args = parser.parse_args()

    import django

    django.setup()
    from django.core.management import call_command

    from oversight import actions

    with scratch_database("lacs_bench_dashboard", keep=args.keep):
        n = max(1000, int(FULL * args.scale))
        call_command("migrate", verbosity=0)
        began = time.perf_counter()
        entities = build(n, n)
        print(
            f"built {n:,} cases and {n:,} processes over {ENTITIES} entities "
            f"in {time.perf_counter() - began:.1f} s"
        )
        began = time.perf_counter()
        refresh = actions.figures_refresh()
        print(
            f"figures rebuilt in {time.perf_counter() - began:.1f} s: {refresh.rows:,} rows"
            f"{', missing ' + ', '.join(refresh.missing) if refresh.missing else ''}"
        )
        result = measure(entities, args.runs)
    for name, ms in result.items():
        print(f"{name:<24} {ms:8.2f} ms (median of {args.runs})")
    baseline = result["baseline count(*)"]
    ratio = max(result["dashboard, no filter"], result["dashboard, one entity"]) / baseline
    print(
        f"RESULT dashboard ratio={ratio:.2f} target={TARGET:g} {'ok' if ratio <= TARGET else 'FAIL'}"
    )
    return 0 if ratio <= TARGET else 1


if __name__ == "__main__":
    sys.exit(main())
