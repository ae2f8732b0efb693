from django.contrib import admin

from ethics.models import EducationModule, MoralReminder
from lacs.admin import AuditedAdmin


@admin.register(EducationModule)
class EducationModuleAdmin(AuditedAdmin):
    list_display = ["title", "position", "pass_mark", "active"]


@admin.register(MoralReminder)
class MoralReminderAdmin(AuditedAdmin):
    list_display = ["transaction", "variant", "active"]
