"""The anonymous report API: same rules as the pages, machine-readable errors."""

import base64

import pytest
from django.test import Client
from django.urls import reverse

from cases.models import Case, CaseStatus
from lacs.models import Role
from tests.conftest import make_user, sign_in
from tests.whistleblowing.factories import CLIENT_ADDRESS, questionnaire
from whistleblowing.models import Attachment, Message, ProtectionRequest, Report

pytestmark = pytest.mark.django_db


@pytest.fixture
def api():
    return Client(REMOTE_ADDR=CLIENT_ADDRESS)


@pytest.fixture
def body(entity):
    category, q = questionnaire()
    return {
        "entity": entity.pk,
        "category": category.code,
        "answers": {str(q["choice"].pk): "Oficina", str(q["yes_no"].pk): "no"},
        "description": "Cobro indebido en ventanilla.",
        "files": [{"name": "nota.txt", "content_base64": base64.b64encode(b"nota").decode()}],
    }, q


def challenge(client) -> str:
    return client.get(reverse("api-report-challenge")).json()["challenge"]


def post(client, name, data):
    """Post as an API client does: with a fresh challenge (tests wait no time, ``gate``)."""
    if isinstance(data, dict) and "challenge" not in data:
        data = {**data, "challenge": challenge(client)}
    return client.post(reverse(name), data, content_type="application/json")


def test_submit_returns_a_receipt_and_follow_up_reads_the_report(api, body):
    data, _q = body
    created = post(api, "api-report-submit", data)
    assert created.status_code == 201, created.json()
    receipt = created.json()["receipt"]
    assert len(receipt.split()) == 8
    assert Case.objects.get().number == created.json()["case_number"]
    assert Attachment.objects.count() == 1
    read = post(api, "api-report-followup", {"receipt": receipt})
    assert read.status_code == 200
    out = read.json()
    assert out["status"] == CaseStatus.RECEIVED and "Recibimos" in out["status_text"]
    assert out["description"] == "Cobro indebido en ventanilla."
    assert out["attachments"] == ["nota.txt"]
    assert {a["label"]: a["value"] for a in out["answers"]}["¿Dónde ocurrió?"] == "Oficina"


def test_messages_and_protection_through_the_api(api, body):
    data, _q = body
    receipt = post(api, "api-report-submit", data).json()["receipt"]
    assert (
        post(
            api, "api-report-followup-message", {"receipt": receipt, "body": "Más datos"}
        ).status_code
        == 201
    )
    made = post(
        api,
        "api-report-followup-protection",
        {"receipt": receipt, "what": "Me amenazaron", "when": "Ayer", "who": "Un jefe"},
    )
    assert made.status_code == 201
    assert Message.objects.count() == 1 and ProtectionRequest.objects.count() == 1
    out = post(api, "api-report-followup", {"receipt": receipt}).json()
    assert out["messages"][0]["body"] == "Más datos"
    assert out["protection_requests"][0]["status"] == "filed"


def test_bad_input_gets_machine_readable_errors_and_saves_nothing(api, body):
    data, q = body
    data = {**data, "answers": {str(q["choice"].pk): ""}, "description": ""}
    response = post(api, "api-report-submit", data)
    assert response.status_code == 400
    assert response.json()["code"] == "invalid" and "description" in response.json()["fields"]
    missing = post(api, "api-report-submit", {**body[0], "answers": {}})
    assert missing.status_code == 400 and f"q_{q['choice'].pk}" in missing.json()["fields"]
    bad_file = {
        **body[0],
        "files": [{"name": "x.exe", "content_base64": base64.b64encode(b"\x00\x01").decode()}],
    }
    assert post(api, "api-report-submit", bad_file).status_code == 400
    assert post(api, "api-report-submit", {"entity": "uno"}).status_code == 400
    assert not Case.objects.exists() and not Report.objects.exists()


def test_wrong_receipts_from_one_address_lock_nobody_out(api, body, settings):
    """Behind a proxy or Tor every client shares an address: guesses must not lock it."""
    receipt = post(api, "api-report-submit", body[0]).json()["receipt"]
    wrong = "ábaco " * 8
    for _ in range(30):
        first = post(api, "api-report-followup", {"receipt": wrong})
        assert first.status_code == 404 and first.json()["code"] == "not_found"
    assert post(api, "api-report-followup", {"receipt": receipt}).status_code == 200


def test_each_request_spends_its_challenge_once(api, body):
    spent = challenge(api)
    assert post(api, "api-report-submit", {**body[0], "challenge": spent}).status_code == 201
    again = post(api, "api-report-submit", {**body[0], "challenge": spent})
    assert again.status_code == 400 and again.json()["code"] == "expired"
    forged = post(api, "api-report-submit", {**body[0], "challenge": spent + "x"})
    assert forged.status_code == 400
    assert Case.objects.count() == 1


def test_a_proof_of_work_admits_at_once_and_a_wrong_one_is_refused(api, body, settings):
    from whistleblowing import gate

    settings.WB_POW_DIFFICULTY = 10
    settings.WB_POW_WAIT_SECONDS = 600  # without a proof, one would wait ten minutes
    given = api.get(reverse("api-report-challenge")).json()
    assert given["difficulty"] == 10 and given["wait_seconds"] == 600
    early = post(api, "api-report-submit", {**body[0], "challenge": given["challenge"]})
    assert early.status_code == 429 and early.json()["code"] == "too_soon"
    assert 0 < int(early["Retry-After"]) <= 600
    bad = post(api, "api-report-submit", {**body[0], "challenge": challenge(api), "proof": "x"})
    assert bad.status_code == 400 and bad.json()["code"] == "bad_proof"
    fresh = challenge(api)
    proof = gate.proof_find(fresh, 10)
    ok = post(api, "api-report-submit", {**body[0], "challenge": fresh, "proof": proof})
    assert ok.status_code == 201
    assert Case.objects.count() == 1


def test_the_global_ceiling_holds_for_every_client_alike(body, settings):
    settings.WB_CEILINGS_PER_HOUR = {"submit": (2, 2), "receipt": (100, 100)}
    first, second = Client(REMOTE_ADDR="203.0.113.1"), Client(REMOTE_ADDR="198.51.100.2")
    assert post(first, "api-report-submit", body[0]).status_code == 201
    assert post(second, "api-report-submit", body[0]).status_code == 201
    refused = post(Client(REMOTE_ADDR="192.0.2.3"), "api-report-submit", body[0])
    assert refused.status_code == 429 and refused.json()["code"] == "busy"
    assert Case.objects.count() == 2


def test_redis_holds_nothing_derived_from_an_address(api, body):
    from django.core.cache import cache

    receipt = post(api, "api-report-submit", body[0]).json()["receipt"]
    post(api, "api-report-followup", {"receipt": "ábaco " * 8})
    post(api, "api-report-followup", {"receipt": receipt})
    raw = cache._cache.get_client()
    keys = b" ".join(raw.keys("*"))
    assert CLIENT_ADDRESS.encode() not in keys
    assert b"client-salt" not in keys
    assert all(k.endswith(b"throttle_anon_everyone") for k in keys.split() if b"throttle" in k)
    values = b" ".join(raw.get(k) or b"" for k in raw.keys("*") if raw.type(k) == b"string")
    assert CLIENT_ADDRESS.encode() not in values


def test_a_signed_in_session_is_ignored_by_the_api(client, body, entity):
    sign_in(client, make_user(Role.SERVANT, entity))
    before = dict(client.session.items())
    response = post(client, "api-report-submit", body[0])
    assert response.status_code == 201
    assert dict(client.session.items()) == before


def test_text_that_cannot_be_encoded_is_refused_not_crashed(api, body):
    entity, category = body[0]["entity"], body[0]["category"]
    raw = f'{{"entity": {entity}, "category": "{category}", "description": "roto \\ud800"}}'
    response = api.post(reverse("api-report-submit"), raw, content_type="application/json")
    assert response.status_code == 400
    assert response.json()["code"] == "parse_error"
    huge = post(api, "api-report-submit", {**body[0], "entity": 10**30})
    assert huge.status_code == 400
