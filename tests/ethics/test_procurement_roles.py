"""The System 2 registry: contact points and admins record servants' procurement roles."""

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from ethics import actions
from ethics.models import ProcurementRole
from ethics.selectors import procurement_roles_published
from lacs.audit import audit_verify
from lacs.models import AuditEvent, Role, RoleAssignment
from tests.conftest import make_user, sign_in
from tests.factories import EntityFactory

pytestmark = pytest.mark.django_db
ROLE = {
    "position": "Jefa de compras",
    "level": "K11",
    "procedures": [1, 3],
    "responsibility": ["R"],
}


def test_contact_point_records_and_changes_a_role_with_an_audit_row_each(entity, appointment):
    contact = make_user(Role.CONTACT, entity)
    role = actions.procurement_role_save(actor=contact, appointment=appointment, **ROLE)
    assert role.procedures == [1, 3]
    actions.procurement_role_save(
        actor=contact, appointment=appointment, **{**ROLE, "procedures": [2]}
    )
    events = AuditEvent.objects.filter(action="ethics.procurement_role_save").order_by("pk")
    assert [e.data["procedures"] for e in events] == [[1, 3], [2]]
    assert events[1].data["before"]["procedures"] == [1, 3]
    assert ProcurementRole.objects.get().procedures == [2]
    assert audit_verify().ok


def test_contact_point_of_another_entity_is_refused_and_nothing_changes(appointment):
    stranger = make_user(Role.CONTACT, EntityFactory())
    with pytest.raises(ValidationError):
        actions.procurement_role_save(actor=stranger, appointment=appointment, **ROLE)
    assert not ProcurementRole.objects.exists()
    assert not AuditEvent.objects.filter(action="ethics.procurement_role_save").exists()


def test_admin_records_for_any_entity(appointment):
    admin = make_user(Role.ADMIN)
    actions.procurement_role_save(actor=admin, appointment=appointment, **ROLE)
    assert ProcurementRole.objects.count() == 1


def test_only_current_appointments_with_a_procedure_are_published(entity, appointment):
    contact = make_user(Role.CONTACT, entity)
    actions.procurement_role_save(actor=contact, appointment=appointment, **ROLE)
    assert procurement_roles_published().count() == 1
    actions.procurement_role_save(
        actor=contact, appointment=appointment, **{**ROLE, "procedures": []}
    )
    assert procurement_roles_published().count() == 0
    actions.procurement_role_save(actor=contact, appointment=appointment, **ROLE)
    RoleAssignment.objects.filter(pk=appointment.pk).update(
        end=dt.date(2020, 1, 1), start=dt.date(2019, 1, 1)
    )
    assert procurement_roles_published().count() == 0


def test_pages_list_and_record(client, entity, appointment, servant):
    contact = make_user(Role.CONTACT, entity)
    sign_in(client, contact)
    page = client.get(reverse("ethics:procurement_roles")).content.decode()
    assert servant.last_name in page
    response = client.post(
        reverse("ethics:procurement_role", args=[appointment.pk]),
        {"position": "Jefa de compras", "procedures": ["1", "4"], "responsibility": ["T"]},
    )
    assert response.status_code == 302
    assert ProcurementRole.objects.get(appointment=appointment).procedures == [1, 4]
    form = client.get(reverse("ethics:procurement_role", args=[appointment.pk])).content.decode()
    assert "Jefa de compras" in form


def test_the_page_refuses_a_blank_position_and_changes_nothing(client, entity, appointment):
    sign_in(client, make_user(Role.CONTACT, entity))
    response = client.post(
        reverse("ethics:procurement_role", args=[appointment.pk]),
        {"position": " ", "procedures": ["1"]},
    )
    assert response.status_code == 200
    assert not ProcurementRole.objects.exists()


def test_the_ethics_home_leads_contact_points_to_the_registry(client, entity, servant):
    sign_in(client, make_user(Role.CONTACT, entity))
    assert (
        reverse("ethics:procurement_roles") in client.get(reverse("ethics:home")).content.decode()
    )
    sign_in(client, servant)
    assert (
        reverse("ethics:procurement_roles")
        not in client.get(reverse("ethics:home")).content.decode()
    )
