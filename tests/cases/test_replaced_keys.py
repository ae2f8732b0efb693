"""A replaced key pair (a password reset) gets a case's keys only when a current recipient
confirms the fingerprint change: an administrator who resets a contact point's password and signs
in as them must not be handed the case by the next co-recipient who opens it."""

import pytest
from django.http import Http404
from django.urls import reverse

from cases import actions
from cases.access import case_data_key, case_notes_key
from cases.models import CaseKeyWrap, CaseRecipient, RecipientState, RoutingRule, RuleMode
from lacs import actions as lacs_actions
from lacs import keys
from lacs.models import AuditEvent, Role, UserKeyPair
from tests.cases.factories import open_case
from tests.conftest import make_user, sign_in
from tests.factories import PASSWORD, EntityFactory

pytestmark = pytest.mark.django_db
HIJACK = "contraseña-del-administrador"


@pytest.fixture
def shared_case(entity):
    """A case routed to two contact points (two entities); the first one's password is reset."""
    victim = make_user(Role.CONTACT, entity)
    other = EntityFactory()
    colleague = make_user(Role.CONTACT, other)
    RoutingRule.objects.create(entity=entity, target=other, mode=RuleMode.ALSO)
    case, data_key = open_case(entity)
    actions.case_route(case_id=case.pk)
    lacs_actions.user_keys_create(user=victim, password=HIJACK)  # the reset: a new key pair
    victim = type(victim).objects.get(pk=victim.pk)  # without the old pair cached
    return case, data_key, victim, colleague


def _opens(case, user, password) -> bool:
    try:
        case_data_key(
            case=case, user=user, private_key=keys.user_private_key(user=user, password=password)
        )
    except Http404:
        return False
    return True


def test_a_co_recipient_opening_the_case_does_not_hand_keys_to_a_replaced_pair(shared_case, client):
    case, _data_key, victim, colleague = shared_case
    sign_in(client, colleague)
    page = client.get(reverse("cases:detail", args=[case.pk])).content.decode()
    assert not _opens(case, victim, HIJACK)
    assert CaseRecipient.objects.get(case=case, user=victim).state == RecipientState.KEY_REPLACED
    pair = UserKeyPair.objects.get(user=victim)
    assert pair.replaced_fingerprint and pair.replaced_fingerprint != pair.fingerprint
    assert pair.fingerprint in page and pair.replaced_fingerprint in page


def test_a_current_recipient_confirms_the_new_fingerprint_and_the_keys_follow(shared_case, client):
    case, _data_key, victim, colleague = shared_case
    sign_in(client, colleague)
    recipient = CaseRecipient.objects.get(case=case, user=victim)
    url = reverse("cases:keys_confirm", args=[case.pk])
    stale = {"keys-recipient": recipient.pk, "keys-fingerprint": "0000 0000 0000 0000 0000"}
    before = (CaseKeyWrap.objects.count(), AuditEvent.objects.count())
    assert client.post(url, stale).status_code == 302
    assert (CaseKeyWrap.objects.count(), AuditEvent.objects.count()) == before
    assert not _opens(case, victim, HIJACK)
    ok = {"keys-recipient": recipient.pk, "keys-fingerprint": victim.keypair.fingerprint}
    assert client.post(url, ok).status_code == 302
    assert _opens(case, victim, HIJACK)
    event = AuditEvent.objects.get(action="case.key_share_replaced")
    assert event.actor == colleague and event.data["new_fingerprint"] == victim.keypair.fingerprint
    assert event.data["old_fingerprint"] == victim.keypair.replaced_fingerprint


def test_the_replaced_pair_cannot_confirm_itself(shared_case):
    case, data_key, victim, colleague = shared_case
    notes_key = case_notes_key(
        case=case,
        user=colleague,
        private_key=keys.user_private_key(user=colleague, password=PASSWORD),
    )
    recipient = CaseRecipient.objects.get(case=case, user=victim)
    with pytest.raises(actions.CaseError):
        actions.case_keys_share_replaced(
            actor=victim,
            case=case,
            recipient_id=recipient.pk,
            fingerprint=victim.keypair.fingerprint,
            data_key=data_key,
            notes_key=notes_key,
        )
    assert not _opens(case, victim, HIJACK)


def test_each_person_reads_their_own_fingerprint_to_compare_aloud(shared_case, client):
    _case, _data_key, _victim, colleague = shared_case
    sign_in(client, colleague)
    page = client.get(reverse("password_change")).content.decode()
    assert UserKeyPair.objects.get(user=colleague).fingerprint in page
