"""Navigation offers each role only what it may open: no link a role is shown answers 403."""

from __future__ import annotations

from html.parser import HTMLParser

import pytest

from lacs.models import Role
from tests.conftest import make_user, sign_in

# Where each role starts: the home page, and every section's landing page it may reach.
LANDINGS = (
    "/",
    "/report/",
    "/cases/",
    "/ethics/",
    "/procurement/",
    "/dashboards/",
    "/staff/entities/",
    "/report/custody/",
    "/report/staff/",
)
CRAWL_LIMIT = 250


class _Links(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.hrefs: list[str] = []

    def handle_starttag(self, tag, attrs) -> None:
        href = dict(attrs).get("href")
        if tag == "a" and href and href.startswith("/") and not href.startswith("//"):
            self.hrefs.append(href.split("#")[0])


def _links(response) -> list[str]:
    if "text/html" not in response.get("Content-Type", ""):
        return []
    parser = _Links()
    parser.feed(response.content.decode())
    return [h for h in parser.hrefs if not h.startswith(("/static/", "/admin/", "/i18n/"))]


def _forbidden_links(client) -> list[tuple[str, str]]:
    """Pages up to two clicks from the landings; the links among them that answer 403."""
    seen: dict[str, int] = {}
    forbidden = []
    frontier = [(None, page) for page in LANDINGS]
    for _depth in range(3):
        following = []
        for source, path in frontier:
            if path not in seen and len(seen) < CRAWL_LIMIT:
                response = client.get(path)
                seen[path] = response.status_code
                if response.status_code == 200:
                    following += [(path, link) for link in _links(response)]
            if seen.get(path) == 403 and source is not None:
                forbidden.append((source, path))
        frontier = following
    return sorted(set(forbidden))


@pytest.mark.django_db
@pytest.mark.parametrize(
    "role",
    [
        Role.SERVANT,
        Role.CONTACT,
        Role.INVESTIGATOR,
        Role.CPC,
        Role.ANALYST,
        Role.ADMIN,
        Role.CUSTODIAN,
        Role.COMMITTEE,
        None,
    ],
)
def test_no_role_is_offered_a_link_that_answers_403(role, client, entity):
    if role is not None:
        sign_in(client, make_user(role, entity if role not in (Role.CPC, Role.COMMITTEE) else None))
    assert _forbidden_links(client) == []
