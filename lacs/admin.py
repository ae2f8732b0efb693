"""The admin site: the same two-step sign-in as the rest, and every write through an action.

- Only a TOTP-verified staff session reaches it; its log-in page is the platform's.
- Configuration without a dedicated action is saved by ``actions.admin_object_save`` (audited);
  models with an action use it; the rest is read-only.
- Escrow keys, contact points, custodians and routing rules are proposed here and applied when
  a second administrator approves them at ``/staff/changes/``.
- Nobody reads a TOTP secret after enrolment; a password reset is ``user_password_reset``.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.contrib.auth import get_user_model
from django.contrib.auth.admin import UserAdmin
from django.contrib.auth.models import Group
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponseRedirect
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django_otp.plugins.otp_totp.models import TOTPDevice
from oauth2_provider import models as oauth2_models

from lacs import actions
from lacs.access import RECIPIENT_ROLES
from lacs.models import (
    AuditEvent,
    Category,
    ChangeRequest,
    ContactPoint,
    Entity,
    Role,
    RoleAssignment,
)


# --- The site ---------------------------------------------------------------------------------
def _has_permission(request) -> bool:
    """Staff, active, and verified with TOTP in this session (never with the password alone)."""
    user = request.user
    return bool(user.is_active and user.is_staff and user.is_verified())


def _login(request, extra_context=None):
    """The admin's own log-in would skip the code and the throttle: use the platform's."""
    return redirect(f"{reverse('login')}?next={reverse('admin:index')}")


admin.site.has_permission = _has_permission  # type: ignore[method-assign]
admin.site.login = _login  # type: ignore[method-assign]
admin.site.disable_action("delete_selected")  # a bulk delete would skip the actions


def _proposed(request) -> None:
    messages.info(
        request, _("Cambio propuesto: se aplicará cuando otra persona administradora lo apruebe.")
    )


class NoLogEntryAdmin(admin.ModelAdmin):
    """The audit log records each change; Django's own LogEntry table is not written."""

    def log_addition(self, request, obj, message):
        return None

    def log_change(self, request, obj, message):
        return None

    def log_deletion(self, request, obj, object_repr):
        return None

    def log_deletions(self, request, queryset):
        return None


class ReadOnlyAdmin(NoLogEntryAdmin):
    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class AuditedAdmin(NoLogEntryAdmin):
    """Configuration without a dedicated action: saved and deleted by audited actions."""

    def save_model(self, request, obj, form, change):
        actions.admin_object_save(
            actor=request.user, obj=obj, changed=list(form.changed_data), created=not change
        )

    def delete_model(self, request, obj):
        actions.admin_object_delete(actor=request.user, obj=obj)

    def save_formset(self, request, form, formset, change):
        for instance in formset.save(commit=False):
            actions.admin_object_save(actor=request.user, obj=instance, changed=[], created=False)
        for instance in formset.deleted_objects:
            actions.admin_object_delete(actor=request.user, obj=instance)
        formset.save_m2m()


class ProposingAdmin(NoLogEntryAdmin):
    """Saving proposes the change; a second administrator applies it at /staff/changes/."""

    change_kind = ""

    def proposal(self, obj, form, change) -> dict[str, Any]:
        payload = {name: actions.payload_value(v) for name, v in form.cleaned_data.items()}
        return {**payload, **({"rule": obj.pk} if change else {})}

    def save_model(self, request, obj, form, change):
        actions.change_propose(
            actor=request.user,
            kind=self.change_kind,
            payload=self.proposal(obj, form, change),
            summary=f"{obj._meta.verbose_name}: {obj}"[:300],
            entity=getattr(obj, "entity", None),
        )

    def save_related(self, request, form, formsets, change):
        return None

    def _to_changes(self, request):
        _proposed(request)
        return HttpResponseRedirect(reverse("staff_changes"))

    def response_add(self, request, obj, post_url_continue=None):
        return self._to_changes(request)

    def response_change(self, request, obj):
        return self._to_changes(request)

    def has_delete_permission(self, request, obj=None):
        return False


# --- Entities, contact points, categories, roles ----------------------------------------------
class ContactPointInline(admin.TabularInline):
    """Shown for reference: appointing or ending one is proposed at /staff/entities/."""

    model = ContactPoint
    extra = 0
    fields = ["user", "kind", "start", "end"]
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Entity)
class EntityAdmin(NoLogEntryAdmin):
    list_display = ["name", "acronym", "kind", "parent", "is_comptroller", "active"]
    list_filter = ["kind", "active"]
    search_fields = ["name", "acronym"]
    autocomplete_fields = ["parent"]
    inlines = [ContactPointInline]
    fields = ["name", "acronym", "kind", "parent", "is_comptroller", "escrow_public_key", "active"]

    def get_readonly_fields(self, request, obj=None):
        # A new key for an existing entity is a two-person change (at /staff/entities/<pk>/).
        return ["escrow_public_key"] if obj is not None else []

    def save_model(self, request, obj, form, change):
        data = {name: form.cleaned_data[name] for name in form.cleaned_data}
        if change:
            entity = Entity.objects.get(pk=obj.pk)  # the form has changed ``obj`` already
            if actions.entity_update_or_propose(actor=request.user, entity=entity, **data):
                _proposed(request)
        else:
            created = actions.entity_create(actor=request.user, **data)
            obj.pk = created.pk

    def save_formset(self, request, form, formset, change):
        # contact points are read-only here: nothing of the inline is saved
        formset.new_objects, formset.changed_objects, formset.deleted_objects = [], [], []

    def has_delete_permission(self, request, obj=None):
        return False


class ContactPointAdminForm(forms.ModelForm):
    class Meta:
        model = ContactPoint
        fields = ["entity", "user", "kind", "start", "end"]

    def clean_user(self):
        user = self.cleaned_data["user"]
        actions.refuse_administrator_as_recipient(user)
        return user


@admin.register(ContactPoint)
class ContactPointAdmin(ProposingAdmin):
    """New contact points are proposed; ending one is proposed at /staff/entities/<pk>/."""

    change_kind = "contact_point.appoint"
    form = ContactPointAdminForm
    list_display = ["entity", "user", "kind", "start", "end"]
    list_filter = ["kind"]
    search_fields = ["entity__name", "user__username"]
    autocomplete_fields = ["entity", "user"]

    def has_change_permission(self, request, obj=None):
        return obj is None and super().has_change_permission(request, obj)


@admin.register(Category)
class CategoryAdmin(NoLogEntryAdmin):
    list_display = ["code", "name", "specialised_unit", "retention_days", "active", "position"]
    search_fields = ["code", "name"]
    autocomplete_fields = ["specialised_unit"]

    def save_model(self, request, obj, form, change):
        category = Category.objects.get(pk=obj.pk) if change else None
        saved, proposed = actions.category_save_or_propose(
            actor=request.user, category=category, **form.cleaned_data
        )
        obj.pk = saved.pk
        if proposed:
            _proposed(request)

    def has_delete_permission(self, request, obj=None):
        return False


class RoleAssignmentAdminForm(forms.ModelForm):
    class Meta:
        model = RoleAssignment
        fields = ["user", "role", "entity", "start", "end"]

    def clean(self):
        data = super().clean()
        user, role = data.get("user"), data.get("role")
        if user is not None and role in RECIPIENT_ROLES:
            actions.refuse_administrator_as_recipient(user)
        if user is not None and role == Role.ADMIN:
            actions.refuse_recipient_as_administrator(user)
        return data


@admin.register(RoleAssignment)
class RoleAssignmentAdmin(ProposingAdmin):
    """Roles are assigned through ``role_assign``; a custodian is proposed for approval."""

    change_kind = "role.assign"
    form = RoleAssignmentAdminForm
    list_display = ["user", "role", "entity", "start", "end"]
    list_filter = ["role"]
    search_fields = ["user__username", "entity__name"]
    autocomplete_fields = ["user", "entity"]

    def save_model(self, request, obj, form, change):
        if form.cleaned_data["role"] in actions.APPROVED_ROLES:
            super().save_model(request, obj, form, change)
            return
        assignment = actions.role_assign(actor=request.user, **form.cleaned_data)
        obj.pk = assignment.pk

    def response_add(self, request, obj, post_url_continue=None):
        if obj.pk is None:
            return super().response_add(request, obj, post_url_continue)
        messages.success(request, _("Rol asignado."))
        return HttpResponseRedirect(reverse("admin:lacs_roleassignment_changelist"))

    def has_change_permission(self, request, obj=None):
        return obj is None and super().has_change_permission(request, obj)


@admin.register(ChangeRequest)
class ChangeRequestAdmin(ReadOnlyAdmin):
    """Approving and rejecting happen at /staff/changes/, through the actions."""

    list_display = ["id", "summary", "kind", "status", "proposed_by", "decided_by", "proposed_on"]
    list_filter = ["status", "kind"]


@admin.register(AuditEvent)
class AuditEventAdmin(ReadOnlyAdmin):
    list_display = ["seq", "at", "actor_label", "action", "object_type", "object_id"]
    list_filter = ["action"]
    search_fields = ["object_id", "action"]


# --- Accounts ---------------------------------------------------------------------------------
User = get_user_model()
admin.site.unregister(User)
admin.site.unregister(Group)  # roles are role assignments; groups grant nothing here


@admin.register(User)
class AccountAdmin(UserAdmin, NoLogEntryAdmin):
    """Accounts: roles come from role assignments, so groups and permissions are not edited here.

    A password reset goes through ``user_password_reset`` (audited; the TOTP device stays).
    """

    fieldsets = (
        (None, {"fields": ("username", "password")}),
        (_("Datos personales"), {"fields": ("first_name", "last_name", "email")}),
        (_("Permisos"), {"fields": ("is_active", "is_staff", "is_superuser")}),
        (_("Fechas"), {"fields": ("last_login", "date_joined")}),
    )
    # Who administers is a two-person change (the admin role at /staff/roles/), never a tick here.
    readonly_fields = ("last_login", "date_joined", "is_staff", "is_superuser")
    list_filter = ("is_staff", "is_superuser", "is_active")

    def save_model(self, request, obj, form, change):
        try:
            actions.user_admin_save(
                actor=request.user, user=obj, changed=list(form.changed_data), created=not change
            )
        except ValidationError as exc:
            raise PermissionDenied(" ".join(exc.messages)) from None

    def save_related(self, request, form, formsets, change):
        return None

    def has_delete_permission(self, request, obj=None):
        return False  # users are deactivated: their audit rows and cases keep their name

    def user_change_password(self, request, id, form_url=""):
        user = self.get_object(request, unquote(id))
        if request.method != "POST" or user is None:
            return super().user_change_password(request, id, form_url)
        if not self.has_change_permission(request, user):
            raise PermissionDenied
        form = self.change_password_form(user, request.POST)
        if not form.is_valid():
            return super().user_change_password(request, id, form_url)
        actions.user_password_reset(
            actor=request.user, user=user, password=form.cleaned_data["password1"]
        )
        messages.success(request, _("Contraseña restablecida; queda registrado en la bitácora."))
        return HttpResponseRedirect(reverse("admin:auth_user_change", args=[user.pk]))


admin.site.unregister(TOTPDevice)


@admin.register(TOTPDevice)
class TOTPDeviceAdmin(NoLogEntryAdmin):
    """Devices by user, never their secret; removing a lost one is proposed for a second
    administrator's approval (``totp_device_remove``)."""

    list_display = ["user", "name", "confirmed"]
    fields = ["user", "name", "confirmed"]
    readonly_fields = fields
    search_fields = ["user__username"]

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def delete_model(self, request, obj):
        actions.change_propose(
            actor=request.user,
            kind="totp.remove",
            payload={"device": obj.pk, "user": obj.user_id},
            summary=f"{obj._meta.verbose_name}: {obj.user}"[:300],
        )

    def response_delete(self, request, obj_display, obj_id):
        messages.success(
            request,
            _("Cambio propuesto: se aplicará cuando otra persona administradora lo apruebe."),
        )
        return HttpResponseRedirect(reverse("staff_changes"))


# OAuth2: clients are configuration (audited); tokens and grants are never shown or made here.
for model in (
    oauth2_models.get_access_token_model(),
    oauth2_models.get_refresh_token_model(),
    oauth2_models.get_grant_model(),
    oauth2_models.get_id_token_model(),
):
    admin.site.unregister(model)

Application = oauth2_models.get_application_model()
ApplicationAdminBase = type(admin.site._registry[Application])
admin.site.unregister(Application)


@admin.register(Application)
class ApplicationAdmin(AuditedAdmin, ApplicationAdminBase):  # type: ignore[misc,valid-type]
    pass
