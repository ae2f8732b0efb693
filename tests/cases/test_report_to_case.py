"""Flow 1 end to end: a report filed through the intake reaches the contact point's case page."""

import pytest
from django.urls import reverse

from cases import actions
from cases.models import Case, CaseRecipient
from lacs.models import AuditEvent, Role
from tests.conftest import make_user, sign_in
from tests.factories import CategoryFactory

report_submit = pytest.importorskip("whistleblowing.actions").report_submit


@pytest.mark.django_db
def test_filed_report_is_readable_by_the_routed_contact_point_only(
    entity, other_entity, client, django_capture_on_commit_callbacks
):
    contact = make_user(Role.CONTACT, entity)
    outsider = make_user(Role.CONTACT, other_entity)
    with django_capture_on_commit_callbacks(execute=True):  # routing runs eagerly on commit
        report_submit(
            entity=entity,
            category=CategoryFactory(),
            answers=[],
            description="Me pidieron dinero por agilizar la licencia.",
            files=[],
        )
    case = Case.objects.get()
    assert case.routed_at is not None
    assert list(CaseRecipient.objects.values_list("user_id", flat=True)) == [contact.pk]
    assert not any("agilizar" in str(e.data) for e in AuditEvent.objects.all())
    sign_in(client, contact)
    body = client.get(reverse("cases:detail", args=[case.pk])).content.decode()
    assert "Me pidieron dinero por agilizar la licencia." in body
    sign_in(client, outsider)
    assert client.get(reverse("cases:detail", args=[case.pk])).status_code == 404
    assert actions.routing_sweep(older_than_seconds=0) == 0
