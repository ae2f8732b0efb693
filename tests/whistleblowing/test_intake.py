"""Filing a report: the form, the receipt, bad input, replays and the signed-in session."""

import re

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from cases.models import Case, CaseSource
from lacs.models import AuditEvent, Entity, EntityKind, Role
from tests.conftest import make_user, sign_in
from tests.factories import EntityFactory
from tests.whistleblowing.factories import (
    CLIENT_ADDRESS,
    png_file,
    questionnaire,
    receipt_of,
    report_data,
    submit,
    text_file,
)
from whistleblowing import access, receipts
from whistleblowing.forms import new_nonce
from whistleblowing.models import Attachment, IdentityVault, Report

pytestmark = pytest.mark.django_db


@pytest.fixture
def form(entity):
    category, questions = questionnaire()
    return category, entity, questions


def test_start_page_shows_reminder_and_anonymity_guidance_before_the_form(client, form):
    page = client.get(reverse("whistleblowing:start")).content.decode()
    assert (
        page.index("Antes de empezar")
        < page.index("anonimato")
        < page.index('<select id="category"')
    )
    assert "Soborno" in page
    assert "<script" not in page
    assert not re.search(r'(src|href)="https?://', page)


def test_home_page_links_to_the_report_page(client):
    assert 'href="/report/"' in client.get("/").content.decode()


def test_entities_are_grouped_by_kind_in_the_select(client, form):
    category, _entity, _q = form
    EntityFactory(name="Alcaldía Benito Juárez (prueba)", kind=EntityKind.ALCALDIA)
    page = client.get(reverse("whistleblowing:report_new"), {"category": category.code})
    html = page.content.decode()
    assert '<optgroup label="Secretaría">' in html
    assert '<optgroup label="Alcaldía">' in html
    assert not re.search(r"<script(?![^>]*src=\"/static/)", html)  # same-origin only


def test_a_report_becomes_a_sealed_case_and_the_receipt_is_shown_once(client, form):
    category, entity, questions = form
    response = submit(client, category, entity, questions, files=[text_file("contenido")])
    assert response.status_code == 200
    receipt = receipt_of(response)
    words = receipt.split()
    assert len(words) == 8 and all(w in receipts.wordlist() for w in words)
    case = Case.objects.get()
    assert case.source == CaseSource.REPORT and case.entity == entity
    report = Report.objects.get(case=case)
    assert b"dinero" not in bytes(report.description)
    assert receipt not in report.receipt_lookup
    assert Attachment.objects.filter(case=case).count() == 1
    found = access.report_for_receipt(receipt)
    assert found is not None and found[0] == report
    assert (
        response.headers["Cache-Control"].startswith("no-store")
        or "no-cache" in response.headers["Cache-Control"]
    )


def test_the_receipt_has_at_least_80_bits():
    import math

    assert receipts.WORDS * math.log2(len(set(receipts.wordlist()))) >= 80
    assert receipts.receipt_new() != receipts.receipt_new()


def test_bad_input_keeps_what_was_typed_and_uploaded_and_saves_nothing(client, form):
    category, entity, questions = form
    response = submit(
        client,
        category,
        entity,
        questions,
        files=[text_file("pruebas del caso", name="pruebas.txt")],
        description="",
        **{f"q_{questions['choice'].pk}": "", f"q_{questions['text'].pk}": "Texto escrito"},
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert "Texto escrito" in html
    assert "Responda esta pregunta." in html
    assert "Este campo es requerido." in html
    assert "pruebas.txt" in html
    assert not Case.objects.exists() and not Report.objects.exists()
    token = re.search(r'name="uploads" value="([^"]+)"', html).group(1)
    again = submit(client, category, entity, questions, uploads=token)
    assert again.status_code == 200 and receipt_of(again)
    assert Attachment.objects.count() == 1


def test_a_refused_file_is_named_in_the_error_and_nothing_is_saved(client, form):
    category, entity, questions = form
    exe = text_file("x")
    exe.file.write(b"\x00MZ\x90")  # binary: not text, not an allowed type
    exe.file.seek(0)
    exe.name = "programa.exe"
    response = submit(client, category, entity, questions, files=[exe])
    assert "«programa.exe» no es de un tipo permitido" in response.content.decode()
    assert not Case.objects.exists()


def test_an_oversized_file_is_refused(client, form, settings):
    settings.WB_ATTACHMENT_MAX_BYTES = 100
    category, entity, questions = form
    response = submit(client, category, entity, questions, files=[text_file("x" * 200)])
    assert "pesa más de" in response.content.decode()
    assert not Case.objects.exists()


def test_too_many_files_keeps_the_first_ones(client, form, settings):
    settings.WB_ATTACHMENT_MAX_COUNT = 2
    category, entity, questions = form
    files = [text_file(f"archivo {i}", name=f"a{i}.txt") for i in range(3)]
    response = submit(client, category, entity, questions, files=files)
    html = response.content.decode()
    assert "Puede adjuntar hasta 2 archivos" in html
    assert "a0.txt" in html and "a1.txt" in html and "a2.txt" not in html
    assert not Case.objects.exists()


def test_files_past_the_cap_are_never_cleaned(client, form, settings, monkeypatch):
    from whistleblowing import forms

    settings.WB_ATTACHMENT_MAX_COUNT = 2
    cleaned = []
    real = forms.clean_file
    monkeypatch.setattr(forms, "clean_file", lambda n, d: cleaned.append(n) or real(n, d))
    category, entity, questions = form
    files = [text_file(f"archivo {i}", name=f"a{i}.txt") for i in range(12)]
    html = submit(client, category, entity, questions, files=files).content.decode()
    assert "Puede adjuntar hasta 2 archivos" in html
    assert cleaned == ["a0.txt", "a1.txt"]


def test_a_replayed_post_is_refused(client, form):
    category, entity, questions = form
    data = report_data(category, entity, questions)
    url = reverse("whistleblowing:report_new")
    assert receipt_of(client.post(url, data))
    again = client.post(url, data)
    assert "Este formulario ya se envió" in again.content.decode()
    assert Case.objects.count() == 1


def test_a_forged_form_is_refused_and_keeps_the_text(client, form):
    category, entity, questions = form
    response = submit(client, category, entity, questions, nonce="forjado:abc")
    html = response.content.decode()
    assert "El formulario caducó o fue alterado" in html
    assert "Me pidieron dinero" in html
    assert not Case.objects.exists()


def test_a_post_without_csrf_token_is_refused(form):
    category, entity, questions = form
    strict = Client(enforce_csrf_checks=True)
    response = strict.post(
        reverse("whistleblowing:report_new"), report_data(category, entity, questions)
    )
    assert response.status_code == 403
    assert not Case.objects.exists()


def test_conditional_question_is_required_only_when_its_condition_holds(client, form):
    category, entity, questions = form
    yes, witnesses = questions["yes_no"], questions["witnesses"]
    missing = submit(client, category, entity, questions, **{f"q_{yes.pk}": "yes"})
    assert "Responda esta pregunta." in missing.content.decode()
    ignored = submit(
        client, category, entity, questions, **{f"q_{witnesses.pk}": "no debería guardarse"}
    )
    receipt = receipt_of(ignored)
    report, key = access.report_for_receipt(receipt)
    from whistleblowing.sealing import open_json

    answers = open_json(key, report.answers, report.case, "answers")
    assert [a["value"] for a in answers if a["question"] == witnesses.pk] == []
    assert {a["label"]: a["value"] for a in answers}["¿Hubo testigos?"] == "No"


def test_bad_date_and_amount_get_clear_messages(client, form):
    category, entity, questions = form
    response = submit(
        client,
        category,
        entity,
        questions,
        **{f"q_{questions['date'].pk}": "ayer", f"q_{questions['amount'].pk}": "mucho"},
    )
    html = response.content.decode()
    assert "Introduzca una fecha válida." in html
    assert "Introduzca un número." in html
    assert 'value="ayer"' in html


def test_unknown_category_goes_back_to_the_start(client, form):
    response = client.get(reverse("whistleblowing:report_new"), {"category": "nada"})
    assert response.status_code == 302 and response.url == reverse("whistleblowing:start")


def test_a_signed_in_session_is_never_linked_to_the_report(client, form):
    category, entity, questions = form
    servant = make_user(Role.SERVANT, entity)
    sign_in(client, servant)
    before = dict(client.session.items())
    receipt_of(submit(client, category, entity, questions))
    assert dict(client.session.items()) == before
    report = Report.objects.get()
    events = AuditEvent.objects.filter(object_id__in=[str(report.pk), str(report.case_id)])
    assert events.count() >= 2
    assert all(e.actor_id is None and e.actor_label == "" for e in events)
    local = [timezone.localtime(e.at) for e in events]  # the day as Mexico City counts it
    assert all(t.hour == 0 and t.minute == 0 for t in local)


def test_the_global_ceiling_refuses_everyone_alike_and_keeps_what_was_typed(client, form, settings):
    settings.WB_CEILINGS_PER_HOUR = {"submit": (2, 2), "receipt": (100, 100)}
    category, entity, questions = form
    receipt_of(submit(client, category, entity, questions))
    receipt_of(submit(Client(REMOTE_ADDR="198.51.100.20"), category, entity, questions))
    third = submit(Client(REMOTE_ADDR="192.0.2.30"), category, entity, questions).content.decode()
    assert "demasiadas solicitudes" in third
    assert "Me pidieron dinero" in third
    assert Case.objects.count() == 2


def test_many_reports_from_one_address_are_not_limited_by_address(client, form):
    category, entity, questions = form
    for _ in range(12):  # more than the old per-address limit of ten an hour
        receipt_of(submit(client, category, entity, questions))
    assert Case.objects.count() == 12


def test_without_javascript_the_form_asks_for_a_short_wait(client, form, settings):
    settings.WB_POW_WAIT_SECONDS = 600
    category, entity, questions = form
    early = submit(client, category, entity, questions)
    assert "espere" in early.content.decode() and not Case.objects.exists()


def test_the_form_carries_its_challenge_and_a_same_origin_script_only(client, form, settings):
    from whistleblowing import gate

    settings.WB_POW_WAIT_SECONDS = 600
    settings.WB_POW_DIFFICULTY = 10
    category, entity, questions = form
    page = client.get(reverse("whistleblowing:report_new"), {"category": category.code})
    html = page.content.decode()
    assert 'data-pow-bits="10"' in html and 'name="proof"' in html
    assert re.findall(r"<script[^>]*>", html) == [
        '<script src="/static/whistleblowing/gate.js" defer>'
    ]
    data = report_data(category, entity, questions)
    data["proof"] = gate.proof_find(data["nonce"], 10)
    receipt_of(client.post(reverse("whistleblowing:report_new"), data))
    assert Case.objects.count() == 1


def test_identity_is_optional_and_sealed_apart(client, form):
    category, entity, questions = form
    receipt_of(
        submit(
            client,
            category,
            entity,
            questions,
            identity_name="Juana Pérez",
            identity_contact="juana@example.org",
        )
    )
    vault = IdentityVault.objects.get()
    assert b"Juana" not in bytes(vault.sealed)
    receipt_of(submit(client, category, entity, questions))
    assert IdentityVault.objects.count() == 1


def test_images_lose_their_metadata_before_sealing(client, form):
    category, entity, questions = form
    receipt = receipt_of(
        submit(client, category, entity, questions, files=[png_file("Autora Secreta")])
    )
    report, key = access.report_for_receipt(receipt)
    from lacs import crypto
    from whistleblowing.sealing import aad

    attachment = Attachment.objects.get()
    data = crypto.open_(key, bytes(attachment.content), aad(report.case, "attachment"))
    assert data.startswith(b"\x89PNG") and b"Autora" not in data


def test_contact_point_registers_a_report_received_by_phone(client, form):
    category, entity, questions = form
    contact = make_user(Role.CONTACT, entity)
    sign_in(client, contact)
    page = client.get(reverse("whistleblowing:staff_report_new"), {"category": category.code})
    assert 'name="staff_channel"' in page.content.decode()
    data = report_data(category, entity, questions, staff_channel="phone")
    response = client.post(reverse("whistleblowing:staff_report_new"), data)
    receipt = receipt_of(response)
    report = Report.objects.get()
    assert report.case.source == CaseSource.STAFF
    assert report.staff_channel == "phone" and report.staff_entered
    assert access.report_for_receipt(receipt)[0] == report
    event = AuditEvent.objects.get(action="whistleblowing.report_submit")
    assert event.actor == contact


def test_staff_form_requires_the_channel(client, form):
    category, entity, questions = form
    sign_in(client, make_user(Role.CONTACT, entity))
    data = report_data(category, entity, questions)
    response = client.post(reverse("whistleblowing:staff_report_new"), data)
    assert "Este campo es requerido." in response.content.decode()
    assert not Case.objects.exists()


def test_inactive_entities_are_not_offered_and_refused(client, form):
    category, entity, questions = form
    Entity.objects.filter(pk=entity.pk).update(active=False)
    response = submit(client, category, entity, questions)
    assert "Elija un ente de la lista." in response.content.decode()
    assert not Case.objects.exists()
    assert new_nonce() != new_nonce()
    assert CLIENT_ADDRESS


def test_pages_and_questionnaire_switch_to_english(client, form):
    category, _entity, questions = form
    questions["text"].label_en = "Who took part?"
    questions["text"].save()
    client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    start = client.get(reverse("whistleblowing:start")).content.decode()
    assert "Before you start" in start and "Bribery" in start
    page = client.get(reverse("whistleblowing:report_new"), {"category": category.code})
    html = page.content.decode()
    assert "Who took part?" in html and "Describe what happened" in html
    assert ">Office<" in html


def test_with_redis_down_a_report_is_still_filed_and_follow_up_says_so(client, form, settings):
    category, entity, questions = form
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": "redis://127.0.0.1:1/0",
        }
    }
    receipt = receipt_of(submit(client, category, entity, questions))
    assert Report.objects.count() == 1
    bad = submit(client, category, entity, questions, description="")
    assert bad.status_code == 200 and "Un inspector" in bad.content.decode()
    assert Report.objects.count() == 1
    from tests.whistleblowing.factories import follow_up

    page = follow_up(Client(), receipt)
    assert page.status_code == 200
    assert "no está disponible en este momento" in page.content.decode()


def test_uploads_never_go_to_a_temporary_file(client, form, settings, monkeypatch):
    from django.core.files import uploadedfile

    def refuse(*args, **kwargs):
        raise AssertionError("an upload was written to a temporary file")

    monkeypatch.setattr(uploadedfile.TemporaryUploadedFile, "__init__", refuse)
    settings.FILE_UPLOAD_MAX_MEMORY_SIZE = 1024
    category, entity, questions = form
    big = text_file("x" * 50_000, name="grande.txt")
    assert receipt_of(submit(client, category, entity, questions, files=[big]))
    assert Attachment.objects.count() == 1


def test_a_huge_upload_is_refused_without_keeping_it(client, form, settings):
    settings.WB_ATTACHMENT_MAX_BYTES = 2048
    category, entity, questions = form
    response = submit(
        client, category, entity, questions, files=[text_file("y" * 200_000, name="enorme.txt")]
    )
    assert "«enorme.txt» pesa más de" in response.content.decode()
    assert not Case.objects.exists()


def test_filing_while_signed_in_does_not_rewrite_the_session_row(client, form):
    """The session row's expiry moving at the filing's instant would date the report."""
    from django.contrib.sessions.models import Session

    category, entity, questions = form
    servant = make_user(Role.SERVANT, entity)
    sign_in(client, servant)
    key = client.session.session_key
    Session.objects.filter(session_key=key).update(expire_date=timezone.now())
    before = Session.objects.values_list("session_data", "expire_date").get(session_key=key)
    client.get(reverse("whistleblowing:start"))
    client.get(reverse("whistleblowing:report_new"), {"category": category.code})
    receipt_of(submit(client, category, entity, questions))
    after = Session.objects.values_list("session_data", "expire_date").get(session_key=key)
    assert after == before


@pytest.mark.parametrize("path", ["/report/", "/report/new/", "/report/followup/case/"])
def test_an_intake_path_that_touches_the_session_still_saves_nothing(rf, client, form, path):
    from django.contrib.sessions.models import Session
    from django.http import HttpResponse

    from lacs.middleware import IntakeSessionMiddleware

    servant = make_user(Role.SERVANT, form[1])
    sign_in(client, servant)
    key = client.session.session_key
    before = Session.objects.values_list("session_data", "expire_date").get(session_key=key)
    request = rf.post(path)
    request.COOKIES[settings.SESSION_COOKIE_NAME] = key

    def view(request):
        request.session["touched"] = True  # a template or view that forgot the rule
        return HttpResponse()

    response = IntakeSessionMiddleware(view)(request)
    assert Session.objects.values_list("session_data", "expire_date").get(session_key=key) == before
    assert settings.SESSION_COOKIE_NAME not in response.cookies


def test_expired_sessions_are_cleared_by_beat(client, entity):
    from django.contrib.sessions.models import Session

    from lacs.tasks import BEAT_SCHEDULE, sessions_clear_task

    assert any(job["task"] == "lacs.sessions_clear" for job in BEAT_SCHEDULE.values())
    sign_in(client, make_user(Role.SERVANT, entity))
    Session.objects.update(expire_date=timezone.now() - timezone.timedelta(days=1))
    sessions_clear_task()
    assert not Session.objects.exists()
