"""The import's readers: processes that read a large JSON Lines file side by side.

What an import stores and reports must not depend on them: every test here compares a file read
by the readers with the same file read in the importing process alone.
"""

from __future__ import annotations

import os
import signal
import time
from pathlib import Path

import orjson
import pytest
from django.test import override_settings

from procurement import ocds, readers
from procurement.actions import ocds_file_import
from procurement.models import Process, Release
from procurement.rows import published_row
from tests.fixtures import MEXICO_CITY_OCDS as MX
from tests.procurement.factories import batch_finished

WITH_READERS = {"PROCUREMENT_IMPORT_READERS": 2, "PROCUREMENT_IMPORT_READERS_MIN_BYTES": 0}
WITHOUT_READERS = {"PROCUREMENT_IMPORT_READERS": 0}


def compiled(number: int) -> dict:
    """A Mexico City compiled release made into process ``number``."""
    source = orjson.loads((MX / f"compiled-release-{1 + number % 2}.json").read_bytes())
    source["ocid"] = f"ocds-87sd3t-test-{number:04d}"
    source["id"] = f"{source['ocid']}-compiled"
    source["tender"]["title"] = f"Proceso de prueba {number}"
    return source


def jsonl(*documents: object, blank_every: int = 0) -> bytes:
    lines = []
    for index, document in enumerate(documents):
        lines.append(orjson.dumps(document))
        if blank_every and index % blank_every == 0:
            lines.append(b"   ")
    return b"\n".join(lines) + b"\n"


@pytest.fixture
def small_chunks(monkeypatch):
    """Chunks of a few lines, so that a small file is many chunks, more than the readers are
    asked for at once."""
    monkeypatch.setattr(readers, "CHUNK_BYTES", 20_000)
    yield
    readers._close_pool()


def started_pool() -> readers.ReaderPool:
    """The pool, once its readers have started: until then the importing process reads chunks
    itself, and a small file would be read before any reader could be asked."""
    pool = readers._pool_get(2)
    assert pool is not None
    deadline = time.monotonic() + 60
    while not pool.ready() and time.monotonic() < deadline:
        time.sleep(0.05)
    assert pool.ready()
    return pool


def stored() -> list[tuple]:
    columns = [f.attname for f in Process._meta.concrete_fields if f.name not in ("id", "buyer")]
    rows = Process.objects.order_by("ocid").values_list(*columns, "buyer__key")
    return [tuple(row) for row in rows]


def import_both_ways(name: str, content: bytes) -> tuple[tuple, tuple]:
    """The file imported with readers, then, from an empty database, without."""
    outcomes = []
    for options in (WITH_READERS, WITHOUT_READERS):
        Process.objects.all().delete()
        Release.objects.all().delete()
        with override_settings(**options):
            if options is WITH_READERS:
                started_pool()
            result = ocds_file_import(name=name, content=content)
        counts = (result.releases_new, result.releases_unchanged, result.processes_changed)
        outcomes.append((counts, tuple(result.problems), stored()))
    return outcomes[0], outcomes[1]


def test_the_readers_give_every_line_as_it_is_read_here(small_chunks):
    content = jsonl(*(compiled(n) for n in range(60)), blank_every=7).replace(b"\n", b"\r\n", 3)
    with override_settings(**WITH_READERS):
        started_pool()
        seen = [
            (number, bytes(line), left, ready)
            for number, line, left, ready in readers.file_lines(content)
        ]
    here = [(number, bytes(line), left) for number, line, left, _ in ocds.plain_lines(content)]
    assert [entry[:3] for entry in seen] == here
    # Once started, the readers read the lines: each compiled release as ``read_line`` makes it.
    read_there = [entry for entry in seen if entry[3] is not None]
    assert read_there, "no line was read by a reader"
    for number, line, _left, ready in read_there[:5]:
        expected = ocds.read_line(line, published_row)
        assert ready[0] == expected[0] == 1
        assert ready[1][0] == expected[1][0], number


@pytest.mark.django_db
def test_an_import_read_by_the_readers_stores_what_one_read_here_does(small_chunks):
    documents = [compiled(n) for n in range(80)]
    # Lines the readers leave to the importing process: a package of compiled releases, and a
    # release package whose releases are merged.
    documents.insert(10, {"releases": [compiled(900), compiled(901)]})
    package = orjson.loads((MX / "release-package-1.json").read_bytes())
    documents.insert(40, package)
    with_readers, without = import_both_ways("big.jsonl", jsonl(*documents, blank_every=11))
    assert with_readers == without
    counts, problems, rows = with_readers
    assert not problems and counts[0] == 84 and len(rows) == 83


@pytest.mark.django_db
def test_problems_found_with_the_readers_are_the_ones_found_without(small_chunks):
    documents: list[object] = [compiled(n) for n in range(50)]
    documents[12] = {"tag": ["compiled"], "id": "x"}  # no ocid
    bad = compiled(30)
    bad["tender"]["value"] = {"amount": "mucho", "currency": "MXN"}  # schema violation
    documents[30] = bad
    lines = jsonl(*documents).split(b"\n")
    lines[20] = b'{"ocid": "ocds-roto", '  # invalid JSON
    with_readers, without = import_both_ways("bad.jsonl", b"\n".join(lines))
    assert with_readers == without
    counts, problems, rows = with_readers
    assert rows == [] and counts == (0, 0, 0)
    assert list(dict.fromkeys(p.split(":")[0] for p in problems)) == [
        "line 13",
        "line 21",
        "line 31",
    ]


@pytest.mark.django_db
def test_a_reader_lost_mid_file_costs_speed_not_the_import(small_chunks):
    content = jsonl(*(compiled(n) for n in range(60)))
    with override_settings(**WITH_READERS):
        pool = started_pool()
        victim = pool.readers[1].process
        lines = readers.file_lines(content)
        first = [next(lines) for _ in range(3)]
        os.kill(victim.pid, signal.SIGKILL)
        rest = list(lines)
    got = [(number, bytes(line)) for number, line, _, _ in first + rest]
    assert got == [(number, bytes(line)) for number, line, _, _ in ocds.plain_lines(content)]
    assert victim.wait(timeout=10) == -signal.SIGKILL
    assert rest[-1][3] is None  # read here once the reader was lost

    with override_settings(**WITH_READERS):  # the next file gets a new pool
        result = ocds_file_import(name="next.jsonl", content=content)
    assert result.ok and result.releases_new == 60
    assert readers._pool is not None and victim not in [r.process for r in readers._pool.readers]


@pytest.mark.django_db
def test_small_files_and_disabled_readers_are_read_here():
    content = jsonl(*(compiled(n) for n in range(3)))
    readers._close_pool()
    with override_settings(PROCUREMENT_IMPORT_READERS=2):  # under the default 1 MiB
        assert all(ready is None for *_, ready in readers.file_lines(content))
    with override_settings(PROCUREMENT_IMPORT_READERS=0, PROCUREMENT_IMPORT_READERS_MIN_BYTES=0):
        assert all(ready is None for *_, ready in readers.file_lines(content))
    assert readers._pool is None


def reader_sessions() -> dict[int, int]:
    """Reader processes running on this machine: pid → session id."""
    found = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            command = (entry / "cmdline").read_bytes().split(b"\0")
            stat = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if b"procurement.readers" in command:
            found[int(entry.name)] = int(stat[3])
    return found


@pytest.mark.services
@pytest.mark.worker_env(LACS_IMPORT_READERS="2", LACS_IMPORT_READERS_MIN_BYTES="0")
def test_readers_start_in_a_real_worker_and_leave_with_it(celery_worker_process):
    """A Celery prefork child may not start ``multiprocessing`` children; readers are plain
    subprocesses, and they leave when the worker does."""
    from django.db import transaction

    from procurement.actions import ocds_batch_create
    from procurement.models import ImportStatus
    from tests.conftest import make_user

    content = jsonl(*(compiled(n) for n in range(40)))
    with transaction.atomic():
        batch = ocds_batch_create(actor=make_user("analyst"), files=[("w.jsonl", content)])
    assert batch_finished(batch, 90).status == ImportStatus.DONE, list(
        batch.files.values_list("name", "problem_count")
    )
    assert Process.objects.count() == 40
    assert Process.objects.get(ocid="ocds-87sd3t-test-0007").title == "Proceso de prueba 7"
    worker = celery_worker_process.proc.pid
    in_worker = [pid for pid, session in reader_sessions().items() if session == worker]
    assert len(in_worker) == 2
    celery_worker_process.stop()
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline and set(in_worker) & set(reader_sessions()):
        time.sleep(0.1)
    assert not set(in_worker) & set(reader_sessions())
