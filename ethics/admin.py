from django.contrib import admin

from ethics.models import EducationModule, MoralReminder


@admin.register(EducationModule)
class EducationModuleAdmin(admin.ModelAdmin):
    list_display = ["title", "position", "pass_mark", "active"]


@admin.register(MoralReminder)
class MoralReminderAdmin(admin.ModelAdmin):
    list_display = ["transaction", "variant", "active"]
