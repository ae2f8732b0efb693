"""Short-lived state of anonymous visitors, kept only in Redis and never in the session table.

- Follow-up: after a correct receipt the browser holds a random token in a cookie limited to
  /report/; Redis holds, under a hash of the token, the case id and the data key sealed under a
  key derived from the token. Neither half alone opens anything, and it expires when idle.
- Pending uploads: files that were accepted when the rest of a form was not are kept, already
  cleaned and sealed the same way, so that nothing a whistle-blower uploaded is lost.
- Abuse limits live in ``gate``: they never look at the client's address.
"""

from __future__ import annotations

import functools
import hashlib
import json
import logging
import secrets

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from django.conf import settings
from django.core.cache import cache

from lacs import crypto
from whistleblowing.files import CleanFile

log = logging.getLogger(__name__)

FOLLOWUP_COOKIE = "lacs_wb"
FOLLOWUP_IDLE_SECONDS_DEFAULT = 1800
UPLOAD_SECONDS = 3600


class Unavailable(Exception):
    """Redis cannot be reached: what needs it waits; intake itself goes on without it."""


def _guard(default):
    """If Redis is down, log that (nothing else) and answer ``default`` instead of failing.

    Intake must keep working without Redis: the report is what matters; limits, replay checks
    and kept uploads are conveniences that fail open, each in the safe direction given here.
    """

    def decorator(func):
        @functools.wraps(func)
        def wrapped(*args, **kwargs):
            try:
                return func(*args, **kwargs)
            except Unavailable:
                raise
            except Exception as exc:  # the cache backend raises its client's own errors
                log.warning("whistleblowing: Redis unavailable (%s)", type(exc).__name__)
                return default(*args, **kwargs) if callable(default) else default

        return wrapped

    return decorator


def _slot(kind: str, token: str) -> str:
    return f"wb:{kind}:{hashlib.sha256(token.encode()).hexdigest()}"


def _token_key(token: str) -> bytes:
    return HKDF(
        algorithm=hashes.SHA256(), length=crypto.KEY_BYTES, salt=None, info=b"wb-ephemeral"
    ).derive(token.encode())


def followup_idle_seconds() -> int:
    return int(getattr(settings, "WB_FOLLOWUP_IDLE_SECONDS", FOLLOWUP_IDLE_SECONDS_DEFAULT))


# --- Follow-up -------------------------------------------------------------------------------
def followup_start(*, case_id: int, data_key: bytes) -> str:
    token = secrets.token_urlsafe(32)
    sealed = crypto.seal(_token_key(token), data_key, b"followup")
    try:
        cache.set(
            _slot("fu", token),
            {"case": case_id, "key": crypto.b64e(sealed)},
            timeout=followup_idle_seconds(),
        )
    except Exception as exc:
        log.warning("whistleblowing: Redis unavailable (%s)", type(exc).__name__)
        raise Unavailable from None
    return token


@_guard(None)
def followup_load(token: str | None) -> tuple[int, bytes] | None:
    """(case id, data key) for a live token, refreshing its idle timer; None otherwise."""
    if not token or len(token) > 100:
        return None
    slot = _slot("fu", token)
    entry = cache.get(slot)
    if not entry:
        return None
    try:
        data_key = crypto.open_(_token_key(token), crypto.b64d(entry["key"]), b"followup")
    except (crypto.CryptoError, ValueError, KeyError):
        return None
    cache.touch(slot, followup_idle_seconds())
    return int(entry["case"]), data_key


@_guard(None)
def followup_end(token: str | None) -> None:
    if token:
        cache.delete(_slot("fu", token))


# --- Pending uploads -------------------------------------------------------------------------
@_guard(list)
def uploads_load(token: str | None) -> list[CleanFile]:
    if not token or len(token) > 100:
        return []
    blob = cache.get(_slot("up", token))
    if not blob:
        return []
    try:
        items = json.loads(crypto.open_(_token_key(token), crypto.b64d(blob), b"uploads"))
    except (crypto.CryptoError, ValueError):
        return []
    return [CleanFile(i["name"], i["type"], crypto.b64d(i["data"]), i["cleaned"]) for i in items]


@_guard(lambda token, files: "")
def uploads_keep(token: str | None, files: list[CleanFile]) -> str:
    """Keep ``files`` for the next post of the same form; returns the token to send back."""
    token = token if token and len(token) <= 100 else secrets.token_urlsafe(32)
    items = [{**f.as_meta(), "data": crypto.b64e(f.data)} for f in files]
    blob = crypto.seal(_token_key(token), json.dumps(items).encode(), b"uploads")
    cache.set(_slot("up", token), crypto.b64e(blob), timeout=UPLOAD_SECONDS)
    return token


@_guard(None)
def uploads_drop(token: str | None) -> None:
    if token:
        cache.delete(_slot("up", token))


# --- Form posts used once --------------------------------------------------------------------
@_guard(True)
def post_claim(nonce: str) -> bool:
    """True the first time a signed form nonce is used; False for a replay."""
    return cache.add(_slot("nonce", nonce), 1, timeout=2 * 86400)


@_guard(None)
def post_release(nonce: str) -> None:
    cache.delete(_slot("nonce", nonce))
