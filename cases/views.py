"""Pages for contact points and investigators: the inbox, the case page and its actions."""

from __future__ import annotations

import json
from functools import wraps

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from cases import access, actions, registry, routing, selectors
from cases.forms import (
    AssignForm,
    BulkForm,
    EscrowRecoverForm,
    ExcludeForm,
    FindingForm,
    HolidayForm,
    InboxFilterForm,
    IndividualSanctionForm,
    KeyConfirmForm,
    NoteForm,
    RecuseForm,
    ReferForm,
    RoutingRuleForm,
    ServantSanctionForm,
    SeverityForm,
    TransitionForm,
)
from cases.models import (
    Case,
    CaseExport,
    CaseFile,
    CaseNote,
    CaseRecipient,
    Holiday,
    IndividualSanction,
    RoutingRule,
    ServantSanction,
)
from cases.referral import package_response
from lacs import actions as core_actions
from lacs import crypto, keys
from lacs.access import recent_auth_required, role_required, staff_page
from lacs.models import Entity, Role

inbox_role_required = access.inbox_page
PAGE_SIZE = 25


# --- Inbox ------------------------------------------------------------------------------------
@inbox_role_required
def inbox(request: HttpRequest) -> HttpResponse:
    form = InboxFilterForm(request.GET or None)
    cases = selectors.inbox_filter(access.cases_visible_to(request.user), form).with_markers(
        request.user
    )
    page = Paginator(cases.select_related("entity", "category", "assigned_to"), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    query = request.GET.copy()
    query.pop("page", None)
    may_assign = access.may_assign(request.user)
    context = {
        "form": form,
        "page": page,
        "query": query.urlencode(),
        "bulk_form": BulkForm(people=access.workload_people(request.user)) if may_assign else None,
    }
    return render(request, "cases/inbox.html", context)


BULK_MAX = 100  # cases per bulk action


@require_POST
@inbox_role_required
def inbox_bulk(request: HttpRequest) -> HttpResponse:
    """Acknowledge or assign the ticked cases; any case the user may not work refuses all."""
    posted = [
        int(v) for v in request.POST.getlist("cases")[:BULK_MAX] if v.isdigit() and len(v) < 19
    ]  # beyond bigint PostgreSQL would refuse the query
    workable = access.cases_visible_to(request.user, "work_case").filter(pk__in=posted)
    ids = list(workable.values_list("pk", flat=True))
    form = BulkForm(request.POST, case_ids=ids, people=access.workload_people(request.user))
    if not form.is_valid():
        messages.error(request, _("Revise los datos: %(errors)s") % {"errors": _errors(form)})
        return redirect("cases:inbox")
    chosen = list(workable.filter(pk__in=form.cleaned_data["cases"]).order_by("pk"))
    if form.cleaned_data["op"] == BulkForm.ACKNOWLEDGE:
        done = actions.cases_bulk_acknowledge(actor=request.user, cases=chosen)
    elif not access.may_assign(request.user):
        raise PermissionDenied
    else:
        private = keys.session_private_key(request)
        if private is None:
            messages.error(request, _locked_message(request))
            return redirect("cases:inbox")
        done = actions.cases_bulk_assign(
            actor=request.user,
            cases=chosen,
            assignee=form.cleaned_data["assignee"],
            private_key=private,
        )
    messages.success(
        request,
        _("Listo: %(done)s de %(total)s casos.") % {"done": done, "total": len(chosen)},
    )
    return redirect("cases:inbox")


@role_required(Role.CONTACT)
def workload(request: HttpRequest) -> HttpResponse:
    """Open cases per investigator of the contact point's entities."""
    rows = selectors.workload(people=access.workload_people(request.user))
    return render(request, "cases/workload.html", {"rows": rows})


# --- Case page --------------------------------------------------------------------------------
def _keys(request: HttpRequest, case: Case) -> tuple[bytes | None, bytes | None]:
    return access.case_keys_unlocked(request, case) or (None, None)


def _panel(request: HttpRequest, case: Case, data_key: bytes) -> str | None:
    """What the apps above cases show on the case page (the report), through cases.registry."""
    if not registry.case_panels:
        return None
    return "".join(panel(request, case, data_key) or "" for panel in registry.case_panels)


def _notes(case: Case, notes_key: bytes | None) -> list[dict]:
    if notes_key is None:
        return []
    notes = CaseNote.objects.filter(case=case).select_related("author")
    return [
        {
            "note": note,
            "text": actions.note_text(note, notes_key),
        }
        for note in notes
    ]


@inbox_role_required
def case_detail(request: HttpRequest, pk: int) -> HttpResponse:
    case = access.case_for_user(request.user, pk)
    data_key, notes_key = _keys(request, case)
    if data_key and notes_key:
        actions.case_keys_share_pending(
            actor=request.user, case=case, data_key=data_key, notes_key=notes_key
        )
    actions.case_seen(user=request.user, case=case)
    initial = {"version": case.version}
    people = access.assignable_people(request.user, case)
    context = {
        "case": case,
        "unlocked": data_key is not None,
        "panel": _panel(request, case, data_key) if data_key else None,
        "finding": actions.finding_text(case, data_key) if data_key else None,
        "closure_reason": case.closure_reason_text(data_key) if data_key else "",
        "notes": _notes(case, notes_key),
        "history": selectors.case_history(case),
        "recipients": CaseRecipient.objects.filter(case=case).select_related(
            "user__keypair", "entity"
        ),
        "transition_form": TransitionForm(case=case, initial=initial),
        "severity_form": SeverityForm(initial={**initial, "severity": case.severity}),
        "note_form": NoteForm(),
        "recuse_form": RecuseForm(),
        "exclude_form": ExcludeForm(case=case, actor=request.user),
        "refer_form": ReferForm(initial=initial),
        "assign_form": AssignForm(people=people) if people.exists() else None,
        "exports": CaseExport.objects.filter(case=case).defer("package"),
        "files": _files(case, notes_key),
    }
    return render(request, "cases/detail.html", context)


def _post_action(request: HttpRequest, pk: int, form_class, run, *, needs_keys: bool = True):
    """Shared shape of the case page's forms: authorise, validate, run the action, go back."""
    case = access.case_for_user(request.user, pk, perm="work_case")
    extra: dict = {"case": case} if form_class is TransitionForm else {}
    if form_class is ExcludeForm:
        extra = {"case": case, "actor": request.user}
    form = form_class(request.POST, **extra)
    data_key, notes_key = _keys(request, case)
    if needs_keys and (data_key is None or notes_key is None):
        messages.error(request, _locked_message(request))
    elif not form.is_valid():
        messages.error(request, _("Revise los datos: %(errors)s") % {"errors": _errors(form)})
    else:
        try:
            done = run(case, form.cleaned_data, data_key, notes_key)
        except actions.CaseError as exc:
            messages.error(request, str(exc))
        else:
            messages.success(request, done)
            if not access.cases_visible_to(request.user).filter(pk=case.pk).exists():
                return redirect("cases:inbox")
    return redirect("cases:detail", pk=case.pk)


def _locked_message(request: HttpRequest) -> str:
    if keys.session_private_key(request) is None:
        return _("Vuelva a iniciar sesión para desbloquear sus llaves.")
    return _(
        "Aún no se le comparte la llave de este caso; otra persona destinataria la comparte al abrirlo."
    )


def _errors(form) -> str:
    return "; ".join(
        f"{form.fields[name].label if name in form.fields else ''} {e}".strip()
        for name, errs in form.errors.items()
        for e in errs
    )


@require_POST
@inbox_role_required
def case_transition(request: HttpRequest, pk: int) -> HttpResponse:
    def run(case, data, data_key, notes_key):
        actions.case_transition(
            actor=request.user,
            case=case,
            to=data["to"],
            version=data["version"],
            notes_key=notes_key,
            reason=data["reason"],
            outcome=data["outcome"],
            closure_reason=data["closure_reason"],
            data_key=data_key,
        )
        return _("Estado actualizado: %(status)s.") % {"status": case.get_status_display()}

    return _post_action(request, pk, TransitionForm, run)


@require_POST
@inbox_role_required
def case_severity(request: HttpRequest, pk: int) -> HttpResponse:
    def run(case, data, _data_key, _notes_key):
        actions.case_severity_set(
            actor=request.user, case=case, severity=data["severity"], version=data["version"]
        )
        return _("Gravedad registrada.")

    return _post_action(request, pk, SeverityForm, run, needs_keys=False)


@require_POST
@inbox_role_required
def case_note(request: HttpRequest, pk: int) -> HttpResponse:
    def run(case, data, _data_key, notes_key):
        actions.case_note_add(actor=request.user, case=case, notes_key=notes_key, text=data["text"])
        return _("Nota guardada.")

    return _post_action(request, pk, NoteForm, run)


@require_POST
@inbox_role_required
def case_assign(request: HttpRequest, pk: int) -> HttpResponse:
    case = access.case_for_user(request.user, pk, perm="work_case")
    people = access.assignable_people(request.user, case)

    class Bound(AssignForm):
        def __init__(self, data, **_kw):
            super().__init__(data, people=people)

    def run(case, data, data_key, notes_key):
        actions.case_assign(
            actor=request.user,
            case=case,
            assignee=data["assignee"],
            data_key=data_key,
            notes_key=notes_key,
        )
        return _("Caso asignado a %(name)s.") % {
            "name": data["assignee"].get_full_name() or data["assignee"].get_username()
        }

    return _post_action(request, pk, Bound, run)


@require_POST
@inbox_role_required
def case_recuse(request: HttpRequest, pk: int) -> HttpResponse:
    def run(case, data, data_key, notes_key):
        actions.case_recuse(
            actor=request.user,
            case=case,
            reason=data["reason"],
            data_key=data_key,
            notes_key=notes_key,
        )
        return _("Se registró su excusa; el caso se turnó a otra persona.")

    return _post_action(request, pk, RecuseForm, run)


@require_POST
@inbox_role_required
def case_keys_confirm(request: HttpRequest, pk: int) -> HttpResponse:
    def run(case, data, data_key, notes_key):
        recipient = actions.case_keys_share_replaced(
            actor=request.user,
            case=case,
            recipient_id=data["recipient"],
            fingerprint=data["fingerprint"],
            data_key=data_key,
            notes_key=notes_key,
        )
        return _("Se compartieron las llaves del caso con la llave nueva de %(name)s.") % {
            "name": recipient.user.get_full_name() or recipient.user.get_username()
        }

    return _post_action(request, pk, KeyConfirmForm, run)


@require_POST
@inbox_role_required
def case_exclude(request: HttpRequest, pk: int) -> HttpResponse:
    def run(case, data, _data_key, _notes_key):
        actions.case_exclude(actor=request.user, case=case, user=data["user"])
        return _("La persona quedó excluida del caso.")

    return _post_action(request, pk, ExcludeForm, run, needs_keys=False)


@require_POST
@inbox_role_required
def case_refer(request: HttpRequest, pk: int) -> HttpResponse:
    def run(case, data, data_key, notes_key):
        actions.case_refer(
            actor=request.user,
            case=case,
            version=data["version"],
            kind=data["kind"],
            summary=data["summary"],
            target=data["target"],
            data_key=data_key,
            notes_key=notes_key,
        )
        return _("Caso turnado.")

    return _post_action(request, pk, ReferForm, run)


def _files(case: Case, notes_key: bytes | None) -> list[dict]:
    if notes_key is None:
        return []
    rows = CaseFile.objects.filter(case=case).select_related("added_by").defer("content")
    listed = []
    for row in rows:
        try:
            meta = json.loads(crypto.open_text(notes_key, bytes(row.meta), row.aad("meta")))
        except crypto.CryptoError:  # not sealed for this case: never shown
            continue
        listed.append({"file": row, "meta": meta})
    return listed


def _file_handling() -> registry.FileHandling:
    if not registry.file_handling:  # no intake app to clean files: none are accepted
        raise Http404
    return registry.file_handling[0]


def _memory_uploads(view):
    """Uploads stay in memory (never a clear temporary file), as on the intake pages."""

    @wraps(view)
    def wrapped(request, *args, **kwargs):
        return _file_handling().memory_uploads(view)(request, *args, **kwargs)

    return csrf_exempt(wrapped)  # the intake app's decorator checks CSRF itself, inside


@_memory_uploads
@require_POST
@inbox_role_required
def case_files_add(request: HttpRequest, pk: int) -> HttpResponse:
    """Attach files to the case file: cleaned of metadata, sealed under the internal key."""
    handling = _file_handling()
    case = access.case_for_user(request.user, pk, perm="work_case")
    _data_key, notes_key = _keys(request, case)
    uploads = request.FILES.getlist("files")
    if notes_key is None:
        messages.error(request, _locked_message(request))
        return redirect("cases:detail", pk=case.pk)
    if len(uploads) > handling.max_count():
        limit = handling.max_count()
        messages.error(request, _("Puede adjuntar hasta %(n)s archivos.") % {"n": limit})
        return redirect("cases:detail", pk=case.pk)
    try:
        cleaned = [handling.clean(u.name, u.read()) for u in uploads]
        actions.case_files_add(actor=request.user, case=case, notes_key=notes_key, files=cleaned)
    except (handling.rejected, actions.CaseError) as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, _("Archivos agregados al expediente."))
    return redirect("cases:detail", pk=case.pk)


@require_GET
@inbox_role_required
def case_file_download(request: HttpRequest, pk: int, file_pk: int) -> HttpResponse:
    case = access.case_for_user(request.user, pk)
    row = get_object_or_404(CaseFile, case=case, pk=file_pk)
    _data_key, notes_key = _keys(request, case)
    if notes_key is None:
        raise Http404
    try:
        meta, content = actions.case_file_open(row, notes_key)
    except crypto.CryptoError:  # a blob that is not this case's: as if it were missing
        raise Http404 from None
    response = HttpResponse(content, content_type=meta["type"])
    name = "".join(c for c in meta["name"] if c.isalnum() or c in "._-")[:80] or "archivo"
    response["Content-Disposition"] = f'attachment; filename="expediente-{row.pk}-{name}"'
    response["Cache-Control"] = "no-store"
    return response


@inbox_role_required
def case_export_download(request: HttpRequest, pk: int, export_pk: int) -> HttpResponse:
    """A referral package, encrypted to the authority, for the handler to deliver (audited)."""
    export = access.access_export(request.user, pk, export_pk)
    actions.case_export_download_record(actor=request.user, export=export)
    return package_response(export)


@inbox_role_required
@require_http_methods(["GET", "POST"])
def case_finding_new(request: HttpRequest) -> HttpResponse:
    """Open a case from an audit finding (it is routed like a report)."""
    form = FindingForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            case = actions.case_finding_open(actor=request.user, **form.cleaned_data)
        except actions.CaseError as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(
                request,
                _("Caso %(number)s abierto; se turnará a quien corresponda.")
                % {"number": case.number},
            )
            return redirect("cases:inbox")
    return render(request, "cases/finding_new.html", {"form": form})


# --- Routing rules (administration) ------------------------------------------------------------
@staff_page
@require_http_methods(["GET", "POST"])
def routing_rules(request: HttpRequest) -> HttpResponse:
    """Routing rules; a new rule is proposed for a second administrator's approval."""
    form = RoutingRuleForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        core_actions.change_propose(
            actor=request.user,
            kind="routing_rule.save",
            payload={name: core_actions.payload_value(v) for name, v in data.items()},
            summary=_("Regla de turno: %(category)s / %(entity)s → %(target)s")
            % {
                "category": data.get("category") or "*",
                "entity": data.get("entity") or "*",
                "target": data["target"],
            },
        )
        messages.success(request, _("Regla propuesta: otra persona administradora la aprueba."))
        return redirect("cases:routing_rules")
    rules = RoutingRule.objects.select_related("category", "entity", "target")
    return render(request, "cases/routing_rules.html", {"form": form, "rules": rules})


@require_POST
@staff_page
def routing_rule_toggle(request: HttpRequest, pk: int) -> HttpResponse:
    rule = get_object_or_404(RoutingRule, pk=pk)
    core_actions.change_propose(
        actor=request.user,
        kind="routing_rule.toggle",
        payload={"rule": rule.pk},
        summary=_("Activar o desactivar la regla %(rule)s") % {"rule": rule},
    )
    messages.success(request, _("Cambio propuesto: otra persona administradora lo aprueba."))
    return redirect("cases:routing_rules")


# --- Holiday calendar (administration) ----------------------------------------------------------
@role_required(Role.ADMIN)
@require_http_methods(["GET", "POST"])
def holidays(request: HttpRequest) -> HttpResponse:
    """The non-working days (días inhábiles) deadlines skip."""
    form = HolidayForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            actions.holiday_add(actor=request.user, **form.cleaned_data)
        except actions.CaseError as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, _("Día inhábil agregado."))
            return redirect("cases:holidays")
    return render(
        request, "cases/holidays.html", {"form": form, "holidays": Holiday.objects.all()[:400]}
    )


@require_POST
@role_required(Role.ADMIN)
def holiday_remove(request: HttpRequest, pk: int) -> HttpResponse:
    actions.holiday_remove(actor=request.user, holiday=get_object_or_404(Holiday, pk=pk))
    messages.success(request, _("Día inhábil retirado."))
    return redirect("cases:holidays")


# --- Escrow recovery (administration) -----------------------------------------------------------
@staff_page
@sensitive_post_parameters("private_key")
@require_http_methods(["GET", "POST"])
def escrow_recovery(request: HttpRequest) -> HttpResponse:
    """Give waiting recipients their cases' keys with the entity's offline escrow key.

    Lists, per entity with an escrow key, who waits for which case (numbers and people only,
    never contents); the posted private key is used in memory and forgotten.
    """
    form = EscrowRecoverForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            served, cases = actions.escrow_recover(
                actor=request.user,
                entity=form.cleaned_data["entity"],
                private_key=form.cleaned_data["private_key"],
            )
        except actions.CaseError as exc:
            form.add_error("private_key", str(exc))
        else:
            if served:
                messages.success(
                    request,
                    _("Llaves entregadas a %(people)s personas en %(cases)s casos.")
                    % {"people": served, "cases": cases},
                )
            else:
                messages.info(request, _("Nadie de ese ente esperaba llaves."))
            return redirect("cases:escrow_recovery")
    entities = form.fields["entity"].queryset
    rows = list(
        actions.escrow_waiting()
        .select_related("case__entity", "user")
        .order_by("escrow_entity_id", "case__number", "user__username")[: PAGE_SIZE * 8]
    )
    owners = Entity.objects.in_bulk({row.escrow_entity_id for row in rows})
    waiting: dict = {}
    for row in rows:  # grouped by the entity whose escrow key opens the case
        waiting.setdefault(owners[row.escrow_entity_id], []).append(row)
    return render(
        request,
        "cases/escrow_recovery.html",
        {"form": form, "waiting": list(waiting.items()), "entities": entities},
    )


@role_required(Role.ADMIN)
@recent_auth_required
@require_GET
def staff_routing(request: HttpRequest) -> HttpResponse:
    """Gaps in routing coverage: entities nobody is appointed to, appointments about to end,
    reports unrouted for over an hour (numbers and entities only, never contents)."""
    day = timezone.localdate()
    context = {
        "vacant": routing.entities_without_contact_point(day),
        "ending": routing.contact_points_ending(day),
        "unrouted": routing.unrouted(timezone.now())[:PAGE_SIZE],
        "ending_days": routing.ENDING_WITHIN_DAYS,
    }
    return render(request, "cases/staff_routing.html", context)


# --- Sanctions registry (investigators) --------------------------------------------------------
sanction_role_required = access.sanction_page


@sanction_role_required
def sanctions(request: HttpRequest) -> HttpResponse:
    """The sanctions recorded for the institutions where the user investigates."""
    entities = access.sanction_entities(request.user)
    servants = ServantSanction.objects.filter(entity__in=entities).select_related("entity", "case")
    individuals = IndividualSanction.objects.filter(entity__in=entities).select_related(
        "entity", "case"
    )
    return render(
        request,
        "cases/sanctions.html",
        {"servants": servants[: PAGE_SIZE * 4], "individuals": individuals[: PAGE_SIZE * 4]},
    )


def _sanction_new(request: HttpRequest, form_class, record, title: str) -> HttpResponse:
    entities = access.sanction_entities(request.user)
    form = form_class(request.POST or None, entities=entities)
    if request.method == "POST" and form.is_valid():
        fields = dict(form.cleaned_data)
        try:
            record(actor=request.user, **fields)
        except actions.CaseError as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, _("Sanción registrada; se publica en la PDN."))
            return redirect("cases:sanctions")
    return render(request, "cases/sanction_new.html", {"form": form, "title": title})


@sanction_role_required
@require_http_methods(["GET", "POST"])
def sanction_servant_new(request: HttpRequest) -> HttpResponse:
    return _sanction_new(
        request,
        ServantSanctionForm,
        actions.servant_sanction_record,
        _("Registrar la sanción de una persona servidora pública"),
    )


@sanction_role_required
@require_http_methods(["GET", "POST"])
def sanction_individual_new(request: HttpRequest) -> HttpResponse:
    return _sanction_new(
        request,
        IndividualSanctionForm,
        actions.individual_sanction_record,
        _("Registrar la sanción de un particular"),
    )
