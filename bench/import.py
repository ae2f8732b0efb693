"""Import cost at the design scale (5 million procurement releases), as a ratio.

    python bench/import.py [--scale F] [--chunk N]

Builds a throwaway database (``lacs_bench_import_<pid>`` on the server of ``DATABASE_URL``, or the
embedded one), generates synthetic releases shaped like Mexico City's (two releases per
contracting process, tender then award, 300 buyers, 20,000 suppliers), and measures:

- the per-release cost of importing one chunk into the empty database (the baseline);
- the per-release cost of importing the same-sized chunk after ``5,000,000 × F`` releases are in;
- re-importing that chunk (nothing changes) and the parse floor (orjson over the same bytes).

The ratio is full-scale cost ÷ empty-database cost; the import must not slow down as the data
grows (target 2.0). The last line is ``RESULT import ratio=<x> target=<y> <ok|FAIL>``.
"""

from __future__ import annotations

import argparse
import copy
import os
import random
import sys
import time
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from bench.common import admin_sql  # noqa: E402

SAMPLES = ROOT / "tests" / "fixtures" / "ocds" / "mexico-cdmx"
FULL_SCALE = 5_000_000
TARGET = 2.0
REPEATS = 3
METHODS = (
    ("open", "Licitación Pública"),
    ("selective", "Invitación restringida a cuando menos tres personas"),
    ("limited", "Adjudicación directa"),
)


def _throwaway_database() -> tuple[str, str]:
    """A fresh database URL and the maintenance URL to drop it with."""
    sys.path.insert(0, str(ROOT))
    base = os.environ.get("DATABASE_URL")
    if not base:
        from lacs import embedded

        base = embedded.database_url()
    parts = urlsplit(base)
    name = f"lacs_bench_import_{os.getpid()}"
    return urlunsplit(parts._replace(path=f"/{name}")), urlunsplit(parts._replace(path="/postgres"))


def _templates() -> list[dict]:
    import orjson

    releases = []
    for name in ("release-package-1.json", "release-package-2.json"):
        releases.extend(orjson.loads((SAMPLES / name).read_bytes())["releases"])
    return releases


def generate(start: int, count: int, templates: list[dict], rng: random.Random) -> bytes:
    """JSON Lines of ``count`` releases (``count // 2`` processes) from the Mexico City samples."""
    import orjson

    lines = []
    for number in range(start, start + count // 2):
        ocid = f"ocds-bench-{number:08d}"
        method, details = METHODS[rng.randrange(3)]
        buyer = f"BUY{rng.randrange(300):04d}01AB1"
        supplier = f"SUP{rng.randrange(20000):06d}AB"
        amount = round(rng.uniform(10_000, 5_000_000), 2)
        year = 2015 + number % 8
        template = templates[2 * rng.randrange(len(templates) // 2)]
        for index, tag in enumerate(("tender", "award")):
            release = copy.deepcopy(templates[templates.index(template) + index])
            release.update(
                ocid=ocid,
                id=f"{index + 1:02d}",
                tag=[tag],
                date=f"{year}-0{index + 3}-15T00:00:00-06:00",
            )
            release["buyer"]["identifier"]["id"] = buyer
            tender = release["tender"]
            tender.update(procurementMethod=method, procurementMethodDetails=details)
            tender["value"] = {"amount": amount, "currency": "MXN"}
            for award in release.get("awards") or []:
                award["value"] = {"amount": amount, "currency": "MXN"}
                for party in award.get("suppliers") or []:
                    party["identifier"]["id"] = supplier
            lines.append(orjson.dumps(release))
    return b"\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=float, default=1.0)
    parser.add_argument("--chunk", type=int, default=2000, help="releases per measured chunk")
    parser.add_argument("--file-size", type=int, default=20000, help="releases per loaded file")
    args = parser.parse_args()

    url, maintenance = _throwaway_database()
    name = urlsplit(url).path.lstrip("/")
    admin_sql(maintenance, f'CREATE DATABASE "{name}"')
    os.environ.update(DATABASE_URL=url, LACS_PROFILE=os.environ.get("LACS_PROFILE", "demo"))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "lacs.settings")
    try:
        return run(args)
    finally:
        from django.db import connections

        connections.close_all()
        admin_sql(maintenance, f'DROP DATABASE IF EXISTS "{name}"')


def _import(content: bytes) -> float:
    from procurement.actions import ocds_file_import

    started = time.perf_counter()
    result = ocds_file_import(name="bench.jsonl", content=content)
    elapsed = time.perf_counter() - started
    if not result.ok:
        raise SystemExit(f"bench data did not import: {result.problems[:3]}")
    return elapsed


def run(args) -> int:
    import django
    import orjson

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    from procurement.models import Process, Release

    rng = random.Random(20161)
    templates = _templates()
    chunk = args.chunk
    total = int(FULL_SCALE * args.scale)

    # Warm up (schema validator, merge rules, connection), then take the best of three chunks
    # each time: the machines are shared and a single timing is noisy.
    _import(generate(0, 200, templates, rng))
    next_number = 100
    baseline = []
    for _ in range(REPEATS):
        data = generate(next_number, chunk, templates, rng)
        next_number += chunk // 2
        baseline.append(data)
    t_parse = time.perf_counter()
    for line in baseline[0].split(b"\n"):
        orjson.loads(line)
    parse_per_release = (time.perf_counter() - t_parse) / chunk
    small = min(_import(data) for data in baseline) / chunk

    loaded = 200 + REPEATS * chunk
    load_started = time.perf_counter()
    while loaded < total:
        size = min(args.file_size, total - loaded)
        _import(generate(next_number, size, templates, rng))
        loaded += size
        next_number += size // 2
    load_seconds = time.perf_counter() - load_started

    measured = []
    for _ in range(REPEATS):
        measured.append(generate(next_number, chunk, templates, rng))
        next_number += chunk // 2
    full = min(_import(data) for data in measured) / chunk
    again = min(_import(data) for data in measured) / chunk
    releases, processes = Release.objects.count(), Process.objects.count()

    from procurement.actions import DEFAULT_SETTINGS, red_flags_compute

    compiled = [orjson.dumps(d) for d in Process.objects.values_list("data", flat=True)[:chunk]]
    t_parse = time.perf_counter()
    for document in compiled:
        orjson.loads(document)
    compiled_parse = (time.perf_counter() - t_parse) / len(compiled)
    t_flags = time.perf_counter()
    red_flags_compute(actor=None, settings_text=DEFAULT_SETTINGS)
    flags_per_process = (time.perf_counter() - t_flags) / processes

    ratio = full / small
    print(f"scale {args.scale}: {releases:,} releases, {processes:,} processes in the database")
    rate = (loaded - 200 - REPEATS * chunk) / max(load_seconds, 1e-9)
    print(f"bulk load: {load_seconds:.1f} s ({rate:,.0f} releases/s)")
    print(f"per release, empty database : {small * 1e6:,.0f} µs")
    print(f"per release, at full scale  : {full * 1e6:,.0f} µs")
    print(f"per release, re-import      : {again * 1e6:,.0f} µs (nothing changes)")
    print(f"per release, parse floor    : {parse_per_release * 1e6:,.1f} µs (orjson)")
    print(f"import ÷ parse floor        : {full / parse_per_release:,.1f}×")
    print(
        f"all flags over the database : {flags_per_process * 1e6:,.0f} µs per process "
        f"({flags_per_process / compiled_parse:,.1f}× parsing its compiled release)"
    )
    status = "ok" if ratio <= TARGET else "FAIL"
    print(f"RESULT import ratio={ratio:.2f} target={TARGET} {status}")
    return 0 if status == "ok" else 1


if __name__ == "__main__":
    sys.exit(main())
