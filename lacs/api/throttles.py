"""Rate limits that keep no address: the client is identified by a keyed, rotating hash.

When Redis is unreachable the limits fail open: a report must still be accepted (DESIGN.md,
flow 1), and a missed count is a smaller harm than a refused whistle-blower.
"""

from __future__ import annotations

import hashlib
import hmac
import logging

from django.conf import settings
from django.utils import timezone
from redis.exceptions import RedisError
from rest_framework.throttling import AnonRateThrottle, UserRateThrottle

log = logging.getLogger(__name__)


class _FailOpen:
    def allow_request(self, request, view):
        try:
            return super().allow_request(request, view)  # type: ignore[misc]
        except (RedisError, OSError):
            log.warning("rate limit skipped: the cache is unreachable")
            return True


class HashedAnonRateThrottle(_FailOpen, AnonRateThrottle):
    def get_ident(self, request):
        day = timezone.now().strftime("%Y-%m-%d")
        key = f"{settings.SECRET_KEY}:{day}".encode()
        ident = super().get_ident(request) or "no-address"  # e.g. a unix socket
        return hmac.new(key, ident.encode(), hashlib.sha256).hexdigest()[:32]


class StaffRateThrottle(_FailOpen, UserRateThrottle):
    pass
