"""Rate limits that keep no address: the client is identified by a keyed, rotating hash."""

from __future__ import annotations

import hashlib
import hmac

from django.conf import settings
from django.utils import timezone
from rest_framework.throttling import AnonRateThrottle, UserRateThrottle


class HashedAnonRateThrottle(AnonRateThrottle):
    def get_ident(self, request):
        day = timezone.now().strftime("%Y-%m-%d")
        key = f"{settings.SECRET_KEY}:{day}".encode()
        ident = super().get_ident(request) or "no-address"  # e.g. a unix socket
        return hmac.new(key, ident.encode(), hashlib.sha256).hexdigest()[:32]


class StaffRateThrottle(UserRateThrottle):
    pass
