"""Rate limits keep no address, hold with every client on one address, fail open without Redis."""

import pytest
from django.test import RequestFactory, override_settings
from rest_framework.views import APIView

from lacs.api.throttles import AnonymousCeilingThrottle

DEAD_CACHE = {
    "default": {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": "redis://127.0.0.1:1/0",
    }
}


def _request(address="203.0.113.7"):
    request = RequestFactory().post("/api/v1/reports/", REMOTE_ADDR=address)
    request.user = None
    return request


def test_anonymous_clients_share_one_ceiling_keyed_on_nothing_of_theirs():
    throttle = AnonymousCeilingThrottle()
    key = throttle.get_cache_key(_request(), APIView())
    assert "203" not in key
    assert key == throttle.get_cache_key(_request("198.51.100.8"), APIView())


def test_limits_fail_open_when_the_cache_is_down(monkeypatch):
    from django.core.cache import caches

    throttle = AnonymousCeilingThrottle()
    with override_settings(CACHES=DEAD_CACHE):
        caches._settings = None
        if hasattr(caches._connections, "default"):
            del caches._connections.default
        monkeypatch.setattr(throttle, "cache", caches["default"])
        monkeypatch.setattr(throttle, "rate", "1/minute")
        monkeypatch.setattr(throttle, "num_requests", 1)
        monkeypatch.setattr(throttle, "duration", 60)
        assert throttle.allow_request(_request(), APIView()) is True
        assert throttle.allow_request(_request(), APIView()) is True
    if hasattr(caches._connections, "default"):
        del caches._connections.default


@pytest.mark.django_db
def test_the_ceiling_holds_for_every_client_together(monkeypatch):
    from django.core.cache import cache

    def fresh():
        throttle = AnonymousCeilingThrottle()
        monkeypatch.setattr(throttle, "num_requests", 2)
        monkeypatch.setattr(throttle, "duration", 60)
        return throttle

    assert fresh().allow_request(_request("198.51.100.9"), APIView()) is True
    assert fresh().allow_request(_request("203.0.113.1"), APIView()) is True
    assert fresh().allow_request(_request("192.0.2.5"), APIView()) is False
    stored = " ".join(str(k) for k in cache._cache.get_client().keys("*"))
    assert "198.51" not in stored and "203.0" not in stored
