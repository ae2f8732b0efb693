"""Every ORM write goes through an action: a write anywhere else fails this test.

The check reads the source (``ast``), so it sees writes in code no test runs. It flags
``.save()``, ``.delete()``, ``.create(``, ``get_or_create``, ``update_or_create``,
``bulk_create``, ``bulk_update`` and a keyword-only ``.update(...)`` (a queryset update; a
dict's ``update`` takes a positional argument) outside ``<app>/actions.py``.
"""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
APPS = ("lacs", "cases", "whistleblowing", "ethics", "procurement", "oversight")
ALWAYS = {"create", "get_or_create", "update_or_create", "bulk_create", "bulk_update"}

# Where a write outside actions.py is right, and why. Keep it short.
ALLOWED = {
    # Schema and data migrations run once, by the operator, before the application.
    "*/migrations/*",
    # Demo and reference seeds: idempotent fixtures for a fresh database, not user actions.
    "*/demo.py",
    "lacs/seed/*",
    "lacs/management/commands/demo_seed.py",
    # The audit log writes its own rows and head: it is what every action calls.
    "lacs/audit.py",
    # Derived statistics recomputed from the source tables (no one's decision to audit).
    "oversight/figures.py",
}
# Calls that look like writes but are not ORM writes: (file, receiver source).
NOT_ORM = {
    ("whistleblowing/files.py", "bare"),  # Pillow's Image.save(buffer)
    ("oversight/exports.py", "book"),  # openpyxl's Workbook.save(buffer)
}


def _allowed(relative: str) -> bool:
    return any(Path(relative).match(pattern) for pattern in ALLOWED)


def _is_write(call: ast.Call) -> bool:
    if not isinstance(call.func, ast.Attribute):
        return False
    name = call.func.attr
    if name in ALWAYS:
        return True
    commit_false = any(
        k.arg == "commit" and isinstance(k.value, ast.Constant) and k.value.value is False
        for k in call.keywords
    )
    if name in ("save", "delete"):
        return not call.args and not commit_false
    if name == "update":
        return not call.args and bool(call.keywords)
    return False


def writes_outside_actions() -> list[str]:
    found = []
    for app in APPS:
        for path in sorted((ROOT / app).rglob("*.py")):
            relative = path.relative_to(ROOT).as_posix()
            if path.name == "actions.py" or _allowed(relative):
                continue
            for node in ast.walk(ast.parse(path.read_text(), relative)):
                if not (isinstance(node, ast.Call) and _is_write(node)):
                    continue
                assert isinstance(node.func, ast.Attribute)
                receiver = ast.unparse(node.func.value)
                if (relative, receiver) in NOT_ORM:
                    continue
                found.append(f"{relative}:{node.lineno} {receiver}.{node.func.attr}(")
    return found


def test_every_orm_write_goes_through_an_action():
    found = writes_outside_actions()
    assert not found, "ORM writes outside actions.py:\n" + "\n".join(found)


def test_the_check_sees_a_write(tmp_path):
    call = ast.parse("Case.objects.filter(pk=1).update(status='closed')").body[0]
    assert isinstance(call, ast.Expr) and isinstance(call.value, ast.Call)
    assert _is_write(call.value)
    assert not _is_write(ast.parse("settings.update(other)").body[0].value)  # type: ignore[attr-defined]
