"""Cryptographic building blocks shared by every app (all from ``cryptography``).

- Contents are sealed with a random 256-bit data key under AES-256-GCM (``seal`` / ``open_``).
- A data key is wrapped for a recipient's X25519 public key: an ephemeral key agreement, HKDF-SHA256
  and AES-GCM (``wrap_for`` / ``unwrap_with``).
- A key is derived from a secret a person holds (a password, a receipt) with Argon2id
  (``derive_key``).

Blobs are bytes with a one-byte version prefix so formats can evolve.
"""

from __future__ import annotations

import base64
import hashlib
import os
import re
from dataclasses import dataclass

from cryptography.exceptions import InvalidSignature, InvalidTag
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey, X25519PublicKey
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.argon2 import Argon2id
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

VERSION = b"\x01"
KEY_BYTES = 32
NONCE_BYTES = 12
_RAW = serialization.Encoding.Raw


class CryptoError(Exception):
    """A blob could not be opened: wrong key, altered data or unknown format."""


def b64e(data: bytes) -> str:
    return base64.b64encode(data).decode()


def b64d(text: str) -> bytes:
    return base64.b64decode(text.encode(), validate=True)


def new_data_key() -> bytes:
    return os.urandom(KEY_BYTES)


def seal(key: bytes, plaintext: bytes, aad: bytes = b"") -> bytes:
    nonce = os.urandom(NONCE_BYTES)
    return VERSION + nonce + AESGCM(key).encrypt(nonce, plaintext, aad)


def open_(key: bytes, blob: bytes, aad: bytes = b"") -> bytes:
    if len(blob) < 1 + NONCE_BYTES + 16 or blob[:1] != VERSION:
        raise CryptoError("unknown blob format")
    try:
        return AESGCM(key).decrypt(blob[1 : 1 + NONCE_BYTES], blob[1 + NONCE_BYTES :], aad)
    except InvalidTag:
        raise CryptoError("wrong key or altered data") from None


def seal_text(key: bytes, text: str, aad: bytes = b"") -> bytes:
    return seal(key, text.encode("utf-8"), aad)


def open_text(key: bytes, blob: bytes, aad: bytes = b"") -> str:
    return open_(key, bytes(blob), aad).decode("utf-8")


# --- Key pairs ------------------------------------------------------------------------------
def new_keypair() -> tuple[bytes, bytes]:
    """Return (private, public) raw 32-byte X25519 keys."""
    private = X25519PrivateKey.generate()
    return (
        private.private_bytes(_RAW, serialization.PrivateFormat.Raw, serialization.NoEncryption()),
        private.public_key().public_bytes(_RAW, serialization.PublicFormat.Raw),
    )


def public_from_private(private: bytes) -> bytes:
    key = X25519PrivateKey.from_private_bytes(private)
    return key.public_key().public_bytes(_RAW, serialization.PublicFormat.Raw)


def _wrap_key(shared: bytes, info: bytes) -> bytes:
    return HKDF(algorithm=hashes.SHA256(), length=KEY_BYTES, salt=None, info=info).derive(shared)


def wrap_for(public_key: bytes, data_key: bytes, info: bytes = b"lacs-wrap") -> bytes:
    """Wrap ``data_key`` so that only the holder of the matching private key can unwrap it."""
    eph_private = X25519PrivateKey.generate()
    eph_public = eph_private.public_key().public_bytes(_RAW, serialization.PublicFormat.Raw)
    shared = eph_private.exchange(X25519PublicKey.from_public_bytes(public_key))
    kek = _wrap_key(shared, info + eph_public + public_key)
    return VERSION + eph_public + seal(kek, data_key, info)


def unwrap_with(private_key: bytes, wrapped: bytes, info: bytes = b"lacs-wrap") -> bytes:
    wrapped = bytes(wrapped)
    if len(wrapped) < 1 + 32 or wrapped[:1] != VERSION:
        raise CryptoError("unknown wrap format")
    eph_public = wrapped[1:33]
    private = X25519PrivateKey.from_private_bytes(private_key)
    shared = private.exchange(X25519PublicKey.from_public_bytes(eph_public))
    kek = _wrap_key(shared, info + eph_public + public_from_private(private_key))
    return open_(kek, wrapped[33:], info)


# --- Secrets people hold --------------------------------------------------------------------
ARGON2_ITERATIONS = 3
ARGON2_MEMORY_KIB = 64 * 1024
ARGON2_LANES = 1


@dataclass(frozen=True)
class KdfParams:
    """Argon2id's cost, stored beside every key derived with it (``str`` gives the stored form).

    Keys remember their parameters so that raising the cost later (``LACS_ARGON2_MEMORY_KIB``)
    never strands a password-wrapped key or a receipt made before.
    """

    memory_kib: int
    iterations: int = ARGON2_ITERATIONS
    lanes: int = ARGON2_LANES

    def __str__(self) -> str:
        return f"argon2id:m={self.memory_kib},t={self.iterations},p={self.lanes}"

    @classmethod
    def parse(cls, text: str) -> KdfParams:
        match = re.fullmatch(r"argon2id:m=(\d+),t=(\d+),p=(\d+)", text or "")
        if match is None:
            raise ValueError(f"unknown key-derivation parameters {text!r}")
        return cls(*(int(group) for group in match.groups()))


def kdf_current() -> KdfParams:
    """The parameters new keys are derived with (the test profile lowers the memory)."""
    from django.conf import settings

    return KdfParams(int(getattr(settings, "ARGON2_MEMORY_KIB", ARGON2_MEMORY_KIB)))


def derive_key(
    secret: str, salt: bytes, *, memory_kib: int | None = None, params: KdfParams | None = None
) -> bytes:
    """Argon2id: a 256-bit key from a password or receipt and a 16-byte salt.

    ``params`` are the ones stored with the key being opened; new keys use ``kdf_current()``.
    """
    params = params or (KdfParams(memory_kib) if memory_kib else kdf_current())
    kdf = Argon2id(
        salt=salt,
        length=KEY_BYTES,
        iterations=params.iterations,
        lanes=params.lanes,
        memory_cost=params.memory_kib,
    )
    return kdf.derive(secret.encode("utf-8"))


def new_salt() -> bytes:
    return os.urandom(16)


def fingerprint(public_key: bytes) -> str:
    """A public key's fingerprint for people to compare aloud: 20 hex digits in groups of four."""
    digest = hashlib.sha256(b"lacs-x25519:" + public_key).hexdigest()[:20].upper()
    return " ".join(digest[i : i + 4] for i in range(0, 20, 4))


# --- Signatures (Ed25519): the audit chain's published heads -----------------------------------
def new_signing_key() -> tuple[bytes, bytes]:
    """A fresh Ed25519 pair as raw bytes: (private, public)."""
    private = Ed25519PrivateKey.generate()
    raw = serialization.Encoding.Raw
    return (
        private.private_bytes(raw, serialization.PrivateFormat.Raw, serialization.NoEncryption()),
        private.public_key().public_bytes(raw, serialization.PublicFormat.Raw),
    )


def signing_public_from_private(private: bytes) -> bytes:
    public = Ed25519PrivateKey.from_private_bytes(private).public_key()
    return public.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)


def sign(private: bytes, message: bytes) -> bytes:
    return Ed25519PrivateKey.from_private_bytes(private).sign(message)


def signature_valid(public: bytes, message: bytes, signature: bytes) -> bool:
    try:
        Ed25519PublicKey.from_public_bytes(public).verify(signature, message)
    except (InvalidSignature, ValueError):
        return False
    return True
