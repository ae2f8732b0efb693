"""A report filed through /report/ and routed by the worker leaves no time finer than the day.

The attack: a database dump (or an administrator's view, or the reported entity's inbox, history
and API) lines a report's exact filing time up with door logs, badge readers or network records.
Every row written by the filing and the routing is scanned for a time that is not a local
midnight; the staff-facing pages and the API are read for one too.
"""

from __future__ import annotations

import datetime as dt
import re
import time
from collections import Counter

import pytest
from django.db import connection
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from cases.models import Case
from lacs.models import Role
from tests.conftest import make_user, sign_in
from tests.whistleblowing.factories import follow_up, questionnaire, receipt_of, submit
from whistleblowing.models import Message, ProtectionRequest

pytestmark = [pytest.mark.services, pytest.mark.django_db(transaction=True)]

CLOCK = re.compile(r"\b([01]\d|2[0-3]):[0-5]\d(:[0-5]\d)?")


def _time_columns() -> list[tuple[str, str]]:
    with connection.cursor() as cursor:
        cursor.execute(
            """SELECT table_name, column_name FROM information_schema.columns
                WHERE table_schema = current_schema()
                  AND data_type IN ('timestamp with time zone', 'timestamp without time zone',
                                    'time with time zone', 'time without time zone', 'jsonb')
                ORDER BY table_name, column_name"""
        )
        return cursor.fetchall()


def _snapshot() -> Counter:
    """Every time (and every JSON document) stored anywhere, as (table, column, value)."""
    seen: Counter = Counter()
    with connection.cursor() as cursor:
        for table, column in _time_columns():
            cursor.execute(f'SELECT "{column}" FROM "{table}" WHERE "{column}" IS NOT NULL')  # noqa: S608
            seen.update((table, column, value) for (value,) in cursor.fetchall())
    return seen


def _finer_than_the_day(value) -> bool:
    """A time of day other than midnight, in a timestamp or anywhere inside a JSON document."""
    if isinstance(value, dict | list):
        items = value.values() if isinstance(value, dict) else value
        return any(_finer_than_the_day(item) for item in items)
    if isinstance(value, str):
        try:
            value = dt.datetime.fromisoformat(value)
        except ValueError:
            return any(m.group(0) not in ("00:00", "00:00:00") for m in CLOCK.finditer(value))
    if isinstance(value, dt.datetime):
        local = timezone.localtime(value) if timezone.is_aware(value) else value
        return local.time() != dt.time(0)
    if isinstance(value, dt.time):
        return value.replace(tzinfo=None) != dt.time(0)
    return False


def _route(case: Case) -> None:
    deadline = time.monotonic() + 60
    while case.routed_at is None and time.monotonic() < deadline:
        time.sleep(0.5)
        case.refresh_from_db()
    assert case.routed_at is not None, "the worker did not route the report"


def test_a_filed_and_routed_report_leaves_no_time_finer_than_the_day(celery_worker_process, entity):
    contact = make_user(Role.CONTACT, entity)
    category, questions = questionnaire()
    before = _snapshot()
    whistleblower = Client()
    receipt = receipt_of(submit(whistleblower, category, entity, questions))
    case = Case.objects.get()
    _route(case)
    follow_up(whistleblower, receipt)  # and comes back the same day with more
    whistleblower.post(reverse("whistleblowing:followup_message"), {"body": "Otro dato."})
    whistleblower.post(
        reverse("whistleblowing:followup_protection"),
        {"what": "Me cambiaron de área", "when": "Ayer", "who": "Mi jefe"},
    )
    assert Message.objects.filter(case=case).exists()
    assert ProtectionRequest.objects.filter(case=case).exists()

    written = _snapshot() - before
    timed = sorted(f"{t}.{c} = {v!r}" for (t, c, v) in written if _finer_than_the_day(v))
    assert timed == [], "a time finer than the day was stored:\n" + "\n".join(timed)

    staff = Client()
    sign_in(staff, contact)
    page = staff.get(reverse("cases:detail", args=[case.pk])).content.decode()
    history = page[page.index('id="history-h"') :]
    history = history[: history.index("</ol>")]
    assert not CLOCK.search(history), history
    api = staff.get(reverse("api-case", args=[case.pk])).json()
    for event in api["history"]:
        assert not _finer_than_the_day(event["at"]), event
    assert not _finer_than_the_day(api["case"]), api["case"]
