"""Receipts: eight words from the BIP-39 Spanish list (88 bits), never stored in clear.

One Argon2id derivation per receipt gives a master secret; from it HMAC-SHA256 derives the
look-up hash (stored, unique) and, with the report's own salt, the key that seals the case's data
key for the whistle-blower. Words are compared without accents or case, and the first four
letters of each word are enough (the list is built so that they are unique).
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
import unicodedata
from dataclasses import dataclass
from functools import cache

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from lacs import crypto

WORDS = 8
# Argon2id needs a salt before the report is known; receipts are random (88 bits), so one
# application salt is enough here and the per-report salt goes into the key derivation below.
APPLICATION_SALT = b"lacs-receipt-v1\x00"


@cache
def wordlist() -> tuple[str, ...]:
    from mnemonic import Mnemonic

    return tuple(Mnemonic("spanish").wordlist)


def _plain(word: str) -> str:
    decomposed = unicodedata.normalize("NFD", word.lower())
    return "".join(c for c in decomposed if unicodedata.category(c) != "Mn")


@cache
def _by_prefix() -> dict[str, str]:
    return {_plain(word)[:4]: _plain(word) for word in wordlist()}


def receipt_new() -> str:
    """A fresh receipt: eight words separated by spaces (88 bits of entropy)."""
    words = wordlist()
    return " ".join(secrets.choice(words) for _ in range(WORDS))


def receipt_normalise(text: str) -> str | None:
    """The canonical form of a typed receipt, or None if it cannot be one."""
    parts = [p for p in re.split(r"[^a-zñ]+", _plain(text or "")) if p]
    if len(parts) != WORDS:
        return None
    table = _by_prefix()
    canonical = []
    for part in parts:
        word = table.get(part[:4])
        if word is None or not word.startswith(part):
            return None
        canonical.append(word)
    return " ".join(canonical)


@dataclass(frozen=True)
class ReceiptSecret:
    """What one Argon2id derivation of a receipt gives (with the parameters it used)."""

    lookup: str
    master: bytes
    kdf: str

    def key(self, salt: bytes) -> bytes:
        """The key that seals this report's data key for the whistle-blower."""
        return HKDF(
            algorithm=hashes.SHA256(), length=crypto.KEY_BYTES, salt=bytes(salt), info=b"receipt"
        ).derive(self.master)


def receipt_derive(canonical: str, kdf: str | None = None) -> ReceiptSecret:
    """Derive with the stored parameters ``kdf`` of a report, or today's for a new receipt."""
    params = crypto.KdfParams.parse(kdf) if kdf else crypto.kdf_current()
    master = crypto.derive_key(canonical, APPLICATION_SALT, params=params)
    lookup = hmac.new(master, b"lookup", hashlib.sha256).hexdigest()
    return ReceiptSecret(lookup=lookup, master=master, kdf=str(params))
