"""OCDS import and red-flag indicators against the JSON parse floor, and the indicator command's
memory as the data grows.

    python bench/ocds.py [--scale F] [--file-size N]

Generates ``200,000 × F`` synthetic compiled releases shaped like Mexico City's (parties, tender
with items and period, bids with tenderers, values and statuses, awards with items, contracts;
300 buyers, 3,000 suppliers) as one JSON Lines file, then, in a throwaway database
(``lacs_bench_ocds_<pid>`` on the server of ``DATABASE_URL``, dropped at the end), measures:

- the parse floor: reading the file and parsing every line with orjson (the fastest parser in
  use);
- the database floor: reading and parsing the lines as above, plus ``COPY`` of the same lines
  into an unindexed ``jsonb`` table, since PostgreSQL parses every document again to store it;
- (a) importing the file (``ocds_file_import``, in files of ``--file-size`` lines: reading,
  schema validation, columns, digests, each release's indicator facts, writing), target at
  most 2× the database floor of the same lines: each file's floors (best of three) are measured
  just before it is imported. The ratio to the parse floor (the old target, 6×) is printed too,
  for information;
- (b) computing all indicators over the imported data (``red_flags_compute`` with the default
  settings: every Cardinal indicator and Mexico City's flags, stored as a run), target at most
  3× the floor;
- the peak memory of ``manage.py red_flags indicators`` over the first ``50,000 × F`` lines and
  over all ``200,000 × F``: it must grow by less than 2×.

Each target prints one line ``RESULT <name> ratio=<measured> target=<target> <ok|FAIL>``.
"""

from __future__ import annotations

import argparse
import os
import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from bench.common import admin_sql  # noqa: E402

FULL = 200_000
SMALL = 50_000
TARGET_IMPORT = 2.0  # × the database floor (parse + COPY into jsonb)
TARGET_IMPORT_PARSE = 6.0  # × the parse floor alone: the old target, printed for information
TARGET_INDICATORS = 3.0
TARGET_MEMORY = 2.0
METHODS = (
    ("open", "Licitación Pública"),
    ("selective", "Invitación restringida a cuando menos tres personas"),
    ("limited", "Adjudicación directa"),
)
RATIONALES = (
    "ARTICULO 54 FRACCION II BIS DE LA LEY DE ADQUISICIONES PARA EL DISTRITO FEDERAL",
    "ARTICULO 55 DE LA LEY DE ADQUISICIONES PARA EL DISTRITO FEDERAL",
    "ARTICULO 57 DE LA LEY DE ADQUISICIONES PARA EL DISTRITO FEDERAL",
)
ARCHIVE = "https://innovacion.finanzas.cdmx.gob.mx/ocpsefin/OCDS/ARCHIVOS"
DOCUMENTS = {
    "procurementPlan": ("AUTORIZACION PREVIA", "AUTORIZACION PREVIA Y RATIFICACION"),
    "tenderNotice": ("REQUISICION", "BASES DE LA LICITACION"),
    "awardNotice": ("OFICIO DE ADJUDICACION", "ESTUDIO DE PRECIOS", "DICTAMEN"),
    "contractSigned": ("CONTRATO",),
}
CLASSES = ("2111", "2141", "2161", "2211", "2461", "2531", "2612", "3111", "3361", "3581")


def _org(prefix: str, number: int) -> dict:
    rfc = f"{prefix}{number:06d}AB1"
    return {"id": rfc, "name": f"{'PROVEEDORA' if prefix == 'SUP' else 'SECRETARÍA'} {number}"}


def _party(org: dict, roles: list[str], number: int) -> dict:
    return {
        **org,
        "identifier": {"scheme": "MX-RFC", "id": org["id"], "legalName": org["name"]},
        "address": {
            "streetAddress": f"Calle {number % 97} número {number % 1000}",
            "locality": "Ciudad de México",
            "region": "CDMX",
            "postalCode": f"{6000 + number % 900:05d}",
            "countryName": "México",
        },
        "contactPoint": {"name": f"Contacto {number}", "telephone": f"55{number:08d}"},
        "roles": roles,
    }


def _items(rng: random.Random, ocid: str, count: int) -> list[dict]:
    items = []
    for index in range(count):
        code = rng.choice(CLASSES)
        items.append(
            {
                "id": f"{ocid}-item-{index + 1}",
                "description": f"Bien o servicio de la partida {code}, lote {index + 1}",
                "classification": {
                    "scheme": "CUCOP",
                    "id": f"{code}{rng.randrange(1000):04d}",
                    "description": f"Partida {code}",
                },
                "quantity": rng.randrange(1, 500),
                "unit": {
                    "name": "Pieza",
                    "value": {"amount": round(rng.uniform(10, 5000), 2), "currency": "MXN"},
                },
            }
        )
    return items


def _document(rng: random.Random, number: int, index: int, kind: str, date: str) -> dict:
    title = rng.choice(DOCUMENTS[kind])
    stamp = f"{20160600 + number % 28:08d}_{rng.randrange(240000):06d}"
    return {
        "id": str(index),
        "documentType": kind,
        "title": f"{title} {number % 1000:03d}",
        "url": f"{ARCHIVE}/{title.lower().replace(' ', '_')}_{number % 1000:03d}_{stamp}.pdf",
        "datePublished": date,
        "format": "application/pdf",
        "language": "es",
    }


def _extras(number: int, ocid: str, year: int, base: float, payee: dict, payer: dict) -> dict:
    """What Mexico City's compiled releases carry besides the fields the indicators read, as in
    ``compiled-release-1.json`` and ``-2.json`` (12 and 6 KB): the budget and its authorisations,
    the documents of each stage, the contract's items and its payments and milestones (one per
    month paid; 11 and 1 in those two files). Drawn from a generator of their own, so that the
    fields the indicators read are the same as without them."""
    rng = random.Random(number)
    date = f"{year}-01-{1 + number % 27:02d}T00:00:00-06:00"
    payments = rng.randrange(1, 13)
    amount = round(base / payments, 2)
    transactions, milestones = [], []
    for month in range(1, payments + 1):
        when = f"{year}-{month:02d}-{1 + rng.randrange(27):02d}T00:00:00-06:00"
        transactions.append(
            {
                "id": f"CLC{number:07d}{month:05d}-{year}",
                "source": "https://www.finanzas.cdmx.gob.mx/",
                "date": when,
                "value": {"amount": amount, "currency": "MXN"},
                "payer": {"id": payer["id"], "name": payer["name"]},
                "payee": {"id": payee["id"], "name": payee["name"]},
            }
        )
        milestones.append(
            {
                "id": f"{5000000000 + number * 13 + month}-00010-{year}",
                "title": "Aceptación de servicio",
                "description": "Aceptación de servicio",
                "dueDate": when,
                "status": "met" if month < payments else rng.choice(("met", "partiallyMet")),
            }
        )
    return {
        "planning": {
            "budget": {
                "project": f"AUTORIZACIÓN PRESUPUESTAL SPP-{number % 1000:03d}-{year}",
                "amount": {"amount": round(base * 1.1, 2), "currency": "MXN"},
            },
            "documents": [
                _document(rng, number, index + 1, "procurementPlan", date)
                for index in range(rng.randrange(1, 3))
            ],
        },
        "tender_documents": [_document(rng, number, 1, "tenderNotice", date)],
        "award_documents": [
            _document(rng, number, index + 1, "awardNotice", date)
            for index in range(rng.randrange(1, 3))
        ],
        "contract_documents": [_document(rng, number, 1, "contractSigned", date)],
        "implementation": {"transactions": transactions, "milestones": milestones},
    }


def compiled_release(number: int, rng: random.Random) -> dict:
    """One synthetic compiled release; valid against the OCDS 1.1 release schema."""
    ocid = f"ocds-bench-{number:08d}"
    year = 2015 + number % 8
    month, day = 1 + rng.randrange(12), 1 + rng.randrange(27)
    start = f"{year}-{month:02d}-{day:02d}T09:00:00-06:00"
    days = rng.choice((5, 8, 10, 12, 15, 20, 25, 30))
    end_day = min(28, day + days % 20)
    end_month = month if day + days <= 28 else min(12, month + 1)
    end = f"{year}-{end_month:02d}-{end_day:02d}T18:00:00-06:00"
    award_date = f"{year}-{end_month:02d}-{end_day:02d}T20:00:00-06:00"
    method, details = METHODS[rng.randrange(3)]
    buyer = _org("BUY", rng.randrange(300))
    buyer["name"] = f"SECRETARÍA {buyer['id'][3:9]}"
    base = round(rng.uniform(20_000, 3_000_000), 2)
    bidders = [_org("SUP", rng.randrange(3000)) for _ in range(1 if method == "limited" else 4)]
    bidders = list({b["id"]: b for b in bidders}.values())[: rng.randrange(1, 5)]
    bids = []
    for index, bidder in enumerate(bidders):
        status = "disqualified" if index and rng.random() < 0.2 else "valid"
        amount = base if index == 0 else round(base * rng.uniform(0.97, 1.4), 2)
        if index and rng.random() < 0.02:
            amount = bids[0]["value"]["amount"]  # identical prices, now and then
        late = rng.random() < 0.03
        bids.append(
            {
                "id": f"{ocid}-bid-{index + 1}",
                "date": award_date if late else start,
                "status": status,
                "tenderers": [{"id": bidder["id"], "name": bidder["name"]}],
                "value": {"amount": amount, "currency": "MXN"},
            }
        )
    winner = bidders[0]
    items = _items(rng, ocid, rng.randrange(1, 4))
    cancelled = rng.random() < 0.02
    parties = [_party(buyer, ["buyer", "procuringEntity"], number)]
    parties += [_party(b, ["tenderer"] + ["supplier"] * (b is winner), number) for b in bidders]
    extras = _extras(number, ocid, year, base, winner, buyer)
    return {
        "ocid": ocid,
        "id": f"{ocid}-{start}",
        "date": award_date,
        "tag": ["compiled"],
        "initiationType": "tender",
        "language": "es",
        "parties": parties,
        "buyer": {"id": buyer["id"], "name": buyer["name"]},
        "planning": extras["planning"],
        "tender": {
            "id": f"{ocid}-tender",
            "title": f"Adquisición de bienes para la {buyer['name']} ({number})",
            "description": "Contratación consolidada de bienes y servicios de uso general.",
            "status": "cancelled" if cancelled else "complete",
            "procuringEntity": {"id": buyer["id"], "name": buyer["name"]},
            "items": items,
            "value": {"amount": round(base * 1.1, 2), "currency": "MXN"},
            "procurementMethod": method,
            "procurementMethodDetails": details,
            "procurementMethodRationale": "" if method == "open" else rng.choice(RATIONALES),
            "tenderPeriod": {"startDate": start, "endDate": end},
            "numberOfTenderers": len(bidders),
            "tenderers": [{"id": b["id"], "name": b["name"]} for b in bidders],
            "documents": extras["tender_documents"],
        },
        "bids": {"details": bids},
        "awards": [
            {
                "id": f"{ocid}-award-1",
                "title": "Adjudicación",
                "status": "active",
                "date": award_date,
                "value": {"amount": base, "currency": "MXN"},
                "suppliers": [{"id": winner["id"], "name": winner["name"]}],
                "items": items,
                "documents": extras["award_documents"],
            }
        ],
        "contracts": [
            {
                "id": f"{ocid}-contract-1",
                "awardID": f"{ocid}-award-1",
                "title": "Contrato",
                "status": "active",
                "value": {"amount": base, "currency": "MXN"},
                "dateSigned": award_date,
                "period": {"startDate": award_date, "endDate": f"{year}-12-31T23:59:59-06:00"},
                "items": items,
                "documents": extras["contract_documents"],
                "implementation": extras["implementation"],
            }
        ],
    }


def generate(path: Path, count: int, seed: int = 20161) -> int:
    import orjson

    rng = random.Random(seed)
    with path.open("wb") as out:
        for number in range(count):
            out.write(orjson.dumps(compiled_release(number, rng)) + b"\n")
    return path.stat().st_size


def parse_floor(path: Path) -> float:
    """Read the file and parse every line with orjson: best of three."""
    with path.open("rb") as stream:
        return _slice_floor(stream, sys.maxsize)


def _throwaway_database() -> tuple[str, str]:
    base = os.environ.get("DATABASE_URL") or "postgres://postgres@127.0.0.1:5432/postgres"
    parts = urlsplit(base)
    name = f"lacs_bench_ocds_{os.getpid()}"
    return urlunsplit(parts._replace(path=f"/{name}")), urlunsplit(parts._replace(path="/postgres"))


# The peak resident set of the process itself (VmHWM): ru_maxrss would report the parent's size,
# which Linux carries over a fork.
PEAK = """
import re, sys, django
django.setup()
from django.core.management import call_command
with open(sys.argv[2], "w") as out:
    call_command("red_flags", "indicators", sys.argv[1], stdout=out)
status = open("/proc/self/status").read()
print(re.search(r"VmHWM:\\s+(\\d+) kB", status).group(1))
"""


def peak_memory_kb(path: Path, out: Path) -> int:
    """Peak RSS of ``red_flags indicators`` over ``path``, in a process of its own."""
    done = subprocess.run(
        [sys.executable, "-c", PEAK, str(path), str(out)],
        cwd=ROOT,
        env=os.environ,
        check=True,
        capture_output=True,
        text=True,
    )
    return int(done.stdout.strip().splitlines()[-1])


def _head(source: Path, target: Path, lines: int) -> None:
    with source.open("rb") as stream, target.open("wb") as out:
        for number, line in enumerate(stream):
            if number >= lines:
                break
            out.write(line)


def _read_lines(stream, count: int) -> list[bytes]:
    return [line for _, line in zip(range(count), stream, strict=False)]


def _slice_floor(stream, count: int) -> float:
    """Reading the next ``count`` lines and parsing each with orjson: best of three. The stream
    is left where it was."""
    import orjson

    start, best = stream.tell(), float("inf")
    for _ in range(3):
        stream.seek(start)
        started = time.perf_counter()
        for _, line in zip(range(count), stream, strict=False):
            orjson.loads(line)
        best = min(best, time.perf_counter() - started)
    stream.seek(start)
    return best


FLOOR_TABLE = "bench_floor_jsonb"


def _floor_table() -> None:
    """The database floor's table: one ``jsonb`` column, no index, no constraint; a plain
    (logged) table, as the import's own are."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(f"DROP TABLE IF EXISTS {FLOOR_TABLE}")
        cursor.execute(f"CREATE TABLE {FLOOR_TABLE} (data jsonb)")


def _slice_db_floor(stream, count: int) -> float:
    """Reading the next ``count`` lines, parsing each with orjson and ``COPY`` of the same lines
    into the unindexed ``jsonb`` table (emptied before each try): best of three. The stream is
    left where it was."""
    import io

    import orjson
    from django.db import connection

    start, best = stream.tell(), float("inf")
    for _ in range(3):
        with connection.cursor() as cursor:
            cursor.execute(f"TRUNCATE {FLOOR_TABLE}")
        stream.seek(start)
        started = time.perf_counter()
        lines = []
        for _, line in zip(range(count), stream, strict=False):
            orjson.loads(line)
            lines.append(line)
        # COPY's text format: the one character JSON text holds that COPY reads specially.
        text = b"".join(lines).replace(b"\\", b"\\\\")
        with connection.cursor() as cursor:
            cursor.cursor.copy_expert(f"COPY {FLOOR_TABLE} (data) FROM STDIN", io.BytesIO(text))
        best = min(best, time.perf_counter() - started)
    stream.seek(start)
    return best


def import_file(path: Path, file_size: int) -> tuple[int, int, float, float, float]:
    """Import ``path`` as the command would, ``file_size`` lines per file. Returns the releases
    new and unchanged, the time the imports took and the two floors of the same lines (parse,
    database), each file's measured just before it is imported: the machine's speed drifts
    over a long run, and a floor taken minutes apart from the work it is compared with moves
    the ratio by a fifth."""
    from procurement.actions import ocds_file_import

    new = unchanged = 0
    spent = floor = db_floor = 0.0
    _floor_table()
    with path.open("rb") as stream:
        while True:
            floor += _slice_floor(stream, file_size)
            db_floor += _slice_db_floor(stream, file_size)
            started = time.perf_counter()
            lines = _read_lines(stream, file_size)
            if not lines:
                break
            result = ocds_file_import(name="bench.jsonl", content=b"".join(lines))
            spent += time.perf_counter() - started
            if not result.ok:
                raise SystemExit(f"bench data did not import: {result.problems[:3]}")
            new += result.releases_new
            unchanged += result.releases_unchanged
    return new, unchanged, spent, floor, db_floor


def _server_version() -> str:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SHOW server_version")
        return f"PostgreSQL {cursor.fetchone()[0]}"


def result_line(name: str, ratio: float, target: float, info: bool = False) -> bool:
    ok = ratio <= target
    verdict = "info" if info else ("ok" if ok else "FAIL")
    print(f"RESULT {name} ratio={ratio:.2f} target={target} {verdict}")
    return ok


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=float, default=1.0)
    parser.add_argument("--file-size", type=int, default=10_000, help="lines per imported file")
    args = parser.parse_args()

    sys.path.insert(0, str(ROOT))
    url, maintenance = _throwaway_database()
    name = urlsplit(url).path.lstrip("/")
    admin_sql(maintenance, f'DROP DATABASE IF EXISTS "{name}"')
    admin_sql(maintenance, f'CREATE DATABASE "{name}"')
    os.environ.update(DATABASE_URL=url, LACS_PROFILE=os.environ.get("LACS_PROFILE", "demo"))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "lacs.settings")
    try:
        with tempfile.TemporaryDirectory(prefix="lacs-bench-ocds-") as folder:
            return run(args, Path(folder))
    finally:
        from django.db import connections

        connections.close_all()
        admin_sql(maintenance, f'DROP DATABASE IF EXISTS "{name}"')


def run(args, folder: Path) -> int:
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    from procurement.actions import DEFAULT_SETTINGS, red_flags_compute
    from procurement.models import Process

    total, small = int(FULL * args.scale), int(SMALL * args.scale)
    data = folder / "compiled.jsonl"
    started = time.perf_counter()
    size = generate(data, total)
    print(
        f"scale {args.scale}: {total:,} compiled releases, {size / 1e6:,.0f} MB "
        f"(generated in {time.perf_counter() - started:.1f} s)"
    )

    floor = parse_floor(data)
    print(f"floor: read + orjson.loads every line: {floor:.2f} s")

    new, _, imported, beside, db_beside = import_file(data, args.file_size)
    assert new == total == Process.objects.count(), (new, total)
    print(f"database: {_server_version()}")
    print(
        f"(a) import: {imported:.2f} s ({imported / db_beside:.2f}× the database floor of each "
        f"file, parse + COPY into jsonb, measured just before it: {db_beside:.2f} s; "
        f"{imported / beside:.1f}× its parse floor: {beside:.2f} s; "
        f"{imported / floor:.1f}× the parse floor above)"
    )

    _, unchanged, again, again_floor, again_db = import_file(data, args.file_size)
    print(
        f"    re-import, nothing changes: {again:.2f} s ({again / again_db:.2f}× the database "
        f"floor, {again / again_floor:.1f}× the parse floor)"
    )
    assert unchanged == total

    started = time.perf_counter()
    run_ = red_flags_compute(actor=None, settings_text=DEFAULT_SETTINGS)
    computed = time.perf_counter() - started
    print(
        f"(b) all indicators over the imported data: {computed:.2f} s "
        f"({computed / floor:.1f}× the floor; {run_.flag_count:,} flags)"
    )

    head = folder / "head.jsonl"
    _head(data, head, small)
    low = peak_memory_kb(head, folder / "head.out")
    high = peak_memory_kb(data, folder / "all.out")
    print(
        f"red_flags indicators peak memory: {small:,} → {low / 1024:,.0f} MB, "
        f"{total:,} → {high / 1024:,.0f} MB ({high / low:.2f}×)"
    )

    ok = result_line("ocds-import", imported / db_beside, TARGET_IMPORT)
    result_line("ocds-import-parse-floor", imported / beside, TARGET_IMPORT_PARSE, info=True)
    ok = result_line("ocds-indicators", computed / floor, TARGET_INDICATORS) and ok
    ok = result_line("ocds-memory", high / low, TARGET_MEMORY) and ok
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
