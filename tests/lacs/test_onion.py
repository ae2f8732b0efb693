"""The clear-web site names its onion service in ``Onion-Location``; the onion service does not."""

from __future__ import annotations

import pytest
from django.test import override_settings

from tests.lacs.test_settings import _start

ONION = "http://vswqse3e7wojlnyuahd2b267pue27tc2ofbvmxpxpqf3nuo4ccweajqd.onion"
pytestmark = pytest.mark.django_db


def test_clear_web_pages_name_the_same_page_at_the_onion_service(client):
    with override_settings(ONION_LOCATION=ONION):
        response = client.get("/report/?paso=1")
    assert response.status_code == 200
    assert response["Onion-Location"] == f"{ONION}/report/?paso=1"


def test_without_an_onion_service_nothing_is_sent(client):
    assert "Onion-Location" not in client.get("/report/")


def test_the_onion_service_does_not_point_at_itself(client):
    host = ONION.removeprefix("http://")
    with override_settings(ONION_LOCATION=ONION, ALLOWED_HOSTS=[".onion", "testserver"]):
        response = client.get("/report/", HTTP_HOST=host)
    assert response.status_code == 200
    assert "Onion-Location" not in response


def test_only_pages_carry_it(client):
    with override_settings(ONION_LOCATION=ONION):
        missing = client.get("/report/no-such-page/")
        health = client.get("/healthz")
    assert missing.status_code == 404 and "Onion-Location" not in missing
    assert health["Content-Type"] == "application/json" and "Onion-Location" not in health


@pytest.mark.parametrize(
    "value",
    [
        "vswqse3e7wojlnyuahd2b267pue27tc2ofbvmxpxpqf3nuo4ccweajqd.onion",  # no scheme
        "http://expyuzz4wqqyqhjn.onion",  # a v2 address, gone from Tor
        "https://example.org",
        f"{ONION}/report/",  # an origin, not a page
    ],
)
def test_a_malformed_onion_address_stops_start_up(value):
    result = _start({"LACS_PROFILE": "demo", "LACS_ONION_LOCATION": value})
    assert result.returncode != 0
    assert "LACS_ONION_LOCATION" in result.stderr


def test_a_v3_onion_origin_is_accepted_and_a_separate_cache_redis_too():
    result = _start(
        {
            "LACS_PROFILE": "demo",
            "LACS_ONION_LOCATION": ONION + "/",
            "CACHE_REDIS_URL": "redis://127.0.0.1:6379/9",
        }
    )
    assert result.returncode == 0, result.stderr
    assert (
        "CACHE_REDIS_URL"
        in _start({"LACS_PROFILE": "demo", "CACHE_REDIS_URL": "http://cache"}).stderr
    )
