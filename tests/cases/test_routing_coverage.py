"""Every report reaches a person holding a key: the fallback chain, the escrow copies of the
receiving entities, escalation that never reaches an implicated entity, and exclusion."""

import datetime as dt

import pytest
from django.contrib.auth import get_user_model
from django.http import Http404
from django.urls import reverse
from django.utils import timezone

from cases import actions
from cases.access import case_data_key, case_notes_key, cases_visible_to
from cases.models import (
    Case,
    CaseExclusion,
    CaseKeyWrap,
    CaseRecipient,
    CaseRouting,
    RecipientRole,
    RecipientState,
    RoutingFallback,
    RoutingRule,
    RuleMode,
    WrapKind,
)
from lacs import crypto, keys
from lacs.models import AuditEvent, ContactPointKind, Entity, Role, RoleAssignment
from tests.cases.factories import open_case
from tests.conftest import make_user, sign_in
from tests.factories import PASSWORD, ContactPointFactory, EntityFactory


def alternate(entity, **kw):
    user = make_user(Role.SERVANT, entity, **kw)
    ContactPointFactory(user=user, entity=entity, kind=ContactPointKind.ALTERNATE)
    return user


def recipients(case):
    return {r.user_id: r.role for r in CaseRecipient.objects.filter(case=case)}


def route(case) -> Case:
    actions.case_route(case_id=case.pk)
    return Case.objects.get(pk=case.pk)


def route_event(case) -> AuditEvent:
    return AuditEvent.objects.get(action="case.route", object_id=str(case.pk))


def opens(case, user, data_key) -> bool:
    private = keys.user_private_key(user=user, password=PASSWORD)
    try:
        return case_data_key(case=case, user=user, private_key=private) == data_key
    except Http404:
        return False


def escrow_for(entity):
    private, public = crypto.new_keypair()
    Entity.objects.filter(pk=entity.pk).update(escrow_public_key=crypto.b64e(public))
    return private


@pytest.fixture
def comptroller(db):
    body = EntityFactory(name="Secretaría de la Contraloría General (prueba)", is_comptroller=True)
    return body, make_user(Role.CONTACT, body)


# --- The chain ----------------------------------------------------------------------------------
@pytest.mark.django_db
def test_an_administrator_who_is_also_a_contact_point_is_never_routed_a_report(entity, comptroller):
    """Older data (before the actions refused it) may make an administrator a contact point: an
    administrator with a reset password in hand must still never receive a report."""
    admin_contact = make_user(Role.CONTACT, entity)
    get_user_model().objects.filter(pk=admin_contact.pk).update(is_superuser=True, is_staff=True)
    backup = alternate(entity)
    case, data_key = open_case(entity)
    case = route(case)
    assert recipients(case) == {backup.pk: RecipientRole.ALTERNATE}
    assert not opens(case, admin_contact, data_key)
    assert opens(case, backup, data_key)


@pytest.mark.django_db
def test_primary_contact_point_is_the_first_link_and_is_recorded(entity, comptroller):
    contact = make_user(Role.CONTACT, entity)
    alternate(entity)
    case, data_key = open_case(entity)
    case = route(case)
    assert recipients(case) == {contact.pk: RecipientRole.PRIMARY}
    assert case.routed_via == RoutingFallback.PRIMARY
    assert route_event(case).data["fallback"] == "primary"
    assert opens(case, contact, data_key)


@pytest.mark.django_db
def test_primary_without_a_key_falls_to_the_alternate_who_holds_one(entity, comptroller):
    late = make_user(Role.CONTACT, entity, with_keys=False)
    backup = alternate(entity)
    case, data_key = open_case(entity)
    case = route(case)
    assert recipients(case) == {late.pk: RecipientRole.PRIMARY, backup.pk: RecipientRole.ALTERNATE}
    states = {r.user_id: r.state for r in CaseRecipient.objects.filter(case=case)}
    assert states[late.pk] == RecipientState.PENDING_KEY  # shared on the alternate's next visit
    assert case.routed_via == RoutingFallback.ALTERNATE
    assert opens(case, backup, data_key)


@pytest.mark.django_db
def test_entity_without_contact_points_goes_to_its_oic_investigators(entity, comptroller):
    investigator = make_user(Role.INVESTIGATOR, entity)
    case, data_key = open_case(entity)
    case = route(case)
    assert recipients(case) == {investigator.pk: RecipientRole.INVESTIGATOR}
    assert case.routed_via == RoutingFallback.OIC
    assert CaseRecipient.objects.get(case=case).reason == "reported_entity;oic:no_primary"
    assert opens(case, investigator, data_key)


@pytest.mark.django_db
def test_absent_contact_points_and_no_oic_fall_to_the_comptroller(entity, comptroller):
    from cases.models import Absence

    contact = make_user(Role.CONTACT, entity)
    today = timezone.localdate()
    Absence.objects.create(user=contact, start=today, end=today + dt.timedelta(days=3))
    _body, auditor = comptroller
    case, data_key = open_case(entity)
    case = route(case)
    assert recipients(case) == {auditor.pk: RecipientRole.COMPTROLLER}
    assert case.routed_via == RoutingFallback.COMPTROLLER
    assert route_event(case).data["skipped"][0] == {
        "user": contact.pk,
        "entity": entity.pk,
        "reason": "absent",
    }
    assert opens(case, auditor, data_key)


@pytest.mark.django_db
def test_comptroller_alternate_takes_it_when_its_primary_has_no_key(entity):
    body = EntityFactory(is_comptroller=True)
    make_user(Role.CONTACT, body, with_keys=False)
    backup = alternate(body)
    case, data_key = open_case(entity)
    case = route(case)
    assert recipients(case)[backup.pk] == RecipientRole.ALTERNATE
    assert case.routed_via == RoutingFallback.COMPTROLLER
    assert opens(case, backup, data_key)


@pytest.mark.django_db
def test_a_report_never_waits_with_no_recipient_while_a_fallback_exists(entity, comptroller):
    make_user(Role.CONTACT, entity, with_keys=False)  # the only person of the entity: no key
    case, _key = open_case(entity)
    case = route(case)
    assert CaseRouting.objects.get(case=case).state == "done"
    assert case.routed_via == RoutingFallback.COMPTROLLER


@pytest.mark.django_db
def test_head_implicated_reaches_nobody_of_the_entity_not_even_its_oic(entity, comptroller):
    make_user(Role.CONTACT, entity)
    alternate(entity)
    make_user(Role.INVESTIGATOR, entity)
    _body, auditor = comptroller
    case, _key = open_case(entity, head_implicated=True)
    case = route(case)
    assert recipients(case) == {auditor.pk: RecipientRole.COMPTROLLER}
    assert case.routed_via == RoutingFallback.IMPLICATED


@pytest.mark.django_db
def test_implicated_comptroller_is_never_its_own_fallback(comptroller):
    body, _auditor = comptroller
    alternate(body)
    case, _key = open_case(body, contact_point_implicated=True)
    case = route(case)
    assert recipients(case) == {}
    outbox = CaseRouting.objects.get(case=case)
    assert (outbox.state, outbox.last_error) == ("pending", "no_recipient")


# --- Escrow copies (issue 15) ------------------------------------------------------------------
@pytest.mark.django_db
def test_escrow_copy_goes_to_the_receiving_entity_not_the_implicated_one(entity, comptroller):
    reported_private = escrow_for(entity)
    body, _auditor = comptroller
    receiving_private = escrow_for(body)
    make_user(Role.CONTACT, entity)
    case, data_key = open_case(entity, head_implicated=True)
    route(case)
    escrows = CaseKeyWrap.objects.filter(
        case=case, kind__in=(WrapKind.ESCROW, WrapKind.NOTES_ESCROW)
    )
    assert set(escrows.values_list("kind", "entity_id")) == {
        (WrapKind.ESCROW, body.pk),
        (WrapKind.NOTES_ESCROW, body.pk),
    }
    wrap = bytes(escrows.get(kind=WrapKind.ESCROW).wrapped_key)
    assert crypto.unwrap_with(receiving_private, wrap) == data_key
    with pytest.raises(crypto.CryptoError):  # the reported entity's offline key opens nothing
        crypto.unwrap_with(reported_private, wrap)
    assert route_event(case).data["escrow"] == [body.pk]


@pytest.mark.django_db
def test_named_contact_point_leaves_no_escrow_copy_with_the_reported_entity(entity, comptroller):
    escrow_for(entity)
    make_user(Role.CONTACT, entity)
    case, _key = open_case(entity, contact_point_implicated=True)
    route(case)
    assert not CaseKeyWrap.objects.filter(case=case, entity=entity).exists()


@pytest.mark.django_db
def test_the_web_tier_adds_no_escrow_copy_the_worker_adds_the_receiving_ones(entity):
    private = escrow_for(entity)
    make_user(Role.CONTACT, entity)
    case, data_key = open_case(entity)
    assert not CaseKeyWrap.objects.filter(case=case, kind=WrapKind.ESCROW).exists()
    route(case)
    wrap = CaseKeyWrap.objects.get(case=case, kind=WrapKind.ESCROW)
    assert wrap.entity_id == entity.pk
    assert crypto.unwrap_with(private, bytes(wrap.wrapped_key)) == data_key


# --- Escalation (issue 15) ---------------------------------------------------------------------
def _breach(case, capture):
    Case.objects.filter(pk=case.pk).update(acknowledge_by=dt.date(2020, 1, 1))
    with capture(execute=True):
        actions.deadlines_check()


@pytest.mark.django_db
def test_escalation_never_goes_to_the_implicated_entity(
    entity, comptroller, django_capture_on_commit_callbacks
):
    make_user(Role.CONTACT, entity)
    backup = alternate(entity)
    _body, auditor = comptroller
    case, _key = open_case(entity, head_implicated=True)
    route(case)
    _breach(case, django_capture_on_commit_callbacks)
    assert backup.pk not in recipients(case)
    assert case not in cases_visible_to(backup)
    event = AuditEvent.objects.get(action="case.acknowledge_breach")
    assert backup.pk not in event.data["escalated_to"]
    assert set(recipients(case)) == {auditor.pk}


@pytest.mark.django_db
def test_escalation_skips_people_excluded_from_the_case(
    entity, comptroller, django_capture_on_commit_callbacks
):
    contact = make_user(Role.CONTACT, entity)
    backup = alternate(entity)
    _body, auditor = comptroller
    case, _key = open_case(entity)
    route(case)
    actions.case_exclude(actor=contact, case=case, user=backup)
    _breach(case, django_capture_on_commit_callbacks)
    assert backup.pk not in recipients(case)
    assert auditor.pk in recipients(case)


# --- Exclusion -----------------------------------------------------------------------------------
@pytest.mark.django_db
def test_excluded_colleague_loses_access_and_is_never_routed_the_case_again(entity, comptroller):
    contact = make_user(Role.CONTACT, entity)
    backup = alternate(entity)
    other = EntityFactory()  # a second entity receives it too, so two people hold keys
    peer = make_user(Role.CONTACT, other)
    RoutingRule.objects.create(entity=entity, target=other, mode=RuleMode.ALSO)
    case, data_key = open_case(entity)
    route(case)
    assert opens(case, contact, data_key)
    actions.case_exclude(actor=peer, case=case, user=contact)
    assert case not in cases_visible_to(contact)
    assert not CaseKeyWrap.objects.filter(case=case, user=contact).exists()
    row = CaseRecipient.objects.get(case=case, user=contact)
    assert (row.state, row.reason) == (RecipientState.REVOKED, "excluded")
    event = AuditEvent.objects.get(action="case.exclude")
    assert (event.actor_id, event.data) == (peer.pk, {"user": contact.pk})
    # Re-routing (a recusal asks for it) passes over the excluded person to the alternate.
    plan = actions.routing_plan(case)
    assert contact.pk not in {p.user.pk for p in plan.picks}
    assert backup.pk in {p.user.pk for p in plan.picks}
    assert {"user": contact.pk, "entity": entity.pk, "reason": "excluded"} in plan.skipped


@pytest.mark.django_db
def test_exclusion_is_refused_for_oneself_an_outsider_or_the_last_key_holder(entity, comptroller):
    contact = make_user(Role.CONTACT, entity)
    backup = alternate(entity)
    outsider = make_user(Role.CONTACT, EntityFactory())
    case, _key = open_case(entity)
    route(case)
    for user in (contact, outsider):
        with pytest.raises(actions.CaseError):
            actions.case_exclude(actor=contact, case=case, user=user)
    # The alternate (not yet a recipient) may be excluded; the primary, the only key holder,
    # may not be excluded by a colleague without a key.
    actions.case_exclude(actor=contact, case=case, user=backup)
    with pytest.raises(actions.CaseError):
        actions.case_exclude(actor=backup, case=case, user=contact)
    assert CaseExclusion.objects.filter(case=case).count() == 1
    assert AuditEvent.objects.filter(action="case.exclude").count() == 1
    assert case in cases_visible_to(contact)


@pytest.mark.django_db
def test_referral_to_an_oic_skips_the_excluded_investigator(entity, comptroller):
    contact = make_user(Role.CONTACT, entity)
    oic = EntityFactory()
    implicated = make_user(Role.INVESTIGATOR, oic)
    honest = make_user(Role.INVESTIGATOR, oic)
    case, _key = open_case(entity)
    route(case)
    CaseExclusion.objects.create(case=case, user=implicated, declared_by=contact)
    picks = actions._referral_picks(case, "oic", oic)
    assert [p.user.pk for p in picks] == [honest.pk]


# --- Exclusion through the page and the API ------------------------------------------------------
@pytest.mark.django_db
def test_case_page_offers_exclusion_and_excludes_a_named_alternate(client, entity):
    contact = make_user(Role.CONTACT, entity)
    backup = alternate(entity)
    case, _key = open_case(entity)
    route(case)
    sign_in(client, contact)
    page = client.get(reverse("cases:detail", args=[case.pk])).content.decode()
    assert reverse("cases:exclude", args=[case.pk]) in page
    answer = client.post(reverse("cases:exclude", args=[case.pk]), {"exclude-user": backup.pk})
    assert answer.status_code == 302
    assert CaseExclusion.objects.filter(case=case, user=backup, declared_by=contact).exists()


@pytest.mark.django_db
def test_api_excludes_a_colleague_and_refuses_an_outsider_changing_nothing(client, entity):
    contact = make_user(Role.CONTACT, entity)
    backup = alternate(entity)
    outsider = make_user(Role.CONTACT, EntityFactory())
    case, _key = open_case(entity)
    route(case)
    sign_in(client, contact)
    url = reverse("api-case-exclusions", args=[case.pk])
    for who in (outsider.pk, 2**40):  # someone outside the case's entities; nobody at all
        refused = client.post(url, {"user": who}, content_type="application/json")
        assert refused.status_code == 400
    assert not CaseExclusion.objects.exists()
    assert not AuditEvent.objects.filter(action="case.exclude").exists()
    done = client.post(url, {"user": backup.pk}, content_type="application/json")
    assert done.status_code == 201 and done.json()["user"] == backup.pk
    assert CaseExclusion.objects.filter(case=case, user=backup).exists()


@pytest.mark.django_db
def test_referral_gives_the_receiving_entitys_escrow_key_a_copy(entity):
    contact = make_user(Role.CONTACT, entity)
    target = EntityFactory()
    private = escrow_for(target)
    make_user(Role.CONTACT, target)
    case, data_key = open_case(entity)
    route(case)
    case = Case.objects.get(pk=case.pk)
    own = keys.user_private_key(user=contact, password=PASSWORD)
    notes_key = case_notes_key(case=case, user=contact, private_key=own)
    Case.objects.filter(pk=case.pk).update(status="assessment")
    case.refresh_from_db()
    actions.case_refer(
        actor=contact,
        case=case,
        version=case.version,
        kind="entity",
        summary="Competencia de otro ente",
        data_key=data_key,
        notes_key=notes_key,
        target=target,
    )
    wrap = CaseKeyWrap.objects.get(case=case, kind=WrapKind.ESCROW, entity=target)
    assert crypto.unwrap_with(private, bytes(wrap.wrapped_key)) == data_key


@pytest.mark.django_db
def test_oic_link_takes_exactly_the_investigators_appointed_today(entity):
    today = timezone.localdate()
    day = dt.timedelta(days=1)
    ended = make_user(Role.INVESTIGATOR, entity)
    RoleAssignment.objects.filter(user=ended).update(start=today - 10 * day, end=today - day)
    future = make_user(Role.INVESTIGATOR, entity)
    RoleAssignment.objects.filter(user=future).update(start=today + day)
    current = make_user(Role.INVESTIGATOR, entity)
    case, _key = open_case(entity)
    picked = {p.user.pk for p in actions.routing_plan(case).picks}
    appointed = set(
        RoleAssignment.objects.current(today)
        .filter(entity=entity, role=Role.INVESTIGATOR)
        .values_list("user_id", flat=True)
    )
    assert picked == appointed == {current.pk}


@pytest.mark.django_db
def test_case_page_and_api_say_which_link_of_the_chain_took_the_case(client, entity):
    investigator = make_user(Role.INVESTIGATOR, entity)
    case, _key = open_case(entity)
    route(case)
    sign_in(client, investigator)
    page = client.get(reverse("cases:detail", args=[case.pk])).content.decode()
    assert "Órgano interno de control" in page
    body = client.get(reverse("api-case", args=[case.pk])).json()
    assert body["case"]["routed_via"] == "oic"
