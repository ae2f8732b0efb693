"""The whistleblowing part of the case page, rendered for the cases app.

``case_panel(request, case, data_key)`` returns HTML: the report's answers and description,
attachments with download links, the message thread with a form to answer, protection requests
with a form to decide them, and whether an identity exists with the request-to-read flow. Its
forms post to this app's own /report/handle/... pages, which authorise through cases.access.
"""

from __future__ import annotations

from django.template.loader import render_to_string

from cases.access import user_may_work
from lacs.keys import session_private_key
from whistleblowing.access import decision_notes_for, identity_key_for_reader
from whistleblowing.forms import HandlerMessageForm, IdentityRequestForm, ProtectionDecisionForm
from whistleblowing.models import IdentityRequest, IdentityVault, Report
from whistleblowing.sealing import open_json, open_text


def thread_context(case, data_key: bytes) -> dict:
    """Messages, attachments and protection requests of ``case``, opened with its data key."""
    thread = [
        {"message": m, "body": open_text(data_key, m.body, case, "message")}
        for m in case.wb_messages.all()
    ]
    attachments = [
        {"attachment": a, "meta": open_json(data_key, a.meta, case, "attachment-meta")}
        for a in case.wb_attachments.all()
    ]
    protections = []
    for p in case.protection_requests.all():
        measures = open_text(data_key, p.measures, case, "measures") if p.measures else ""
        protections.append(
            {
                "request": p,
                "details": open_json(data_key, p.details, case, "protection"),
                "measures": measures,
            }
        )
    return {"thread": thread, "attachments": attachments, "protections": protections}


def case_panel(request, case, data_key: bytes) -> str:
    """HTML of the report's contents and follow-up, for the case page."""
    report = Report.objects.filter(case=case).first()
    if report is None:
        return ""
    identity = IdentityVault.objects.filter(report=report).first()
    context = {
        "case": case,
        "report": report,
        "may_work": user_may_work(request.user, case),
        "description": open_text(data_key, report.description, case, "description"),
        "answers": open_json(data_key, report.answers, case, "answers"),
        "message_form": HandlerMessageForm(),
        "identity": identity,
        "identity_requests": _own_requests(request, identity),
        "identity_readable": identity is not None and _readable(request, case),
        "identity_form": IdentityRequestForm(),
        "next": request.get_full_path(),
        **thread_context(case, data_key),
    }
    for row in context["protections"]:
        row["form"] = ProtectionDecisionForm(
            initial={"status": row["request"].status, "measures": row["measures"]},
            prefix=f"p{row['request'].pk}",
        )
    return render_to_string("whistleblowing/panel.html", context, request=request)


def _own_requests(request, identity) -> list[dict]:
    """The signed-in handler's requests for this identity, with the custodians' notes opened."""
    if identity is None:
        return []
    private_key = session_private_key(request)
    return [
        {"request": item, "notes": decision_notes_for(item, request.user, private_key)}
        for item in IdentityRequest.objects.filter(vault=identity, requested_by=request.user)
    ]


def _readable(request, case) -> bool:
    private_key = session_private_key(request)
    return (
        identity_key_for_reader(case=case, user=request.user, private_key=private_key) is not None
    )
