import datetime as dt

import pytest

from ethics import interest, selectors
from ethics.models import DeclarationKind
from tests.ethics.factories import (
    CodeVersionFactory,
    DeclarationFactory,
    GiftFactory,
    ServantAppointmentFactory,
)

pytestmark = pytest.mark.django_db


def test_sample_interest_validates_against_the_system_1_schema():
    assert interest.validate(DeclarationFactory.build().interest) == []


def test_declared_supplier_interests_lists_companies_but_not_natural_persons_or_removed_items():
    declaration = DeclarationFactory()
    rows = set(selectors.declared_supplier_interests())
    assert rows == {
        (
            declaration.declarant_id,
            declaration.entity_id,
            "Constructora Azteca SA de CV",
            "CAZ010101AB1",
            declaration.pk,
            "participacion",
        ),
        (
            declaration.declarant_id,
            declaration.entity_id,
            "Pinturas Secretas SA",
            "PSE020202CD2",
            declaration.pk,
            "participacion",
        ),
        (
            declaration.declarant_id,
            declaration.entity_id,
            "Consultoría Propia SC",
            "",
            declaration.pk,
            "clientesPrincipales",
        ),
    }


def test_declared_supplier_interests_uses_the_latest_filed_declaration_and_entity_filter():
    first = DeclarationFactory()
    later = DeclarationFactory(
        appointment=first.appointment,
        kind=DeclarationKind.UPDATE,
        interest=interest.empty_interest(),
    )
    other = DeclarationFactory()
    assert not [r for r in selectors.declared_supplier_interests() if r.declaration_id == first.pk]
    assert later.pk  # the newer, empty declaration replaces the first
    rows = list(selectors.declared_supplier_interests(entity_ids=[other.entity_id]))
    assert {r.entity_id for r in rows} == {other.entity_id}


def test_declaration_compliance_counts_on_time_late_missing_and_pending():
    today = dt.date(2026, 6, 15)
    on_time = ServantAppointmentFactory(start=dt.date(2026, 1, 10))
    entity = on_time.entity
    DeclarationFactory(appointment=on_time, filed_at=dt.datetime(2026, 2, 1, 12, tzinfo=dt.UTC))
    missing = ServantAppointmentFactory(entity=entity, start=dt.date(2025, 6, 1))
    ServantAppointmentFactory(entity=entity, start=dt.date(2026, 6, 1))
    figures = selectors.declaration_compliance(entity_ids=[entity.pk], today=today)
    assert figures == {entity.pk: {"on_time": 1, "late": 0, "missing": 2, "pending": 1}}
    # the missing ones: the 2025 appointment's initial and its May 2026 modification
    assert missing.pk


def test_acknowledgement_compliance_counts_servants_per_entity():
    from ethics.models import CodeAcknowledgement

    version = CodeVersionFactory()
    first = ServantAppointmentFactory()
    ServantAppointmentFactory(entity=first.entity)
    CodeAcknowledgement.objects.create(version=version, user=first.user, entity=first.entity)
    figures = selectors.acknowledgement_compliance(entity_ids=[first.entity_id])
    assert figures == {first.entity_id: {"servants": 2, "acknowledged": 1}}


def test_gift_totals_per_entity():
    gift = GiftFactory(value=1500, over_threshold=True)
    GiftFactory(entity=gift.entity, value=100)
    figures = selectors.gift_totals()
    assert figures[gift.entity_id]["count"] == 2
    assert figures[gift.entity_id]["value"] == 1600
    assert figures[gift.entity_id]["over_threshold"] == 1
