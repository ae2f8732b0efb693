from django.contrib import admin

from lacs.admin import AuditedAdmin, NoLogEntryAdmin, ReadOnlyAdmin
from procurement.actions import buyer_map
from procurement.models import Buyer, ImportBatch, SanctionedSupplier


@admin.register(Buyer)
class BuyerAdmin(NoLogEntryAdmin):
    """Admins match each published buyer to one of the platform's entities."""

    list_display = ("name", "key", "entity")
    list_editable = ("entity",)
    list_filter = (("entity", admin.EmptyFieldListFilter),)
    search_fields = ("name", "key")
    readonly_fields = ("key", "name")

    def save_model(self, request, obj, form, change):
        """Matching goes through the action, so the audit log records who matched what."""
        if change and "entity" in form.changed_data:
            buyer_map(actor=request.user, buyer=obj, entity=obj.entity)

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(ImportBatch)
class ImportBatchAdmin(ReadOnlyAdmin):
    list_display = ("pk", "created_at", "status", "files_done", "files_total", "releases_new")


@admin.register(SanctionedSupplier)
class SanctionedSupplierAdmin(AuditedAdmin):
    list_display = ("name", "rfc", "authority", "start", "end")
    search_fields = ("name", "rfc")
