"""A compiled release as a row of ``procurement_process``: the columns pages query, read from
the release, each encoded for COPY's binary format. No database: the import's readers
(``procurement.readers``) build rows in processes of their own."""

from __future__ import annotations

import datetime as dt
import hashlib
import struct
from decimal import ROUND_HALF_UP, Decimal
from typing import Any, NamedTuple

import orjson
from django.utils import timezone

from procurement import ocds
from procurement.bulk import (
    NULL,
    binary_bool,
    binary_bytes,
    binary_cents,
    binary_int2,
    binary_int4_or_null,
    binary_jsonb,
    binary_text,
    binary_text_array,
    binary_timestamptz,
)
from procurement.indicators import method_of, parse_datetime, release_facts

# Process columns in the order they are COPYed: the buyers last, once their rows are known.
PROCESS_TEXT_FIELDS = (
    "title",
    "method",
    "method_details",
    "method_rationale",
    "tender_status",
    "currency",
)
PROCESS_COPY_FIELDS = [
    "ocid",
    *PROCESS_TEXT_FIELDS,
    "data",
    "digest",
    "published_compiled",
    "date",
    "year",
    "tender_amount",
    "awarded_amount",
    "number_of_tenderers",
    "supplier_keys",
    "supplier_names",
    "tender_start",
    "tender_end",
    "award_date",
    "indicator_facts",
    "buyer",
    "procuring_entity",
]


# --- columns -----------------------------------------------------------------------------------
def cents(amount: float | None) -> int | None:
    """An amount for a two-decimal column, in cents: rounded to two decimals as written out
    (``round`` is exact on the float; its shortest text then has at most two decimals)."""
    if amount is None or not abs(amount) < 1e17:  # beyond the column (and any real contract)
        return None
    text = repr(round(amount, 2))
    whole, _, fraction = text.partition(".")
    if "e" in text or len(fraction) > 2:
        return int(Decimal(text).scaleb(2).quantize(Decimal(1), rounding=ROUND_HALF_UP))
    cents = abs(int(whole)) * 100 + int(fraction.ljust(2, "0"))
    return -cents if text.startswith("-") else cents


def as_dict(value: Any) -> dict:
    return value if isinstance(value, dict) else {}


def org_name(org: Any) -> str:
    org = org if isinstance(org, dict) else {}
    name = org.get("name")
    return str(name)[:300] if isinstance(name, str) else ""


def awards_of(compiled: dict) -> list[dict]:
    return [a for a in compiled.get("awards") or [] if isinstance(a, dict)]


def process_columns(compiled: dict) -> dict[str, Any]:
    """The columns pages query, read from one compiled release."""
    tender: dict = as_dict(compiled.get("tender"))
    tender_amount, currency = ocds.amount_of(tender.get("value"))
    awarded, award_date, supplier_keys, supplier_names = None, None, [], []
    for award in awards_of(compiled):
        if award.get("status") not in (None, "active"):
            continue
        amount, award_currency = ocds.amount_of(award.get("value"))
        currency = currency or award_currency
        if amount is not None and award_currency == currency:
            awarded = (awarded or 0.0) + amount
        award_date = award_date or parse_datetime(award.get("date"))
        for supplier in award.get("suppliers") or []:
            key = ocds.organisation_key(supplier)
            if key and key not in supplier_keys:
                supplier_keys.append(key)
                supplier_names.append(org_name(supplier))
    period: dict = as_dict(tender.get("tenderPeriod"))
    start, end = parse_datetime(period.get("startDate")), parse_datetime(period.get("endDate"))
    date = parse_datetime(compiled.get("date"))
    when = award_date or start or date
    details = tender.get("procurementMethodDetails")
    rationale = tender.get("procurementMethodRationale")
    tenderers = tender.get("numberOfTenderers")
    return {
        "date": date,
        "year": timezone.localtime(when).year if when else None,  # the city's year
        "title": str(tender.get("title") or "")[:500],
        "method": method_of(tender),
        "method_details": details[:300] if isinstance(details, str) else "",
        "method_rationale": rationale if isinstance(rationale, str) else "",
        "tender_status": str(tender.get("status") or "")[:30],
        "tender_amount": cents(tender_amount),
        "awarded_amount": cents(awarded),
        "currency": (currency or "")[:3],
        "number_of_tenderers": tenderers if isinstance(tenderers, int) else None,
        "supplier_keys": supplier_keys,
        "supplier_names": supplier_names,
        "tender_start": start,
        "tender_end": end,
        "award_date": award_date,
    }


class ProcessRow(NamedTuple):
    """A compiled release ready to write: every column in COPY's binary format but the two
    buyers, which are known once the batch's buyers are. A tuple, which crosses from a reader
    process at the cost of its bytes."""

    ocid: str
    digest: str
    head: bytes
    buyer: tuple[str, str]  # (key, published name); the key is "" without one
    procuring: tuple[str, str]


# The number of fields of a row (PROCESS_COPY_FIELDS), which begins it in binary format.
_FIELD_COUNT = struct.pack(">h", len(PROCESS_COPY_FIELDS))


def process_row(data: dict, published: bool) -> ProcessRow:
    text = ocds.canonical(data)  # serialised once: for the digest and for COPY
    digest = hashlib.sha256(text).hexdigest()
    columns = process_columns(data)
    head = b"".join(
        [
            _FIELD_COUNT,
            binary_text(data["ocid"]),
            *[binary_text(columns[name]) for name in PROCESS_TEXT_FIELDS],
            binary_jsonb(text),
            binary_text(digest),
            binary_bool(published),
            stamp(columns["date"]),
            binary_int2(columns["year"]),
            binary_cents(columns["tender_amount"]),
            binary_cents(columns["awarded_amount"]),
            binary_int4_or_null(columns["number_of_tenderers"]),
            binary_text_array(columns["supplier_keys"]),
            binary_text_array(columns["supplier_names"]),
            stamp(columns["tender_start"]),
            stamp(columns["tender_end"]),
            stamp(columns["award_date"]),
            binary_bytes(orjson.dumps(release_facts(data))),
        ]
    )
    tender: dict = as_dict(data.get("tender"))
    buyer, procuring = data.get("buyer"), tender.get("procuringEntity")
    return ProcessRow(
        ocid=data["ocid"],
        digest=digest,
        head=head,
        buyer=(ocds.organisation_key(buyer), org_name(buyer)),
        procuring=(ocds.organisation_key(procuring), org_name(procuring)),
    )


_STAMPS: dict[dt.datetime, bytes] = {}


def stamp(value: dt.datetime | None) -> bytes:
    """A timestamp in COPY's binary format; dates repeat across releases, so each is encoded
    once."""
    if value is None:
        return NULL
    encoded = _STAMPS.get(value)
    if encoded is None:
        encoded = binary_timestamptz(value)
        if len(_STAMPS) < 1 << 16:
            _STAMPS[value] = encoded
    return encoded


def published_row(compiled: dict) -> ProcessRow:
    return process_row(compiled, True)
