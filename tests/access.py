"""The access matrix: every named URL × every role has an expected answer to GET.

Each app lists its URLs in ``tests/<app>/access_matrix.py`` as ``MATRIX = {url_name: Row(...)}``;
``tests/test_access_matrix.py`` joins them, walks the URL configuration, and fails for any URL
without an entry. Kwargs are built from the matrix context (the users and entities of the
``matrix_users`` fixture, plus whatever objects a row's ``setup`` creates).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from tests.conftest import MATRIX_ROLES

LOGIN = 302  # anonymous users are sent to the log-in page


@dataclass
class Row:
    expect: dict[str, int]
    kwargs: Callable[[Any], dict] | None = None
    method: str = "get"
    data: dict = field(default_factory=dict)


def only(*roles: str, ok: int = 200, denied: int = 403, anonymous: int = LOGIN) -> dict[str, int]:
    """``roles`` get ``ok``; other signed-in roles ``denied``; anonymous users ``anonymous``."""
    expect = {role: (ok if role in roles else denied) for role in MATRIX_ROLES}
    if "anonymous" not in roles:
        expect["anonymous"] = anonymous
    return expect


def everyone(status: int = 200) -> dict[str, int]:
    return dict.fromkeys(MATRIX_ROLES, status)


@dataclass
class Context:
    users: dict
    entity: Any
    other_entity: Any
    objects: dict = field(default_factory=dict)
