import io

import pytest

from lacs.seed import seed_reference_data
from whistleblowing import access, demo
from whistleblowing.models import Question, Questionnaire, Report

pytestmark = pytest.mark.django_db


def test_demo_seed_is_idempotent_and_prints_a_working_receipt():
    seed_reference_data()
    out = io.StringIO()
    demo.seed(users={}, stdout=out)
    receipt = out.getvalue().rsplit("with: ", 1)[1].strip()
    assert access.report_for_receipt(receipt) is not None
    counts = (Questionnaire.objects.count(), Question.objects.count(), Report.objects.count())
    demo.seed(users={}, stdout=io.StringIO())
    assert (
        Questionnaire.objects.count(),
        Question.objects.count(),
        Report.objects.count(),
    ) == counts
    conditional = Question.objects.exclude(condition_question=None).first()
    conditional.full_clean()
