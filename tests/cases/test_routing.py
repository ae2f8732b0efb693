"""Routing rules: who receives a case, and why (eager: the worker's code, called in-process)."""

import datetime as dt

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from cases.access import case_data_key, case_notes_key, cases_visible_to
from cases.actions import case_keys_share_pending, case_route, routing_sweep
from cases.models import (
    Absence,
    CaseKeyWrap,
    CaseRecipient,
    CaseRouting,
    RecipientRole,
    RecipientState,
    RoutingRule,
    RuleMode,
    WrapKind,
)
from lacs import actions as lacs_actions
from lacs import keys
from lacs.models import AuditEvent, ChangeRequest, ContactPointKind, Role
from tests.cases.factories import open_case
from tests.conftest import make_user, sign_in
from tests.factories import PASSWORD, CategoryFactory, ContactPointFactory, EntityFactory


def alternate(entity, **kw):
    user = make_user(Role.SERVANT, entity)
    ContactPointFactory(user=user, entity=entity, kind=ContactPointKind.ALTERNATE, **kw)
    return user


def recipients(case):
    return {r.user_id: r.role for r in CaseRecipient.objects.filter(case=case)}


@pytest.fixture
def comptroller(db):
    body = EntityFactory(name="Secretaría de la Contraloría General (prueba)", is_comptroller=True)
    return body, make_user(Role.CONTACT, body)


@pytest.mark.django_db
def test_case_goes_to_the_entitys_primary_contact_point_who_can_decrypt_it(entity):
    contact = make_user(Role.CONTACT, entity)
    case, data_key = open_case(entity)
    assert case_route(case_id=case.pk) is True
    assert recipients(case) == {contact.pk: RecipientRole.PRIMARY}
    private = keys.user_private_key(user=contact, password=PASSWORD)
    assert case_data_key(case=case, user=contact, private_key=private) == data_key
    assert not CaseKeyWrap.objects.filter(case=case, kind=WrapKind.INTAKE).exists()
    assert CaseKeyWrap.objects.filter(case=case, kind=WrapKind.NOTES, user=contact).exists()
    assert list(cases_visible_to(contact)) == [case]
    case.refresh_from_db()
    assert case.routed_at is not None
    assert CaseRouting.objects.get(case=case).state == "done"


@pytest.mark.django_db
def test_routing_twice_routes_once(entity):
    make_user(Role.CONTACT, entity)
    case, _key = open_case(entity)
    assert case_route(case_id=case.pk) is True
    assert case_route(case_id=case.pk) is False
    assert AuditEvent.objects.filter(action="case.route", object_id=str(case.pk)).count() == 1
    assert CaseRecipient.objects.filter(case=case).count() == 1


@pytest.mark.django_db
def test_notice_email_carries_no_report_content(entity, django_capture_on_commit_callbacks):
    from cases.actions import notices_send

    contact = make_user(Role.CONTACT, entity)
    case, _key = open_case(entity)
    with django_capture_on_commit_callbacks(execute=True):
        case_route(case_id=case.pk)
    assert mail.outbox == []  # routing queues the notice for the next batch, never at once
    with django_capture_on_commit_callbacks(execute=True):
        notices_send(chance=1)
    assert [m.to for m in mail.outbox] == [[contact.email]]
    body = mail.outbox[0].body
    assert case.number in body and "/cases/" in body


@pytest.mark.django_db
def test_nobody_of_the_entity_receives_when_whistleblower_names_the_contact_point(
    entity, comptroller
):
    make_user(Role.CONTACT, entity)
    alternate(entity)
    make_user(Role.INVESTIGATOR, entity)
    _body, auditor = comptroller
    case, _key = open_case(entity, contact_point_implicated=True)
    case_route(case_id=case.pk)
    assert recipients(case) == {auditor.pk: RecipientRole.COMPTROLLER}
    route = AuditEvent.objects.get(action="case.route", object_id=str(case.pk))
    assert route.data["recipients"][0]["reason"] == "contact_point_implicated"
    assert route.data["fallback"] == "implicated"


@pytest.mark.django_db
def test_alternate_receives_while_the_primary_is_absent(entity):
    primary = make_user(Role.CONTACT, entity)
    backup = alternate(entity)
    today = timezone.localdate()
    Absence.objects.create(user=primary, start=today - dt.timedelta(days=1), end=today)
    case, _key = open_case(entity)
    case_route(case_id=case.pk)
    assert recipients(case) == {backup.pk: RecipientRole.ALTERNATE}
    assert "absent" in CaseRecipient.objects.get(case=case).reason


@pytest.mark.django_db
def test_head_implicated_escalates_to_the_comptroller_only(entity, comptroller):
    make_user(Role.CONTACT, entity)
    _body, auditor = comptroller
    case, _key = open_case(entity, head_implicated=True)
    case_route(case_id=case.pk)
    assert recipients(case) == {auditor.pk: RecipientRole.COMPTROLLER}


@pytest.mark.django_db
def test_category_with_specialised_unit_goes_to_the_unit(entity):
    make_user(Role.CONTACT, entity)
    unit = EntityFactory(name="Unidad de atención al acoso (prueba)")
    specialist = make_user(Role.CONTACT, unit)
    category = CategoryFactory(code="acoso-sexual", specialised_unit=unit)
    case, _key = open_case(entity, category=category)
    case_route(case_id=case.pk)
    assert recipients(case) == {specialist.pk: RecipientRole.SPECIALISED}


@pytest.mark.django_db
def test_admin_rule_adds_a_second_entity(entity):
    contact = make_user(Role.CONTACT, entity)
    target = EntityFactory()
    extra = make_user(Role.CONTACT, target)
    category = CategoryFactory(code="contrataciones")
    RoutingRule.objects.create(category=category, target=target, mode=RuleMode.ALSO)
    case, _key = open_case(entity, category=category)
    case_route(case_id=case.pk)
    assert recipients(case) == {contact.pk: RecipientRole.PRIMARY, extra.pk: RecipientRole.RULE}


@pytest.mark.django_db
def test_entity_without_contact_points_escalates_to_comptroller(entity, comptroller):
    _body, auditor = comptroller
    case, _key = open_case(entity)
    case_route(case_id=case.pk)
    assert recipients(case) == {auditor.pk: RecipientRole.COMPTROLLER}
    assert CaseRecipient.objects.get(case=case).reason == "no_available_contact_point"


@pytest.mark.django_db
def test_nobody_with_a_key_keeps_the_intake_wrap_and_waits(entity):
    make_user(Role.CONTACT, entity, with_keys=False)
    case, _key = open_case(entity)
    assert case_route(case_id=case.pk) is False
    assert CaseKeyWrap.objects.filter(case=case, kind=WrapKind.INTAKE).exists()
    outbox = CaseRouting.objects.get(case=case)
    assert (outbox.state, outbox.last_error) == ("pending", "no_recipient_with_key")
    assert not CaseRecipient.objects.filter(case=case).exists()


@pytest.mark.django_db
def test_recipient_without_key_pair_waits_for_a_key_holder_to_share(entity):
    contact = make_user(Role.CONTACT, entity)
    other = EntityFactory()
    late = make_user(Role.CONTACT, other, with_keys=False)
    RoutingRule.objects.create(entity=entity, target=other, mode=RuleMode.ALSO)
    case, data_key = open_case(entity)
    case_route(case_id=case.pk)
    states = {r.user_id: r.state for r in CaseRecipient.objects.filter(case=case)}
    assert states == {contact.pk: RecipientState.ACTIVE, late.pk: RecipientState.PENDING_KEY}
    lacs_actions.user_keys_create(user=late, password=PASSWORD)
    private = keys.user_private_key(user=contact, password=PASSWORD)
    notes_key = case_notes_key(case=case, user=contact, private_key=private)
    shared = case_keys_share_pending(
        actor=contact, case=case, data_key=data_key, notes_key=notes_key
    )
    assert shared == 1
    late_private = keys.user_private_key(user=late, password=PASSWORD)
    assert case_data_key(case=case, user=late, private_key=late_private) == data_key


@pytest.mark.django_db
def test_sweep_routes_what_was_left_behind(entity):
    contact = make_user(Role.CONTACT, entity)
    case, _key = open_case(entity)
    assert routing_sweep(older_than_seconds=0) == 1
    assert routing_sweep(older_than_seconds=0) == 0
    assert recipients(case) == {contact.pk: RecipientRole.PRIMARY}


@pytest.mark.django_db
def test_instead_rule_replaces_the_reported_entity_until_an_admin_switches_it_off(entity, client):
    make_user(Role.CONTACT, entity)
    target = EntityFactory()
    other = make_user(Role.CONTACT, target)
    admin = make_user(Role.ADMIN)
    rule = RoutingRule.objects.create(entity=entity, target=target, mode=RuleMode.INSTEAD)
    case, _key = open_case(entity)
    case_route(case_id=case.pk)
    assert recipients(case) == {other.pk: RecipientRole.RULE}
    sign_in(client, admin)
    client.post(reverse("cases:routing_rule_toggle", args=[rule.pk]))
    toggle = ChangeRequest.objects.get(kind="routing_rule.toggle")  # a second admin approves
    lacs_actions.change_approve(actor=make_user(Role.ADMIN), change=toggle)
    rule.refresh_from_db()
    assert rule.active is False
    assert AuditEvent.objects.filter(action="cases.routing_rule_toggle").exists()
    second, _key = open_case(entity)
    case_route(case_id=second.pk)
    assert set(recipients(second).values()) == {RecipientRole.PRIMARY}


@pytest.mark.django_db
def test_routing_takes_exactly_the_contact_points_current_today(entity):
    from cases.actions import routing_plan
    from lacs.models import ContactPoint

    today = timezone.localdate()
    day = dt.timedelta(days=1)
    ended = alternate(entity, start=today - 10 * day, end=today - day)
    until_today = alternate(entity, start=today - 10 * day, end=today)
    from_today = alternate(entity, start=today)
    from_tomorrow = alternate(entity, start=today + day)
    open_ended = alternate(entity)
    case, _key = open_case(entity)  # no primary: every current alternate receives it
    picked = {p.user.pk for p in routing_plan(case).picks}
    current = set(
        ContactPoint.objects.current(today).filter(entity=entity).values_list("user_id", flat=True)
    )
    assert picked == current == {until_today.pk, from_today.pk, open_ended.pk}
    assert ended.pk not in picked and from_tomorrow.pk not in picked
