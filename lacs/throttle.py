"""Counting failures in Redis to slow down guessing (log-ins, receipts).

Keys are hashes of what is counted, so the cache never holds a username or an address in clear.
"""

from __future__ import annotations

import hashlib

from django.core.cache import cache


def _key(scope: str, subject: str) -> str:
    return f"throttle:{scope}:{hashlib.sha256(subject.encode()).hexdigest()[:32]}"


def is_locked(scope: str, subject: str, *, limit: int) -> bool:
    return (cache.get(_key(scope, subject)) or 0) >= limit


def record_failure(scope: str, subject: str, *, window: int) -> int:
    key = _key(scope, subject)
    cache.add(key, 0, timeout=window)
    try:
        return cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.set(key, 1, timeout=window)
        return 1


def clear(scope: str, subject: str) -> None:
    cache.delete(_key(scope, subject))
