import io

import pytest

from lacs.seed import seed_reference_data
from oversight import demo
from oversight.models import AuditFinding, EncigValue, PlanAction, Risk

pytestmark = pytest.mark.django_db


def test_demo_seed_is_idempotent():
    seed_reference_data()
    for _ in range(2):
        demo.seed(users={}, stdout=io.StringIO())
    assert EncigValue.objects.count() == len(demo.ENCIG)
    assert Risk.objects.count() == len(demo.RISKS)
    assert PlanAction.objects.count() == 1
    assert AuditFinding.objects.get().is_overdue()
