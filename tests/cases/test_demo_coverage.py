"""Done when: a report to every entity of the demo reaches a person holding a key within a
minute, filed through the intake and routed by a real Celery worker."""

from __future__ import annotations

import time
from collections import Counter
from io import StringIO

import pytest
from django.conf import settings
from django.core.management import call_command

from cases.access import case_data_key
from cases.models import Case, CaseRecipient, CaseRouting, RecipientState
from lacs import keys
from lacs.models import Category, Entity
from tests.reliability.stack import wait_until
from whistleblowing.actions import report_submit

pytestmark = pytest.mark.services


def _routed(ids: list[int]) -> bool:
    return CaseRouting.objects.filter(case_id__in=ids, state="done").count() == len(ids)


def test_a_report_to_every_demo_entity_reaches_a_key_holder_within_a_minute(
    celery_worker_process, settings_media
):
    call_command("demo_seed", stdout=StringIO())
    wait_until(lambda: not CaseRouting.objects.filter(state="pending").exists(), what="demo")
    entities = list(Entity.objects.active().order_by("name"))
    categories = list(Category.objects.filter(active=True).order_by("position", "name"))
    assert len(entities) > 60
    filed: dict[int, float] = {}
    for position, entity in enumerate(entities):
        report, _receipt = report_submit(
            entity=entity,
            category=categories[position % len(categories)],  # specialised units too
            answers=[],
            description=f"Denuncia de cobertura {position}",
            files=[],
        )
        filed[report.case_id] = time.monotonic()
    ids = list(filed)
    wait_until(lambda: _routed(ids), timeout=60.0, what="every demo entity's report routed")
    slowest = max(time.monotonic() - at for at in filed.values())
    assert slowest < 60.0

    cases = Case.objects.filter(pk__in=ids)
    via = Counter(cases.values_list("routed_via", flat=True))
    print(f"{len(ids)} reports routed; slowest {slowest:.1f} s after filing; via {dict(via)}")
    assert {c.entity_id for c in cases} == {e.pk for e in entities}
    assert all(c.routed_via for c in cases)
    holders: dict[int, int] = {}  # one case per recipient, to open with their own key
    for case in cases:
        active = CaseRecipient.objects.filter(case=case, state=RecipientState.ACTIVE)
        assert active.exists(), f"{case.entity} has nobody holding the key"
        holders.setdefault(active.first().user_id, case.pk)
    for user_id, case_id in holders.items():
        recipient = CaseRecipient.objects.select_related("user").get(
            case_id=case_id, user_id=user_id
        )
        private = keys.user_private_key(user=recipient.user, password=settings.DEMO_PASSWORD)
        assert case_data_key(case=recipient.case, user=recipient.user, private_key=private)


@pytest.fixture
def settings_media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    return settings
