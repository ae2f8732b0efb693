"""A process's year is the city's (``TIME_ZONE``), whatever offset its publisher wrote."""

from __future__ import annotations

from procurement.rows import process_columns


def _award_at(when: str) -> dict:
    return {"ocid": "ocds-x-1", "awards": [{"status": "active", "date": when}]}


def test_an_award_at_half_past_eleven_on_new_years_eve_counts_in_the_old_year():
    # 23:30 on 31 December in Mexico City, written in UTC: already the next year there.
    assert process_columns(_award_at("2026-01-01T05:30:00Z"))["year"] == 2025
    assert process_columns(_award_at("2025-12-31T23:30:00-06:00"))["year"] == 2025
    assert process_columns(_award_at("2026-01-01T06:00:00Z"))["year"] == 2026
