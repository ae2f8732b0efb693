"""Sealing of a case's contents: the AAD names the case and the field, so a blob cannot be
moved to another case or field unnoticed."""

from __future__ import annotations

import json
from typing import Any

from cases.models import Case
from lacs import crypto


def aad(case: Case, field: str) -> bytes:
    return f"lacs:wb:case:{case.pk}:{field}".encode()


def seal_json(key: bytes, value: Any, case: Case, field: str) -> bytes:
    return crypto.seal(key, json.dumps(value, ensure_ascii=False).encode(), aad(case, field))


def open_json(key: bytes, blob: Any, case: Case, field: str) -> Any:
    return json.loads(crypto.open_(key, bytes(blob), aad(case, field)))


def open_text(key: bytes, blob: Any, case: Case, field: str) -> str:
    return crypto.open_text(key, bytes(blob), aad(case, field))
