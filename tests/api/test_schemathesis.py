"""Property-based run over the whole OpenAPI schema: no 5xx, no response that breaks the schema.

Both valid data and data that breaks the schema (negative mode: wrong types, out-of-range
numbers, missing fields, odd strings) are sent to every operation; a bad request must answer a
documented 4xx in the one error shape. Bounded by ``LACS_SCHEMATHESIS_EXAMPLES`` examples per
operation (default 15). The requests are made by a signed-in token holder with every scope, and
anonymously for the open endpoints.
"""

from __future__ import annotations

import datetime as dt
import os

import pytest
import schemathesis
from django.utils import timezone
from hypothesis import HealthCheck
from hypothesis import settings as hypothesis_settings
from oauth2_provider.models import AccessToken
from schemathesis.checks import not_a_server_error
from schemathesis.generation import GenerationMode
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from lacs.models import Role
from tests.conftest import make_user

pytestmark = pytest.mark.schemathesis

# No 5xx, every status and content type documented, every body and header as the schema says.
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
    response_headers_conformance,
]
EXAMPLES = int(os.environ.get("LACS_SCHEMATHESIS_EXAMPLES", "15"))
REQUESTS: dict = {"count": 0, "by_status": {}, "by_mode": {}}


def _load_schema():
    """The schema, fetched through the WSGI app as a client would (no database needed)."""
    from lacs.wsgi import application

    loaded = schemathesis.openapi.from_wsgi("/api/schema/", application)
    loaded.config.generation.update(modes=[GenerationMode.POSITIVE, GenerationMode.NEGATIVE])
    return loaded


schema = _load_schema()


@pytest.fixture(autouse=True)
def _keep_test_connection():
    """Like Django's test client: requests must not close the test transaction's connection."""
    from django.core.signals import request_finished, request_started
    from django.db import close_old_connections

    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@pytest.fixture
def bearer(db, entity):
    user = make_user(Role.ADMIN, None, username=f"api-all-{os.urandom(3).hex()}")
    from lacs.models import ContactPoint, RoleAssignment

    ContactPoint.objects.create(
        user=user, entity=entity, kind="alternate", start=dt.date(2020, 1, 1)
    )
    for role in (Role.INVESTIGATOR, Role.CPC, Role.ANALYST, Role.SERVANT, Role.COMMITTEE):
        RoleAssignment.objects.create(
            user=user, role=role, entity=entity, start=dt.date(2020, 1, 1)
        )
    token = AccessToken.objects.create(
        user=user,
        token=f"schemathesis-{os.urandom(8).hex()}",
        scope="cases entities dashboards procurement ethics pdn",
        expires=timezone.now() + dt.timedelta(hours=1),
    )
    return {"Authorization": f"Bearer {token.token}"}


@schema.parametrize()
@hypothesis_settings(
    max_examples=EXAMPLES,
    deadline=None,
    suppress_health_check=list(HealthCheck),
)
def test_api_never_answers_5xx_nor_breaks_its_schema(case, bearer):
    response = case.call(headers=bearer)
    REQUESTS["count"] += 1
    mode = str(case.meta.generation.mode) if case.meta else "explicit"
    REQUESTS["by_mode"][mode] = REQUESTS["by_mode"].get(mode, 0) + 1
    REQUESTS["by_status"][response.status_code] = (
        REQUESTS["by_status"].get(response.status_code, 0) + 1
    )
    case.validate_response(response, checks=CHECKS)


def teardown_module(module):
    print(
        f"\nschemathesis: {REQUESTS['count']} requests, by status "
        f"{sorted(REQUESTS['by_status'].items())}, by mode {sorted(REQUESTS['by_mode'].items())}"
    )
