"""Pages cost a fixed number of queries, and questionnaire rules are checked on save."""

import pytest
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import reverse

from cases.models import Case
from lacs.models import Role
from tests.conftest import make_user
from tests.whistleblowing.factories import follow_up, questionnaire, receipt_of, submit
from tests.whistleblowing.test_followup import handler_client
from whistleblowing.models import ProtectionRequest, ProtectionStatus, Question, QuestionKind

pytestmark = pytest.mark.django_db


def _count_queries(client) -> int:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as captured:
        assert client.get(reverse("whistleblowing:followup_case")).status_code == 200
    return len(captured.captured_queries)


def test_follow_up_page_costs_the_same_with_many_messages(entity):
    category, questions = questionnaire()
    receipt = receipt_of(submit(Client(), category, entity, questions))
    wb = Client()
    follow_up(wb, receipt)
    wb.post(reverse("whistleblowing:followup_message"), {"body": "primero"})
    few = _count_queries(wb)
    for i in range(10):
        wb.post(reverse("whistleblowing:followup_message"), {"body": f"n{i}"})
        wb.post(
            reverse("whistleblowing:followup_protection"), {"what": "a", "when": "b", "who": "c"}
        )
    assert 0 < _count_queries(wb) == few


def test_a_bad_protection_decision_changes_nothing(entity):
    from cases.actions import case_route

    contact = make_user(Role.CONTACT, entity)
    category, questions = questionnaire()
    receipt = receipt_of(submit(Client(), category, entity, questions))
    case = Case.objects.get()
    case_route(case_id=case.pk)
    wb = Client()
    follow_up(wb, receipt)
    wb.post(reverse("whistleblowing:followup_protection"), {"what": "a", "when": "b", "who": "c"})
    request = ProtectionRequest.objects.get()
    handler_client(contact).post(
        reverse("whistleblowing:handle_protection", args=[case.pk, request.pk]),
        {f"p{request.pk}-status": "inventado"},
    )
    request.refresh_from_db()
    assert request.status == ProtectionStatus.FILED and request.measures is None


def test_questionnaire_rules_are_checked(entity):
    _category, q = questionnaire()
    empty_list = Question(
        questionnaire=q["text"].questionnaire, kind=QuestionKind.CHOICE, label="x"
    )
    with pytest.raises(ValidationError, match="necesita opciones"):
        empty_list.full_clean()
    on_text = Question(
        questionnaire=q["text"].questionnaire,
        kind=QuestionKind.TEXT,
        label="y",
        condition_question=q["text"],
        condition_value="algo",
    )
    with pytest.raises(ValidationError, match="Sí / No o de lista"):
        on_text.full_clean()
    wrong_value = Question(
        questionnaire=q["text"].questionnaire,
        kind=QuestionKind.TEXT,
        label="z",
        condition_question=q["choice"],
        condition_value="Marte",
    )
    with pytest.raises(ValidationError, match="no existe"):
        wrong_value.full_clean()


def test_admin_configures_questionnaires(client):
    from tests.conftest import sign_in

    admin = make_user(Role.ADMIN)
    sign_in(client, admin)
    _category, q = questionnaire()
    pk = q["text"].questionnaire_id
    page = client.get(reverse("admin:whistleblowing_questionnaire_change", args=[pk]))
    assert page.status_code == 200 and "¿Hubo testigos?" in page.content.decode()
