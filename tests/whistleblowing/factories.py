"""Factories and helpers for whistleblowing tests: reports are filed through the real pages."""

from __future__ import annotations

import io
import re

from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from tests.factories import CategoryFactory
from whistleblowing.forms import new_nonce
from whistleblowing.models import Question, QuestionKind, Questionnaire

CLIENT_ADDRESS = "203.0.113.77"


def questionnaire(category=None):
    """A category whose questionnaire has one question of each kind and a conditional one."""
    category = category or CategoryFactory(code="soborno", name="Soborno", name_en="Bribery")
    form = Questionnaire.objects.create(category=category)
    q = {}
    q["text"] = Question.objects.create(
        questionnaire=form, position=1, kind=QuestionKind.TEXT, label="¿Quién participó?"
    )
    q["choice"] = Question.objects.create(
        questionnaire=form,
        position=2,
        kind=QuestionKind.CHOICE,
        label="¿Dónde ocurrió?",
        choices="Oficina\nVía pública\nEn línea",
        choices_en="Office\nStreet\nOnline",
        required=True,
    )
    q["date"] = Question.objects.create(
        questionnaire=form, position=3, kind=QuestionKind.DATE, label="¿Cuándo?"
    )
    q["amount"] = Question.objects.create(
        questionnaire=form, position=4, kind=QuestionKind.AMOUNT, label="¿Cuánto dinero?"
    )
    q["yes_no"] = Question.objects.create(
        questionnaire=form, position=5, kind=QuestionKind.YES_NO, label="¿Hubo testigos?"
    )
    q["witnesses"] = Question.objects.create(
        questionnaire=form,
        position=6,
        kind=QuestionKind.TEXT,
        label="¿Quiénes fueron los testigos?",
        required=True,
        condition_question=q["yes_no"],
        condition_value="yes",
    )
    return category, q


def report_data(category, entity, questions, **overrides) -> dict:
    data = {
        "category": category.code,
        "nonce": new_nonce(),
        "entity": str(entity.pk),
        f"q_{questions['text'].pk}": "Un inspector",
        f"q_{questions['choice'].pk}": "Oficina",
        f"q_{questions['date'].pk}": "2026-10-02",
        f"q_{questions['amount'].pk}": "1500.50",
        f"q_{questions['yes_no'].pk}": "no",
        "description": "Me pidieron dinero para agilizar un trámite.",
    }
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


def text_file(content: str, name: str = "notas.txt") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content.encode(), content_type="text/plain")


def png_file(text_chunk: str = "", name: str = "foto.png") -> SimpleUploadedFile:
    from PIL import Image, PngImagePlugin

    info = PngImagePlugin.PngInfo()
    if text_chunk:
        info.add_text("Author", text_chunk)
    out = io.BytesIO()
    Image.new("RGB", (8, 8), (200, 30, 30)).save(out, format="PNG", pnginfo=info)
    return SimpleUploadedFile(name, out.getvalue(), content_type="image/png")


def submit(client, category, entity, questions, files=(), **overrides):
    data = report_data(category, entity, questions, **overrides)
    if files:
        data["files"] = list(files)
    return client.post(reverse("whistleblowing:report_new"), data, REMOTE_ADDR=CLIENT_ADDRESS)


def receipt_of(response) -> str:
    match = re.search(r'id="receipt"[^>]*>([^<]+)<', response.content.decode())
    assert match, "no receipt on the page"
    return match.group(1).strip()


def follow_up(client, receipt: str):
    return client.post(
        reverse("whistleblowing:followup"),
        {"receipt": receipt, "nonce": new_nonce()},
        REMOTE_ADDR=CLIENT_ADDRESS,
    )
