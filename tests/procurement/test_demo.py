import io

import pytest

from procurement import demo
from procurement.models import FlagRun, Process

pytestmark = pytest.mark.django_db


def test_demo_seed_is_idempotent_and_flags_direct_awards():
    demo.seed(users={}, stdout=io.StringIO())
    count = Process.objects.count()
    demo.seed(users={}, stdout=io.StringIO())
    assert Process.objects.count() == count == 122
    run = FlagRun.objects.get()
    codes = set(run.flags.values_list("code", flat=True))
    assert {"R055", "MX01", "R018"} <= codes
