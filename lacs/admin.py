from django.contrib import admin
from django.core.exceptions import ValidationError
from django.forms.models import BaseInlineFormSet
from django.utils.translation import gettext as _

from lacs.audit import audit_record
from lacs.models import AuditEvent, Category, ContactPoint, ContactPointKind, Entity, RoleAssignment


class AuditedAdmin(admin.ModelAdmin):
    """Admin saves and deletions write their audit rows in the admin's own transaction."""

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        audit_record(
            actor=request.user,
            action=f"{obj._meta.model_name}.{'update' if change else 'create'}",
            obj=obj,
            data={"fields": form.changed_data, "via": "admin"},
        )

    def delete_model(self, request, obj):
        audit_record(
            actor=request.user,
            action=f"{obj._meta.model_name}.delete",
            obj=obj,
            data={"via": "admin"},
        )
        super().delete_model(request, obj)

    def save_formset(self, request, form, formset, change):
        instances = formset.save()
        for instance in instances:
            audit_record(
                actor=request.user,
                action=f"{instance._meta.model_name}.save",
                obj=instance,
                data={"via": "admin"},
            )
        for instance in formset.deleted_objects:
            audit_record(
                actor=request.user,
                action=f"{instance._meta.model_name}.delete",
                data={"via": "admin"},
            )


class ContactPointFormSet(BaseInlineFormSet):
    """Rejects two primaries, or one person twice, with overlapping dates in one submission."""

    def clean(self):
        super().clean()
        rows = [
            form.instance
            for form in self.forms
            if form.cleaned_data and not form.cleaned_data.get("DELETE") and form.instance.start
        ]
        for i, first in enumerate(rows):
            for second in rows[i + 1 :]:
                if not first.overlaps(second):
                    continue
                if first.kind == second.kind == ContactPointKind.PRIMARY:
                    raise ValidationError(
                        _("Dos puntos de contacto titulares se traslapan en fechas.")
                    )
                if first.user_id == second.user_id:
                    raise ValidationError(
                        _("La misma persona aparece dos veces en fechas que se traslapan.")
                    )


class ContactPointInline(admin.TabularInline):
    model = ContactPoint
    formset = ContactPointFormSet
    extra = 0
    autocomplete_fields = ["user"]


@admin.register(Entity)
class EntityAdmin(AuditedAdmin):
    list_display = ["name", "acronym", "kind", "parent", "is_comptroller", "active"]
    list_filter = ["kind", "active"]
    search_fields = ["name", "acronym"]
    autocomplete_fields = ["parent"]
    inlines = [ContactPointInline]


@admin.register(ContactPoint)
class ContactPointAdmin(AuditedAdmin):
    list_display = ["entity", "user", "kind", "start", "end"]
    list_filter = ["kind"]
    search_fields = ["entity__name", "user__username"]
    autocomplete_fields = ["entity", "user"]


@admin.register(Category)
class CategoryAdmin(AuditedAdmin):
    list_display = ["code", "name", "specialised_unit", "retention_days", "active", "position"]
    search_fields = ["code", "name"]
    autocomplete_fields = ["specialised_unit"]


@admin.register(RoleAssignment)
class RoleAssignmentAdmin(AuditedAdmin):
    list_display = ["user", "role", "entity", "start", "end"]
    list_filter = ["role"]
    search_fields = ["user__username", "entity__name"]
    autocomplete_fields = ["user", "entity"]


@admin.register(AuditEvent)
class AuditEventAdmin(admin.ModelAdmin):
    list_display = ["seq", "at", "actor_label", "action", "object_type", "object_id"]
    list_filter = ["action"]
    search_fields = ["object_id", "action"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
