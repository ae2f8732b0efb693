"""Pages for contact points and investigators: the inbox, the case page and its actions."""

from __future__ import annotations

from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_http_methods, require_POST

from cases import access, actions
from cases.forms import (
    SORTS,
    EscrowRecoverForm,
    FindingForm,
    InboxFilterForm,
    IndividualSanctionForm,
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
    CaseNote,
    CaseRecipient,
    IndividualSanction,
    RecipientRole,
    RoutingRule,
    ServantSanction,
)
from lacs import actions as core_actions
from lacs import keys
from lacs.access import staff_page
from lacs.models import AuditEvent

inbox_role_required = access.inbox_page
PAGE_SIZE = 25

HISTORY_LABELS = {
    "case.open": gettext_lazy("Caso abierto"),
    "case.route": gettext_lazy("Turnado"),
    "case.route_skip": gettext_lazy("Persona omitida al turnar"),
    "case.route_wait": gettext_lazy("En espera de destinatario con llave"),
    "case.recipient_add": gettext_lazy("Persona destinataria agregada"),
    "case.transition": gettext_lazy("Cambio de estado"),
    "case.severity": gettext_lazy("Gravedad"),
    "case.note_add": gettext_lazy("Nota interna"),
    "case.recuse": gettext_lazy("Excusa por conflicto de interés"),
    "case.refer": gettext_lazy("Turno"),
    "case.key_share": gettext_lazy("Llave compartida"),
    "case.escrow_recover": gettext_lazy("Llaves recuperadas con la llave del ente"),
    "case.feedback": gettext_lazy("Información a la persona denunciante"),
    "case.acknowledge_reminder": gettext_lazy("Recordatorio de acuse"),
    "case.acknowledge_breach": gettext_lazy("Plazo de acuse vencido"),
    "case.feedback_reminder": gettext_lazy("Recordatorio de respuesta"),
    "case.feedback_breach": gettext_lazy("Plazo de respuesta vencido"),
    "case.recipient_expire": gettext_lazy("Acceso retirado: terminó la designación"),
    "case.handover_needed": gettext_lazy("Entrega pendiente: terminó la designación"),
}


# --- Inbox ------------------------------------------------------------------------------------
def _filtered(cases: QuerySet[Case], form: InboxFilterForm) -> QuerySet[Case]:
    if not form.is_valid():
        return cases.order_by(*SORTS["recent"])
    data = form.cleaned_data
    if data["q"]:
        cases = cases.filter(number__icontains=data["q"].strip())
    if data["entity"]:
        cases = cases.filter(entity=data["entity"])
    if data["status"]:
        cases = cases.filter(status=data["status"])
    if data["category"]:
        cases = cases.filter(category=data["category"])
    if data["deadline"]:
        cases = cases.deadline_state(data["deadline"])
    return cases.order_by(*SORTS.get(data["sort"] or "recent", SORTS["recent"]))


@inbox_role_required
def inbox(request: HttpRequest) -> HttpResponse:
    form = InboxFilterForm(request.GET or None)
    cases = _filtered(access.cases_visible_to(request.user), form)
    page = Paginator(cases.select_related("entity", "category"), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    query = request.GET.copy()
    query.pop("page", None)
    context = {"form": form, "page": page, "query": query.urlencode()}
    return render(request, "cases/inbox.html", context)


# --- Case page --------------------------------------------------------------------------------
def _keys(request: HttpRequest, case: Case) -> tuple[bytes | None, bytes | None]:
    """The case's data and notes keys for this user, or (None, None) if they cannot open them."""
    private = keys.session_private_key(request)
    try:
        return (
            access.case_data_key(case=case, user=request.user, private_key=private),
            access.case_notes_key(case=case, user=request.user, private_key=private),
        )
    except Http404:
        return None, None


def _panel(request: HttpRequest, case: Case, data_key: bytes) -> str | None:
    try:
        from whistleblowing.panels import case_panel
    except ImportError:
        return None
    return case_panel(request, case, data_key)


def _history(case: Case) -> list[dict]:
    events = AuditEvent.objects.filter(object_type="cases.case", object_id=str(case.pk))
    return [
        {
            "at": event.at,
            "label": HISTORY_LABELS.get(event.action, event.action),
            "actor": event.actor_label,
            "data": event.data,
            "detail": _history_detail(event.data),
        }
        for event in events.order_by("seq")
    ]


def _history_detail(data: dict) -> str:
    """Routing decisions in words: who received the case as what, and why."""
    picks = data.get("recipients") or []
    if not isinstance(picks, list) or not all(isinstance(p, dict) for p in picks):
        return ""
    return "; ".join(
        f"{RecipientRole(p['role']).label} ({p['reason']})"
        for p in picks
        if p.get("role") in RecipientRole.values
    )


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
    initial = {"version": case.version}
    context = {
        "case": case,
        "unlocked": data_key is not None,
        "panel": _panel(request, case, data_key) if data_key else None,
        "finding": actions.finding_text(case, data_key) if data_key else None,
        "closure_reason": case.closure_reason_text(data_key) if data_key else "",
        "notes": _notes(case, notes_key),
        "history": _history(case),
        "recipients": CaseRecipient.objects.filter(case=case).select_related("user", "entity"),
        "transition_form": TransitionForm(case=case, initial=initial),
        "severity_form": SeverityForm(initial={**initial, "severity": case.severity}),
        "note_form": NoteForm(),
        "recuse_form": RecuseForm(),
        "refer_form": ReferForm(initial=initial),
    }
    return render(request, "cases/detail.html", context)


def _post_action(request: HttpRequest, pk: int, form_class, run, *, needs_keys: bool = True):
    """Shared shape of the case page's forms: authorise, validate, run the action, go back."""
    case = access.case_for_user(request.user, pk, perm="work_case")
    extra = {"case": case} if form_class is TransitionForm else {}
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
    rows = (
        actions.escrow_waiting()
        .select_related("case__entity", "user")
        .order_by("case__entity__name", "case__number", "user__username")[: PAGE_SIZE * 8]
    )
    waiting: dict = {}
    for row in rows:  # one query for every entity, grouped here
        waiting.setdefault(row.case.entity, []).append(row)
    return render(
        request,
        "cases/escrow_recovery.html",
        {"form": form, "waiting": list(waiting.items()), "entities": entities},
    )


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
