"""The access matrix: every named URL × every role has an expected answer to GET.

Each app lists its URLs in ``tests/<app>/access_matrix.py`` as ``MATRIX = {url_name: Row(...)}``;
``tests/test_access_matrix.py`` joins them, walks the URL configuration, and fails for any URL
without an entry. Kwargs are built from the matrix context (the users and entities of the
``matrix_users`` fixture, plus whatever objects a row's ``setup`` creates).

A row that writes also gives ``post``: a valid form for the context, and ``post_as``: the roles
that may send it. Every other role sends it too, and the test asserts their refused request
changed nothing (row counts of every table and the audit log); the first allowed role's request
must change something, so the form is known to be valid.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from tests.conftest import MATRIX_ROLES

LOGIN = 302  # anonymous users are sent to the log-in page
WHISTLEBLOWER = "whistleblower"  # an anonymous client that followed up with a valid receipt


@dataclass
class Row:
    expect: dict[str, int]
    kwargs: Callable[[Any], dict] | None = None
    method: str = "get"
    data: dict = field(default_factory=dict)
    post: Callable[[Any], dict] | None = None
    post_as: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        # A whistle-blower holds no account: answered like anonymous unless the row says otherwise.
        if "anonymous" in self.expect:
            self.expect = {WHISTLEBLOWER: self.expect["anonymous"], **self.expect}


def only(*roles: str, ok: int = 200, denied: int = 403, anonymous: int = LOGIN) -> dict[str, int]:
    """``roles`` get ``ok``; other signed-in roles ``denied``; anonymous users ``anonymous``."""
    expect = {role: (ok if role in roles else denied) for role in MATRIX_ROLES}
    if "anonymous" not in roles:
        expect["anonymous"] = anonymous
    if WHISTLEBLOWER not in roles:
        del expect[WHISTLEBLOWER]  # Row answers for them as for anonymous
    return expect


def everyone(status: int = 200) -> dict[str, int]:
    """Every role gets ``status``; the whistle-blower gets what ``Row`` gives anonymous."""
    return {role: status for role in MATRIX_ROLES if role != WHISTLEBLOWER}


@dataclass
class Context:
    users: dict
    entity: Any
    other_entity: Any
    objects: dict = field(default_factory=dict)
