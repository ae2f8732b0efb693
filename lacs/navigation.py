"""Which sections the navigation offers: only those whose landing page the user may open.

A landing page guarded by ``lacs.access.role_required`` carries its roles (``lacs_roles``), so the
links follow the same policy as the pages and can never offer a page that answers 403.
"""

from __future__ import annotations

from django.urls import Resolver404, resolve

from lacs.access import user_has_role

# Section key → landing path; the templates write the labels.
SECTIONS = {
    "cases": "/cases/",
    "intake_staff": "/report/staff/",
    "custody": "/report/custody/",
    "ethics": "/ethics/",
    "procurement": "/procurement/",
    "dashboards": "/dashboards/",
    "staff": "/staff/entities/",
}


def may_open(user, path: str) -> bool:
    """Whether ``user`` passes the role check of the page at ``path``."""
    try:
        view = resolve(path).func
    except Resolver404:
        return False
    roles = getattr(view, "lacs_roles", None)
    if roles is None:
        return True
    return bool(user is not None and user.is_authenticated and user_has_role(user, *roles))


def sections_for(user) -> dict[str, bool]:
    return {key: may_open(user, path) for key, path in SECTIONS.items()}
