"""The identity vault: readable only after two custodians approve a reasoned request."""

import pytest
from django.test import Client
from django.urls import reverse

from cases.actions import case_route
from cases.models import Case, CaseRecipient
from lacs import keys
from lacs.models import AuditEvent, Role, RoleAssignment
from tests.conftest import make_user, sign_in
from tests.factories import PASSWORD
from tests.whistleblowing.factories import follow_up, questionnaire, receipt_of, submit
from tests.whistleblowing.test_followup import panel_html
from whistleblowing import actions
from whistleblowing.models import IdentityRequest, IdentityRequestStatus

pytestmark = pytest.mark.django_db

REASONING = "La investigación requiere su testimonio formal para sustanciar el expediente."


@pytest.fixture
def people(entity):
    custodian = make_user(Role.CUSTODIAN)
    contact = make_user(Role.CONTACT, entity)
    return custodian, contact


@pytest.fixture
def second(people):
    """A second custodian, appointed before the report is filed."""
    return make_user(Role.CUSTODIAN)


def decide(custodian, request, decision="approve", note="Procede conforme a la ley."):
    return signed(custodian).post(
        reverse("whistleblowing:custody_decide", args=[request.pk]),
        {f"r{request.pk}-decision": decision, f"r{request.pk}-note": note},
    )


@pytest.fixture
def filed(people, entity):
    category, questions = questionnaire()
    receipt = receipt_of(
        submit(
            Client(),
            category,
            entity,
            questions,
            identity_name="Juana Pérez",
            identity_contact="55 1234 5678",
        )
    )
    case = Case.objects.get()
    case_route(case_id=case.pk)
    return receipt, case


def signed(user) -> Client:
    client = Client()
    sign_in(client, user)
    return client


def test_handler_sees_that_an_identity_exists_but_cannot_read_it(people, filed):
    _custodian, contact = people
    _receipt, case = filed
    handler = signed(contact)
    html = panel_html(handler, contact, case)
    assert "dio su identidad" in html and "Juana" not in html
    assert 'name="reasoning"' in html
    assert handler.get(reverse("whistleblowing:identity_read", args=[case.pk])).status_code == 404


def test_a_request_needs_written_reasons(people, filed):
    _custodian, contact = people
    _receipt, case = filed
    signed(contact).post(
        reverse("whistleblowing:identity_request", args=[case.pk]), {"reasoning": "porque sí"}
    )
    assert not IdentityRequest.objects.exists()


def test_two_custodians_approval_lets_the_handler_read_and_the_whistleblower_know(
    people, second, filed
):
    custodian, contact = people
    receipt, case = filed
    handler = signed(contact)
    handler.post(
        reverse("whistleblowing:identity_request", args=[case.pk]), {"reasoning": REASONING}
    )
    request = IdentityRequest.objects.get()
    assert request.status == IdentityRequestStatus.PENDING
    assert REASONING.encode() not in bytes(request.reasoning)

    keeper = signed(custodian)
    page = keeper.get(reverse("whistleblowing:custody")).content.decode()
    assert REASONING in page and case.number in page and "Juana" not in page
    decided = keeper.post(
        reverse("whistleblowing:custody_decide", args=[request.pk]),
        {f"r{request.pk}-decision": "approve", f"r{request.pk}-note": "Procede conforme a la ley."},
    )
    assert decided.status_code == 302
    request.refresh_from_db()
    assert (
        request.status == IdentityRequestStatus.PENDING and request.first_approved_by == custodian
    )
    assert handler.get(reverse("whistleblowing:identity_read", args=[case.pk])).status_code == 404
    decide(custodian, request)  # the same custodian twice is still one
    request.refresh_from_db()
    assert request.status == IdentityRequestStatus.PENDING and request.reader_wrap is None
    decide(second, request)
    request.refresh_from_db()
    assert request.status == IdentityRequestStatus.APPROVED and request.decided_by == second
    assert b"Procede conforme" not in bytes(request.decision_notes)
    assert "Procede conforme a la ley." in panel_html(handler, contact, case)

    identity = handler.get(reverse("whistleblowing:identity_read", args=[case.pk]))
    assert identity.status_code == 200
    assert "Juana Pérez" in identity.content.decode()
    assert AuditEvent.objects.filter(action="whistleblowing.identity_read", actor=contact).exists()

    wb = Client()
    follow_up(wb, receipt)
    page = wb.get(reverse("whistleblowing:followup_case")).content.decode()
    assert 'id="identity-notice"' in page and "autorizó" in page


def test_a_refused_request_reads_nothing(people, filed):
    custodian, contact = people
    receipt, case = filed
    handler = signed(contact)
    handler.post(
        reverse("whistleblowing:identity_request", args=[case.pk]), {"reasoning": REASONING}
    )
    request = IdentityRequest.objects.get()
    signed(custodian).post(
        reverse("whistleblowing:custody_decide", args=[request.pk]),
        {f"r{request.pk}-decision": "refuse", f"r{request.pk}-note": "No está fundada."},
    )
    request.refresh_from_db()
    assert request.status == IdentityRequestStatus.REFUSED and request.reader_wrap is None
    assert handler.get(reverse("whistleblowing:identity_read", args=[case.pk])).status_code == 404
    wb = Client()
    follow_up(wb, receipt)
    page = wb.get(reverse("whistleblowing:followup_case")).content.decode()
    assert "nadie la ha consultado" in page


def test_only_custodians_decide(people, filed):
    _custodian, contact = people
    _receipt, case = filed
    handler = signed(contact)
    handler.post(
        reverse("whistleblowing:identity_request", args=[case.pk]), {"reasoning": REASONING}
    )
    request = IdentityRequest.objects.get()
    response = handler.post(
        reverse("whistleblowing:custody_decide", args=[request.pk]),
        {f"r{request.pk}-decision": "approve", f"r{request.pk}-note": "yo mismo"},
    )
    assert response.status_code == 403
    request.refresh_from_db()
    assert request.status == IdentityRequestStatus.PENDING


def test_custodian_pages_answer_a_custodian(people):
    custodian, _contact = people
    keeper = signed(custodian)
    assert keeper.get(reverse("whistleblowing:custody")).status_code == 200
    assert keeper.get(reverse("whistleblowing:custody_decide", args=[1])).status_code == 405
    missing = keeper.post(reverse("whistleblowing:custody_decide", args=[999]), {})
    assert missing.status_code == 404


def test_a_custodian_appointed_later_gets_the_vault_from_an_earlier_one(people, filed):
    custodian, contact = people
    _receipt, case = filed
    newcomer = make_user(Role.CUSTODIAN)
    handler = signed(contact)
    handler.post(
        reverse("whistleblowing:identity_request", args=[case.pk]), {"reasoning": REASONING}
    )
    request = IdentityRequest.objects.get()
    later = signed(newcomer)
    assert later.get(reverse("whistleblowing:custody")).content.decode().count(case.number) == 0
    keeper = signed(custodian)
    assert "aún no puede" in keeper.get(reverse("whistleblowing:custody")).content.decode()
    keeper.post(reverse("whistleblowing:custody_share"))
    assert case.number in later.get(reverse("whistleblowing:custody")).content.decode()
    later.post(
        reverse("whistleblowing:custody_decide", args=[request.pk]),
        {f"r{request.pk}-decision": "approve", f"r{request.pk}-note": "Procede."},
    )
    decide(custodian, request)
    page = handler.get(reverse("whistleblowing:identity_read", args=[case.pk]))
    assert "Juana Pérez" in page.content.decode()


def test_a_second_request_while_one_is_pending_changes_nothing(people, filed):
    _custodian, contact = people
    _receipt, case = filed
    handler = signed(contact)
    url = reverse("whistleblowing:identity_request", args=[case.pk])
    handler.post(url, {"reasoning": REASONING})
    again = handler.post(url, {"reasoning": REASONING + " Otra vez."})
    assert again.status_code == 302
    assert IdentityRequest.objects.count() == 1


def test_nobody_approves_their_own_identity_request(people, second, filed, entity):
    """A contact point who is also a custodian asks, then approves twice under two hats."""
    custodian, _contact = people
    _receipt, case = filed
    insider = make_user(Role.CONTACT, entity)
    RoleAssignment.objects.create(user=insider, role=Role.CUSTODIAN)
    CaseRecipient.objects.filter(case=case).update(user=insider)
    actions.identity_vaults_share(
        actor=custodian, private_key=keys.user_private_key(user=custodian, password=PASSWORD)
    )
    request = actions.identity_request_file(
        vault=case.report.identity, reasoning=REASONING, actor=insider
    )
    decide(second, request)
    before = (bytes(IdentityRequest.objects.get().decision_notes), AuditEvent.objects.count())
    page = signed(insider).get(reverse("whistleblowing:custody")).content.decode()
    assert "Es su propia solicitud" in page
    refused = decide(insider, request)
    assert refused.status_code == 302
    request.refresh_from_db()
    assert request.status == IdentityRequestStatus.PENDING and request.reader_wrap is None
    assert (bytes(request.decision_notes), AuditEvent.objects.count()) == before
