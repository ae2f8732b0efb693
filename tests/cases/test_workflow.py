"""The workflow through the actions: allowed transitions, reasons, stale edits, recusal, referral."""

import pytest
from django.http import Http404

from cases import actions
from cases.access import case_data_key, case_notes_key, cases_visible_to
from cases.models import Case, CaseNote, CaseRecipient, CaseStatus, Outcome, RecipientState
from lacs import keys
from lacs.models import AuditEvent, ContactPointKind, Role
from tests.cases.factories import open_case
from tests.conftest import make_user
from tests.factories import PASSWORD, ContactPointFactory, EntityFactory


@pytest.fixture
def routed(entity):
    contact = make_user(Role.CONTACT, entity)
    case, data_key = open_case(entity)
    actions.case_route(case_id=case.pk)
    case.refresh_from_db()
    private = keys.user_private_key(user=contact, password=PASSWORD)
    notes_key = case_notes_key(case=case, user=contact, private_key=private)
    return case, contact, data_key, notes_key


def snapshot(case):
    fresh = Case.objects.get(pk=case.pk)
    return (
        fresh.status,
        fresh.version,
        fresh.outcome,
        CaseNote.objects.filter(case=case).count(),
        AuditEvent.objects.count(),
    )


@pytest.mark.django_db
def test_acknowledge_then_assess_then_close_with_outcome(routed):
    case, contact, data_key, notes_key = routed
    for to in (CaseStatus.ACKNOWLEDGED, CaseStatus.ASSESSMENT):
        actions.case_transition(
            actor=contact, case=case, to=to, version=case.version, notes_key=notes_key
        )
    actions.case_transition(
        actor=contact,
        case=case,
        to=CaseStatus.CLOSED,
        version=case.version,
        notes_key=notes_key,
        reason="No hay elementos",
        outcome=Outcome.INSUFFICIENT,
        closure_reason="No fue posible verificar los hechos descritos.",
        data_key=data_key,
    )
    case.refresh_from_db()
    assert (case.status, case.outcome) == (CaseStatus.CLOSED, Outcome.INSUFFICIENT)
    assert b"verificar" not in bytes(case.closure_reason_sealed)  # sealed at rest
    assert case.closure_reason_text(data_key) == "No fue posible verificar los hechos descritos."
    assert case.acknowledged_on and case.feedback_given_on
    note = CaseNote.objects.get(case=case)
    assert actions.note_text(note, notes_key) == "No hay elementos"
    event = AuditEvent.objects.filter(action="case.transition").first()
    assert event.data == {
        "from": "assessment",
        "to": "closed",
        "note": note.pk,
        "outcome": "insufficient",
    }


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("to", "kwargs", "message"),
    [
        (CaseStatus.INVESTIGATION, {}, "No se puede pasar"),
        (CaseStatus.CLOSED, {}, "motivo"),
        (CaseStatus.CLOSED, {"reason": "x"}, "resultado"),
        (CaseStatus.CLOSED, {"reason": "x", "outcome": "substantiated"}, "motivo de cierre"),
    ],
)
def test_refused_transitions_change_nothing(routed, to, kwargs, message):
    case, contact, _data_key, notes_key = routed
    before = snapshot(case)
    with pytest.raises(actions.CaseError, match=message):
        actions.case_transition(
            actor=contact, case=case, to=to, version=case.version, notes_key=notes_key, **kwargs
        )
    assert snapshot(case) == before


@pytest.mark.django_db
def test_stale_edit_is_refused(routed):
    case, contact, _data_key, notes_key = routed
    stale = case.version
    actions.case_severity_set(actor=contact, case=case, severity="grave", version=stale)
    before = snapshot(case)
    with pytest.raises(actions.CaseError, match="Otra persona"):
        actions.case_transition(
            actor=contact,
            case=Case.objects.get(pk=case.pk),
            to=CaseStatus.ACKNOWLEDGED,
            version=stale,
            notes_key=notes_key,
        )
    assert snapshot(case) == before


@pytest.mark.django_db
def test_recusal_revokes_access_and_reroutes_to_the_alternate(routed, entity):
    case, contact, data_key, notes_key = routed
    backup = make_user(Role.SERVANT, entity)
    ContactPointFactory(user=backup, entity=entity, kind=ContactPointKind.ALTERNATE)
    picks = actions.case_recuse(
        actor=contact,
        case=case,
        reason="Parentesco con la persona denunciada",
        data_key=data_key,
        notes_key=notes_key,
    )
    assert [p.user for p in picks] == [backup]
    assert case not in cases_visible_to(contact)
    private = keys.user_private_key(user=contact, password=PASSWORD)
    with pytest.raises(Http404):
        case_data_key(case=case, user=contact, private_key=private)
    backup_private = keys.user_private_key(user=backup, password=PASSWORD)
    assert case_data_key(case=case, user=backup, private_key=backup_private) == data_key
    assert CaseRecipient.objects.get(case=case, user=contact).state == RecipientState.REVOKED
    # a later re-routing never returns the case to the recused person
    assert contact.pk not in [p.user.pk for p in actions.routing_plan(case).picks]


@pytest.mark.django_db
def test_recusal_without_anyone_to_take_over_is_refused(routed):
    case, contact, data_key, notes_key = routed
    before = snapshot(case)
    with pytest.raises(actions.CaseError, match="No hay otra persona"):
        actions.case_recuse(
            actor=contact, case=case, reason="Conflicto", data_key=data_key, notes_key=notes_key
        )
    assert snapshot(case) == before
    assert case in cases_visible_to(contact)


def _to_assessment(case, contact, notes_key):
    for to in (CaseStatus.ACKNOWLEDGED, CaseStatus.ASSESSMENT):
        actions.case_transition(
            actor=contact, case=case, to=to, version=case.version, notes_key=notes_key
        )


@pytest.mark.django_db
def test_referral_to_the_oic_rewraps_for_its_investigators(routed, entity):
    case, contact, data_key, notes_key = routed
    investigator = make_user(Role.INVESTIGATOR, entity)
    _to_assessment(case, contact, notes_key)
    assert case not in cases_visible_to(investigator)
    actions.case_refer(
        actor=contact,
        case=case,
        version=case.version,
        kind="oic",
        target=entity,
        summary="Expediente completo y anexos",
        data_key=data_key,
        notes_key=notes_key,
    )
    case.refresh_from_db()
    assert case.status == CaseStatus.REFERRED
    private = keys.user_private_key(user=investigator, password=PASSWORD)
    assert case_data_key(case=case, user=investigator, private_key=private) == data_key
    assert case in cases_visible_to(investigator)


@pytest.mark.django_db
def test_referral_to_entity_without_active_contact_point_is_refused(routed):
    case, contact, data_key, notes_key = routed
    _to_assessment(case, contact, notes_key)
    empty = EntityFactory()
    before = snapshot(case)
    with pytest.raises(actions.CaseError, match="no tiene personas activas"):
        actions.case_refer(
            actor=contact,
            case=case,
            version=case.version,
            kind="entity",
            target=empty,
            summary="Todo",
            data_key=data_key,
            notes_key=notes_key,
        )
    assert snapshot(case) == before


@pytest.mark.django_db
def test_implicated_contact_point_never_receives_after_recusal_of_alternate(entity):
    primary = make_user(Role.CONTACT, entity)
    case, _key = open_case(entity, contact_point_implicated=True)
    actions.case_route(case_id=case.pk)
    assert primary.pk not in set(CaseRecipient.objects.values_list("user_id", flat=True))
