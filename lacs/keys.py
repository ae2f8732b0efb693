"""Staff key pairs, the intake key, and the unlocked private key a signed-in recipient holds.

A staff user's X25519 private key is stored wrapped by an Argon2id key derived from their
password. At log-in it is unwrapped and kept for the session sealed under a random key that
lives only in the browser's cookie (``lacs_kk``): neither the session table nor the cookie alone
opens it. A password change re-wraps it; an administrator's password reset cannot, so the user
gets a new pair at next log-in and the entity's escrow key recovers access to older cases.
The writes (creating, replacing, re-wrapping a pair) are actions in ``lacs.actions``.
"""

from __future__ import annotations

import fcntl
from pathlib import Path

from django.conf import settings

from lacs import crypto
from lacs.models import UserKeyPair

SESSION_FIELD = "lacs_sealed_private_key"
COOKIE_NAME = "lacs_kk"


def wrapped(private: bytes, password: str) -> dict[str, str]:
    """The stored fields of ``private`` wrapped by ``password`` with today's Argon2id cost."""
    salt, params = crypto.new_salt(), crypto.kdf_current()
    wrapped = crypto.seal(crypto.derive_key(password, salt, params=params), private, b"user-key")
    return {
        "wrapped_private_key": crypto.b64e(wrapped),
        "salt": crypto.b64e(salt),
        "kdf": str(params),
    }


def open_pair(pair: UserKeyPair, password: str) -> bytes:
    params = crypto.KdfParams.parse(pair.kdf)
    key = crypto.derive_key(password, crypto.b64d(pair.salt), params=params)
    return crypto.open_(key, crypto.b64d(pair.wrapped_private_key), b"user-key")


def user_private_key(*, user, password: str) -> bytes:
    return open_pair(UserKeyPair.objects.get(user=user), password)


def session_store(request, private_key: bytes) -> None:
    cookie_key = crypto.new_data_key()
    request.session[SESSION_FIELD] = crypto.b64e(crypto.seal(cookie_key, private_key))
    request.lacs_key_cookie = crypto.b64e(cookie_key)


def session_private_key(request) -> bytes | None:
    """The signed-in user's private key, or None when the session does not hold it."""
    sealed = request.session.get(SESSION_FIELD)
    cookie = request.COOKIES.get(COOKIE_NAME) or getattr(request, "lacs_key_cookie", None)
    if not sealed or not cookie:
        return None
    try:
        return crypto.open_(crypto.b64d(cookie), crypto.b64d(sealed))
    except (crypto.CryptoError, ValueError):
        return None


# --- The intake key -------------------------------------------------------------------------
def _dev_intake_keypair() -> tuple[bytes, bytes]:
    """Outside production: one intake pair under KEY_DIR, made on first use."""
    key_dir = Path(settings.KEY_DIR)
    key_dir.mkdir(parents=True, exist_ok=True)
    path = key_dir / "intake.key"
    with open(key_dir / "intake.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not path.exists():
            private, _ = crypto.new_keypair()
            path.write_text(crypto.b64e(private))
            path.chmod(0o600)
        private = crypto.b64d(path.read_text().strip())
    return private, crypto.public_from_private(private)


def intake_public_key() -> bytes:
    if settings.INTAKE_PUBLIC_KEY:
        return crypto.b64d(settings.INTAKE_PUBLIC_KEY)
    return _dev_intake_keypair()[1]


def intake_private_key() -> bytes:
    """Only the routing worker calls this; the web process never needs it."""
    if settings.INTAKE_PRIVATE_KEY:
        return crypto.b64d(settings.INTAKE_PRIVATE_KEY)
    if settings.PRODUCTION:
        raise RuntimeError("LACS_INTAKE_PRIVATE_KEY is not set in this process")
    return _dev_intake_keypair()[0]


# --- The audit signing key ------------------------------------------------------------------
def _dev_audit_signing_key() -> bytes:
    """Outside production: one Ed25519 key under KEY_DIR, made on first use."""
    key_dir = Path(settings.KEY_DIR)
    key_dir.mkdir(parents=True, exist_ok=True)
    path = key_dir / "audit-signing.key"
    with open(key_dir / "audit-signing.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not path.exists():
            path.write_text(crypto.b64e(crypto.new_signing_key()[0]))
            path.chmod(0o600)
        return crypto.b64d(path.read_text().strip())


def audit_signing_key() -> bytes:
    """Only the worker that signs the daily head (or an offline operator) calls this."""
    if settings.AUDIT_SIGNING_KEY_FILE:
        return crypto.b64d(Path(settings.AUDIT_SIGNING_KEY_FILE).read_text().strip())
    if settings.PRODUCTION:
        raise RuntimeError("LACS_AUDIT_SIGNING_KEY_FILE is not set in this process")
    return _dev_audit_signing_key()


def audit_public_key() -> bytes | None:
    """The key that published heads are checked against; None when none is configured."""
    if settings.AUDIT_PUBLIC_KEY:
        return crypto.b64d(settings.AUDIT_PUBLIC_KEY)
    if settings.PRODUCTION:
        return None
    return crypto.signing_public_from_private(_dev_audit_signing_key())
