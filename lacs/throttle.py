"""Counting failures in Redis to slow down guessing (staff log-ins).

Keys are hashes of what is counted, so the cache never holds a username or an address in clear.
"""

from __future__ import annotations

import hashlib
import hmac
import math
import time
from dataclasses import dataclass

from django.conf import settings
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


# --- Staff log-in: slowed, never locked -------------------------------------------------------
# Failures are counted per account and per source address. Past either limit, a password alone
# works only once per back-off period (doubling up to LOGIN_BACKOFF_MAX_SECONDS) — but a correct
# password with the account's TOTP code always signs in at once. So anyone can slow guessing on
# a named contact point, nobody can lock them out, and behind a proxy (one source for all staff)
# a flood from one place slows only the accounts without a second factor.
@dataclass(frozen=True)
class LoginGuard:
    guarded: bool  # past a limit: a password alone is rationed
    wait: int  # seconds before a password alone is tried again (0: now)


def _limit(name: str, default: int) -> int:
    return int(getattr(settings, name, default))


def source_of(meta) -> str:
    """The source address of a staff log-in (a request's META or an OAuth request's headers)."""
    address = meta.get("REMOTE_ADDR", "") if meta else ""
    return hmac.new(settings.SECRET_KEY.encode(), address.encode(), hashlib.sha256).hexdigest()


def login_guard(account: str, source: str) -> LoginGuard:
    failures = cache.get(_key("login", account)) or 0
    guarded = failures >= _limit("LOGIN_FAILURE_LIMIT", 5) or (
        (cache.get(_key("login-source", source)) or 0) >= _limit("LOGIN_SOURCE_FAILURE_LIMIT", 50)
    )
    until = (cache.get(_key("login-wait", account)) or 0) if guarded else 0
    return LoginGuard(guarded=guarded, wait=max(0, math.ceil(until - time.time())))


def login_failed(account: str, source: str) -> None:
    window = _limit("LOGIN_LOCKOUT_SECONDS", 900)
    failures = record_failure("login", account, window=window)
    record_failure("login-source", source, window=window)
    if login_guard(account, source).guarded:
        over = max(0, failures - _limit("LOGIN_FAILURE_LIMIT", 5))
        wait = min(2 ** min(over, 30), _limit("LOGIN_BACKOFF_MAX_SECONDS", 300))
        cache.set(_key("login-wait", account), time.time() + wait, timeout=wait)


def login_succeeded(account: str) -> None:
    clear("login", account)
    clear("login-wait", account)
