"""Coming back with the receipt: status, messages both ways, files, protection requests."""

import re

import pytest
from django.core.cache import cache
from django.test import Client, RequestFactory
from django.urls import reverse

from cases.actions import case_route
from cases.models import Case, CaseStatus
from lacs import keys
from lacs.models import Role
from tests.conftest import make_user, sign_in
from tests.factories import PASSWORD
from tests.whistleblowing.factories import (
    CLIENT_ADDRESS,
    follow_up,
    questionnaire,
    receipt_of,
    submit,
    text_file,
)
from whistleblowing import receipts
from whistleblowing.ephemeral import FOLLOWUP_COOKIE
from whistleblowing.forms import new_nonce
from whistleblowing.models import Attachment, Message, ProtectionRequest, ProtectionStatus
from whistleblowing.panels import case_panel

pytestmark = pytest.mark.django_db


@pytest.fixture
def filed(client, entity):
    """A routed report: (receipt, case, contact point)."""
    contact = make_user(Role.CONTACT, entity)
    category, questions = questionnaire()
    receipt = receipt_of(submit(client, category, entity, questions))
    case = Case.objects.get()
    assert case_route(case_id=case.pk) is True
    return receipt, case, contact


def handler_client(user) -> Client:
    handler = Client()
    sign_in(handler, user)
    return handler


def panel_html(handler: Client, user, case) -> str:
    request = RequestFactory().get(f"/cases/{case.pk}/")
    request.user = user
    request.session = handler.session
    request.COOKIES[keys.COOKIE_NAME] = handler.cookies[keys.COOKIE_NAME].value
    from cases.access import case_data_key

    data_key = case_data_key(case=case, user=user, private_key=keys.session_private_key(request))
    return case_panel(request, case, data_key)


def test_receipt_opens_the_follow_up_page_with_status_and_report(filed):
    receipt, case, _contact = filed
    wb = Client()
    response = follow_up(wb, receipt)
    assert response.status_code == 302
    cookie = response.cookies[FOLLOWUP_COOKIE]
    assert cookie["httponly"] and cookie["path"] == "/report/" and cookie["samesite"] == "Strict"
    page = wb.get(response.url).content.decode()
    assert "Recibimos su denuncia" in page
    assert "Me pidieron dinero" in page
    assert case.number in page
    assert "<script" not in page
    assert "_auth_user_id" not in wb.session and not wb.session.keys()


def test_receipt_is_accepted_without_accents_in_capitals_or_by_prefixes(filed):
    receipt, _case, _contact = filed
    plain = receipts._plain(receipt).upper().replace(" ", " - ")
    assert follow_up(Client(), plain).status_code == 302
    prefixes = " ".join(w[:4] for w in receipts._plain(receipt).split())
    assert follow_up(Client(), prefixes).status_code == 302


def test_a_wrong_receipt_answers_exactly_like_a_missing_one(filed):
    receipt, _case, _contact = filed
    words = receipt.split()
    other = next(w for w in receipts.wordlist() if w != words[-1])
    near = follow_up(Client(), " ".join([*words[:-1], other]))
    missing = follow_up(Client(), " ".join(receipts.wordlist()[:8]))
    assert near.status_code == missing.status_code == 200

    def body(response):
        text = re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "", response.content.decode())
        return re.sub(r'name="nonce" value="[^"]+"', "", text)  # a fresh challenge each time

    assert body(near).replace(" ".join([*words[:-1], other]), "X") == body(missing).replace(
        " ".join(receipts.wordlist()[:8]), "X"
    )
    assert "No encontramos una denuncia con ese comprobante." in body(near)


def test_a_malformed_receipt_gets_a_clear_message_and_costs_no_guess(filed, settings):
    receipt, _case, _contact = filed
    response = follow_up(Client(), "hola mundo")
    assert "Un comprobante tiene ocho palabras" in response.content.decode()
    assert follow_up(Client(), receipt).status_code == 302


def test_wrong_receipts_from_one_address_lock_nobody_out(filed):
    """Behind the proxy or Tor every client shares an address: guesses cost, but lock nothing."""
    receipt, _case, _contact = filed
    guess = " ".join(receipts.wordlist()[:8])
    for _ in range(25):
        assert follow_up(Client(), guess).status_code == 200
    assert follow_up(Client(), receipt).status_code == 302
    raw = cache._cache.get_client()
    stored = b" ".join(raw.keys("*"))
    assert CLIENT_ADDRESS.encode() not in stored and b"client-salt" not in stored


def test_each_receipt_attempt_spends_its_challenge_once(filed):
    receipt, _case, _contact = filed
    nonce = new_nonce()
    url = reverse("whistleblowing:followup")
    guess = " ".join(receipts.wordlist()[:8])
    assert Client().post(url, {"receipt": guess, "nonce": nonce}).status_code == 200
    replay = Client().post(url, {"receipt": receipt, "nonce": nonce})
    assert replay.status_code == 200 and "caducó" in replay.content.decode()


def test_without_javascript_the_receipt_page_asks_for_a_short_wait(filed, settings):
    settings.WB_POW_WAIT_SECONDS = 600
    receipt, _case, _contact = filed
    page = Client().get(reverse("whistleblowing:followup")).content.decode()
    nonce = re.search(r'name="nonce" value="([^"]+)"', page).group(1)
    assert 'src="/static/whistleblowing/gate.js"' in page
    early = Client().post(reverse("whistleblowing:followup"), {"receipt": receipt, "nonce": nonce})
    assert early.status_code == 200 and "espere" in early.content.decode()
    # The page keeps the same challenge, so the wait already spent still counts.
    assert f'value="{nonce}"' in early.content.decode()


def test_a_proof_of_work_opens_the_report_at_once(filed, settings):
    from whistleblowing import gate

    settings.WB_POW_WAIT_SECONDS = 600
    settings.WB_POW_DIFFICULTY = 10
    receipt, _case, _contact = filed
    nonce = new_nonce()
    data = {"receipt": receipt, "nonce": nonce, "proof": gate.proof_find(nonce, 10)}
    assert Client().post(reverse("whistleblowing:followup"), data).status_code == 302


def test_follow_up_without_a_live_token_asks_for_the_receipt(filed):
    wb = Client()
    response = wb.get(reverse("whistleblowing:followup_case"))
    assert response.status_code == 302 and response.url == reverse("whistleblowing:followup")
    wb.cookies[FOLLOWUP_COOKIE] = "forjado"
    assert wb.get(reverse("whistleblowing:followup_case")).status_code == 302


def test_leaving_the_follow_up_ends_the_token(filed):
    receipt, _case, _contact = filed
    wb = Client()
    follow_up(wb, receipt)
    token = wb.cookies[FOLLOWUP_COOKIE].value
    wb.post(reverse("whistleblowing:followup_exit"))
    stale = Client()
    stale.cookies[FOLLOWUP_COOKIE] = token
    assert stale.get(reverse("whistleblowing:followup_case")).status_code == 302


def test_messages_go_both_ways(filed):
    receipt, case, contact = filed
    wb = Client()
    follow_up(wb, receipt)
    sent = wb.post(
        reverse("whistleblowing:followup_message"),
        {"body": "Tengo más datos del inspector.", "files": [text_file("recibo 123")]},
    )
    assert sent.status_code == 302
    assert Message.objects.get().origin == "whistleblower"
    assert Attachment.objects.filter(case=case).count() == 1

    handler = handler_client(contact)
    html = panel_html(handler, contact, case)
    assert "Tengo más datos del inspector." in html
    assert "notas.txt" in html
    answered = handler.post(
        reverse("whistleblowing:handle_message", args=[case.pk]),
        {"body": "Gracias. ¿Recuerda la fecha exacta?", "next": "/cases/"},
    )
    assert answered.status_code == 302 and answered.url == "/cases/"
    page = wb.get(reverse("whistleblowing:followup_case")).content.decode()
    assert "¿Recuerda la fecha exacta?" in page
    attachment = Attachment.objects.get()
    download = handler.get(
        reverse("whistleblowing:handle_attachment", args=[case.pk, attachment.pk])
    )
    assert download.status_code == 200 and download.content == b"recibo 123"
    assert download["Content-Disposition"].startswith("attachment;")


def test_a_refused_file_keeps_the_text_and_the_accepted_files(filed):
    from django.core.files.uploadedfile import SimpleUploadedFile

    receipt, case, _contact = filed
    wb = Client()
    follow_up(wb, receipt)
    bad = wb.post(
        reverse("whistleblowing:followup_message"),
        {
            "body": "Adjunto pruebas",
            "files": [
                text_file("x", name="evidencia.txt"),
                SimpleUploadedFile("malo.bin", b"\x00\x01\x02"),
            ],
        },
    )
    html = bad.content.decode()
    assert bad.status_code == 200
    assert "«malo.bin» no es de un tipo permitido" in html
    assert "evidencia.txt" in html and "Adjunto pruebas" in html
    assert not Attachment.objects.filter(case=case).exists()
    token = re.search(r'name="uploads" value="([^"]+)"', html).group(1)
    wb.post(reverse("whistleblowing:followup_message"), {"body": "", "uploads": token})
    assert Attachment.objects.filter(case=case).count() == 1
    empty = wb.post(reverse("whistleblowing:followup_message"), {"body": ""})
    assert "Escriba un mensaje o adjunte un archivo." in empty.content.decode()


def test_protection_request_is_tracked_on_its_own_also_after_closure(filed):
    receipt, case, contact = filed
    wb = Client()
    follow_up(wb, receipt)
    url = reverse("whistleblowing:followup_protection")
    incomplete = wb.post(url, {"what": "Me cambiaron de área", "when": "", "who": ""})
    assert "Este campo es requerido." in incomplete.content.decode()
    assert "Me cambiaron de área" in incomplete.content.decode()
    assert not ProtectionRequest.objects.exists()

    Case.objects.filter(pk=case.pk).update(status=CaseStatus.CLOSED)
    filed_ok = wb.post(
        url, {"what": "Me cambiaron de área", "when": "La semana pasada", "who": "Mi jefe"}
    )
    assert filed_ok.status_code == 302
    request = ProtectionRequest.objects.get()
    assert request.status == ProtectionStatus.FILED
    page = wb.get(reverse("whistleblowing:followup_case")).content.decode()
    assert "El caso se cerró." in page and "Recibida" in page

    handler = handler_client(contact)
    assert "Me cambiaron de área" in panel_html(handler, contact, case)
    handler.post(
        reverse("whistleblowing:handle_protection", args=[case.pk, request.pk]),
        {
            f"p{request.pk}-status": "granted",
            f"p{request.pk}-measures": "Se ordenó su reinstalación.",
        },
    )
    request.refresh_from_db()
    assert request.status == ProtectionStatus.GRANTED and request.decided_on
    page = wb.get(reverse("whistleblowing:followup_case")).content.decode()
    assert "Medidas otorgadas" in page and "Se ordenó su reinstalación." in page


def test_a_contact_point_of_another_entity_cannot_answer_or_download(filed, other_entity):
    _receipt, case, _contact = filed
    outsider = make_user(Role.CONTACT, other_entity)
    handler = handler_client(outsider)
    response = handler.post(
        reverse("whistleblowing:handle_message", args=[case.pk]), {"body": "Hola"}
    )
    assert response.status_code == 404
    assert not Message.objects.exists()


def test_the_case_page_shows_the_report_panel_to_its_handler(filed):
    receipt, case, contact = filed
    wb = Client()
    follow_up(wb, receipt)
    wb.post(reverse("whistleblowing:followup_message"), {"body": "Dato adicional"})
    handler = handler_client(contact)
    page = handler.get(reverse("cases:detail", args=[case.pk])).content.decode()
    assert "Me pidieron dinero" in page and "Dato adicional" in page
    assert reverse("whistleblowing:handle_message", args=[case.pk]) in page
    answered = handler.post(
        reverse("whistleblowing:handle_message", args=[case.pk]), {"body": "Recibido"}
    )
    assert answered.url == f"/cases/{case.pk}/"


def test_a_handler_message_counts_as_feedback_only_when_marked_and_closure_is_explained(filed):
    receipt, case, contact = filed
    handler = handler_client(contact)
    url = reverse("whistleblowing:handle_message", args=[case.pk])
    handler.post(url, {"body": "¿Puede precisar la fecha?"})
    case.refresh_from_db()
    assert case.feedback_given_on is None  # a question is not feedback
    handler.post(url, {"body": "Seguimos revisando.", "feedback": "on"})
    case.refresh_from_db()
    assert case.feedback_given_on is not None
    from cases.access import case_data_key

    data_key = case_data_key(
        case=case, user=contact, private_key=keys.user_private_key(user=contact, password=PASSWORD)
    )
    Case.objects.filter(pk=case.pk).update(
        status=CaseStatus.CLOSED,
        outcome="insufficient",
        closure_reason_sealed=case.closure_reason_seal(data_key, "No hubo más datos."),
    )
    wb = Client()
    follow_up(wb, receipt)
    status = re.search(
        r'<p id="status">(.*?)</p>',
        wb.get(reverse("whistleblowing:followup_case")).content.decode(),
        re.S,
    )
    assert "El caso se cerró." in status.group(1)
    assert "Información insuficiente" in status.group(1) and "No hubo más datos" in status.group(1)


def test_each_receipt_opens_only_its_own_report(filed, entity):
    receipt, case, _contact = filed
    category = case.category
    from whistleblowing.models import Question

    questions = {
        "text": Question.objects.get(label="¿Quién participó?"),
        "choice": Question.objects.get(label="¿Dónde ocurrió?"),
        "date": Question.objects.get(label="¿Cuándo?"),
        "amount": Question.objects.get(label="¿Cuánto dinero?"),
        "yes_no": Question.objects.get(label="¿Hubo testigos?"),
    }
    other = receipt_of(
        submit(Client(), category, entity, questions, description="Otra denuncia distinta")
    )
    mine, theirs = Client(), Client()
    follow_up(mine, receipt)
    follow_up(theirs, other)
    mine.post(reverse("whistleblowing:followup_message"), {"body": "Sólo mío"})
    page = theirs.get(reverse("whistleblowing:followup_case")).content.decode()
    assert "Otra denuncia distinta" in page
    assert "Sólo mío" not in page and "Me pidieron dinero" not in page and case.number not in page


def test_whistleblower_downloads_only_files_of_their_own_case(filed, entity):
    receipt, case, _contact = filed
    wb = Client()
    follow_up(wb, receipt)
    wb.post(reverse("whistleblowing:followup_message"), {"files": [text_file("mío")]})
    attachment = Attachment.objects.get(case=case)
    page = wb.get(reverse("whistleblowing:followup_case")).content.decode()
    url = reverse("whistleblowing:followup_attachment", args=[attachment.pk])
    assert url in page
    download = wb.get(url)
    assert download.status_code == 200 and download.content == "mío".encode()
    stranger = Client()
    assert stranger.get(url).status_code == 302
    assert (
        wb.get(
            reverse("whistleblowing:followup_attachment", args=[attachment.pk + 999])
        ).status_code
        == 404
    )


def test_an_anonymous_journey_creates_no_session_row(entity):
    from django.contrib.sessions.models import Session

    category, questions = questionnaire()
    wb = Client()
    receipt = receipt_of(submit(wb, category, entity, questions))
    follow_up(wb, receipt)
    wb.post(reverse("whistleblowing:followup_message"), {"body": "Hola"})
    wb.get(reverse("whistleblowing:followup_case"))
    assert not Session.objects.exists()
    assert set(wb.cookies) <= {"csrftoken", FOLLOWUP_COOKIE, "messages"}
