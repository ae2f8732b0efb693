"""Every named URL × every role answers as its app's access matrix says."""

from __future__ import annotations

from importlib import import_module

import pytest
from django.apps import apps
from django.db import connection
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from lacs.models import AuditEvent
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


# --- Refused writes change nothing ------------------------------------------------------------
POST_ROWS = sorted(name for name, row in MATRIX.items() if row.post is not None)
# Sessions and throttles move with every request, refused or not; they hold no one's decision.
IGNORED_TABLES = {"django_session"}


def _footprint() -> tuple[int, int]:
    """Rows in every table of the project, and the audit log's length."""
    tables = sorted(
        {m._meta.db_table for m in apps.get_models() if m._meta.managed and not m._meta.proxy}
        - IGNORED_TABLES
    )
    # names from the models' meta, not from input
    counts = " UNION ALL ".join(f'SELECT count(*) AS n FROM "{t}"' for t in tables)  # noqa: S608
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT sum(n) FROM ({counts}) AS counts")  # noqa: S608
        (total,) = cursor.fetchone()
    return int(total), AuditEvent.objects.count()


def test_every_writing_row_says_who_may_post():
    assert all(MATRIX[name].post_as for name in POST_ROWS)


@pytest.mark.django_db
@pytest.mark.parametrize("url_name", POST_ROWS)
def test_a_refused_post_changes_nothing(url_name, matrix_users, entity, other_entity, client_for):
    row = MATRIX[url_name]
    ctx = Context(users=matrix_users, entity=entity, other_entity=other_entity)
    url = reverse(url_name, kwargs=row.kwargs(ctx) if row.kwargs else None)
    assert row.post is not None
    data = row.post(ctx)
    changed = {}
    for role in [r for r in MATRIX_ROLES if r not in row.post_as]:
        client = client_for(role)
        before = _footprint()
        response = client.post(url, data)
        assert response.status_code in (302, 401, 403, 404, 405), (role, response.status_code)
        changed[role] = _footprint() != before
    assert not any(changed.values()), f"a refused POST changed something: {changed}"
    client = client_for(row.post_as[0])
    before = _footprint()
    response = client.post(url, data)
    assert response.status_code in (200, 201, 202, 302)
    assert _footprint() != before, "the allowed POST changed nothing: is the form valid?"
