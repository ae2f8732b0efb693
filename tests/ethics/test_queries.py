"""List pages and endpoints keep a fixed number of queries however many rows they show."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from lacs.models import Role
from tests.conftest import make_user, sign_in
from tests.ethics.factories import CodeVersionFactory, DeclarationFactory, GiftFactory

pytestmark = pytest.mark.django_db


def _queries(client, url) -> int:
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url).status_code == 200
    return len(ctx.captured_queries)


@pytest.mark.parametrize(
    ("url_name", "role"),
    [
        ("ethics:gifts_public", None),
        ("ethics:gifts", "contact"),
        ("ethics:declarations_review", "contact"),
        ("ethics:compliance", "cpc"),
        ("api-ethics-declarations", "contact"),
        ("api-ethics-gifts-public", None),
    ],
)
def test_list_query_count_does_not_grow_with_rows(client, entity, url_name, role):
    CodeVersionFactory()
    if role:
        sign_in(client, make_user(Role(role), entity if role == "contact" else None))
    url = reverse(url_name)

    def add_rows():
        declaration = DeclarationFactory(appointment__entity=entity)
        GiftFactory(entity=entity, servant=declaration.declarant)

    add_rows()
    _queries(client, url)  # warm-up: first audit row, session, caches
    few = _queries(client, url)
    for _ in range(5):
        add_rows()
    assert _queries(client, url) == few
