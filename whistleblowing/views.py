"""Pages of the whistleblowing app.

Intake and follow-up pages never read ``request.user`` nor write ``request.session``: a signed-in
person who files a report is treated exactly like an anonymous one. They log nothing.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from lacs import crypto
from lacs.access import recent_auth_required
from lacs.keys import session_private_key
from lacs.models import Category
from whistleblowing import access, actions, ephemeral, gate
from whistleblowing.files import CLEANED_FORMATS, KEPT_FORMATS, max_bytes, max_count
from whistleblowing.forms import (
    NONCE_MAX_AGE,
    FollowupMessageForm,
    HandlerMessageForm,
    IdentityDecisionForm,
    IdentityRequestForm,
    ProtectionDecisionForm,
    ProtectionForm,
    ReceiptForm,
    ReportForm,
    gate_message,
    new_nonce,
)
from whistleblowing.models import Question, Questionnaire
from whistleblowing.sealing import aad, open_json, open_text
from whistleblowing.status import closure_reason, status_words
from whistleblowing.uploads import memory_uploads


def _upload_context() -> dict:
    return {
        "max_mb": max_bytes() // 2**20,
        "max_count": max_count(),
        "cleaned_formats": CLEANED_FORMATS,
        "kept_formats": KEPT_FORMATS,
    }


# --- Intake ------------------------------------------------------------------------------------
@require_GET
def start(request: HttpRequest) -> HttpResponse:
    """Moral reminder, anonymity guidance, and the choice of category."""
    categories = Category.objects.filter(active=True)
    return render(request, "whistleblowing/start.html", {"categories": categories})


def _category(request: HttpRequest) -> Category | None:
    code = request.POST.get("category") or request.GET.get("category") or ""
    return Category.objects.filter(active=True, code=code).first()


def _questions(category: Category) -> list[Question]:
    return list(
        Question.objects.filter(questionnaire__category=category).select_related(
            "condition_question"
        )
    )


@memory_uploads
@never_cache
@require_http_methods(["GET", "POST"])
def report_new(request: HttpRequest) -> HttpResponse:
    """The report form of one category; on success, the receipt page (shown once)."""
    return _intake(request, staff=False)


@memory_uploads
@never_cache
@access.contact_page
@require_http_methods(["GET", "POST"])
def staff_report_new(request: HttpRequest) -> HttpResponse:
    """A contact point registers a report received by phone, mail or in person."""
    return _intake(request, staff=True)


def _intake(request: HttpRequest, *, staff: bool) -> HttpResponse:
    category = _category(request)
    if category is None:
        if request.method == "POST" or request.GET.get("category"):
            messages.error(request, _("Elija una categoría de la lista."))
        return redirect("whistleblowing:start" if not staff else "whistleblowing:staff_start")
    questions = _questions(category)
    if request.method == "GET":
        form = ReportForm(initial={"nonce": new_nonce()}, questions=questions, staff=staff)
        return _render_intake(request, form, category, staff)
    token = request.POST.get("uploads") or None
    form = ReportForm(
        request.POST,
        request.FILES,
        questions=questions,
        staff=staff,
        pending=ephemeral.uploads_load(token),
    )
    refusal = _admit(form, "submit") if form.is_valid() and not staff else None
    if refusal is not None:
        form.add_error(None, gate_message(refusal))
    if form.is_valid() and not ephemeral.post_claim(form.cleaned_data["nonce"]):
        form.add_error(
            None,
            _("Este formulario ya se envió. Si no vio su comprobante, envíe la denuncia de nuevo."),
        )
    if not form.is_valid():
        keep = refusal is not None and refusal.code == "too_soon"  # the wait goes on
        return _render_intake(request, form, category, staff, token=token, keep_nonce=keep)
    try:
        report, receipt = actions.report_submit(
            entity=form.cleaned_data["entity"],
            category=category,
            answers=form.cleaned_data["answers"],
            description=form.cleaned_data["description"],
            files=form.accepted,
            identity=form.identity(),
            contact_point_implicated=form.cleaned_data["contact_point_implicated"],
            head_implicated=form.cleaned_data["head_implicated"],
            staff_channel=form.cleaned_data.get("staff_channel", "") if staff else "",
            actor=request.user if staff else None,
        )
    except Exception:
        ephemeral.post_release(form.cleaned_data["nonce"])
        raise
    ephemeral.uploads_drop(token)
    context = {"receipt": receipt, "case": report.case, "staff": staff}
    return render(request, "whistleblowing/receipt.html", context)


def _admit(form, scope: str):
    """The anonymous gate (proof of work or a short wait, and a global ceiling)."""
    return gate.admit(
        scope,
        challenge=form.cleaned_data["nonce"],
        proof=form.cleaned_data.get("proof") or "",
        max_age=NONCE_MAX_AGE,
    )


def _fresh_challenge(form, *, keep_nonce: bool = False) -> None:
    """Re-shown forms get a new one-time nonce (and so a new challenge), unless still waiting."""
    data = form.data.copy()
    if not keep_nonce:
        data["nonce"] = new_nonce()
    data["proof"] = ""
    form.data = data


def _render_intake(request, form, category, staff, *, token=None, keep_nonce=False) -> HttpResponse:
    if form.is_bound:
        # Keep what was typed and uploaded; the next post gets a fresh nonce.
        data = form.data.copy()
        if form.accepted:
            token = ephemeral.uploads_keep(token, form.accepted)
        elif token:
            ephemeral.uploads_drop(token)
            token = ""
        data["uploads"] = token or ""
        form.data = data
        _fresh_challenge(form, keep_nonce=keep_nonce)
    questionnaire = Questionnaire.objects.filter(category=category).first()
    intro = ""
    if questionnaire is not None:
        english = (get_language() or "").startswith("en") and questionnaire.intro_en
        intro = questionnaire.intro_en if english else questionnaire.intro
    context = {
        "form": form,
        "intro": intro,
        "category": category,
        "staff": staff,
        "pending": form.accepted if form.is_bound else [],
        "pow_bits": gate.difficulty(),
        **_upload_context(),
    }
    return render(request, "whistleblowing/report_form.html", context, status=200)


@access.contact_page
@require_GET
def staff_start(request: HttpRequest) -> HttpResponse:
    categories = Category.objects.filter(active=True)
    return render(request, "whistleblowing/staff_start.html", {"categories": categories})


# --- Follow-up ---------------------------------------------------------------------------------
@never_cache
@require_http_methods(["GET", "POST"])
def followup(request: HttpRequest) -> HttpResponse:
    """Sign back in with the receipt alone.

    Guessing is paid for per attempt (``gate``: proof of work or a short wait, and a global
    ceiling), never with a lock-out: the receipt's 88 bits are what keep a report safe.
    """
    form = ReceiptForm(request.POST or None, initial={"nonce": new_nonce()})
    refusal = None
    if request.method == "POST" and form.is_valid():
        found = None
        refusal = _admit(form, "receipt")
        if refusal is not None:
            form.add_error(None, gate_message(refusal))
        elif not ephemeral.post_claim(form.cleaned_data["nonce"]):
            form.add_error(None, gate_message(gate.Refusal("expired")))
        else:
            found = access.report_for_receipt(form.cleaned_data["receipt"])
            if found is None:
                form.add_error("receipt", _("No encontramos una denuncia con ese comprobante."))
        if found is not None:
            report, data_key = found
            try:
                token = ephemeral.followup_start(case_id=report.case_id, data_key=data_key)
            except ephemeral.Unavailable:
                form.add_error(
                    None, _("El seguimiento no está disponible en este momento. Intente más tarde.")
                )
                return _render_followup_login(request, form)
            response = redirect("whistleblowing:followup_case")
            response.set_cookie(
                ephemeral.FOLLOWUP_COOKIE,
                token,
                path="/report/",
                httponly=True,
                secure=settings.SESSION_COOKIE_SECURE,
                samesite="Strict",
            )
            return response
    if form.is_bound:
        _fresh_challenge(form, keep_nonce=refusal is not None and refusal.code == "too_soon")
    return _render_followup_login(request, form)


def _render_followup_login(request, form) -> HttpResponse:
    context = {"form": form, "pow_bits": gate.difficulty()}
    return render(request, "whistleblowing/followup_login.html", context)


def _followup_page(request, report, data_key, *, message_form=None, protection_form=None):
    from whistleblowing.panels import thread_context

    case = report.case
    context = {
        "case": case,
        "status_words": status_words(case),
        "closure_reason": closure_reason(case, data_key),
        "description": open_text(data_key, report.description, case, "description"),
        "answers": open_json(data_key, report.answers, case, "answers"),
        "message_form": message_form or FollowupMessageForm(),
        "protection_form": protection_form or ProtectionForm(),
        "identity_given": hasattr(report, "identity"),
        "identity_approvals": access.identity_approvals(report),
        "pending": message_form.accepted if message_form is not None else [],
        **thread_context(case, data_key),
        **_upload_context(),
    }
    return render(request, "whistleblowing/followup_case.html", context)


def _followup_or_login(request):
    found = access.followup_report(request)
    if found is None:
        messages.info(request, _("Su sesión de seguimiento terminó. Escriba su comprobante."))
    return found


@never_cache
@require_GET
def followup_case(request: HttpRequest) -> HttpResponse:
    found = _followup_or_login(request)
    if found is None:
        return redirect("whistleblowing:followup")
    return _followup_page(request, *found)


@memory_uploads
@never_cache
@require_POST
def followup_message(request: HttpRequest) -> HttpResponse:
    found = _followup_or_login(request)
    if found is None:
        return redirect("whistleblowing:followup")
    report, data_key = found
    token = request.POST.get("uploads") or None
    form = FollowupMessageForm(request.POST, request.FILES, pending=ephemeral.uploads_load(token))
    if not form.is_valid():
        data = form.data.copy()
        data["uploads"] = ephemeral.uploads_keep(token, form.accepted) if form.accepted else ""
        form.data = data
        return _followup_page(request, report, data_key, message_form=form)
    actions.message_from_whistleblower(
        case=report.case, data_key=data_key, body=form.cleaned_data["body"], files=form.accepted
    )
    ephemeral.uploads_drop(token)
    messages.success(request, _("Su mensaje se envió."))
    return redirect("whistleblowing:followup_case")


@never_cache
@require_POST
def followup_protection(request: HttpRequest) -> HttpResponse:
    found = _followup_or_login(request)
    if found is None:
        return redirect("whistleblowing:followup")
    report, data_key = found
    form = ProtectionForm(request.POST)
    if not form.is_valid():
        return _followup_page(request, report, data_key, protection_form=form)
    actions.protection_request_file(case=report.case, data_key=data_key, **form.cleaned_data)
    messages.success(request, _("Su solicitud de protección se registró."))
    return redirect("whistleblowing:followup_case")


@never_cache
@require_GET
def followup_attachment(request: HttpRequest, pk: int) -> HttpResponse:
    """A file of the whistle-blower's own case (theirs or one the handler could add later)."""
    found = _followup_or_login(request)
    if found is None:
        return redirect("whistleblowing:followup")
    report, data_key = found
    return _attachment_response(report.case, data_key, access.attachment_for_case(report.case, pk))


def _attachment_response(case, data_key: bytes, attachment) -> HttpResponse:
    meta = open_json(data_key, attachment.meta, case, "attachment-meta")
    content = crypto.open_(data_key, bytes(attachment.content), aad(case, "attachment"))
    response = HttpResponse(content, content_type=meta["type"])
    name = _safe(meta["name"])
    response["Content-Disposition"] = f'attachment; filename="adjunto-{attachment.pk}-{name}"'
    response["Cache-Control"] = "no-store"
    return response


@require_POST
def followup_exit(request: HttpRequest) -> HttpResponse:
    ephemeral.followup_end(request.COOKIES.get(ephemeral.FOLLOWUP_COOKIE))
    response = redirect("whistleblowing:followup")
    response.delete_cookie(ephemeral.FOLLOWUP_COOKIE, path="/report/", samesite="Strict")
    return response


# --- Handler side ------------------------------------------------------------------------------
def _back(request: HttpRequest, case) -> HttpResponse:
    target = request.POST.get("next") or ""
    if url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        return redirect(target)
    return redirect(f"/cases/{case.pk}/")


@memory_uploads
@access.handler_page
@require_POST
def handle_message(request: HttpRequest, case_pk: int) -> HttpResponse:
    case, data_key = access.handler_case(request, case_pk)
    form = HandlerMessageForm(request.POST, request.FILES)
    if form.is_valid():
        actions.message_from_handler(
            case=case,
            data_key=data_key,
            body=form.cleaned_data["body"],
            files=form.cleaned_data["files"],
            feedback=form.cleaned_data["feedback"],
            actor=request.user,
        )
        messages.success(request, _("El mensaje se envió a la persona denunciante."))
    elif "files" in form.errors:
        messages.error(request, " ".join(form.errors["files"]))
    else:
        messages.error(request, _("Escriba el mensaje antes de enviarlo."))
    return _back(request, case)


@access.handler_page
@require_POST
def handle_protection(request: HttpRequest, case_pk: int, pk: int) -> HttpResponse:
    case, data_key = access.handler_case(request, case_pk)
    protection = access.protection_request_for_case(case, pk)
    form = ProtectionDecisionForm(request.POST, prefix=f"p{protection.pk}")
    if form.is_valid():
        actions.protection_request_decide(
            request=protection, data_key=data_key, actor=request.user, **form.cleaned_data
        )
        messages.success(request, _("La solicitud de protección se actualizó."))
    else:
        messages.error(request, _("Elija un estado válido."))
    return _back(request, case)


@access.handler_page
@require_GET
def handle_attachment(request: HttpRequest, case_pk: int, pk: int) -> HttpResponse:
    case, data_key = access.handler_case(request, case_pk, work=False)
    return _attachment_response(case, data_key, access.attachment_for_case(case, pk))


def _safe(name: str) -> str:
    return "".join(c if c.isalnum() or c in "._-" else "_" for c in name)[:100]


@access.handler_page
@require_POST
def identity_request(request: HttpRequest, case_pk: int) -> HttpResponse:
    case, _key = access.handler_case(request, case_pk)
    vault = access.vault_for_case(case)
    form = IdentityRequestForm(request.POST)
    if not hasattr(request.user, "keypair"):
        raise Http404
    if form.is_valid():
        actions.identity_request_file(
            vault=vault, reasoning=form.cleaned_data["reasoning"], actor=request.user
        )
        messages.success(request, _("La solicitud se envió a las personas custodias."))
    else:
        messages.error(request, _("Escriba el fundamento y el motivo (al menos 40 caracteres)."))
    return _back(request, case)


@never_cache
@access.handler_page
@recent_auth_required
@require_GET
def identity_read(request: HttpRequest, case_pk: int) -> HttpResponse:
    case, _key = access.handler_case(request, case_pk, work=False)
    identity = access.identity_for_reader(
        case=case, user=request.user, private_key=session_private_key(request)
    )
    if identity is None:
        raise Http404
    actions.identity_read_record(case=case, actor=request.user)
    return render(request, "whistleblowing/identity.html", {"case": case, "identity": identity})


# --- Custodians --------------------------------------------------------------------------------
@never_cache
@access.custodian_page
@recent_auth_required
@require_GET
def custody(request: HttpRequest) -> HttpResponse:
    private_key = session_private_key(request)
    pending = (
        access.identity_requests_for_custodian(request.user)
        .filter(status="pending")
        .select_related("vault__report__case", "requested_by")
    )
    rows = [
        {
            "request": item,
            "reasoning": access.reasoning_for(item, request.user, private_key),
            "notes": access.decision_notes_for(item, request.user, private_key),
            "form": IdentityDecisionForm(prefix=f"r{item.pk}"),
        }
        for item in pending
    ]
    unshared = access.vaults_to_share(request.user)
    context = {"rows": rows, "unshared": unshared}
    return render(request, "whistleblowing/custody.html", context)


@access.custodian_page
@recent_auth_required
@require_POST
def custody_share(request: HttpRequest) -> HttpResponse:
    """Hand the vault keys this custodian holds to custodians appointed since."""
    private_key = session_private_key(request)
    if private_key is None:
        raise Http404
    shared = actions.identity_vaults_share(actor=request.user, private_key=private_key)
    messages.success(
        request,
        _("Se compartieron %(n)s resguardos con las personas custodias nuevas.") % {"n": shared},
    )
    return redirect("whistleblowing:custody")


@access.custodian_page
@recent_auth_required
@require_POST
def custody_decide(request: HttpRequest, pk: int) -> HttpResponse:
    item = access.identity_request_for_custodian(request.user, pk)
    form = IdentityDecisionForm(request.POST, prefix=f"r{item.pk}")
    private_key = session_private_key(request)
    if form.is_valid() and private_key is not None:
        try:
            actions.identity_request_decide(
                request=item,
                approve=form.cleaned_data["decision"] == "approve",
                note=form.cleaned_data["note"],
                actor=request.user,
                private_key=private_key,
            )
        except actions.IdentityError as exc:
            messages.error(request, str(exc))
        else:
            messages.success(request, _("La decisión quedó registrada."))
    else:
        messages.error(request, _("Elija una decisión y escriba sus razones."))
    return redirect("whistleblowing:custody")
