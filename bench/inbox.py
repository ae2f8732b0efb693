"""Inbox cost at the design's scale: permission-filtered pages next to unfiltered ones.

Builds, in a throwaway database on the configured PostgreSQL server, ``1,000,000 × scale``
cases over 300 entities and 2,000 contact points (each case routed to one contact point of its
entity: a guardian permission row per case and permission, as routing writes them), then times
for a sample of contact points, in one run:

- the first inbox page (count + 25 rows, newest first) through ``cases.access.cases_visible_to``;
- a filtered page (status "received", sorted by acknowledge deadline), likewise;
- the same two pages with no permission filtering, restricted to the contact point's entity by
  a plain ``entity_id`` index (the baseline: what the page would cost without any permissions);
- for reference, the same pages over all cases with no filter at all.

The target is that permissions cost at most 2× the baseline (they are an index join, not a
scan of generic permission rows). Ends with ``RESULT inbox ratio=<x> target=<y> <ok|FAIL>``.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres .venv/bin/python bench/inbox.py --scale 0.05
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

FULL_CASES = 1_000_000
ENTITIES = 300
CONTACT_POINTS = 2_000
PAGE = 25
TARGET = 2.0
STATUSES = ["received", "acknowledged", "assessment", "investigation", "referred", "closed"]


def _copy(cursor, table: str, columns: list[str], rows) -> None:
    buffer = io.StringIO()
    for row in rows:
        buffer.write("\t".join("\\N" if v is None else str(v) for v in row) + "\n")
    buffer.seek(0)
    cursor.copy_expert(f"COPY {table} ({', '.join(columns)}) FROM STDIN", buffer)


def build(n_cases: int, seed: int = 7) -> list[tuple[int, int]]:
    """Load the data set with COPY; returns (user_id, entity_id) of every contact point."""
    from django.contrib.auth.models import Permission
    from django.db import connection

    rng = random.Random(seed)
    with connection.cursor() as cur:
        cur.execute(
            "INSERT INTO lacs_category (code, name, name_en, description, retention_days, "
            "active, position) SELECT 'cat-' || g, 'Categoría ' || g, '', '', 1825, true, g "
            "FROM generate_series(1, 12) g"
        )
        cur.execute("SELECT id FROM lacs_category ORDER BY id")
        categories = [r[0] for r in cur.fetchall()]
        _copy(
            cur,
            "lacs_entity",
            ["name", "acronym", "kind", "is_comptroller", "escrow_public_key", "active"],
            ((f"Ente {i}", f"E{i}", "secretaria", "false", "", "true") for i in range(ENTITIES)),
        )
        cur.execute("SELECT id FROM lacs_entity ORDER BY id")
        entities = [r[0] for r in cur.fetchall()]
        _copy(
            cur,
            "auth_user",
            [
                "password",
                "is_superuser",
                "username",
                "first_name",
                "last_name",
                "email",
                "is_staff",
                "is_active",
                "date_joined",
            ],
            (
                ("!", "false", f"cp{i}", "", "", "", "false", "true", "2026-01-01 00:00:00+00")
                for i in range(CONTACT_POINTS)
            ),
        )
        cur.execute("SELECT id FROM auth_user WHERE username LIKE 'cp%%' ORDER BY id")
        users = [r[0] for r in cur.fetchall()]
        points = [(user, entities[i % ENTITIES]) for i, user in enumerate(users)]
        _copy(
            cur,
            "lacs_contactpoint",
            ["entity_id", "user_id", "kind", "start"],
            (
                (e, u, "primary" if i < ENTITIES else "alternate", "2020-01-01")
                for i, (u, e) in enumerate(points)
            ),
        )
        by_entity: dict[int, list[int]] = {}
        for user, entity in points:
            by_entity.setdefault(entity, []).append(user)
        start = dt.date(2021, 1, 1)
        assignments = []

        def cases():
            for i in range(1, n_cases + 1):
                entity = entities[rng.randrange(ENTITIES)]
                assignments.append(rng.choice(by_entity[entity]))
                day = start + dt.timedelta(days=rng.randrange(2000))
                status = STATUSES[rng.randrange(len(STATUSES))]
                yield (
                    i,
                    f"CDMX-{day.year}-{i:07d}",
                    "report",
                    entity,
                    categories[rng.randrange(len(categories))],
                    status,
                    day,
                    "false",
                    "false",
                    "2026-01-01 00:00:00+00",
                    "",
                    "",
                    day + dt.timedelta(days=7),
                    day + dt.timedelta(days=90),
                    "",
                    0,
                )

        _copy(
            cur,
            "cases_case",
            [
                "id",
                "number",
                "source",
                "entity_id",
                "category_id",
                "status",
                "received_on",
                "contact_point_implicated",
                "head_implicated",
                "routed_at",
                "severity",
                "outcome",
                "acknowledge_by",
                "feedback_by",
                "referred_to",
                "version",
            ],
            cases(),
        )
        perms = list(
            Permission.objects.filter(
                content_type__app_label="cases", codename__in=("view_case", "work_case")
            ).values_list("id", flat=True)
        )
        _copy(
            cur,
            "cases_caseuserobjectpermission",
            ["permission_id", "user_id", "content_object_id"],
            (
                (perm, user, case_id)
                for case_id, user in enumerate(assignments, 1)
                for perm in perms
            ),
        )
        cur.execute("SELECT setval(pg_get_serial_sequence('cases_case', 'id'), %s)", [n_cases])
    # The tables as autovacuum keeps them in service: statistics, and a visibility map that lets
    # the permission lookup be an index-only scan (COPY leaves it empty).
    with connection.cursor() as cur:
        cur.execute("VACUUM ANALYZE")
    return points


def _page(queryset, order) -> float:
    """What the inbox does for one page: count, then the first 25 rows with their joins."""
    began = time.perf_counter()
    queryset.count()
    list(queryset.select_related("entity", "category").order_by(*order)[:PAGE])
    return time.perf_counter() - began


def measure(points, samples: int, seed: int = 11) -> dict[str, float]:
    from django.contrib.auth import get_user_model

    from cases.access import cases_visible_to
    from cases.models import Case

    User = get_user_model()
    rng = random.Random(seed)
    times: dict[str, list[float]] = {}
    recent, deadline = ("-received_on", "-id"), ("acknowledge_by", "id")
    for user_id, entity_id in rng.sample(points, samples):
        user = User.objects.get(pk=user_id)
        runs = {
            "inbox first page": (cases_visible_to(user), recent),
            "inbox filtered page": (cases_visible_to(user).filter(status="received"), deadline),
            "baseline first page": (Case.objects.filter(entity_id=entity_id), recent),
            "baseline filtered page": (
                Case.objects.filter(entity_id=entity_id, status="received"),
                deadline,
            ),
            "all cases first page": (Case.objects.all(), recent),
            "all cases filtered page": (Case.objects.filter(status="received"), deadline),
        }
        for name, (queryset, order) in runs.items():
            _page(queryset, order)  # warm the cache: we measure plans, not disk
            times.setdefault(name, []).append(min(_page(queryset, order) for _ in range(3)))
    return {name: statistics.median(values) for name, values in times.items()}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--scale", type=float, default=1.0, help="fraction of 1,000,000 cases")
    parser.add_argument("--samples", type=int, default=25, help="contact points timed")
    parser.add_argument("--keep", action="store_true", help="keep the throwaway database")
    args = parser.parse_args()

    import django

    django.setup()
    from django.core.management import call_command

    with scratch_database("lacs_bench_inbox", keep=args.keep):
        n_cases = max(1000, int(FULL_CASES * args.scale))
        call_command("migrate", verbosity=0)
        began = time.perf_counter()
        points = build(n_cases)
        print(
            f"built {n_cases:,} cases, {ENTITIES} entities, {CONTACT_POINTS:,} contact points, "
            f"{2 * n_cases:,} permission rows in {time.perf_counter() - began:.1f} s"
        )
        result = measure(points, min(args.samples, len(points)))
    for name, seconds in result.items():
        print(f"{name:<26} {seconds * 1000:8.2f} ms (median over contact points)")
    ratio = max(
        result["inbox first page"] / result["baseline first page"],
        result["inbox filtered page"] / result["baseline filtered page"],
    )
    print(
        f"permission-filtered ÷ unfiltered (entity index): first page "
        f"{result['inbox first page'] / result['baseline first page']:.2f}, filtered page "
        f"{result['inbox filtered page'] / result['baseline filtered page']:.2f}"
    )
    print(
        f"RESULT inbox ratio={ratio:.2f} target={TARGET:.1f} {'ok' if ratio <= TARGET else 'FAIL'}"
    )
    return 0 if ratio <= TARGET else 1


if __name__ == "__main__":
    sys.exit(main())
