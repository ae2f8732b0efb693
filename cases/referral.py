"""Referral packages: the case file for the prosecutor or the administrative court.

A package is one JSON document (``lacs-referral-1``):

- ``body``: the case file (facts, contents, attachments, history, findings, notes) as JSON,
  sealed with a fresh AES-256-GCM key; the AAD names the format and the case number;
- ``wrapped_key``: that key wrapped (X25519 + HKDF + AES-GCM) for the receiving authority's
  public key, so only its holder opens the package, not the platform that made it;
- ``signature``: Ed25519 over the header and the sealed body, by the platform's signing key,
  so the authority can tell the package came from the platform and was not altered.

``package_open`` is what the receiving side runs (``manage.py referral_open``).
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from django.conf import settings
from django.http import HttpResponse

from lacs import crypto

FORMAT = "lacs-referral-1"
WRAP_INFO = b"lacs-referral"
AUTHORITIES = ("prosecutor", "court")


class PackageError(Exception):
    """The package is malformed, not signed by the expected key, or not for this key."""


def _dev_key(name: str, make) -> bytes:
    """Outside production: a key under KEY_DIR made on first use (like the intake key)."""
    if settings.PRODUCTION:
        raise RuntimeError(f"the referral key {name} is not configured in this process")
    key_dir = Path(settings.KEY_DIR)
    key_dir.mkdir(parents=True, exist_ok=True)
    path = key_dir / f"referral-{name}.key"
    if not path.exists():
        path.write_text(crypto.b64e(make()))
        path.chmod(0o600)
    return crypto.b64d(path.read_text().strip())


def authority_public_key(authority: str) -> bytes:
    configured = {
        "prosecutor": settings.REFERRAL_PROSECUTOR_PUBLIC_KEY,
        "court": settings.REFERRAL_COURT_PUBLIC_KEY,
    }[authority]
    if configured:
        return crypto.b64d(configured)
    return crypto.public_from_private(authority_dev_private_key(authority))


def authority_dev_private_key(authority: str) -> bytes:
    """The demo's stand-in for an authority's private key (production never has one)."""
    return _dev_key(authority, lambda: crypto.new_keypair()[0])


def signing_key() -> Ed25519PrivateKey:
    seed = (
        crypto.b64d(settings.REFERRAL_SIGNING_KEY)
        if settings.REFERRAL_SIGNING_KEY
        else _dev_key("signing", lambda: Ed25519PrivateKey.generate().private_bytes_raw())
    )
    return Ed25519PrivateKey.from_private_bytes(seed)


def signing_public_key() -> bytes:
    return signing_key().public_key().public_bytes_raw()


def _signed_bytes(header: dict[str, Any], sealed: bytes) -> bytes:
    canonical = json.dumps(header, sort_keys=True, separators=(",", ":")).encode()
    return canonical + b"\n" + hashlib.sha256(sealed).digest()


def package_build(*, case_number: str, authority: str, contents: dict[str, Any]) -> bytes:
    """Seal ``contents`` for ``authority`` and sign it; returns the package's bytes."""
    key = crypto.new_data_key()
    aad = f"{FORMAT}:{case_number}".encode()
    sealed = crypto.seal(key, json.dumps(contents, ensure_ascii=False).encode(), aad)
    header = {
        "format": FORMAT,
        "case": case_number,
        "authority": authority,
        "recipient_key": crypto.b64e(authority_public_key(authority)),
        "wrapped_key": crypto.b64e(
            crypto.wrap_for(authority_public_key(authority), key, WRAP_INFO)
        ),
        "signer_key": crypto.b64e(signing_public_key()),
    }
    signature = signing_key().sign(_signed_bytes(header, sealed))
    package = {**header, "body": crypto.b64e(sealed), "signature": crypto.b64e(signature)}
    return json.dumps(package, indent=1).encode()


def package_verify(package: bytes, *, signer_key: bytes) -> dict[str, Any]:
    """Check the package's signature against ``signer_key`` (the platform's published key)."""
    try:
        data = json.loads(package)
        fields = ("format", "case", "authority", "recipient_key", "wrapped_key", "signer_key")
        header = {k: data[k] for k in fields}
        sealed = crypto.b64d(data["body"])
        signature = crypto.b64d(data["signature"])
    except (ValueError, KeyError, TypeError) as exc:
        raise PackageError(f"not a referral package: {exc}") from None
    if header["format"] != FORMAT:
        raise PackageError(f"unknown format {header['format']!r}")
    if crypto.b64d(header["signer_key"]) != signer_key:
        raise PackageError("signed by another key than the platform's")
    try:
        Ed25519PublicKey.from_public_bytes(signer_key).verify(
            signature, _signed_bytes(header, sealed)
        )
    except InvalidSignature:
        raise PackageError("the signature does not match: the package was altered") from None
    return {**header, "sealed": sealed}


def package_open(package: bytes, *, private_key: bytes, signer_key: bytes) -> dict[str, Any]:
    """Verify, then open the package with the receiving authority's private key."""
    verified = package_verify(package, signer_key=signer_key)
    try:
        key = crypto.unwrap_with(private_key, crypto.b64d(verified["wrapped_key"]), WRAP_INFO)
        aad = f"{FORMAT}:{verified['case']}".encode()
        return json.loads(crypto.open_(key, verified["sealed"], aad))
    except crypto.CryptoError:
        raise PackageError("this key does not open the package") from None


def package_digest(package: bytes) -> str:
    return hashlib.sha256(package).hexdigest()


def package_response(export) -> HttpResponse:
    """A stored package (``CaseExport``) as a download; it is already encrypted and signed."""
    response = HttpResponse(bytes(export.package), content_type="application/json")
    name = f"{export.case.number}-{export.authority}-{export.pk}.lacsref"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    response["Cache-Control"] = "no-store"
    return response
