"""Every named URL × every role answers as its app's access matrix says."""

from __future__ import annotations

from importlib import import_module

import pytest
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from tests.access import Context, Row
from tests.conftest import MATRIX_ROLES

MATRIX_MODULES = ("lacs", "whistleblowing", "cases", "ethics", "procurement", "oversight", "api")
# Django's own admin is covered by its staff checks; DRF's format-suffix twins share a view.
SKIPPED_NAMESPACES = ("admin",)


def _matrix() -> dict[str, Row]:
    rows: dict[str, Row] = {}
    for name in MATRIX_MODULES:
        try:
            module = import_module(f"tests.{name}.access_matrix")
        except ModuleNotFoundError as exc:
            if exc.name not in (f"tests.{name}", f"tests.{name}.access_matrix"):
                raise
            continue
        rows.update(module.MATRIX)
    return rows


def _url_names(resolver: URLResolver | None = None, prefix: str = "") -> set[str]:
    names: set[str] = set()
    for entry in (resolver or get_resolver()).url_patterns:
        if isinstance(entry, URLResolver):
            if entry.namespace in SKIPPED_NAMESPACES:
                continue
            space = f"{prefix}{entry.namespace}:" if entry.namespace else prefix
            names |= _url_names(entry, space)
        elif isinstance(entry, URLPattern) and entry.name:
            names.add(prefix + entry.name)
    return names


MATRIX = _matrix()


def test_every_url_has_a_row_in_the_access_matrix():
    missing = sorted(_url_names() - set(MATRIX))
    assert not missing, f"URLs without an access-matrix row: {missing}"


def test_every_row_names_every_role():
    incomplete = {name: sorted(set(MATRIX_ROLES) - set(row.expect)) for name, row in MATRIX.items()}
    assert not {k: v for k, v in incomplete.items() if v}


@pytest.mark.django_db
@pytest.mark.parametrize("url_name", sorted(MATRIX))
def test_access_matrix(url_name, matrix_users, entity, other_entity, client_for):
    row = MATRIX[url_name]
    ctx = Context(users=matrix_users, entity=entity, other_entity=other_entity)
    url = reverse(url_name, kwargs=row.kwargs(ctx) if row.kwargs else None)
    answers = {}
    for role in MATRIX_ROLES:
        client = client_for(role)
        response = (
            getattr(client, row.method)(url, row.data)
            if row.data
            else getattr(client, row.method)(url)
        )
        answers[role] = response.status_code
    assert answers == row.expect
