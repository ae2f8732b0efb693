from __future__ import annotations

import segno
from django.contrib import messages
from django.contrib.auth import login, logout, update_session_auth_hash
from django.contrib.auth.forms import PasswordChangeForm
from django.contrib.auth.views import redirect_to_login
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
from lacs.access import mark_recent_auth, recent_auth_required, role_required
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
from lacs.models import AuditSignedHead, Category, ContactPoint, Entity, Role, RoleAssignment


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
        keys.session_store(request, keys.user_keys_unlock(user=form.user, password=password))
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
    if enrolling:
        device = TOTPDevice.objects.filter(user=request.user, confirmed=False).first()
        if device is None:
            device = TOTPDevice.objects.create(user=request.user, name="app", confirmed=False)
    form = TokenForm(request.POST or None, device=device)
    if request.method == "POST" and form.is_valid():
        if enrolling:
            device.confirmed = True
            device.save(update_fields=["confirmed"])
        otp_login(request, device)
        messages.success(request, _("Verificación en dos pasos activa."))
        return redirect(_next_url(request))
    context = {"form": form, "enrolling": enrolling, "next": _next_url(request)}
    if enrolling:
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
        keys.user_keys_rewrap(
            user=request.user,
            old_password=form.cleaned_data["old_password"],
            new_password=form.cleaned_data["new_password1"],
        )
        form.save()
        update_session_auth_hash(request, form.user)
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


@role_required(Role.ADMIN)
@recent_auth_required
@require_http_methods(["GET", "POST"])
def staff_entities(request: HttpRequest) -> HttpResponse:
    form = EntityForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        entity = actions.entity_save(actor=request.user, form=form)
        messages.success(request, _("Ente «%(name)s» creado.") % {"name": entity.name})
        return redirect("staff_entity", pk=entity.pk)
    entities = list(Entity.objects.select_related("parent").order_by("name"))
    counts: dict[int, int] = {}
    for entity_id in ContactPoint.objects.current().values_list("entity_id", flat=True):
        counts[entity_id] = counts.get(entity_id, 0) + 1
    rows = [(entity, depth, counts.get(entity.pk, 0)) for entity, depth in _tree(entities)]
    return render(request, "staff/entities.html", {"rows": rows, "form": form})


@role_required(Role.ADMIN)
@recent_auth_required
@require_http_methods(["GET", "POST"])
def staff_entity(request: HttpRequest, pk: int) -> HttpResponse:
    entity = get_object_or_404(Entity, pk=pk)
    entity_form = EntityForm(instance=entity)
    contact_form = ContactPointForm(entity=entity)
    if request.method == "POST" and request.POST.get("form") == "entity":
        entity_form = EntityForm(request.POST, instance=entity)
        if entity_form.is_valid():
            actions.entity_save(actor=request.user, form=entity_form)
            messages.success(request, _("Cambios guardados."))
            return redirect("staff_entity", pk=pk)
    elif request.method == "POST" and request.POST.get("form") == "contact":
        contact_form = ContactPointForm(request.POST, entity=entity)
        if contact_form.is_valid():
            actions.contact_point_save(actor=request.user, form=contact_form)
            messages.success(request, _("Punto de contacto registrado."))
            return redirect("staff_entity", pk=pk)
    elif request.method == "POST" and request.POST.get("form") == "end":
        contact_point = get_object_or_404(
            ContactPoint, pk=request.POST.get("contact_point"), entity=entity
        )
        actions.contact_point_end(
            actor=request.user, contact_point=contact_point, end=timezone.localdate()
        )
        messages.success(request, _("Designación concluida hoy."))
        return redirect("staff_entity", pk=pk)
    contact_points = entity.contact_points.select_related("user").order_by("-start")
    context = {
        "entity": entity,
        "entity_form": entity_form,
        "contact_form": contact_form,
        "contact_points": contact_points,
        "today": timezone.localdate(),
    }
    return render(request, "staff/entity.html", context)


@role_required(Role.ADMIN)
@recent_auth_required
@require_http_methods(["GET", "POST"])
def staff_categories(request: HttpRequest) -> HttpResponse:
    form = CategoryForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        actions.category_save(actor=request.user, form=form)
        messages.success(request, _("Categoría guardada."))
        return redirect("staff_categories")
    categories = Category.objects.select_related("specialised_unit")
    return render(request, "staff/categories.html", {"form": form, "categories": categories})


@role_required(Role.ADMIN)
@recent_auth_required
@require_http_methods(["GET", "POST"])
def staff_roles(request: HttpRequest) -> HttpResponse:
    form = RoleAssignmentForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        actions.role_assign(actor=request.user, form=form)
        messages.success(request, _("Rol asignado."))
        return redirect("staff_roles")
    assignments = RoleAssignment.objects.select_related("user", "entity").order_by(
        "user__username", "role"
    )
    page = Paginator(assignments, 50).get_page(request.GET.get("page"))
    return render(request, "staff/roles.html", {"form": form, "page": page})


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
