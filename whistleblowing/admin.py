"""Admins configure each category's questionnaire; report contents never appear here."""

from django.contrib import admin

from lacs.admin import AuditedAdmin
from whistleblowing.models import Question, Questionnaire


class QuestionInline(admin.StackedInline):
    model = Question
    fk_name = "questionnaire"
    extra = 1
    fields = [
        ("position", "kind", "required"),
        ("label", "label_en"),
        ("help_text", "help_text_en"),
        ("choices", "choices_en"),
        ("condition_question", "condition_value"),
    ]


@admin.register(Questionnaire)
class QuestionnaireAdmin(AuditedAdmin):
    list_display = ["category"]
    inlines = [QuestionInline]
    fields = ["category", "intro", "intro_en"]
