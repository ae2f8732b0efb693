"""Cases in the admin: routing rules are proposed for approval, the rest read-only or audited."""

from django.contrib import admin

from cases.models import Absence, Case, CaseRouting, RoutingRule
from lacs.admin import AuditedAdmin, ProposingAdmin, ReadOnlyAdmin


@admin.register(RoutingRule)
class RoutingRuleAdmin(ProposingAdmin):
    """Saving proposes the rule; a second administrator applies it at /staff/changes/."""

    change_kind = "routing_rule.save"
    list_display = ("category", "entity", "target", "mode", "position", "active")
    list_filter = ("active", "mode")


@admin.register(Absence)
class AbsenceAdmin(AuditedAdmin):
    list_display = ("user", "start", "end", "note")
    raw_id_fields = ("user",)


@admin.register(Case)
class CaseAdmin(ReadOnlyAdmin):
    """Routing metadata only: admins never see contents (there is nothing to decrypt here)."""

    list_display = ("number", "entity", "category", "status", "received_on", "routed_at")
    list_filter = ("status", "source")
    search_fields = ("number",)
    fields = ("number", "source", "entity", "category", "status", "received_on", "routed_at")


@admin.register(CaseRouting)
class CaseRoutingAdmin(ReadOnlyAdmin):
    list_display = ("case", "state", "attempts", "created_at", "routed_at", "last_error")
    list_filter = ("state",)
    fields = ("case", "state", "attempts", "created_at", "routed_at", "last_error")
