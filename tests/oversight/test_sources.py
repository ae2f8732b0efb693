"""Panels fed by the other apps: protection requests, procurement, red flags, ethics."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone

from lacs.models import Role
from oversight import actions
from oversight.panels import Filters, panel
from tests.factories import EntityFactory, RoleAssignmentFactory, UserFactory
from tests.oversight.factories import make_cases

pytestmark = pytest.mark.django_db


def test_protection_requests_are_counted_by_status(entity):
    from whistleblowing.models import ProtectionRequest

    cases = make_cases(8, entity=entity)
    today = timezone.localdate()
    statuses = ["filed", "review"] + ["granted"] * 6
    for case, status in zip(cases, statuses, strict=True):
        ProtectionRequest.objects.create(
            case=case, filed_on=today, details=b"sealed", status=status
        )
    actions.figures_refresh()
    rows = dict(panel("protection", Filters()).rows)
    assert rows == {"Recibida": "<5", "En análisis": "<5", "Medidas otorgadas": 6}


def _processes(entity, year: int, method: str, n: int, amount: int):
    from procurement.models import Buyer, Process

    buyer, _ = Buyer.objects.get_or_create(key=f"B-{entity.pk}", defaults={"entity": entity})
    return [
        Process.objects.create(
            ocid=f"ocds-t-{entity.pk}-{year}-{method}-{i}",
            data={},
            digest="x",
            date=dt.datetime(year, 6, 1, 12, tzinfo=dt.UTC),
            year=year,
            method=method,
            awarded_amount=Decimal(amount),
            buyer=buyer,
        )
        for i in range(n)
    ]


def test_procurement_share_by_method_and_value_per_entity_and_year(entity, other_entity):
    from procurement.models import FlagRun, RedFlag

    _processes(entity, 2025, "direct", 6, 100)
    _processes(entity, 2025, "open", 4, 1000)
    _processes(entity, 2025, "selective", 5, 10)
    third = EntityFactory(name="Entidad tercera")
    _processes(third, 2025, "direct", 5, 1)
    flagged = _processes(other_entity, 2025, "direct", 2, 50)
    run = FlagRun.objects.create()
    for process in flagged:
        RedFlag.objects.create(
            run=run, group="OCID", key=process.ocid, code="R001", value=1, process=process
        )
    actions.figures_refresh()
    methods = {row[0]: row[1:] for row in panel("procurement_methods", Filters()).rows}
    assert methods["Adjudicación directa"][0] == 13
    assert methods["Licitación pública"] == ["<5", "<5", "<5"]
    # The smallest visible row goes too, so the hidden one cannot be had by subtraction.
    assert methods["Invitación restringida"] == ["<5", "<5", "<5"]
    per = {(row[0], row[1]): row[2:] for row in panel("procurement_entities", Filters()).rows}
    assert per[(entity.name, 2025)] == [15, 40.0, round(100 * 600 / 4650, 1), Decimal(4650)]
    assert per[(other_entity.name, 2025)] == ["<5", "<5", "<5", "<5"]
    assert per[(third.name, 2025)] == ["<5", "<5", "<5", "<5"]
    assert dict(panel("red_flags", Filters()).rows) == {other_entity.name: "<5"}
    narrowed = Filters(start=dt.date(2026, 1, 1))
    assert panel("procurement_entities", narrowed).rows == []


def test_code_acknowledgement_per_entity_is_a_suppressed_snapshot(entity, other_entity):
    for _ in range(6):
        RoleAssignmentFactory(user=UserFactory(), role=Role.SERVANT, entity=entity)
    RoleAssignmentFactory(user=UserFactory(), role=Role.SERVANT, entity=other_entity)
    actions.figures_refresh()
    rows = {row[0]: row[1:] for row in panel("ethics", Filters()).rows}
    assert rows[entity.name][:2] == [6, "<5"]  # none acknowledged: 0 % is a count of 0
    assert rows[other_entity.name][:2] == ["<5", "<5"]
