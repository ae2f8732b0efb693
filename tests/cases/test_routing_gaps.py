"""What an administrator sees of routing coverage, the unrouted-case notice, and what the
whistle-blower reads while nobody holds the key yet."""

import datetime as dt

import pytest
from django.core import mail
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from cases import actions
from cases.models import Case, CaseRouting
from cases.tasks import BEAT_SCHEDULE
from lacs.models import AuditEvent, ContactPointKind, Role
from tests.cases.factories import open_case
from tests.conftest import make_user, sign_in
from tests.factories import ContactPointFactory, EntityFactory
from whistleblowing.status import status_words


def stuck(entity, hours: int = 2) -> Case:
    """A report nobody could receive, filed ``hours`` ago."""
    case, _key = open_case(entity)
    actions.case_route(case_id=case.pk)
    CaseRouting.objects.filter(case=case).update(
        created_at=timezone.now() - dt.timedelta(hours=hours)
    )
    return case


@pytest.mark.django_db
def test_staff_routing_page_lists_vacancies_endings_and_unrouted_cases(client, entity):
    today = timezone.localdate()
    vacant = EntityFactory(name="Ente vacante (prueba)")
    person = make_user(Role.SERVANT, vacant)
    ContactPointFactory(
        user=person,
        entity=vacant,
        kind=ContactPointKind.PRIMARY,
        start=today - dt.timedelta(days=90),
        end=today - dt.timedelta(days=10),
    )
    covered = EntityFactory(name="Ente cubierto (prueba)")
    leaving = make_user(Role.SERVANT, covered)
    ContactPointFactory(
        user=leaving,
        entity=covered,
        kind=ContactPointKind.PRIMARY,
        start=today - dt.timedelta(days=90),
        end=today + dt.timedelta(days=20),
    )
    case = stuck(entity)  # no contact point, no OIC and no comptroller: nobody
    recent = stuck(vacant, hours=0)
    admin = make_user(Role.ADMIN)
    sign_in(client, admin)
    page = client.get(reverse("staff_routing")).content.decode()
    assert vacant.name in page and entity.name in page
    assert covered.name in page  # its appointment ends within 30 days
    since = (today - dt.timedelta(days=10)).strftime("%Y")
    assert since in page
    assert case.number in page
    assert recent.number not in page  # filed less than an hour ago


@pytest.mark.django_db
def test_admins_get_one_notice_per_unrouted_case_without_its_number(
    entity, django_capture_on_commit_callbacks
):
    admin = make_user(Role.ADMIN)
    case = stuck(entity)
    with django_capture_on_commit_callbacks(execute=True):
        assert actions.routing_unrouted_alert() == 1
    with django_capture_on_commit_callbacks(execute=True):
        assert actions.routing_unrouted_alert() == 0
    assert [m.to for m in mail.outbox] == [[admin.email]]
    assert case.number not in mail.outbox[0].body
    assert reverse("staff_routing") in mail.outbox[0].body
    assert AuditEvent.objects.get(action="case.unrouted_alert").data == {"cases": 1}
    assert BEAT_SCHEDULE["cases-unrouted-alert"]["task"] == "cases.unrouted_alert"


@pytest.mark.django_db
def test_whistleblower_reads_being_assigned_while_unrouted_then_assigned(entity):
    case = stuck(entity, hours=0)
    assert "se está asignando" in status_words(case)
    make_user(Role.CONTACT, entity)
    actions.case_route(case_id=case.pk)
    assert "ya se asignó" in status_words(Case.objects.get(pk=case.pk))


@pytest.mark.django_db
def test_staff_routing_page_costs_the_same_queries_for_more_gaps(client, entity):
    admin = make_user(Role.ADMIN)
    sign_in(client, admin)
    stuck(entity)
    with CaptureQueriesContext(connection) as few:
        client.get(reverse("staff_routing"))
    for _ in range(3):
        stuck(EntityFactory())
    with CaptureQueriesContext(connection) as many:
        page = client.get(reverse("staff_routing")).content.decode()
    assert page.count("CDMX-") == 4
    assert len(many.captured_queries) == len(few.captured_queries)
