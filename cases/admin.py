from django.contrib import admin

from cases.models import Absence, Case, CaseRouting, RoutingRule


@admin.register(RoutingRule)
class RoutingRuleAdmin(admin.ModelAdmin):
    list_display = ("category", "entity", "target", "mode", "position", "active")
    list_filter = ("active", "mode")


@admin.register(Absence)
class AbsenceAdmin(admin.ModelAdmin):
    list_display = ("user", "start", "end", "note")
    raw_id_fields = ("user",)


@admin.register(Case)
class CaseAdmin(admin.ModelAdmin):
    """Routing metadata only: admins never see contents (there is nothing to decrypt here)."""

    list_display = ("number", "entity", "category", "status", "received_on", "routed_at")
    list_filter = ("status", "source")
    search_fields = ("number",)
    fields = ("number", "source", "entity", "category", "status", "received_on", "routed_at")
    readonly_fields = fields

    def has_add_permission(self, request) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


@admin.register(CaseRouting)
class CaseRoutingAdmin(admin.ModelAdmin):
    list_display = ("case", "state", "attempts", "created_at", "routed_at", "last_error")
    list_filter = ("state",)
    readonly_fields = ("case", "state", "attempts", "created_at", "routed_at", "last_error")
