"""Escrow recovery: waiting recipients get the case keys with the entity's offline key."""

import datetime as dt

import pytest
from django.core import mail
from django.core.management import call_command
from django.http import Http404
from django.urls import reverse

from cases import actions
from cases.access import case_data_key, case_notes_key
from cases.models import Case, CaseKeyWrap, CaseRecipient, RecipientState
from lacs import actions as lacs_actions
from lacs import crypto, keys
from lacs.models import AuditEvent, ContactPointKind, Entity, Role
from tests.cases.factories import open_case
from tests.conftest import make_user, sign_in
from tests.factories import PASSWORD, ContactPointFactory, EntityFactory


@pytest.fixture
def escrowed(entity):
    """An entity with an escrow key pair, and a routed case whose contact point never acts."""
    private, public = crypto.new_keypair()
    Entity.objects.filter(pk=entity.pk).update(escrow_public_key=crypto.b64e(public))
    entity.refresh_from_db()
    contact = make_user(Role.CONTACT, entity)
    case, data_key = open_case(entity)
    actions.case_route(case_id=case.pk)
    notes_key = case_notes_key(
        case=case, user=contact, private_key=keys.user_private_key(user=contact, password=PASSWORD)
    )
    return case, private, data_key, notes_key


def _escalate(case, entity, capture):
    backup = make_user(Role.SERVANT, entity)
    ContactPointFactory(user=backup, entity=entity, kind=ContactPointKind.ALTERNATE)
    comptroller = EntityFactory(is_comptroller=True)
    auditor = make_user(Role.CONTACT, comptroller)
    Case.objects.filter(pk=case.pk).update(acknowledge_by=dt.date(2020, 1, 1))
    with capture(execute=True):
        actions.deadlines_check()
    return backup, auditor


def _opens(case, user, data_key, notes_key) -> bool:
    private = keys.user_private_key(user=user, password=PASSWORD)
    try:
        return (
            case_data_key(case=case, user=user, private_key=private) == data_key
            and case_notes_key(case=case, user=user, private_key=private) == notes_key
        )
    except Http404:
        return False


@pytest.mark.django_db
def test_escalated_recipients_get_the_keys_through_the_escrow_key(
    escrowed, entity, django_capture_on_commit_callbacks
):
    case, private, data_key, notes_key = escrowed
    backup, auditor = _escalate(case, entity, django_capture_on_commit_callbacks)
    assert not _opens(case, auditor, data_key, notes_key)
    waiting = set(actions.escrow_waiting(entity).values_list("user_id", flat=True))
    assert waiting == {backup.pk, auditor.pk}
    admin = make_user(Role.ADMIN)
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        served, cases = actions.escrow_recover(actor=admin, entity=entity, private_key=private)
    assert (served, cases) == (2, 1)
    assert _opens(case, auditor, data_key, notes_key) and _opens(case, backup, data_key, notes_key)
    assert not CaseRecipient.objects.filter(case=case, state=RecipientState.PENDING_KEY).exists()
    event = AuditEvent.objects.get(action="case.escrow_recover")
    assert event.actor == admin and sorted(event.data["users"]) == sorted([backup.pk, auditor.pk])
    assert len(mail.outbox) == 1 and case.number in mail.outbox[0].subject
    assert not actions.escrow_waiting(entity).exists()  # a second run has nothing to do


@pytest.mark.django_db
def test_a_key_that_is_not_the_entitys_changes_nothing(
    escrowed, entity, django_capture_on_commit_callbacks
):
    case, _private, data_key, notes_key = escrowed
    _backup, auditor = _escalate(case, entity, django_capture_on_commit_callbacks)
    wrong, _public = crypto.new_keypair()
    before = (CaseKeyWrap.objects.count(), AuditEvent.objects.count())
    with pytest.raises(actions.CaseError, match="no es la llave de recuperación"):
        actions.escrow_recover(actor=make_user(Role.ADMIN), entity=entity, private_key=wrong)
    assert (CaseKeyWrap.objects.count(), AuditEvent.objects.count()) == before
    assert not _opens(case, auditor, data_key, notes_key)


@pytest.mark.django_db
def test_a_password_reset_makes_the_cases_wait_and_the_escrow_key_does_not_give_them_back(
    escrowed, entity
):
    """Whoever reset the password may hold the new pair: escrow recovery skips it."""
    case, private, _data_key, _notes_key = escrowed
    contact = CaseRecipient.objects.get(case=case).user
    lacs_actions.user_keys_create(
        user=contact, password="otra-contraseña-larga"
    )  # an admin's reset
    assert CaseRecipient.objects.get(case=case, user=contact).state == RecipientState.KEY_REPLACED
    assert not CaseKeyWrap.objects.filter(case=case, user=contact).exists()
    assert AuditEvent.objects.filter(action="case.key_lost", object_id=str(contact.pk)).exists()
    served = actions.escrow_recover(actor=make_user(Role.ADMIN), entity=entity, private_key=private)
    assert served == (0, 0)
    fresh = keys.user_private_key(user=contact, password="otra-contraseña-larga")
    with pytest.raises(Http404):
        case_data_key(case=case, user=contact, private_key=fresh)


@pytest.mark.django_db
def test_recovery_page_lists_who_waits_and_recovers(
    escrowed, entity, client, django_capture_on_commit_callbacks
):
    case, private, data_key, notes_key = escrowed
    _backup, auditor = _escalate(case, entity, django_capture_on_commit_callbacks)
    admin = make_user(Role.ADMIN)
    sign_in(client, admin)
    url = reverse("cases:escrow_recovery")
    page = client.get(url).content.decode()
    assert case.number in page and (auditor.get_full_name() or auditor.username) in page
    bad = client.post(url, {"entity": entity.pk, "private_key": "no es base64"})
    assert bad.status_code == 200 and "32 bytes" in bad.content.decode()
    assert "no es base64" not in bad.content.decode()  # a secret is never echoed back
    done = client.post(url, {"entity": entity.pk, "private_key": crypto.b64e(private)})
    assert done.status_code == 302
    assert _opens(case, auditor, data_key, notes_key)
    assert "Nadie espera llaves" in client.get(url).content.decode()


@pytest.mark.django_db
def test_escrow_keygen_stores_the_public_half_and_prints_the_private_half(entity, capsys):
    call_command("escrow_keygen", str(entity.pk))
    printed = capsys.readouterr().out.strip()
    entity.refresh_from_db()
    assert crypto.b64e(crypto.public_from_private(crypto.b64d(printed))) == entity.escrow_public_key
    assert printed not in str(list(Entity.objects.values()))
    with pytest.raises(Exception, match="already has an escrow key"):
        call_command("escrow_keygen", entity.name)
