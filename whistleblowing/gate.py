"""Anonymous limits that hold when every client shares one address (a TLS proxy, Tor).

Nothing here looks at the client's address, so nothing address-derived is ever stored. Each
anonymous submission (a report, a receipt check) spends one signed, single-use challenge — the
intake form's ``nonce`` — and pays for it in one of two ways:

- **Proof of work** (browsers with JavaScript, API clients): a ``proof`` such that
  ``SHA-256(challenge ":" proof)`` starts with ``WB_POW_DIFFICULTY`` zero bits. A browser finds
  one in a second or two while the person types; the server checks it with one hash.
- **Waiting** (JavaScript off, e.g. Tor Browser "Safest"): no proof, but the challenge must be at
  least ``WB_POW_WAIT_SECONDS`` old. Writing a report takes longer than that anyway.

On top of both, a global ceiling per clock hour (``WB_*_CEILING_PER_HOUR``), with a smaller share
for the waiting path, so that a flood through the free path cannot use the whole budget. A
ceiling refuses everyone alike for the rest of the hour; nobody is locked out by name or place.
Like every limit of the intake, the counters fail open when Redis is down (a report matters
more than a count).
"""

from __future__ import annotations

import hashlib
import logging
import time
from dataclasses import dataclass

from django.conf import settings
from django.core import signing
from django.core.cache import cache

log = logging.getLogger(__name__)

NONCE_SALT = "whistleblowing.form"
DIFFICULTY_DEFAULT = 17
WAIT_SECONDS_DEFAULT = 20
# (every path, the waiting path) per clock hour
CEILINGS_DEFAULT = {"submit": (600, 120), "receipt": (6000, 1200)}


@dataclass(frozen=True)
class Refusal:
    code: str  # "expired" | "too_soon" | "bad_proof" | "busy"
    wait: int = 0  # seconds, for "too_soon"


def difficulty() -> int:
    return int(getattr(settings, "WB_POW_DIFFICULTY", DIFFICULTY_DEFAULT))


def wait_seconds() -> int:
    return int(getattr(settings, "WB_POW_WAIT_SECONDS", WAIT_SECONDS_DEFAULT))


def ceilings(scope: str) -> tuple[int, int]:
    configured = getattr(settings, "WB_CEILINGS_PER_HOUR", {}) or {}
    return tuple(configured.get(scope, CEILINGS_DEFAULT[scope]))  # type: ignore[return-value]


def challenge_issue() -> str:
    """A signed challenge carrying its issue time (the form's one-time nonce)."""
    import secrets

    return signing.dumps({"n": secrets.token_hex(16), "t": int(time.time())}, salt=NONCE_SALT)


def challenge_issued_at(challenge: str, *, max_age: int) -> int | None:
    """The issue time of a genuine, unexpired challenge; None otherwise."""
    try:
        payload = signing.loads(challenge, salt=NONCE_SALT, max_age=max_age)
    except signing.BadSignature:
        return None
    if isinstance(payload, dict) and isinstance(payload.get("t"), int):
        return payload["t"]
    return 0  # a nonce issued before challenges carried their time: old enough


def leading_zero_bits(digest: bytes) -> int:
    bits = 0
    for byte in digest:
        if byte == 0:
            bits += 8
            continue
        return bits + 8 - byte.bit_length()
    return bits


def proof_ok(challenge: str, proof: str, bits: int) -> bool:
    if not proof or len(proof) > 32 or not proof.isascii():
        return False
    digest = hashlib.sha256(f"{challenge}:{proof}".encode()).digest()
    return leading_zero_bits(digest) >= bits


def proof_find(challenge: str, bits: int) -> str:
    """What the page's script does, for API clients' reference and for tests."""
    counter = 0
    while not proof_ok(challenge, str(counter), bits):
        counter += 1
    return str(counter)


def _hour_key(scope: str, path: str) -> str:
    return f"wb:ceiling:{scope}:{path}:{time.strftime('%Y%m%d%H', time.gmtime())}"


def _over(key: str, limit: int) -> bool:
    try:
        return int(cache.get(key) or 0) >= limit
    except Exception as exc:  # the cache backend raises its client's own errors
        log.warning("whistleblowing: Redis unavailable (%s)", type(exc).__name__)
        return False


def _count(key: str) -> None:
    try:
        cache.add(key, 0, timeout=2 * 3600)
        cache.incr(key)
    except Exception as exc:
        log.warning("whistleblowing: Redis unavailable (%s)", type(exc).__name__)


def admit(scope: str, *, challenge: str, proof: str, max_age: int) -> Refusal | None:
    """None when this submission may go on (and it is counted); else why not.

    The caller still claims the challenge once (``ephemeral.post_claim``) against replays.
    """
    issued = challenge_issued_at(challenge, max_age=max_age)
    if issued is None:
        return Refusal("expired")
    waited = not proof
    if waited:
        left = issued + wait_seconds() - int(time.time())
        if left > 0:
            return Refusal("too_soon", wait=left)
    elif not proof_ok(challenge, proof, difficulty()):
        return Refusal("bad_proof")
    every, waiting = ceilings(scope)
    if _over(_hour_key(scope, "all"), every) or (
        waited and _over(_hour_key(scope, "wait"), waiting)
    ):
        return Refusal("busy")
    _count(_hour_key(scope, "all"))
    if waited:
        _count(_hour_key(scope, "wait"))
    return None
