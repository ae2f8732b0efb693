import datetime as dt

import pytest
from django.urls import reverse

from lacs.actions import change_approve as approve
from lacs.audit import audit_verify
from lacs.models import AuditEvent, ChangeRequest, ContactPoint, ContactPointKind, Entity, Role
from lacs.seed import ALCALDIAS, seed_reference_data
from tests.conftest import make_user
from tests.factories import ContactPointFactory, EntityFactory, UserFactory

pytestmark = pytest.mark.django_db


def test_reference_data_has_the_sixteen_alcaldias_and_one_comptroller():
    seed_reference_data()
    assert Entity.objects.filter(kind="alcaldia").count() == len(ALCALDIAS) == 16
    assert Entity.objects.get(is_comptroller=True).acronym == "SCG"
    assert seed_reference_data() == 0  # idempotent


def test_staff_page_rejects_a_cycle_in_the_entity_tree(client_for):
    root = EntityFactory()
    child = EntityFactory(parent=root)
    response = client_for("admin").post(
        reverse("staff_entity", args=[root.pk]),
        {
            "name": root.name,
            "kind": root.kind,
            "parent": child.pk,
            "active": "on",
        },
    )
    assert response.status_code == 200
    assert "no puede depender" in response.content.decode()
    root.refresh_from_db()
    assert root.parent is None


def test_staff_page_rejects_a_second_primary_with_overlapping_dates(client_for, entity):
    ContactPointFactory(entity=entity, kind=ContactPointKind.PRIMARY, start=dt.date(2024, 1, 1))
    newcomer = UserFactory()
    before = AuditEvent.objects.count()
    response = client_for("admin").post(
        reverse("staff_entity_contact", args=[entity.pk]),
        {"user": newcomer.pk, "kind": "primary", "start": "2025-01-01"},
    )
    assert response.status_code == 200
    assert "ya tiene un punto de contacto titular" in response.content.decode()
    assert not ContactPoint.objects.filter(user=newcomer).exists()
    assert AuditEvent.objects.count() == before


def test_a_primary_after_the_previous_one_ended_is_accepted_and_audited(client_for, matrix_users):
    entity = EntityFactory()
    ContactPointFactory(
        entity=entity,
        kind=ContactPointKind.PRIMARY,
        start=dt.date(2020, 1, 1),
        end=dt.date(2024, 12, 31),
    )
    newcomer = UserFactory()
    response = client_for("admin").post(
        reverse("staff_entity_contact", args=[entity.pk]),
        {"user": newcomer.pk, "kind": "primary", "start": "2025-01-01"},
    )
    assert response.status_code == 302
    change = ChangeRequest.objects.get(kind="contact_point.appoint")
    approve(actor=make_user(Role.ADMIN), change=change)
    assert ContactPoint.objects.filter(user=newcomer, entity=entity).exists()
    assert AuditEvent.objects.filter(action="contact_point.appoint").exists()
    assert audit_verify().ok


def test_end_before_start_is_rejected(client_for, entity):
    response = client_for("admin").post(
        reverse("staff_entity_contact", args=[entity.pk]),
        {
            "user": UserFactory().pk,
            "kind": "alternate",
            "start": "2025-05-01",
            "end": "2025-01-01",
        },
    )
    assert response.status_code == 200
    assert "anterior a la inicial" in response.content.decode()


def test_the_admin_entity_page_cannot_appoint_contact_points_through_its_inline(client_for):
    entity = EntityFactory()
    a, b = UserFactory(), UserFactory()
    data = {
        "name": entity.name,
        "acronym": entity.acronym,
        "kind": entity.kind,
        "active": "on",
        "contact_points-TOTAL_FORMS": "2",
        "contact_points-INITIAL_FORMS": "0",
        "contact_points-MIN_NUM_FORMS": "0",
        "contact_points-MAX_NUM_FORMS": "1000",
        "contact_points-0-user": a.pk,
        "contact_points-0-kind": "primary",
        "contact_points-0-start": "2025-01-01",
        "contact_points-1-user": b.pk,
        "contact_points-1-kind": "primary",
        "contact_points-1-start": "2025-03-01",
    }
    client_for("admin").post(reverse("admin:lacs_entity_change", args=[entity.pk]), data)
    assert not ContactPoint.objects.filter(entity=entity).exists()
