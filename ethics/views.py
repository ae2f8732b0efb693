"""Pages of the ethics app. Each view authorises through ``ethics.access``, calls one action."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Count, Q
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy
from django.views.decorators.http import require_http_methods, require_POST

from ethics import access, actions, selectors
from ethics import interest as interest_format
from ethics.forms import (
    ITEM_FIELDS,
    AdviceAnswerForm,
    AdviceAskForm,
    AdvicePublishForm,
    CodeVersionForm,
    ConflictMeasureForm,
    ConflictOpenForm,
    DeclarationItemForm,
    DeclarationStartForm,
    GiftForm,
    PostEmploymentForm,
    ProcurementRoleForm,
    QuizForm,
    ReminderForm,
    ScreeningForm,
)
from ethics.models import (
    AdviceRequest,
    CodeAcknowledgement,
    CodeVersion,
    Declaration,
    DeclarationKind,
    EducationModule,
    EmploymentScreening,
    Gift,
    ModuleCompletion,
    MoralReminder,
    PostEmploymentNotice,
    ProcurementRole,
    ReminderShown,
    ReminderTransaction,
)
from lacs import smallcells
from lacs.access import role_required
from lacs.models import Entity, Role, RoleAssignment
from lacs.spreadsheets import csv_response

SERVANT = Role.SERVANT
REMINDER_SESSION_KEY = "ethics_reminders"


def _error_text(exc: ValidationError) -> str:
    return " ".join(exc.messages)


# --- Home and the code ---------------------------------------------------------------------------
def home(request: HttpRequest) -> HttpResponse:
    """Public links for everyone; each signed-in role also sees its own tasks."""
    user = request.user
    current = CodeVersion.objects.current()
    context = {
        "current": current,
        "acknowledged": bool(
            current
            and user.is_authenticated
            and CodeAcknowledgement.objects.filter(version=current, user=user).exists()
        ),
        "is_servant": access.is_servant(user),
        "is_reviewer": access.is_reviewer(user),
        "answers_advice": bool(access.contact_entity_ids(user)),
        "is_admin": access.is_admin(user),
        "sees_compliance": access.may_see_compliance_counts(user),
        "has_past_appointments": access.past_appointments(user).exists(),
        "screening_due": access.servant_appointments(user).filter(screening__isnull=True).exists(),
    }
    return render(request, "ethics/home.html", context)


def code(request: HttpRequest) -> HttpResponse:
    """The current published code, readable by everyone."""
    current = CodeVersion.objects.current()
    acknowledged = (
        request.user.is_authenticated
        and current is not None
        and CodeAcknowledgement.objects.filter(version=current, user=request.user).exists()
    )
    return render(
        request,
        "ethics/code.html",
        {
            "version": current,
            "acknowledged": acknowledged,
            "may_acknowledge": access.is_servant(request.user) and current and not acknowledged,
        },
    )


@require_POST
@role_required(SERVANT)
def code_acknowledge(request: HttpRequest) -> HttpResponse:
    current = CodeVersion.objects.current()
    appointment = access.servant_appointments(request.user).first()
    if current is None or appointment is None:
        raise Http404
    try:
        actions.code_acknowledge(actor=request.user, version=current, entity=appointment.entity)
        messages.success(request, _("Gracias: reconoció el código de ética."))
    except ValidationError as exc:
        messages.error(request, _error_text(exc))
    return redirect("ethics:code")


@require_http_methods(["GET", "POST"])
@role_required(Role.ADMIN)
def code_versions(request: HttpRequest) -> HttpResponse:
    current = CodeVersion.objects.current()
    initial = {}
    if current:
        initial = {f: getattr(current, f) for f in CodeVersionForm.Meta.fields}
        initial["principles_text"] = "\n".join(
            f"{p['name']}: {p['description']}" for p in current.principles
        )
    form = CodeVersionForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        fields = {f: form.cleaned_data[f] for f in CodeVersionForm.Meta.fields}
        version = actions.code_version_create(
            actor=request.user, principles=form.cleaned_data["principles_text"], **fields
        )
        messages.success(request, _("Borrador v%(n)s guardado.") % {"n": version.number})
        return redirect("ethics:code_versions")
    versions = CodeVersion.objects.annotate(n_acks=Count("acks"))
    return render(request, "ethics/code_versions.html", {"form": form, "versions": versions})


@require_POST
@role_required(Role.ADMIN)
def code_version_publish(request: HttpRequest, pk: int) -> HttpResponse:
    version = get_object_or_404(CodeVersion, pk=pk)
    try:
        actions.code_version_publish(actor=request.user, version=version)
        messages.success(request, _("Versión publicada: se pedirá su reconocimiento."))
    except ValidationError as exc:
        messages.error(request, _error_text(exc))
    return redirect("ethics:code_versions")


# --- Compliance ----------------------------------------------------------------------------------
def _compliance_rows(user) -> list[dict]:
    entities = Entity.objects.all()
    if not access.sees_all_entity_counts(user):
        entities = entities.filter(pk__in=access.reviewer_entity_ids(user))
    ids = list(entities.values_list("pk", flat=True))
    acks = selectors.acknowledgement_compliance(entity_ids=ids)
    decls = selectors.declaration_compliance(entity_ids=ids)
    gifts = selectors.gift_totals(entity_ids=ids)
    education = selectors.education_completion(entity_ids=ids)
    named = set(access.compliance_entities(user).values_list("pk", flat=True))
    rows = []
    for e in entities:
        if not (e.pk in acks or e.pk in decls or e.pk in gifts):
            continue
        row = {
            "entity": e,
            "acks": acks.get(e.pk) or {},
            "decls": decls.get(e.pk) or {},
            "gifts": gifts.get(e.pk) or {},
            "education": education.get(e.pk) or {},
        }
        rows.append(row if e.pk in named else _suppressed(row))
    return rows


# The counts the compliance page and CSV show, per group of the row.
COMPLIANCE_COUNTS = {
    "acks": ("servants", "acknowledged"),
    "decls": ("on_time", "late", "missing", "pending"),
    "gifts": ("count", "over_threshold"),
    "education": ("complete",),
}


def _suppressed(row: dict) -> dict:
    """Small counts hidden, by the dashboards' rule (``lacs.smallcells``), for readers who may
    not see names: every shown count, a missing one (zero) included; the gifts' value goes with
    their count."""
    result = {"entity": row["entity"]}
    for group, names in COMPLIANCE_COUNTS.items():
        result[group] = {k: smallcells.count(row[group].get(k, 0)) for k in names}
    result["gifts"]["value"] = smallcells.derived(
        row["gifts"].get("count", 0), row["gifts"].get("value", 0)
    )
    return result


@access.compliance_page
def compliance(request: HttpRequest) -> HttpResponse:
    """Per-entity counts (no names): acknowledgement, declarations, gifts and training."""
    named = set(access.compliance_entities(request.user).values_list("pk", flat=True))
    return render(
        request, "ethics/compliance.html", {"rows": _compliance_rows(request.user), "named": named}
    )


COMPLIANCE_COLUMNS = [
    ("entity", lambda r: r["entity"].name),
    ("servants", lambda r: r["acks"].get("servants", 0)),
    ("acknowledged", lambda r: r["acks"].get("acknowledged", 0)),
    ("declarations_on_time", lambda r: r["decls"].get("on_time", 0)),
    ("declarations_late", lambda r: r["decls"].get("late", 0)),
    ("declarations_missing", lambda r: r["decls"].get("missing", 0)),
    ("declarations_pending", lambda r: r["decls"].get("pending", 0)),
    ("gifts", lambda r: r["gifts"].get("count", 0)),
    ("gifts_value_mxn", lambda r: r["gifts"].get("value", 0)),
    ("gifts_over_limit", lambda r: r["gifts"].get("over_threshold", 0)),
    ("training_complete", lambda r: r["education"].get("complete", 0)),
]


@access.compliance_page
def compliance_csv(request: HttpRequest) -> HttpResponse:
    """The same counts as the compliance page, as CSV (no names of people)."""
    rows = [[get(r) for _n, get in COMPLIANCE_COLUMNS] for r in _compliance_rows(request.user)]
    return csv_response("cumplimiento-etica.csv", [n for n, _g in COMPLIANCE_COLUMNS], rows)


@access.signed_in_page
def entity_compliance(request: HttpRequest, pk: int) -> HttpResponse:
    """Who has and has not acknowledged the code; late and missing declarations, by name."""
    entity = get_object_or_404(access.compliance_entities(request.user), pk=pk)
    current = CodeVersion.objects.current()
    servants = (
        RoleAssignment.objects.current()
        .filter(role=Role.SERVANT, entity=entity)
        .select_related("user")
        .order_by("user__last_name", "user__first_name")
    )
    acked = set(
        CodeAcknowledgement.objects.filter(version=current).values_list("user_id", flat=True)
        if current
        else []
    )
    overdue = [
        o
        for o in selectors.declaration_obligations(entity_ids=[entity.pk])
        if o.state in ("late", "missing")
    ]
    names = {s.user_id: s.user for s in servants}
    names.update(
        {
            a.user_id: a.user
            for a in RoleAssignment.objects.filter(
                pk__in={o.appointment_id for o in overdue}
            ).select_related("user")
        }
    )
    return render(
        request,
        "ethics/entity_compliance.html",
        {
            "entity": entity,
            "version": current,
            "servants": [(s, s.user_id in acked) for s in servants],
            "overdue": [(o, names.get(o.servant_id)) for o in overdue],
        },
    )


# --- Declarations --------------------------------------------------------------------------------
def _start_kinds() -> list[tuple[str, str]]:
    return [(k.value, k.label) for k in DeclarationKind]


@role_required(*access.REVIEWER_ROLES)
def declarations_review(request: HttpRequest) -> HttpResponse:
    """Filed declarations of the entities the reviewer serves, with supplier matches."""
    rows = (
        access.declarations_visible(request.user)
        .filed()
        .exclude(declarant=request.user)
        .order_by("-filed_at")
    )
    query = request.GET.get("q", "").strip()
    if query:
        rows = rows.filter(
            Q(declarant__first_name__icontains=query) | Q(declarant__last_name__icontains=query)
        )
    page = Paginator(rows, 50).get_page(request.GET.get("page"))
    named = {d.pk: [c for c in interest_format.counterparts(d.interest) if c[2]] for d in page}
    matches = selectors.supplier_matches(
        entity_ids=access.reviewer_entity_ids(request.user),
        rfcs=[c[2] for companies in named.values() for c in companies],
    )
    listing = [(d, sorted({name for _s, name, rfc in named[d.pk] if rfc in matches})) for d in page]
    return render(
        request,
        "ethics/declarations_review.html",
        {"page": page, "listing": listing, "q": query, "query": urlencode({"q": query})},
    )


@access.declarant_page
def declarations(request: HttpRequest) -> HttpResponse:
    user = request.user
    appointments = list(access.past_appointments(user).order_by("-start"))
    mine = Declaration.objects.filter(declarant=user).select_related("entity")
    owed = [
        o
        for o in selectors.declaration_obligations(user_ids=[user.pk])
        if o.state in ("missing", "pending")
    ]
    reminder = actions.reminder_for(
        user=user, transaction_name=ReminderTransaction.DECLARATION_FILE
    )
    form = DeclarationStartForm(appointments=appointments, kinds=_start_kinds())
    return render(
        request,
        "ethics/declarations.html",
        {"declarations": mine, "owed": owed, "form": form, "reminder": reminder},
    )


@require_POST
@access.declarant_page
def declaration_start(request: HttpRequest) -> HttpResponse:
    appointments = access.past_appointments(request.user)
    form = DeclarationStartForm(request.POST, appointments=appointments, kinds=_start_kinds())
    reminder = actions.reminder_for(
        user=request.user, transaction_name=ReminderTransaction.DECLARATION_FILE
    )
    if not form.is_valid():
        messages.error(request, _("Elija un nombramiento y un tipo de declaración."))
        return redirect("ethics:declarations")
    if reminder is not None and not request.POST.get("reminder_ack"):
        messages.error(request, _("Lea y confirme el recordatorio antes de comenzar."))
        return redirect("ethics:declarations")
    appointment = appointments.get(pk=form.cleaned_data["appointment"])
    try:
        declaration = actions.declaration_start(
            actor=request.user, appointment=appointment, kind=form.cleaned_data["kind"]
        )
    except ValidationError as exc:
        messages.error(request, _error_text(exc))
        return redirect("ethics:declarations")
    if reminder is not None:
        shown = actions.reminder_acknowledge(actor=request.user, reminder=reminder)
        request.session[REMINDER_SESSION_KEY] = {
            **request.session.get(REMINDER_SESSION_KEY, {}),
            str(declaration.pk): shown.pk,
        }
    return redirect("ethics:declaration", pk=declaration.pk)


def _display_value(value) -> str:
    if isinstance(value, dict):
        return str(value.get("valor", value.get("clave", "")))
    if isinstance(value, bool):
        return _("Sí") if value else _("No")
    return str(value)


def _item_rows(section: str, item: dict) -> list[tuple[str, str]]:
    rows = []
    for spec in ITEM_FIELDS[section]:
        value = interest_format.get_path(item, spec.path)
        if value in (None, "", {}):
            continue
        if spec.kind in ("choice", "clave") and spec.choices:
            key = value.get("clave") if isinstance(value, dict) else value
            value = dict(spec.choices).get(key, _display_value(value))
        rows.append((spec.label, _display_value(value)))
    return rows


OPERATION_LABELS = {
    "AGREGAR": _lazy("Nuevo"),
    "MODIFICAR": _lazy("Modificado"),
    "SIN_CAMBIOS": _lazy("Sin cambios"),
    "BAJA": _lazy("Dado de baja"),
}


def _sections_for_display(data: dict) -> list[dict]:
    return [
        {
            "key": s.key,
            "label": s.label,
            "note": (data.get(s.key) or {}).get("aclaracionesObservaciones", ""),
            "items": [
                (
                    i,
                    item.get("tipoOperacion", ""),
                    OPERATION_LABELS.get(item.get("tipoOperacion", ""), ""),
                    _item_rows(s.key, item),
                )
                for i, item in enumerate(interest_format.section_items(data, s))
            ],
        }
        for s in interest_format.SECTIONS
    ]


@access.signed_in_page
def declaration(request: HttpRequest, pk: int) -> HttpResponse:
    item = access.access_declaration(request.user, pk)
    is_owner = item.declarant_id == request.user.pk
    if not is_owner:
        actions.declaration_read(actor=request.user, declaration=item)
    return render(
        request,
        "ethics/declaration.html",
        {
            "declaration": item,
            "sections": _sections_for_display(item.interest),
            "editable": is_owner and not item.is_filed,
            "is_owner": is_owner,
            "may_open_conflict": access.may_review_declaration(request.user, item),
            "problems": interest_format.validate(item.interest) if not item.is_filed else [],
        },
    )


@require_http_methods(["GET", "POST"])
@access.signed_in_page
def declaration_item(
    request: HttpRequest, pk: int, section: str, index: int | None = None
) -> HttpResponse:
    draft = access.access_own_draft(request.user, pk)
    spec = interest_format.SECTION_BY_KEY.get(section)
    if spec is None:
        raise Http404
    items = interest_format.section_items(draft.interest, spec)
    if index is not None and not 0 <= index < len(items):
        raise Http404
    current = items[index] if index is not None else None
    form = DeclarationItemForm(request.POST or None, section=section, initial_item=current)
    if request.method == "POST" and form.is_valid():
        operation = "AGREGAR"
        if current is not None:
            operation = "AGREGAR" if current.get("tipoOperacion") == "AGREGAR" else "MODIFICAR"
        try:
            actions.declaration_item_save(
                actor=request.user,
                declaration=draft,
                section=section,
                item=form.to_item(operation),
                index=index,
            )
        except actions.DeclarationInvalid as exc:
            for problem in exc.problems:
                form.add_problem(problem)
        else:
            messages.success(request, _("Elemento guardado en el borrador."))
            return redirect(reverse("ethics:declaration", args=[draft.pk]) + f"#{section}")
    return render(
        request,
        "ethics/declaration_item.html",
        {"declaration": draft, "section": spec, "form": form, "index": index},
    )


@require_POST
@access.signed_in_page
def declaration_item_flag(request: HttpRequest, pk: int, section: str, index: int) -> HttpResponse:
    draft = access.access_own_draft(request.user, pk)
    if section not in interest_format.SECTION_BY_KEY:
        raise Http404
    try:
        actions.declaration_item_flag(
            actor=request.user,
            declaration=draft,
            section=section,
            index=index,
            operation=request.POST.get("operation", ""),
        )
    except ValidationError as exc:
        messages.error(request, _error_text(exc))
    return redirect(reverse("ethics:declaration", args=[draft.pk]) + f"#{section}")


@require_POST
@access.signed_in_page
def declaration_section_note(request: HttpRequest, pk: int, section: str) -> HttpResponse:
    draft = access.access_own_draft(request.user, pk)
    if section not in interest_format.SECTION_BY_KEY:
        raise Http404
    text = request.POST.get("note", "")[:5000]
    actions.declaration_section_note(
        actor=request.user, declaration=draft, section=section, text=text
    )
    messages.success(request, _("Aclaraciones guardadas."))
    return redirect(reverse("ethics:declaration", args=[draft.pk]) + f"#{section}")


@require_POST
@access.signed_in_page
def declaration_file(request: HttpRequest, pk: int) -> HttpResponse:
    draft = access.access_own_draft(request.user, pk)
    shown_pk = request.session.get(REMINDER_SESSION_KEY, {}).get(str(draft.pk))
    shown = ReminderShown.objects.filter(pk=shown_pk, user=request.user).first()
    try:
        actions.declaration_file(actor=request.user, declaration=draft, reminder=shown)
    except actions.DeclarationInvalid as exc:
        for problem in exc.problems:
            messages.error(request, str(problem))
        messages.error(request, _("La declaración no se presentó; el borrador se conservó."))
        return redirect("ethics:declaration", pk=draft.pk)
    except ValidationError as exc:
        messages.error(request, _error_text(exc))
        return redirect("ethics:declaration", pk=draft.pk)
    messages.success(request, _("Declaración presentada."))
    return redirect("ethics:declaration", pk=draft.pk)


def declaration_public(request: HttpRequest, pk: int) -> HttpResponse:
    """The public version of a filed declaration, without the private fields."""
    item = access.access_public_declaration(pk)
    return render(
        request,
        "ethics/declaration_public.html",
        {
            "declaration": item,
            "sections": _sections_for_display(interest_format.public_view(item.interest)),
        },
    )


# --- Conflict cases ------------------------------------------------------------------------------
@role_required(*access.REVIEWER_ROLES)
def conflicts(request: HttpRequest) -> HttpResponse:
    cases = access.conflicts_visible(request.user)
    return render(request, "ethics/conflicts.html", {"cases": cases})


@require_http_methods(["GET", "POST"])
@role_required(*access.REVIEWER_ROLES)
def conflict_open(request: HttpRequest, declaration_pk: int) -> HttpResponse:
    source = access.access_declaration(request.user, declaration_pk)
    if not access.may_review_declaration(request.user, source):
        raise Http404
    form = ConflictOpenForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        case = actions.conflict_open(
            actor=request.user,
            entity=source.entity,
            servant=source.declarant,
            declaration=source,
            **form.cleaned_data,
        )
        return redirect("ethics:conflict", pk=case.pk)
    return render(request, "ethics/conflict_open.html", {"form": form, "declaration": source})


@require_http_methods(["GET", "POST"])
@role_required(*access.REVIEWER_ROLES)
def conflict(request: HttpRequest, pk: int) -> HttpResponse:
    case = access.access_conflict(request.user, pk)
    form = ConflictMeasureForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            actions.conflict_measure_add(actor=request.user, case=case, **form.cleaned_data)
            messages.success(request, _("Medida registrada."))
            return redirect("ethics:conflict", pk=case.pk)
        except ValidationError as exc:
            messages.error(request, _error_text(exc))
    return render(
        request,
        "ethics/conflict.html",
        {"case": case, "measures": case.measures.all(), "form": form},
    )


@require_POST
@role_required(*access.REVIEWER_ROLES)
def conflict_close(request: HttpRequest, pk: int) -> HttpResponse:
    case = access.access_conflict(request.user, pk)
    try:
        actions.conflict_close(actor=request.user, case=case)
    except ValidationError as exc:
        messages.error(request, _error_text(exc))
    return redirect("ethics:conflict", pk=case.pk)


# --- Gifts ---------------------------------------------------------------------------------------
@require_http_methods(["GET", "POST"])
@access.gifts_page
def gifts(request: HttpRequest) -> HttpResponse:
    is_servant = access.is_servant(request.user)
    form = GiftForm(request.POST or None) if is_servant else None
    if request.method == "POST":
        appointment = access.servant_appointments(request.user).first()
        if form is None or appointment is None:
            raise PermissionDenied
        if form.is_valid():
            try:
                gift = actions.gift_record(
                    actor=request.user, entity=appointment.entity, **form.cleaned_data
                )
            except ValidationError as exc:
                form.add_error(None, exc)
            else:
                if gift.needs_handover:
                    messages.warning(
                        request,
                        _(
                            "El valor supera el límite del código: debe entregarlo a la institución."
                        ),
                    )
                messages.success(request, _("Obsequio registrado."))
                return redirect("ethics:gifts")
    return render(
        request,
        "ethics/gifts.html",
        {
            "form": form,
            "gifts": access.gifts_visible(request.user)[:200],
            "threshold": actions.gift_threshold(),
        },
    )


@require_POST
@role_required(SERVANT)
def gift_hand_over(request: HttpRequest, pk: int) -> HttpResponse:
    gift = access.access_own_gift(request.user, pk)
    try:
        actions.gift_hand_over(actor=request.user, gift=gift)
    except ValidationError as exc:
        messages.error(request, _error_text(exc))
    return redirect("ethics:gifts")


def gifts_public(request: HttpRequest) -> HttpResponse:
    """The public register: no servant, no natural-person giver, no RFC, no notes."""
    rows = Gift.objects.public_rows()[:500]
    return render(request, "ethics/gifts_public.html", {"gifts": rows})


def gifts_public_csv(request: HttpRequest) -> HttpResponse:
    """The whole public register as CSV, with the same columns as the page."""
    rows = (
        [
            g.entity.name,
            g.offered_on.strftime("%Y-%m"),
            g.kind,
            g.public_giver,
            g.value,
            g.decision,
            int(g.over_threshold),
        ]
        for g in Gift.objects.public_rows().iterator(chunk_size=2000)
    )
    header = ["entity", "month", "kind", "company_giver", "value_mxn", "decision", "over_limit"]
    return csv_response("registro-obsequios.csv", header, rows)


# --- Advice --------------------------------------------------------------------------------------
@require_http_methods(["GET", "POST"])
@access.advice_page
def advice(request: HttpRequest) -> HttpResponse:
    is_servant = access.is_servant(request.user)
    contact_ids = access.contact_entity_ids(request.user)
    form = AdviceAskForm(request.POST or None) if is_servant else None
    if request.method == "POST":
        appointment = access.servant_appointments(request.user).first()
        if form is None or appointment is None:
            raise PermissionDenied
        if form.is_valid():
            actions.advice_ask(
                actor=request.user,
                entity=appointment.entity,
                question=form.cleaned_data["question"],
            )
            messages.success(request, _("Pregunta enviada al punto de contacto de su ente."))
            return redirect("ethics:advice")
    visible = access.advice_visible(request.user)
    return render(
        request,
        "ethics/advice.html",
        {
            "form": form,
            "mine": visible.filter(asker=request.user),
            "inbox": visible.filter(entity_id__in=contact_ids).exclude(asker=request.user),
        },
    )


@require_http_methods(["GET", "POST"])
@access.signed_in_page
def advice_detail(request: HttpRequest, pk: int) -> HttpResponse:
    item = access.access_advice(request.user, pk)
    may_answer = access.may_answer_advice(request.user, item)
    form = AdviceAnswerForm(request.POST or None) if may_answer and not item.is_answered else None
    if request.method == "POST":
        if form is None:
            raise Http404
        if form.is_valid():
            try:
                actions.advice_answer(
                    actor=request.user, request=item, answer=form.cleaned_data["answer"]
                )
                messages.success(request, _("Respuesta enviada."))
                return redirect("ethics:advice_detail", pk=item.pk)
            except ValidationError as exc:
                messages.error(request, _error_text(exc))
    publish_form = None
    if may_answer and item.is_answered and not item.published_at:
        publish_form = AdvicePublishForm()
    return render(
        request,
        "ethics/advice_detail.html",
        {"item": item, "form": form, "publish_form": publish_form},
    )


@require_POST
@access.signed_in_page
def advice_publish(request: HttpRequest, pk: int) -> HttpResponse:
    item = access.access_advice(request.user, pk)
    if not access.may_answer_advice(request.user, item):
        raise Http404
    form = AdvicePublishForm(request.POST)
    if form.is_valid():
        try:
            actions.advice_publish(actor=request.user, request=item, **form.cleaned_data)
            messages.success(request, _("Publicada como orientación."))
        except ValidationError as exc:
            messages.error(request, _error_text(exc))
    else:
        messages.error(request, _("Escriba la pregunta y la respuesta anonimizadas."))
    return redirect("ethics:advice_detail", pk=item.pk)


def guidance(request: HttpRequest) -> HttpResponse:
    """Anonymised questions and answers, public."""
    items = AdviceRequest.objects.filter(published_at__isnull=False).only(
        "guidance_question", "guidance_answer", "published_at"
    )
    return render(request, "ethics/guidance.html", {"items": items})


# --- Moral reminders -----------------------------------------------------------------------------
@require_http_methods(["GET", "POST"])
@role_required(Role.ADMIN)
def reminders(request: HttpRequest) -> HttpResponse:
    form = ReminderForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        actions.reminder_save(
            actor=request.user,
            transaction_name=data["transaction"],
            variant=data["variant"],
            text=data["text"],
            active=data["active"],
        )
        messages.success(request, _("Recordatorio guardado."))
        return redirect("ethics:reminders")
    variants = MoralReminder.objects.annotate(
        n_shown=Count("shown"),
        n_completed=Count("shown", filter=Q(shown__completed_at__isnull=False)),
        n_on_time=Count("shown", filter=Q(shown__on_time=True)),
    )
    return render(request, "ethics/reminders.html", {"form": form, "variants": variants})


# --- Revolving door ------------------------------------------------------------------------------
@require_http_methods(["GET", "POST"])
@role_required(SERVANT)
def screening(request: HttpRequest) -> HttpResponse:
    appointment = access.servant_appointments(request.user).select_related("entity").first()
    if appointment is None:
        raise Http404
    done = EmploymentScreening.objects.filter(appointment=appointment).first()
    form = ScreeningForm(request.POST or None) if done is None else None
    if request.method == "POST" and form is not None and form.is_valid():
        try:
            actions.screening_submit(
                actor=request.user, appointment=appointment, **form.cleaned_data
            )
            messages.success(request, _("Cuestionario de ingreso enviado."))
            return redirect("ethics:screening")
        except ValidationError as exc:
            form.add_error(None, exc)
    return render(
        request,
        "ethics/screening.html",
        {"form": form, "done": done, "appointment": appointment},
    )


@require_http_methods(["GET", "POST"])
@access.declarant_page
def post_employment(request: HttpRequest) -> HttpResponse:
    """A servant or former servant tells where they work next."""
    appointments = access.past_appointments(request.user)
    form = PostEmploymentForm(request.POST or None, appointments=appointments)
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        appointment = appointments.get(pk=data.pop("appointment"))
        try:
            notice = actions.post_employment_notify(
                actor=request.user, appointment=appointment, **data
            )
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            if notice.cooling_off_warning:
                messages.warning(
                    request,
                    _(
                        "Su nuevo empleador es proveedor de su ente anterior: aplica el periodo de "
                        "enfriamiento de un año. El órgano interno de control revisará el aviso."
                    ),
                )
            messages.success(request, _("Aviso registrado."))
            return redirect("ethics:post_employment")
    notices = PostEmploymentNotice.objects.filter(appointment__in=appointments)
    return render(request, "ethics/post_employment.html", {"form": form, "notices": notices})


@role_required(*access.REVIEWER_ROLES)
def revolving_door(request: HttpRequest) -> HttpResponse:
    ids = access.reviewer_entity_ids(request.user)
    screenings = (
        EmploymentScreening.objects.filter(appointment__entity_id__in=ids)
        .filter(Q(previous_employer_is_supplier=True) | Q(pending_interests=True))
        .select_related("appointment__user", "appointment__entity")
    )
    notices = PostEmploymentNotice.objects.filter(appointment__entity_id__in=ids).select_related(
        "appointment__user", "appointment__entity"
    )
    return render(
        request, "ethics/revolving_door.html", {"screenings": screenings, "notices": notices}
    )


# --- Education -----------------------------------------------------------------------------------
@role_required(SERVANT)
def education(request: HttpRequest) -> HttpResponse:
    modules = EducationModule.objects.filter(active=True)
    done = {c.module_id: c for c in ModuleCompletion.objects.filter(user=request.user)}
    return render(
        request,
        "ethics/education.html",
        {"modules": [(m, done.get(m.pk)) for m in modules]},
    )


@require_http_methods(["GET", "POST"])
@role_required(SERVANT)
def education_module(request: HttpRequest, pk: int) -> HttpResponse:
    module = get_object_or_404(EducationModule, pk=pk, active=True)
    appointment = access.servant_appointments(request.user).select_related("entity").first()
    form = QuizForm(request.POST or None, module=module)
    if request.method == "POST" and form.is_valid() and appointment is not None:
        completion = actions.module_attempt(
            actor=request.user, module=module, entity=appointment.entity, answers=form.answers()
        )
        if completion.passed:
            messages.success(request, _("Aprobó el módulo con %(s)s%%.") % {"s": completion.score})
        else:
            messages.error(
                request, _("Obtuvo %(s)s%%; vuelva a intentarlo.") % {"s": completion.score}
            )
        return redirect("ethics:education")
    return render(request, "ethics/education_module.html", {"module": module, "form": form})


# --- Servants who take part in procurement (PDN System 2) ----------------------------------------
@role_required(Role.CONTACT, Role.ADMIN)
def procurement_roles(request: HttpRequest) -> HttpResponse:
    """Current servants of the user's entities and what they do in procurement procedures."""
    rows = access.procurement_appointments(request.user).order_by(
        "entity__name", "user__last_name", "user__first_name", "pk"
    )
    query = request.GET.get("q", "").strip()
    if query:
        rows = rows.filter(
            Q(user__first_name__icontains=query) | Q(user__last_name__icontains=query)
        )
    page = Paginator(rows, 50).get_page(request.GET.get("page"))
    recorded = {
        r.appointment_id: r
        for r in ProcurementRole.objects.filter(appointment__in=[a.pk for a in page])
    }
    listing = [(a, recorded.get(a.pk)) for a in page]
    return render(
        request,
        "ethics/procurement_roles.html",
        {"page": page, "listing": listing, "q": query, "query": urlencode({"q": query})},
    )


@role_required(Role.CONTACT, Role.ADMIN)
@require_http_methods(["GET", "POST"])
def procurement_role(request: HttpRequest, pk: int) -> HttpResponse:
    """Record what one servant's appointment does in procurement procedures."""
    appointment = access.access_procurement_appointment(request.user, pk)
    current = ProcurementRole.objects.filter(appointment=appointment).first()
    initial = (
        {
            "position": current.position,
            "level": current.level,
            "procedures": current.procedures,
            "responsibility": current.responsibility,
            "notes": current.notes,
        }
        if current
        else {}
    )
    form = ProcurementRoleForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            actions.procurement_role_save(
                actor=request.user, appointment=appointment, **form.cleaned_data
            )
        except ValidationError as exc:
            form.add_error(None, _error_text(exc))
        else:
            messages.success(request, _("Intervención en contrataciones guardada."))
            return redirect("ethics:procurement_roles")
    return render(
        request, "ethics/procurement_role.html", {"form": form, "appointment": appointment}
    )
