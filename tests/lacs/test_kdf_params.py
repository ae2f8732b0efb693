"""Raising the Argon2id cost strands nothing: keys and receipts remember their parameters."""

import pytest

from lacs import actions as lacs_actions
from lacs import crypto, keys
from lacs.models import Role, UserKeyPair
from tests.conftest import make_user
from tests.factories import PASSWORD, CategoryFactory
from whistleblowing.access import report_for_receipt
from whistleblowing.actions import report_submit


def test_parameters_have_a_stored_form_and_refuse_unknown_ones():
    params = crypto.KdfParams(65536)
    assert str(params) == "argon2id:m=65536,t=3,p=1"
    assert crypto.KdfParams.parse(str(params)) == params
    with pytest.raises(ValueError, match="unknown key-derivation parameters"):
        crypto.KdfParams.parse("scrypt:n=16384")


@pytest.mark.django_db
def test_a_staff_key_opens_after_the_cost_is_raised_and_is_rewrapped_at_the_new_cost(
    settings, entity
):
    user = make_user(Role.CONTACT, entity)
    before = UserKeyPair.objects.get(user=user)
    assert before.kdf == "argon2id:m=1024,t=3,p=1"
    private = keys.user_private_key(user=user, password=PASSWORD)
    settings.ARGON2_MEMORY_KIB = 2048
    assert lacs_actions.user_keys_unlock(user=user, password=PASSWORD) == private
    after = UserKeyPair.objects.get(user=user)
    assert after.kdf == "argon2id:m=2048,t=3,p=1" and after.salt != before.salt
    assert after.public_key == before.public_key  # the same pair: every case key still opens
    assert keys.user_private_key(user=user, password=PASSWORD) == private


@pytest.mark.django_db
def test_a_receipt_given_before_the_cost_was_raised_still_opens_its_report(settings, entity):
    old_report, old_receipt = report_submit(
        entity=entity, category=CategoryFactory(), answers=[], description="Antes", files=[]
    )
    settings.ARGON2_MEMORY_KIB = 2048
    new_report, new_receipt = report_submit(
        entity=entity, category=CategoryFactory(), answers=[], description="Después", files=[]
    )
    assert (old_report.receipt_kdf, new_report.receipt_kdf) == (
        "argon2id:m=1024,t=3,p=1",
        "argon2id:m=2048,t=3,p=1",
    )
    assert report_for_receipt(old_receipt)[0] == old_report
    assert report_for_receipt(new_receipt)[0] == new_report
    assert report_for_receipt("abeja " * 8) is None
