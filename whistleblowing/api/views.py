"""The anonymous report API: submit a report, follow it up with the receipt.

Same rules as the pages: no authentication and no session (a signed-in browser is not linked
to a report), nothing identifying stored or logged, and a wrong receipt answers exactly like a
missing one. The receipt travels in each request body. Each request spends a one-time challenge
with a proof of work (or after a short wait), under a global hourly ceiling (``gate``): no limit
looks at the client's address.
"""

from __future__ import annotations

from django.http import Http404
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from cases import access as case_access
from lacs.api.errors import error_response
from lacs.api.permissions import scoped
from lacs.keys import session_private_key
from lacs.models import Category
from whistleblowing import access, actions, ephemeral, gate
from whistleblowing.api import serializers as s
from whistleblowing.files import CleanFile, FileRejected, clean_file
from whistleblowing.forms import NONCE_MAX_AGE, ReportForm, gate_message, new_nonce
from whistleblowing.models import Question
from whistleblowing.panels import thread_context
from whistleblowing.sealing import open_json, open_text
from whistleblowing.status import closure_reason, status_words


def _error(code: str, message: str, http: int, fields: dict | None = None) -> Response:
    body = {"code": code, "message": message}
    if fields:
        body["fields"] = fields
    return Response(body, status=http)


def _invalid(fields) -> Response:
    return _error("invalid", _("Revise los datos enviados."), status.HTTP_400_BAD_REQUEST, fields)


def _files(items: list[dict]) -> tuple[list[CleanFile], list[str]]:
    accepted, errors = [], []
    for item in items:
        try:
            accepted.append(clean_file(item["name"], item["content_base64"]))
        except FileRejected as exc:
            errors.append(str(exc))
    return accepted, errors


class AnonymousAPIView(APIView):
    authentication_classes: list = []
    permission_classes = [AllowAny]


class ReportSubmitView(AnonymousAPIView):
    @extend_schema(
        request=s.ReportSubmitInput,
        responses={201: s.ReportSubmitOutput, 400: s.ErrorOutput, 429: s.ErrorOutput},
    )
    def post(self, request: Request) -> Response:
        given = s.ReportSubmitInput(data=request.data)
        if not given.is_valid():
            return _invalid(given.errors)
        data = given.validated_data
        category = Category.objects.filter(active=True, code=data["category"]).first()
        if category is None:
            return _invalid({"category": [_("Elija una categoría de la lista.")]})
        refused = _gate(data, "submit")
        if refused is not None:
            return refused
        files, file_errors = _files(data.get("files", []))
        form = _report_form(data, category)
        if not form.is_valid() or file_errors:
            fields = {k: [str(e) for e in v] for k, v in form.errors.items()}
            if file_errors:
                fields["files"] = file_errors
            return _invalid(fields)
        identity = {k: v for k, v in (data.get("identity") or {}).items() if v.strip()}
        report, receipt = actions.report_submit(
            entity=form.cleaned_data["entity"],
            category=category,
            answers=form.cleaned_data["answers"],
            description=form.cleaned_data["description"],
            files=files,
            identity=identity or None,
            contact_point_implicated=data["contact_point_implicated"],
            head_implicated=data["head_implicated"],
        )
        out = {
            "receipt": receipt,
            "case_number": report.case.number,
            "received_on": report.case.received_on,
        }
        return Response(s.ReportSubmitOutput(out).data, status=status.HTTP_201_CREATED)


def _report_form(data: dict, category: Category) -> ReportForm:
    """The page's form does the questionnaire's validation, so both doors apply one rule."""
    questions = list(
        Question.objects.filter(questionnaire__category=category).select_related(
            "condition_question"
        )
    )
    values = {
        "nonce": new_nonce(),
        "entity": str(data["entity"]),
        "description": data["description"],
    }
    for key, value in (data.get("answers") or {}).items():
        values[f"q_{key}"] = value
    return ReportForm(values, questions=questions)


class ChallengeView(AnonymousAPIView):
    """A one-time challenge for the next anonymous request (``whistleblowing.gate``)."""

    @extend_schema(responses={200: s.ChallengeOutput})
    def get(self, request: Request) -> Response:
        out = {
            "challenge": new_nonce(),
            "algorithm": "sha256(challenge + ':' + proof) begins with `difficulty` zero bits",
            "difficulty": gate.difficulty(),
            "wait_seconds": gate.wait_seconds(),
        }
        return Response(s.ChallengeOutput(out).data, headers={"Cache-Control": "no-store"})


def _gate(data: dict, scope: str) -> Response | None:
    """None when the challenge is paid for and unused; else the error response (429 or 400)."""
    refusal = gate.admit(
        scope, challenge=data["challenge"], proof=data.get("proof") or "", max_age=NONCE_MAX_AGE
    )
    if refusal is None and not ephemeral.post_claim(data["challenge"]):
        refusal = gate.Refusal("expired")
    if refusal is None:
        return None
    http = 429 if refusal.code in ("too_soon", "busy") else 400
    response = _error(refusal.code, gate_message(refusal), http)
    if refusal.wait:
        response["Retry-After"] = str(refusal.wait)
    return response


def _receipt_check(data: dict):
    """(report, data key), or an error response; each check pays at the gate, none locks out."""
    refused = _gate(data, "receipt")
    if refused is not None:
        return refused
    found = access.report_for_receipt(data["receipt"])
    if found is None:
        return _error("not_found", _("No encontramos una denuncia con ese comprobante."), 404)
    return found


class FollowupView(AnonymousAPIView):
    @extend_schema(
        request=s.ReceiptInput,
        responses={200: s.FollowupOutput, 404: s.ErrorOutput, 429: s.ErrorOutput},
    )
    def post(self, request: Request) -> Response:
        given = s.ReceiptInput(data=request.data)
        if not given.is_valid():
            return _invalid(given.errors)
        found = _receipt_check(given.validated_data)
        if isinstance(found, Response):
            return found
        report, data_key = found
        return Response(s.FollowupOutput(_followup(report, data_key)).data)


def _followup(report, data_key: bytes) -> dict:
    case = report.case
    thread = thread_context(case, data_key)
    return {
        "case_number": case.number,
        "received_on": case.received_on,
        "status": case.status,
        "status_text": status_words(case),
        "closure_reason": closure_reason(case, data_key),
        "description": open_text(data_key, report.description, case, "description"),
        "answers": open_json(data_key, report.answers, case, "answers"),
        "attachments": [row["meta"]["name"] for row in thread["attachments"]],
        "messages": [
            {"origin": r["message"].origin, "sent_on": r["message"].sent_on, "body": r["body"]}
            for r in thread["thread"]
        ],
        "protection_requests": [
            {
                "filed_on": r["request"].filed_on,
                "status": r["request"].status,
                "status_text": r["request"].get_status_display(),
                "decided_on": r["request"].decided_on,
                "measures": r["measures"],
            }
            for r in thread["protections"]
        ],
        "identity_read_approved_on": access.identity_approvals(report),
    }


class FollowupMessageView(AnonymousAPIView):
    @extend_schema(
        request=s.MessageInput,
        responses={201: None, 400: s.ErrorOutput, 404: s.ErrorOutput, 429: s.ErrorOutput},
    )
    def post(self, request: Request) -> Response:
        given = s.MessageInput(data=request.data)
        if not given.is_valid():
            return _invalid(given.errors)
        data = given.validated_data
        files, file_errors = _files(data.get("files", []))
        if file_errors:
            return _invalid({"files": file_errors})
        if not data.get("body") and not files:
            return _invalid({"body": [_("Escriba un mensaje o adjunte un archivo.")]})
        found = _receipt_check(data)
        if isinstance(found, Response):
            return found
        report, data_key = found
        actions.message_from_whistleblower(
            case=report.case, data_key=data_key, body=data.get("body", ""), files=files
        )
        return Response(status=status.HTTP_201_CREATED)


class FollowupProtectionView(AnonymousAPIView):
    @extend_schema(
        request=s.ProtectionInput,
        responses={201: None, 400: s.ErrorOutput, 404: s.ErrorOutput, 429: s.ErrorOutput},
    )
    def post(self, request: Request) -> Response:
        given = s.ProtectionInput(data=request.data)
        if not given.is_valid():
            return _invalid(given.errors)
        data = given.validated_data
        found = _receipt_check(data)
        if isinstance(found, Response):
            return found
        report, data_key = found
        actions.protection_request_file(
            case=report.case,
            data_key=data_key,
            what=data["what"],
            when=data["when"],
            who=data["who"],
        )
        return Response(status=status.HTTP_201_CREATED)


class HandlerProtectionDecideView(APIView):
    """A handler answers a protection request (the first answer stops its deadline's clock)."""

    permission_classes = [scoped("cases", *case_access.INBOX_ROLES)]

    @extend_schema(
        request=s.ProtectionDecideIn,
        responses={200: s.ProtectionOut, 400: s.ErrorOutput, 409: s.ErrorOutput},
    )
    def post(self, request: Request, case_pk: int, pk: int) -> Response:
        data_in = s.ProtectionDecideIn(data=request.data)  # bad input is a 400 for anyone
        data_in.is_valid(raise_exception=True)
        case = case_access.case_for_user(request.user, case_pk, perm="work_case")
        protection = access.protection_request_for_case(case, pk)
        try:
            data_key = case_access.case_data_key(
                case=case, user=request.user, private_key=session_private_key(request._request)
            )
        except Http404:
            return error_response(
                "keys_locked",
                "Case keys are not unlocked in this session: sign in with your password again.",
                status.HTTP_409_CONFLICT,
            )
        decided = actions.protection_request_decide(
            request=protection, data_key=data_key, actor=request.user, **data_in.validated_data
        )
        return Response(s.ProtectionOut(decided).data)
