"""Rate limits keep no address and fail open when Redis is unreachable."""

import pytest
from django.test import RequestFactory, override_settings
from rest_framework.views import APIView

from lacs.api.throttles import HashedAnonRateThrottle

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


def test_the_client_is_counted_under_a_keyed_hash_not_its_address():
    throttle = HashedAnonRateThrottle()
    ident = throttle.get_ident(_request())
    assert "203.0.113.7" not in ident and len(ident) == 32
    assert ident == throttle.get_ident(_request()) != throttle.get_ident(_request("203.0.113.8"))


def test_limits_fail_open_when_the_cache_is_down(monkeypatch):
    from django.core.cache import caches

    throttle = HashedAnonRateThrottle()
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
def test_limits_still_hold_when_the_cache_is_up(monkeypatch):
    throttle = HashedAnonRateThrottle()
    monkeypatch.setattr(throttle, "num_requests", 1)
    monkeypatch.setattr(throttle, "duration", 60)
    assert throttle.allow_request(_request("198.51.100.9"), APIView()) is True
    again = HashedAnonRateThrottle()
    monkeypatch.setattr(again, "num_requests", 1)
    monkeypatch.setattr(again, "duration", 60)
    assert again.allow_request(_request("198.51.100.9"), APIView()) is False
