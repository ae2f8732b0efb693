"""A clone of the repository passes its own tests with nothing beside it."""

from __future__ import annotations

import re
from pathlib import Path

from tests.fixtures import CARDINAL_FIXTURES, FIXTURES, MEXICO_CITY_OCDS

ROOT = Path(__file__).resolve().parent.parent
SKIP = {".venv", ".run", ".git", "node_modules", "staticfiles", "__pycache__"}
# A path that leaves the checkout: a parent of the repository, or an absolute machine path.
OUTSIDE = re.compile(r"""["']/work/|["']\.\./|"shared"\s*/\s*"reference"|parents\[(?:[3-9])\]""")


def _sources():
    for path in ROOT.rglob("*"):
        parts = set(path.relative_to(ROOT).parts)
        if parts & SKIP or not path.is_file():
            continue
        if path.suffix in {".py", ".sh", ".toml", ".cfg", ".ini"} or path.name in {
            "Makefile",
            "run",
        }:
            yield path


def test_no_test_bench_or_script_reads_a_file_outside_the_repository():
    found = [
        f"{path.relative_to(ROOT)}:{number}: {line.strip()}"
        for path in _sources()
        if path != Path(__file__).resolve()
        for number, line in enumerate(path.read_text(errors="replace").splitlines(), 1)
        if OUTSIDE.search(line)
    ]
    assert not found, "\n".join(found)


def test_the_vendored_fixtures_are_inside_the_repository_with_their_licences():
    assert FIXTURES.is_relative_to(ROOT)
    assert (MEXICO_CITY_OCDS / "LICENSE-ocdskit").read_text().startswith("BSD 3-Clause")
    assert (CARDINAL_FIXTURES / "LICENSE").read_text().startswith("The MIT License")
    assert len(list(MEXICO_CITY_OCDS.glob("*.json"))) == 6
    assert len(list(CARDINAL_FIXTURES.glob("*.jsonl"))) >= 10
