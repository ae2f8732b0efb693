"""COPY's binary format, used for the compiled releases: each encoder gives PostgreSQL the
value its text form would, and an imported process's columns are what its release says."""

from __future__ import annotations

import datetime as dt
import io
import struct
from decimal import Decimal

import orjson
import pytest
from django.db import connection

from procurement.actions import ocds_file_import
from procurement.bulk import (
    BINARY_HEADER,
    BINARY_TRAILER,
    binary_bool,
    binary_bytes,
    binary_cents,
    binary_int2,
    binary_int4_or_null,
    binary_int8,
    binary_jsonb,
    binary_text,
    binary_text_array,
    binary_timestamptz,
)
from procurement.models import Process
from procurement.rows import cents

COLUMNS = (
    "t text, j jsonb, b boolean, s smallint, i integer, l bigint, "
    "ts timestamptz, n numeric(20,2), a varchar(200)[]"
)


def binary_row(fields: list[bytes]) -> bytes:
    return struct.pack(">h", len(fields)) + b"".join(fields)


def _copied(rows: list[list[bytes]]) -> list[tuple]:
    data = BINARY_HEADER + b"".join(binary_row(row) for row in rows) + BINARY_TRAILER
    with connection.cursor() as cursor:
        cursor.execute(f"CREATE TEMP TABLE binary_check ({COLUMNS})")
        cursor.cursor.copy_expert("COPY binary_check FROM STDIN (FORMAT binary)", io.BytesIO(data))
        cursor.execute("SELECT t, j::text, b, s, i, l, ts, n, a FROM binary_check")
        return [(t, orjson.loads(j), *rest) for t, j, *rest in cursor.fetchall()]


@pytest.mark.django_db
def test_each_type_arrives_as_its_text_form_would():
    when = dt.datetime(2016, 3, 9, 18, 30, 5, 123456, tzinfo=dt.timezone(dt.timedelta(hours=-6)))
    document = {"montó": 1.5, "lista": ["a\tb", "c\\d"], "año": None}
    rows = _copied(
        [
            [
                binary_text("Secretaría de Finanzas\t«tab»"),
                binary_jsonb(orjson.dumps(document)),
                binary_bool(True),
                binary_int2(2016),
                binary_int4_or_null(-7),
                binary_int8(2**40),
                binary_timestamptz(when),
                binary_cents(cents(1311264.0)),
                binary_text_array(["GDF9712054NA", "Ñandú SA"]),
            ],
            [
                binary_bytes(b""),
                binary_jsonb(b"[]"),
                binary_bool(False),
                binary_int2(None),
                binary_int4_or_null(2**31),  # beyond integer: left out
                binary_int8(None),
                binary_timestamptz(dt.datetime(1999, 12, 31, 23, 59, 59)),  # noqa: DTZ001  # UTC
                binary_cents(cents(-0.05)),
                binary_text_array([]),
            ],
        ]
    )
    assert rows[0] == (
        "Secretaría de Finanzas\t«tab»",
        document,
        True,
        2016,
        -7,
        2**40,
        when,
        Decimal("1311264.00"),
        ["GDF9712054NA", "Ñandú SA"],
    )
    assert rows[1] == (
        "",
        [],
        False,
        None,
        None,
        None,
        dt.datetime(1999, 12, 31, 23, 59, 59, tzinfo=dt.UTC),
        Decimal("-0.05"),
        [],
    )


@pytest.mark.django_db
@pytest.mark.parametrize(
    "amount",
    [0.0, 0.05, 0.5, 1.005, 12.5, 9999.99, 10000.0, 10000.01, 123456789.129, 1e16, -987654.3],
)
def test_amounts_round_to_cents_as_the_column_would(amount):
    """The binary form gives what the amount rounded to two decimals (exactly, on the float)
    would give as text."""
    (row,) = _copied(
        [
            [
                binary_text(""),
                binary_jsonb(b"{}"),
                *[b"\xff\xff\xff\xff"] * 5,
                binary_cents(cents(amount)),
                binary_text_array([]),
            ]
        ]
    )
    with connection.cursor() as cursor:
        cursor.execute("SELECT %s::numeric(20,2)", [str(round(amount, 2))])
        (expected,) = cursor.fetchone()
    assert row[7] == expected


@pytest.mark.django_db
def test_imported_columns_say_what_the_release_says():
    release = {
        "ocid": "ocds-binary-1",
        "id": "ocds-binary-1-2016",
        "date": "2016-05-02T10:00:00-05:00",
        "tag": ["compiled"],
        "initiationType": "tender",
        "buyer": {"id": "GDF9712054NA", "name": "SECRETARÍA DE FINANZAS"},
        "tender": {
            "id": "t1",
            "title": "Computadoras\tportátiles \\ 2016",
            "status": "complete",
            "procurementMethod": "limited",
            "procurementMethodDetails": "Adjudicación directa",
            "procurementMethodRationale": "ARTICULO 54 FRACCION II BIS",
            "value": {"amount": 1311264.0, "currency": "MXN"},
            "numberOfTenderers": 1,
            "tenderPeriod": {
                "startDate": "2016-01-04T09:00:00-06:00",
                "endDate": "2016-01-08T18:00:00-06:00",
            },
        },
        "awards": [
            {
                "id": "a1",
                "status": "active",
                "date": "2016-01-11T00:00:00-06:00",
                "value": {"amount": 1311263.995, "currency": "MXN"},
                "suppliers": [{"id": "CCO021030KX2", "name": "COMUNIC@RTE SA DE CV"}],
            }
        ],
    }
    result = ocds_file_import(name="one.jsonl", content=orjson.dumps(release) + b"\n")
    assert result.ok, result.problems
    process = Process.objects.select_related("buyer").get()
    assert process.data == release
    assert process.title == "Computadoras\tportátiles \\ 2016"
    assert (process.method, process.method_details) == ("direct", "Adjudicación directa")
    assert process.method_rationale == "ARTICULO 54 FRACCION II BIS"
    assert (process.tender_amount, process.awarded_amount) == (
        Decimal("1311264.00"),
        Decimal("1311264.00"),
    )
    assert (process.currency, process.number_of_tenderers, process.year) == ("MXN", 1, 2016)
    assert process.supplier_keys == ["CCO021030KX2"]
    assert process.supplier_names == ["COMUNIC@RTE SA DE CV"]
    assert process.tender_start == dt.datetime(2016, 1, 4, 15, tzinfo=dt.UTC)
    assert process.tender_end == dt.datetime(2016, 1, 9, 0, tzinfo=dt.UTC)
    assert process.award_date == dt.datetime(2016, 1, 11, 6, tzinfo=dt.UTC)
    assert process.date == dt.datetime(2016, 5, 2, 15, tzinfo=dt.UTC)
    assert process.buyer.key == "GDF9712054NA" and process.published_compiled
    assert orjson.loads(process.indicator_facts)["buyer"] == "GDF9712054NA"


@pytest.mark.django_db
def test_a_row_inserted_meanwhile_turns_the_batch_into_an_upsert():
    """A batch taken for new rows that meets one a concurrent import wrote first is merged
    instead, and the foreign keys are still checked with it."""
    from procurement.actions import _process_writer
    from procurement.bulk import NULL
    from procurement.rows import process_row

    first = {"ocid": "ocds-race-1", "id": "1", "date": "2020-01-01T00:00:00Z", "tag": ["compiled"]}
    second = {**first, "ocid": "ocds-race-2"}
    ocds_file_import(name="first.jsonl", content=orjson.dumps({**first, "language": "en"}))
    writer = _process_writer()
    rows = [process_row(first, True), process_row(second, True)]
    writer.write([part for row in rows for part in (row.head, NULL, NULL)])
    writer.wait()
    writer.close()
    assert {p.ocid: p.data for p in Process.objects.all()} == {
        "ocds-race-1": first,
        "ocds-race-2": second,
    }
    broken = _process_writer()
    row = process_row({**first, "ocid": "ocds-race-3"}, True)
    broken.write([row.head, binary_int8(10**9), NULL])  # a buyer that does not exist
    with pytest.raises(Exception, match="foreign key"):
        broken.wait()
    broken.close()
