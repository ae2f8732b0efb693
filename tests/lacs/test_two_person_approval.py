"""Escrow keys, contact points, custodians and routing rules change only with two administrators."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied
from django.test import Client
from django.urls import reverse
from django_otp.plugins.otp_totp.models import TOTPDevice

from cases.models import RoutingRule
from lacs import actions, crypto
from lacs.models import (
    AuditEvent,
    Category,
    ChangeRequest,
    ChangeStatus,
    ContactPoint,
    Entity,
    Role,
    RoleAssignment,
)
from tests.conftest import make_user, sign_in
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def second_admin(matrix_users):
    user = make_user(Role.ADMIN)
    client = Client()
    sign_in(client, user)
    return client


def _propose_contact(client, entity, user) -> None:
    response = client.post(
        reverse("staff_entity_contact", args=[entity.pk]),
        {"user": user.pk, "kind": "alternate", "start": "2026-01-01"},
    )
    assert response.status_code == 302


def test_one_administrator_alone_cannot_appoint_a_contact_point(client_for, entity):
    newcomer = UserFactory()
    admin = client_for("admin")
    _propose_contact(admin, entity, newcomer)
    assert not ContactPoint.objects.filter(user=newcomer).exists()
    change = ChangeRequest.objects.get()
    assert change.status == ChangeStatus.PENDING
    before = AuditEvent.objects.count()
    admin.post(reverse("staff_change_approve", args=[change.pk]))  # their own proposal
    change.refresh_from_db()
    assert change.status == ChangeStatus.PENDING
    assert not ContactPoint.objects.filter(user=newcomer).exists()
    assert AuditEvent.objects.count() == before


def test_a_second_administrator_approves_and_both_are_audited(
    client_for, matrix_users, second_admin, entity
):
    newcomer = UserFactory()
    _propose_contact(client_for("admin"), entity, newcomer)
    change = ChangeRequest.objects.get()
    assert second_admin.get(reverse("staff_changes")).status_code == 200
    response = second_admin.post(reverse("staff_change_approve", args=[change.pk]))
    assert response.status_code == 302
    change.refresh_from_db()
    assert change.status == ChangeStatus.APPLIED
    assert change.decided_by != matrix_users["admin"]
    assert ContactPoint.objects.filter(user=newcomer, entity=entity).exists()
    appointed = AuditEvent.objects.get(action="contact_point.appoint", data__user=newcomer.username)
    assert appointed.data["proposed_by"] == matrix_users["admin"].pk
    assert appointed.actor == change.decided_by
    assert AuditEvent.objects.filter(action="change.approve", object_id=str(change.pk)).exists()
    # decided once: a second approval changes nothing
    second_admin.post(reverse("staff_change_approve", args=[change.pk]))
    assert ContactPoint.objects.filter(user=newcomer).count() == 1


def test_a_rejected_change_is_never_applied(client_for, second_admin, entity):
    newcomer = UserFactory()
    _propose_contact(client_for("admin"), entity, newcomer)
    change = ChangeRequest.objects.get()
    second_admin.post(reverse("staff_change_reject", args=[change.pk]))
    second_admin.post(reverse("staff_change_approve", args=[change.pk]))
    change.refresh_from_db()
    assert change.status == ChangeStatus.REJECTED
    assert not ContactPoint.objects.filter(user=newcomer).exists()


def test_a_new_escrow_key_waits_for_a_second_administrator(client_for, second_admin, entity):
    _private, public = crypto.new_keypair()
    key = crypto.b64e(public)
    response = client_for("admin").post(
        reverse("staff_entity", args=[entity.pk]),
        {"name": entity.name, "kind": entity.kind, "escrow_public_key": key, "active": "on"},
    )
    assert response.status_code == 302
    entity.refresh_from_db()
    assert entity.escrow_public_key != key
    change = ChangeRequest.objects.get(kind="entity.escrow_key")
    second_admin.post(reverse("staff_change_approve", args=[change.pk]))
    entity.refresh_from_db()
    assert entity.escrow_public_key == key
    assert AuditEvent.objects.filter(action="entity.escrow_key_set").exists()


def test_the_admin_site_cannot_change_an_escrow_key(client_for, entity):
    _private, public = crypto.new_keypair()
    client_for("admin").post(
        reverse("admin:lacs_entity_change", args=[entity.pk]),
        {
            "name": entity.name,
            "kind": entity.kind,
            "escrow_public_key": crypto.b64e(public),
            "active": "on",
        },
    )
    assert Entity.objects.get(pk=entity.pk).escrow_public_key == entity.escrow_public_key


def test_a_routing_rule_waits_for_a_second_administrator(
    client_for, second_admin, entity, other_entity
):
    data = {"entity": entity.pk, "target": other_entity.pk, "mode": "instead", "position": 0}
    client_for("admin").post(reverse("cases:routing_rules"), data)
    assert not RoutingRule.objects.exists()
    change = ChangeRequest.objects.get(kind="routing_rule.save")
    second_admin.post(reverse("staff_change_approve", args=[change.pk]))
    rule = RoutingRule.objects.get()
    assert (rule.entity, rule.target) == (entity, other_entity)


def test_the_admin_site_proposes_routing_rules_instead_of_saving_them(
    client_for, entity, other_entity
):
    response = client_for("admin").post(
        reverse("admin:cases_routingrule_add"),
        {"entity": entity.pk, "target": other_entity.pk, "mode": "instead", "position": 0},
    )
    assert response.status_code == 302
    assert not RoutingRule.objects.exists()
    assert ChangeRequest.objects.filter(kind="routing_rule.save").exists()


def test_the_admin_site_proposes_contact_points_instead_of_appointing_them(client_for, entity):
    newcomer = UserFactory()
    response = client_for("admin").post(
        reverse("admin:lacs_contactpoint_add"),
        {"entity": entity.pk, "user": newcomer.pk, "kind": "alternate", "start": "2026-01-01"},
    )
    assert response.status_code == 302
    assert not ContactPoint.objects.filter(user=newcomer).exists()
    assert ChangeRequest.objects.filter(kind="contact_point.appoint").exists()


def test_a_custodian_waits_for_a_second_administrator(client_for, second_admin):
    person = UserFactory()
    client_for("admin").post(
        reverse("staff_roles"), {"user": person.pk, "role": "custodian", "start": "2026-01-01"}
    )
    assert not RoleAssignment.objects.filter(user=person).exists()
    change = ChangeRequest.objects.get(kind="role.assign")
    second_admin.post(reverse("staff_change_approve", args=[change.pk]))
    assert RoleAssignment.objects.filter(user=person, role=Role.CUSTODIAN).exists()


def test_a_new_administrator_waits_for_a_second_administrator(client_for, second_admin):
    person = UserFactory()
    client_for("admin").post(
        reverse("staff_roles"), {"user": person.pk, "role": "admin", "start": "2026-01-01"}
    )
    person.refresh_from_db()
    assert not person.is_staff
    assert not RoleAssignment.objects.filter(user=person).exists()
    change = ChangeRequest.objects.get(kind="role.assign")
    second_admin.post(reverse("staff_change_approve", args=[change.pk]))
    person.refresh_from_db()
    assert person.is_staff
    assert RoleAssignment.objects.filter(user=person, role=Role.ADMIN).exists()


def test_a_custodian_cannot_be_assigned_without_a_proposal(matrix_users):
    with pytest.raises(Exception, match="segunda persona"):
        actions.role_assign(actor=matrix_users["admin"], user=UserFactory(), role=Role.CUSTODIAN)


def test_someone_who_is_not_an_administrator_cannot_approve(matrix_users, client_for, entity):
    _propose_contact(client_for("admin"), entity, UserFactory())
    change = ChangeRequest.objects.get()
    with pytest.raises(PermissionDenied):
        actions.change_approve(actor=matrix_users["contact"], change=change)
    assert client_for("contact").post(
        reverse("staff_change_approve", args=[change.pk])
    ).status_code in (403, 404)
    change.refresh_from_db()
    assert change.status == ChangeStatus.PENDING


def test_escrow_keygen_replaces_a_key_only_through_a_proposal(matrix_users, entity):
    from django.core.management import call_command

    call_command("escrow_keygen", str(entity.pk))
    entity.refresh_from_db()
    first = entity.escrow_public_key
    with pytest.raises(Exception, match="proposer"):
        call_command("escrow_keygen", str(entity.pk), "--replace")
    call_command(
        "escrow_keygen", str(entity.pk), "--replace", "--proposer", matrix_users["admin"].username
    )
    entity.refresh_from_db()
    assert entity.escrow_public_key == first
    assert ChangeRequest.objects.filter(kind="entity.escrow_key", entity=entity).exists()


def test_removing_a_totp_device_waits_for_a_second_administrator(
    client_for, matrix_users, second_admin
):
    """A password reset and a removed device together would let one administrator sign in."""
    device = TOTPDevice.objects.get(user=matrix_users["contact"])
    response = client_for("admin").post(
        reverse("admin:otp_totp_totpdevice_delete", args=[device.pk]), {"post": "yes"}
    )
    assert response.status_code == 302
    assert TOTPDevice.objects.filter(pk=device.pk).exists()
    change = ChangeRequest.objects.get(kind="totp.remove")
    second_admin.post(reverse("staff_change_approve", args=[change.pk]))
    assert not TOTPDevice.objects.filter(pk=device.pk).exists()
    assert AuditEvent.objects.filter(action="totp.remove").exists()


def test_the_comptroller_flag_waits_for_a_second_administrator(client_for, second_admin, entity):
    """The Comptroller receives the cases whose entity head is implicated."""
    response = client_for("admin").post(
        reverse("staff_entity", args=[entity.pk]),
        {"name": entity.name, "kind": entity.kind, "is_comptroller": "on", "active": "on"},
    )
    assert response.status_code == 302
    assert not Entity.objects.get(pk=entity.pk).is_comptroller
    change = ChangeRequest.objects.get(kind="entity.comptroller")
    second_admin.post(reverse("staff_change_approve", args=[change.pk]))
    assert Entity.objects.get(pk=entity.pk).is_comptroller


def test_a_categorys_specialised_unit_waits_for_a_second_administrator(
    client_for, second_admin, other_entity
):
    client_for("admin").post(
        reverse("staff_categories"),
        {
            "code": "unidad",
            "name": "Con unidad",
            "specialised_unit": other_entity.pk,
            "retention_days": 365,
            "position": 0,
            "active": "on",
        },
    )
    category = Category.objects.get(code="unidad")
    assert category.specialised_unit is None
    change = ChangeRequest.objects.get(kind="category.specialised_unit")
    second_admin.post(reverse("staff_change_approve", args=[change.pk]))
    category.refresh_from_db()
    assert category.specialised_unit == other_entity
