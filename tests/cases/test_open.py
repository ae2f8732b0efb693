import itertools
import re

import pytest
from django.db import transaction
from django.http import Http404
from django.utils import timezone

from cases.access import case_data_key, case_for_user, cases_visible_to
from cases.actions import case_open
from cases.models import CaseKeyWrap, CaseRouting, CaseSource, CaseStatus, WrapKind
from lacs import crypto, keys
from lacs.models import AuditEvent, Role
from tests.conftest import make_user
from tests.factories import PASSWORD, CategoryFactory


@pytest.mark.django_db
def test_case_open_creates_numbered_case_with_intake_wrap_and_outbox(entity):
    entity.escrow_public_key = crypto.b64e(crypto.new_keypair()[1])
    entity.save()
    with transaction.atomic():
        case, data_key = case_open(
            entity=entity, category=CategoryFactory(), source=CaseSource.REPORT
        )
    assert re.fullmatch(r"CDMX-\d{4}-\d{10}", case.number)
    assert case.status == CaseStatus.RECEIVED
    intake = CaseKeyWrap.objects.get(case=case, kind=WrapKind.INTAKE)
    assert crypto.unwrap_with(keys.intake_private_key(), bytes(intake.wrapped_key)) == data_key
    # The web tier wraps for the intake key only: escrow copies are the worker's, for the
    # entities that receive the case (tests/cases/test_routing_coverage.py).
    assert not CaseKeyWrap.objects.filter(case=case, kind=WrapKind.ESCROW).exists()
    assert CaseRouting.objects.get(case=case).state == "pending"
    event = AuditEvent.objects.get(action="case.open", object_id=str(case.pk))
    assert event.actor is None
    local = timezone.localtime(event.at)  # the day as Mexico City counts it
    assert (local.hour, local.minute, local.second) == (0, 0, 0)


@pytest.mark.django_db
def test_case_numbers_are_unique(entity):
    category = CategoryFactory()
    numbers = []
    for _ in range(3):
        with transaction.atomic():
            case, _key = case_open(entity=entity, category=category, source=CaseSource.AUDIT)
        numbers.append(case.number)
    assert len(set(numbers)) == 3


@pytest.mark.django_db
def test_staff_entered_case_records_the_actor(entity):
    analyst = make_user(Role.ANALYST)
    with transaction.atomic():
        case, _key = case_open(
            entity=entity, category=CategoryFactory(), source=CaseSource.RED_FLAG, actor=analyst
        )
    assert AuditEvent.objects.get(action="case.open", object_id=str(case.pk)).actor == analyst


@pytest.mark.django_db
def test_user_without_a_wrap_gets_404_for_data_key_and_case(entity):
    contact = make_user(Role.CONTACT, entity)
    with transaction.atomic():
        case, _key = case_open(entity=entity, category=CategoryFactory(), source=CaseSource.AUDIT)
    private = keys.user_private_key(user=contact, password=PASSWORD)
    CaseRouting.objects.all().delete()  # not routed: nobody but intake holds the key
    with pytest.raises(Http404):
        case_data_key(case=case, user=contact, private_key=private)
    assert case.pk not in set(cases_visible_to(contact).values_list("pk", flat=True))
    with pytest.raises(Http404):
        case_for_user(contact, case.pk)


@pytest.mark.django_db
def test_case_ids_and_numbers_do_not_count_up(entity):
    """Staff see ids and numbers: a sequence would place a day-only report between timed cases."""
    from lacs.days import UNORDERED_ID_RANGE

    cases = []
    for _ in range(5):
        with transaction.atomic():
            cases.append(
                case_open(entity=entity, category=CategoryFactory(), source=CaseSource.REPORT)[0]
            )
    ids = [c.pk for c in cases]
    numbers = [int(c.number.rsplit("-", 1)[1]) for c in cases]
    assert all(UNORDERED_ID_RANGE[0] <= i < UNORDERED_ID_RANGE[1] for i in ids)
    assert ids != sorted(ids) or numbers != sorted(numbers)  # 1 in 14,400 by chance
    assert all(abs(a - b) > 1 for a, b in itertools.pairwise(numbers))
