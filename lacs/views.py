from __future__ import annotations

import segno
from django.contrib import messages
from django.contrib.auth import login, logout, update_session_auth_hash
from django.contrib.auth.forms import PasswordChangeForm
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db import connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django_otp import login as otp_login
from django_otp.plugins.otp_totp.models import TOTPDevice

from lacs import actions, crypto, keys
from lacs.access import mark_recent_auth, role_required, staff_page
from lacs.celery import app as celery_app
from lacs.forms import (
    CategoryForm,
    ConfirmIdentityForm,
    ContactPointForm,
    EntityForm,
    LoginForm,
    RoleAssignmentForm,
    TokenForm,
)
from lacs.models import (
    AuditSignedHead,
    Category,
    ChangeRequest,
    ChangeStatus,
    ContactPoint,
    Entity,
    Role,
    RoleAssignment,
)


def not_found(request: HttpRequest, exception=None) -> HttpResponse:
    """404 page; JSON in the API's error shape under /api/ and the PDN paths."""
    if request.path.startswith(("/api/", "/v1/", "/v2/")):
        return JsonResponse({"code": "not_found", "message": _("No encontrado.")}, status=404)
    return render(request, "404.html", status=404)


def home(request: HttpRequest) -> HttpResponse:
    return render(request, "home.html")


# --- Health -----------------------------------------------------------------------------------
def _check_database() -> str:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return "ok"


def _check_redis() -> str:
    from django.core.cache import cache

    cache.set("healthz", "1", timeout=10)
    return "ok" if cache.get("healthz") == "1" else "unreadable"


def _check_celery() -> str:
    replies = celery_app.control.ping(timeout=1.0)
    return "ok" if replies else "no worker answered"


@require_GET
@never_cache
def healthz(request: HttpRequest) -> JsonResponse:
    """``{"database": "ok", "redis": "ok", "celery": "ok"}``, or 503 naming what failed."""
    checks = {"database": _check_database, "redis": _check_redis, "celery": _check_celery}
    report, healthy = {}, True
    for name, check in checks.items():
        try:
            report[name] = check()
        except Exception as exc:
            report[name] = f"error: {type(exc).__name__}"
        healthy = healthy and report[name] == "ok"
    return JsonResponse(report, status=200 if healthy else 503)


# --- Sign-in --------------------------------------------------------------------------------
def _next_url(request: HttpRequest, default: str = "/") -> str:
    target = request.POST.get("next") or request.GET.get("next") or default
    if url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        return target
    return default


@never_cache
@require_http_methods(["GET", "POST"])
def login_view(request: HttpRequest) -> HttpResponse:
    form = LoginForm(request.POST or None, request=request)
    if request.method == "POST" and form.is_valid():
        password = form.cleaned_data["password"]
        login(request, form.user)
        if form.device is not None:
            otp_login(request, form.device)
        keys.session_store(request, actions.user_keys_unlock(user=form.user, password=password))
        mark_recent_auth(request)
        return redirect(_next_url(request))
    return render(request, "registration/login.html", {"form": form, "next": _next_url(request)})


@require_POST
def logout_view(request: HttpRequest) -> HttpResponse:
    logout(request)
    response = redirect("home")
    response.delete_cookie(keys.COOKIE_NAME)
    return response


@never_cache
@require_http_methods(["GET", "POST"])
def two_factor(request: HttpRequest) -> HttpResponse:
    """Enrol a TOTP device (first time) or verify a code for this session."""
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    device = TOTPDevice.objects.filter(user=request.user, confirmed=True).first()
    enrolling = device is None
    if device is None:
        device = actions.totp_device_start(user=request.user)
    form = TokenForm(request.POST or None, device=device)
    if request.method == "POST" and form.is_valid():
        if enrolling:
            actions.totp_device_confirm(user=request.user, device=device)
        otp_login(request, device)
        messages.success(request, _("Verificación en dos pasos activa."))
        return redirect(_next_url(request))
    context = {"form": form, "enrolling": enrolling, "next": _next_url(request)}
    if enrolling:  # the secret is shown while enrolling only, never once the device is confirmed
        context["otpauth"] = device.config_url
        context["secret"] = device.config_url.split("secret=")[1].split("&")[0]
        context["qr_svg"] = segno.make(device.config_url, error="m").svg_inline(scale=4)
    return render(request, "registration/two_factor.html", context)


@never_cache
@require_http_methods(["GET", "POST"])
def confirm_identity(request: HttpRequest) -> HttpResponse:
    """Asks for the password (and code) again before a sensitive action."""
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    form = ConfirmIdentityForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        mark_recent_auth(request)
        return redirect(_next_url(request))
    return render(
        request, "registration/confirm_identity.html", {"form": form, "next": _next_url(request)}
    )


@never_cache
@require_http_methods(["GET", "POST"])
def password_change(request: HttpRequest) -> HttpResponse:
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    form = PasswordChangeForm(request.user, request.POST or None)
    if request.method == "POST" and form.is_valid():
        actions.user_password_change(
            user=request.user,
            old_password=form.cleaned_data["old_password"],
            new_password=form.cleaned_data["new_password1"],
        )
        update_session_auth_hash(request, request.user)
        messages.success(request, _("Su contraseña cambió; sus llaves siguen disponibles."))
        return redirect("home")
    return render(request, "registration/password_change.html", {"form": form})


# --- Staff configuration --------------------------------------------------------------------
def _tree(entities: list[Entity]) -> list[tuple[Entity, int]]:
    by_parent: dict[int | None, list[Entity]] = {}
    for entity in entities:
        by_parent.setdefault(entity.parent_id, []).append(entity)
    ordered: list[tuple[Entity, int]] = []

    def walk(parent_id: int | None, depth: int) -> None:
        for child in by_parent.get(parent_id, []):
            ordered.append((child, depth))
            walk(child.pk, depth + 1)

    walk(None, 0)
    return ordered


@staff_page
@require_http_methods(["GET", "POST"])
def staff_entities(request: HttpRequest) -> HttpResponse:
    form = EntityForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        entity = actions.entity_create(actor=request.user, **form.cleaned_data)
        messages.success(request, _("Ente «%(name)s» creado.") % {"name": entity.name})
        return redirect("staff_entity", pk=entity.pk)
    entities = list(Entity.objects.select_related("parent").order_by("name"))
    counts: dict[int, int] = {}
    for entity_id in ContactPoint.objects.current().values_list("entity_id", flat=True):
        counts[entity_id] = counts.get(entity_id, 0) + 1
    rows = [(entity, depth, counts.get(entity.pk, 0)) for entity, depth in _tree(entities)]
    return render(request, "staff/entities.html", {"rows": rows, "form": form})


def _entity_page(request: HttpRequest, entity: Entity, **forms) -> HttpResponse:
    context = {
        "entity": entity,
        "entity_form": forms.get("entity_form") or EntityForm(instance=entity),
        "contact_form": forms.get("contact_form") or ContactPointForm(entity=entity),
        "contact_points": entity.contact_points.select_related("user").order_by("-start"),
        "pending": ChangeRequest.objects.filter(entity=entity, status=ChangeStatus.PENDING),
        "today": timezone.localdate(),
    }
    return render(request, "staff/entity.html", context, status=forms.get("status", 200))


def _proposed(request: HttpRequest) -> None:
    messages.success(
        request, _("Cambio propuesto: se aplicará cuando otra persona administradora lo apruebe.")
    )


@staff_page
@require_http_methods(["GET", "POST"])
def staff_entity(request: HttpRequest, pk: int) -> HttpResponse:
    """An entity's data; a new escrow key or Comptroller flag is proposed for a second
    administrator's approval."""
    entity = get_object_or_404(Entity, pk=pk)
    if request.method != "POST":
        return _entity_page(request, entity)
    form = EntityForm(request.POST, instance=Entity.objects.get(pk=pk))  # the form edits its copy
    if not form.is_valid():
        return _entity_page(request, entity, entity_form=form)
    if actions.entity_update_or_propose(actor=request.user, entity=entity, **form.cleaned_data):
        _proposed(request)
    else:
        messages.success(request, _("Cambios guardados."))
    return redirect("staff_entity", pk=pk)


@staff_page
@require_POST
def staff_entity_contact(request: HttpRequest, pk: int) -> HttpResponse:
    """Propose a contact point; a second administrator's approval appoints them."""
    entity = get_object_or_404(Entity, pk=pk)
    form = ContactPointForm(request.POST, entity=entity)
    if form.is_valid():
        try:
            actions.refuse_administrator_as_recipient(form.cleaned_data["user"])
        except ValidationError as exc:
            form.add_error("user", exc)
    if not form.is_valid():
        return _entity_page(request, entity, contact_form=form)
    payload = {name: actions.payload_value(v) for name, v in form.cleaned_data.items()}
    actions.change_propose(
        actor=request.user,
        kind="contact_point.appoint",
        payload={"entity": entity.pk, **payload},
        summary=_("Designar a %(user)s como punto de contacto de %(entity)s")
        % {"user": form.cleaned_data["user"].get_username(), "entity": entity},
        entity=entity,
    )
    _proposed(request)
    return redirect("staff_entity", pk=pk)


@staff_page
@require_POST
def staff_entity_contact_end(request: HttpRequest, pk: int) -> HttpResponse:
    """Propose ending a contact point's appointment today."""
    entity = get_object_or_404(Entity, pk=pk)
    contact_point = get_object_or_404(
        ContactPoint, pk=request.POST.get("contact_point") or 0, entity=entity
    )
    actions.change_propose(
        actor=request.user,
        kind="contact_point.end",
        payload={"contact_point": contact_point.pk, "end": timezone.localdate().isoformat()},
        summary=_("Concluir a %(user)s como punto de contacto de %(entity)s")
        % {"user": contact_point.user.get_username(), "entity": entity},
        entity=entity,
    )
    _proposed(request)
    return redirect("staff_entity", pk=pk)


@staff_page
@require_http_methods(["GET", "POST"])
def staff_categories(request: HttpRequest) -> HttpResponse:
    form = CategoryForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        _category, proposed = actions.category_save_or_propose(
            actor=request.user, **form.cleaned_data
        )
        messages.success(request, _("Categoría guardada."))
        if proposed:
            _proposed(request)
        return redirect("staff_categories")
    categories = Category.objects.select_related("specialised_unit")
    return render(request, "staff/categories.html", {"form": form, "categories": categories})


@staff_page
@require_http_methods(["GET", "POST"])
def staff_roles(request: HttpRequest) -> HttpResponse:
    """Assign a role; a custodian is proposed for a second administrator's approval."""
    form = RoleAssignmentForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            _role_assign_or_propose(request, form.cleaned_data)
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            return redirect("staff_roles")
    assignments = RoleAssignment.objects.select_related("user", "entity").order_by(
        "user__username", "role"
    )
    page = Paginator(assignments, 50).get_page(request.GET.get("page"))
    return render(request, "staff/roles.html", {"form": form, "page": page})


def _role_assign_or_propose(request: HttpRequest, data: dict) -> None:
    if data["role"] not in actions.APPROVED_ROLES:
        actions.role_assign(actor=request.user, **data)
        messages.success(request, _("Rol asignado."))
        return
    if data["role"] == Role.ADMIN:
        actions.refuse_recipient_as_administrator(data["user"])
    else:
        actions.refuse_administrator_as_recipient(data["user"])
    actions.change_propose(
        actor=request.user,
        kind="role.assign",
        payload={name: actions.payload_value(v) for name, v in data.items()},
        summary=_("Asignar a %(user)s el rol %(role)s")
        % {"user": data["user"].get_username(), "role": Role(data["role"]).label},
        entity=data.get("entity"),
    )
    _proposed(request)


# --- Two-person approval ----------------------------------------------------------------------
@staff_page
@require_GET
def staff_changes(request: HttpRequest) -> HttpResponse:
    """Changes waiting for a second administrator, and the latest decided ones."""
    changes = ChangeRequest.objects.select_related("proposed_by", "decided_by", "entity")
    context = {
        "pending": changes.filter(status=ChangeStatus.PENDING).order_by("id"),
        "decided": changes.exclude(status=ChangeStatus.PENDING).order_by("-id")[:50],
        "labels": {kind: change.label for kind, change in actions.CHANGE_KINDS.items()},
    }
    return render(request, "staff/changes.html", context)


def _change_decide(request: HttpRequest, pk: int, decide, done: str) -> HttpResponse:
    change = get_object_or_404(ChangeRequest, pk=pk)
    try:
        decide(actor=request.user, change=change)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, done)
    return redirect("staff_changes")


@staff_page
@require_POST
def staff_change_approve(request: HttpRequest, pk: int) -> HttpResponse:
    return _change_decide(request, pk, actions.change_approve, _("Cambio aprobado y aplicado."))


@staff_page
@require_POST
def staff_change_reject(request: HttpRequest, pk: int) -> HttpResponse:
    return _change_decide(request, pk, actions.change_reject, _("Cambio rechazado."))


# --- The audit log's published heads -------------------------------------------------------------
def _public_key_text() -> str:
    public = keys.audit_public_key()
    return crypto.b64e(public) if public else ""


@role_required(Role.CPC, Role.ADMIN)
@require_GET
def audit_heads(request: HttpRequest) -> HttpResponse:
    """The signed daily heads of the audit log, for the CPC to read and keep."""
    page = Paginator(AuditSignedHead.objects.order_by("-day"), 60).get_page(request.GET.get("page"))
    context = {"page": page, "public_key": _public_key_text()}
    return render(request, "audit/heads.html", context)


@role_required(Role.CPC, Role.ADMIN)
@require_GET
def audit_heads_file(request: HttpRequest) -> HttpResponse:
    """Every signed head, one a line, for ``manage.py audit_verify --heads FILE``."""
    lines = ["# lacs audit heads: day seq hash public-key signature"]
    lines.append(f"# public key: {_public_key_text() or '-'}")
    lines += [head.line() for head in AuditSignedHead.objects.order_by("day")]
    response = HttpResponse("\n".join(lines) + "\n", content_type="text/plain; charset=utf-8")
    name = f"lacs-audit-heads-{timezone.localdate().isoformat()}.txt"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response
