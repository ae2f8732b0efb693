"""API rate limits that never look at the client's address.

Behind the TLS proxy or the onion service every client shares one address, so a per-address
limit would let one client lock everybody out, and a hash of an address is reversible over the
IPv4 space. Anonymous requests share one global ceiling (the anonymous report API spends a
proof of work per request on top, ``whistleblowing.gate``); signed-in ones are counted per user.

When Redis is unreachable the limits fail open: a report must still be accepted (DESIGN.md,
flow 1), and a missed count is a smaller harm than a refused whistle-blower.
"""

from __future__ import annotations

import logging

from redis.exceptions import RedisError
from rest_framework.throttling import SimpleRateThrottle

log = logging.getLogger(__name__)


class _FailOpen:
    def allow_request(self, request, view):
        try:
            return super().allow_request(request, view)  # type: ignore[misc]
        except (RedisError, OSError):
            log.warning("rate limit skipped: the cache is unreachable")
            return True


class AnonymousCeilingThrottle(_FailOpen, SimpleRateThrottle):
    """One shared counter for every anonymous request (rate ``anon``): nothing per client."""

    scope = "anon"

    def get_cache_key(self, request, view):
        if request.user and request.user.is_authenticated:
            return None
        return self.cache_format % {"scope": self.scope, "ident": "everyone"}


class StaffRateThrottle(_FailOpen, SimpleRateThrottle):
    """Per signed-in user (rate ``user``); anonymous requests are left to the ceiling above."""

    scope = "user"

    def get_cache_key(self, request, view):
        if not (request.user and request.user.is_authenticated):
            return None
        return self.cache_format % {"scope": self.scope, "ident": request.user.pk}
