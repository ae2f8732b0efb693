"""Security headers on every response: every URL of the access matrix × every role, under the
HTTPS settings the production profile sets (read from that profile, not copied here)."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest
from django.db import transaction
from django.test import Client
from django.urls import reverse

from lacs.middleware import NO_REFERRER_PREFIXES
from tests.access import Context
from tests.conftest import MATRIX_ROLES, ROOT
from tests.test_access_matrix import MATRIX
from whistleblowing.forms import new_nonce

SECURE_NAMES = (
    "SECURE_HSTS_SECONDS",
    "SECURE_HSTS_INCLUDE_SUBDOMAINS",
    "SECURE_HSTS_PRELOAD",
    "SECURE_SSL_REDIRECT",
    "SECURE_PROXY_SSL_HEADER",
    "SECURE_REFERRER_POLICY",
    "SESSION_COOKIE_SECURE",
    "CSRF_COOKIE_SECURE",
)


@pytest.fixture(scope="session")
def production_secure() -> dict:
    """The SECURE settings of ``LACS_PROFILE=production``, as ``make check`` configures it."""
    env = {
        **os.environ,
        "LACS_PROFILE": "production",
        "SECRET_KEY": "x" * 64,
        "ALLOWED_HOSTS": "integridad.cdmx.gob.mx",
        "DATABASE_URL": "postgres://lacs@db.invalid/lacs",
        "REDIS_URL": "redis://redis.invalid:6379/0",
        "LACS_INTAKE_PUBLIC_KEY": "A" * 43 + "=",
        "DJANGO_SETTINGS_MODULE": "lacs.settings",
    }
    code = (
        "import json, lacs.settings as s; "
        f"print(json.dumps({{n: getattr(s, n) for n in {SECURE_NAMES!r}}}))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, check=True
    )
    values = json.loads(out.stdout.strip().splitlines()[-1])
    if values["SECURE_PROXY_SSL_HEADER"]:
        values["SECURE_PROXY_SSL_HEADER"] = tuple(values["SECURE_PROXY_SSL_HEADER"])
    return values


def _problems(path: str, response, hsts: str) -> list[str]:
    found = []
    csp = response.get("Content-Security-Policy", "")
    if not csp or "unsafe-inline" in csp or "unsafe-eval" in csp:
        found.append(f"CSP {csp!r}")
    if "frame-ancestors 'none'" not in csp:
        found.append("no frame-ancestors 'none'")
    if response.get("Strict-Transport-Security") != hsts:
        found.append(f"HSTS {response.get('Strict-Transport-Security')!r}")
    if "Server" in response:
        found.append(f"Server {response['Server']!r}")
    referrer = response.get("Referrer-Policy")
    intake = path.startswith(NO_REFERRER_PREFIXES)
    if (intake and referrer != "no-referrer") or referrer in (None, "unsafe-url"):
        found.append(f"Referrer-Policy {referrer!r}")
    if response.get("X-Content-Type-Options") != "nosniff":
        found.append("no nosniff")
    return found


@pytest.mark.django_db
def test_every_url_answers_every_role_with_the_security_headers(
    matrix_users, entity, other_entity, client_for, settings, production_secure
):
    for name, value in production_secure.items():
        setattr(settings, name, value)
    # Clients made after the settings (middleware reads them at a client's first request).
    clients = {role: client_for(role) for role in MATRIX_ROLES if role != "whistleblower"}
    clients["whistleblower"] = whistleblower = Client()
    receipt = matrix_users["whistleblower"].receipt
    opened = whistleblower.post(
        reverse("whistleblowing:followup"), {"receipt": receipt, "nonce": new_nonce()}, secure=True
    )
    assert opened.status_code == 302
    assert production_secure["SECURE_HSTS_SECONDS"] >= 31536000
    hsts = f"max-age={production_secure['SECURE_HSTS_SECONDS']}; includeSubDomains; preload"
    ctx = Context(users=matrix_users, entity=entity, other_entity=other_entity)
    problems: dict[str, list[str]] = {}
    checked = 0
    for url_name, row in sorted(MATRIX.items()):
        with transaction.atomic():  # what a row creates goes away before the next row
            url = reverse(url_name, kwargs=row.kwargs(ctx) if row.kwargs else None)
            for role, client in clients.items():
                response = getattr(client, row.method)(url, row.data or None, secure=True)
                checked += 1
                if found := _problems(url, response, hsts):
                    problems[f"{url_name} as {role} ({response.status_code})"] = found
            transaction.set_rollback(True)
    assert checked == len(MATRIX) * len(MATRIX_ROLES)
    assert not problems, problems


@pytest.mark.django_db
def test_plain_http_is_sent_to_https_under_production_settings(client, settings, production_secure):
    for name, value in production_secure.items():
        setattr(settings, name, value)
    response = client.get("/report/")
    assert response.status_code == 301 and response["Location"].startswith("https://")
    assert "Server" not in response
