"""The layers stay visible: apps read each other through imports the layers contract checks
(``make lint``), never through model names in strings it cannot see."""

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
APPS = ("lacs", "cases", "whistleblowing", "ethics", "procurement", "oversight")


def _sources():
    for app in APPS:
        for path in (ROOT / app).rglob("*.py"):
            if "migrations" not in path.parts:
                yield path


def test_no_app_looks_up_a_model_by_its_name():
    found = []
    for path in _sources():
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            if isinstance(node, ast.Attribute) and node.attr == "get_model":
                found.append(f"{path.relative_to(ROOT)}:{node.lineno}")
    assert not found, "read another app through its selectors.py instead: " + ", ".join(found)


def test_every_domain_app_publishes_its_reads_in_selectors():
    for app in APPS[:-1]:  # oversight is the top layer: nobody reads it
        assert (ROOT / app / "selectors.py").is_file(), app
