"""Every ORM write goes through an action: a write anywhere else fails this test.

The check reads the source (``ast``), so it sees writes in code no test runs. It flags
``.save()``, ``.delete()``, ``.create(``, ``get_or_create``, ``update_or_create``,
``bulk_create``, ``bulk_update`` and a keyword-only ``.update(...)`` (a queryset update; a
dict's ``update`` takes a positional argument) outside ``<app>/actions.py``.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

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


@pytest.mark.django_db
def test_every_admin_writes_through_actions_or_is_read_only(rf):
    """A plain ModelAdmin saves with the ORM: each one here overrides the writes or refuses them."""
    from django.contrib import admin
    from django.contrib.auth import get_user_model

    request = rf.get("/admin/")
    request.user = get_user_model()(is_staff=True, is_superuser=True, is_active=True)
    base = admin.ModelAdmin
    plain = []
    for model, model_admin in admin.site._registry.items():
        kind = type(model_admin)
        may = {
            "add": model_admin.has_add_permission(request),
            "change": model_admin.has_change_permission(request),
            "delete": model_admin.has_delete_permission(request),
        }
        if (may["add"] or may["change"]) and kind.save_model is base.save_model:
            plain.append(f"{model._meta.label}: save_model")
        writes = may["add"] or may["change"]
        if writes and model_admin.inlines and kind.save_formset is base.save_formset:
            plain.append(f"{model._meta.label}: save_formset")
        if may["delete"] and kind.delete_model is base.delete_model:
            plain.append(f"{model._meta.label}: delete_model")
    assert not plain, f"admin writes that bypass the actions: {plain}"
