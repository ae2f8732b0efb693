import io

import pytest

from ethics import demo, interest
from ethics.models import CodeVersion, Declaration, Gift, ProcurementRole
from lacs.models import Role
from tests.conftest import make_user

pytestmark = pytest.mark.django_db


def test_demo_seed_is_idempotent_and_seeds_the_fifteen_principles(entity):
    users = {"admin": make_user(Role.ADMIN), "servant": make_user(Role.SERVANT, entity)}
    demo.seed(users=users, stdout=io.StringIO())
    demo.seed(users=users, stdout=io.StringIO())
    version = CodeVersion.objects.get()
    assert version.is_published
    names = [p["name"] for p in version.principles]
    assert len(names) == 15 and "Competencia por mérito" in names
    declaration = Declaration.objects.get()
    assert interest.validate(declaration.interest) == []
    assert Gift.objects.count() == 1
    assert ProcurementRole.objects.get().procedures == [1, 3]
