"""Forms of the intake, the follow-up and the handler side.

The intake form is built from the category's questionnaire. Conditional questions are all shown
(the pages work without JavaScript) and labelled with their condition; an answer whose condition
is not met is discarded, and "required" applies only when it is met.
"""

from __future__ import annotations

from decimal import Decimal

from django import forms
from django.core import signing
from django.utils.translation import get_language, gettext_lazy
from django.utils.translation import gettext as _

from lacs.models import Entity, EntityKind
from whistleblowing import gate, receipts
from whistleblowing.files import CleanFile, FileRejected, clean_file, max_count
from whistleblowing.models import ProtectionStatus, Question, QuestionKind, StaffChannel

NONCE_SALT = gate.NONCE_SALT
NONCE_MAX_AGE = 24 * 3600
YES_NO = [("yes", gettext_lazy("Sí")), ("no", gettext_lazy("No"))]


def entity_choices() -> list:
    """Active entities grouped by kind (an optgroup each), for a select usable without script."""
    groups: dict[str, list] = {}
    for entity in Entity.objects.active().order_by("name"):
        label = f"{entity.name} ({entity.acronym})" if entity.acronym else entity.name
        groups.setdefault(entity.kind, []).append((str(entity.pk), label))
    ordered = [
        (EntityKind(kind).label, groups[kind]) for kind in EntityKind.values if kind in groups
    ]
    return [("", gettext_lazy("— Elija el ente —")), *ordered]


def new_nonce() -> str:
    """The form's one-time nonce, which is also its proof-of-work challenge (``gate``)."""
    return gate.challenge_issue()


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    def __init__(self, *args, **kwargs):
        kwargs.setdefault("widget", MultipleFileInput())
        kwargs.setdefault("required", False)
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        if not data:
            return []
        items = data if isinstance(data, list | tuple) else [data]
        return [item for item in items if item]


class UploadsMixin(forms.Form):
    """Files: new ones are cleaned at once; ones accepted earlier come back by token."""

    files = MultipleFileField(label=gettext_lazy("Archivos"))
    uploads = forms.CharField(widget=forms.HiddenInput, required=False)
    drop_upload = forms.MultipleChoiceField(
        label=gettext_lazy("Quitar archivos ya cargados"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )

    def __init__(self, *args, pending: list[CleanFile] | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.pending = pending or []
        self.fields["drop_upload"].choices = [(str(i), f.name) for i, f in enumerate(self.pending)]
        if not self.pending:
            del self.fields["drop_upload"]
        self.accepted: list[CleanFile] = []

    def clean_files(self):
        name = self.add_prefix("drop_upload")
        getlist = getattr(self.data, "getlist", None)
        dropped = set(getlist(name)) if getlist else set(self.data.get(name) or [])
        kept = [f for i, f in enumerate(self.pending) if str(i) not in dropped]
        errors = []
        uploads = self.cleaned_data.get("files") or []
        room = max(0, max_count() - len(kept))
        for upload in uploads[:room]:  # files past the cap are never read nor cleaned
            try:
                kept.append(clean_file(upload.name, upload.read()))
            except FileRejected as exc:
                errors.append(str(exc))
        self.accepted = kept
        if len(uploads) > room:
            errors.append(
                _("Puede adjuntar hasta %(n)s archivos; se conservaron los primeros.")
                % {"n": max_count()}
            )
        if errors:
            raise forms.ValidationError(errors)
        return kept


class SignedPostMixin(forms.Form):
    """A signed one-time nonce: forged or stale posts are told so, replays are refused.

    ``proof`` is the proof of work the page's script adds; without it the post is admitted
    after a short wait instead (``whistleblowing.gate``).
    """

    nonce = forms.CharField(widget=forms.HiddenInput)
    proof = forms.CharField(widget=forms.HiddenInput, required=False, max_length=32)

    def clean_nonce(self):
        try:
            signing.loads(self.cleaned_data["nonce"], salt=NONCE_SALT, max_age=NONCE_MAX_AGE)
        except signing.BadSignature:
            raise forms.ValidationError(
                _("El formulario caducó o fue alterado. Revise sus datos y envíelo de nuevo.")
            ) from None
        return self.cleaned_data["nonce"]


def _question_field(question: Question, language: str) -> forms.Field:
    label = question.text(language)
    help_text = question.help(language)
    if question.condition_question_id:
        parent = question.condition_question
        shown = question.condition_value
        if parent.kind == QuestionKind.YES_NO:
            shown = str(dict(YES_NO).get(shown, shown))
        elif shown in parent.choice_list():
            shown = parent.choice_labels(language)[parent.choice_list().index(shown)]
        condition = _("Responda sólo si en «%(q)s» respondió «%(a)s».") % {
            "q": parent.text(language),
            "a": shown,
        }
        help_text = f"{condition} {help_text}".strip()
    common = {"label": label, "help_text": help_text, "required": False}
    if question.kind == QuestionKind.CHOICE:
        options = list(zip(question.choice_list(), question.choice_labels(language), strict=True))
        return forms.ChoiceField(choices=[("", "—"), *options], **common)
    if question.kind == QuestionKind.YES_NO:
        return forms.ChoiceField(choices=YES_NO, widget=forms.RadioSelect, **common)
    if question.kind == QuestionKind.DATE:
        return forms.DateField(
            widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
            input_formats=["%Y-%m-%d", "%d/%m/%Y"],
            **common,
        )
    if question.kind == QuestionKind.AMOUNT:
        return forms.DecimalField(min_value=Decimal(0), max_digits=14, decimal_places=2, **common)
    return forms.CharField(max_length=2000, widget=forms.Textarea(attrs={"rows": 3}), **common)


class ReportForm(SignedPostMixin, UploadsMixin, forms.Form):
    entity = forms.ChoiceField(
        label=gettext_lazy("Ente público involucrado"),
        error_messages={"invalid_choice": gettext_lazy("Elija un ente de la lista.")},
    )
    head_implicated = forms.BooleanField(
        label=gettext_lazy("La persona titular del ente está involucrada"), required=False
    )
    contact_point_implicated = forms.BooleanField(
        label=gettext_lazy("Quien recibe las denuncias en ese ente está involucrado"),
        required=False,
        help_text=gettext_lazy("Así la denuncia se turna a otra persona."),
    )
    description = forms.CharField(
        label=gettext_lazy("Describa lo que ocurrió"),
        max_length=20000,
        widget=forms.Textarea(attrs={"rows": 10}),
        help_text=gettext_lazy(
            "Qué pasó, dónde, cuándo y quiénes participaron. No escriba datos que lo identifiquen "
            "si quiere mantener el anonimato."
        ),
    )
    identity_name = forms.CharField(
        label=gettext_lazy("Su nombre (opcional)"), max_length=200, required=False
    )
    identity_contact = forms.CharField(
        label=gettext_lazy("Cómo contactarle (opcional)"),
        max_length=300,
        required=False,
        help_text=gettext_lazy(
            "Se guarda cifrado aparte. Sólo se lee si una persona custodia aprueba una solicitud "
            "fundada, y usted lo verá en el seguimiento."
        ),
    )

    def __init__(self, *args, questions: list[Question], staff: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["entity"].choices = entity_choices()
        self.questions = questions
        language = get_language() or "es"
        for question in questions:
            self.fields[f"q_{question.pk}"] = _question_field(question, language)
        if staff:
            self.fields["staff_channel"] = forms.ChoiceField(
                label=_("Medio por el que se recibió"),
                choices=[("", "—"), *StaffChannel.choices[1:]],
            )
        self.order_fields(
            ["entity", "head_implicated", "contact_point_implicated"]
            + [f"q_{q.pk}" for q in questions]
            + ["description", "files", "drop_upload", "identity_name", "identity_contact"]
        )

    def question_fields(self):
        return [self[f"q_{q.pk}"] for q in self.questions]

    def clean_entity(self):
        entity = Entity.objects.active().filter(pk=self.cleaned_data["entity"]).first()
        if entity is None:
            raise forms.ValidationError(_("Elija un ente de la lista."))
        return entity

    def clean(self):
        data = super().clean()
        answers = []
        for question in self.questions:
            name = f"q_{question.pk}"
            value = data.get(name)
            if question.condition_question_id:
                parent = data.get(f"q_{question.condition_question_id}")
                if parent != question.condition_value:
                    data[name] = None
                    continue
            if value in (None, "") and name not in self.errors:
                if question.required:
                    self.add_error(name, _("Responda esta pregunta."))
                continue
            if value in (None, ""):
                continue
            answers.append(_answer(question, value))
        data["answers"] = answers
        return data

    def identity(self) -> dict | None:
        name = self.cleaned_data.get("identity_name", "").strip()
        contact = self.cleaned_data.get("identity_contact", "").strip()
        return {"name": name, "contact": contact} if name or contact else None


def _answer(question: Question, value) -> dict:
    if question.kind == QuestionKind.YES_NO:
        shown = "Sí" if value == "yes" else "No"
    elif question.kind == QuestionKind.DATE:
        shown = value.isoformat()
    else:
        shown = str(value)
    return {"question": question.pk, "label": question.label, "value": shown}


def gate_message(refusal: gate.Refusal) -> str:
    if refusal.code == "too_soon":
        return _(
            "Por seguridad, espere %(s)s segundos y envíe de nuevo; lo que escribió se conservó."
        ) % {"s": refusal.wait}
    if refusal.code == "busy":
        return _(
            "El sistema recibe demasiadas solicitudes en este momento. Intente en unos minutos."
        )
    return _("El formulario caducó o fue alterado. Revise sus datos y envíelo de nuevo.")


class ReceiptForm(SignedPostMixin, forms.Form):
    receipt = forms.CharField(
        label=gettext_lazy("Su comprobante"),
        max_length=200,
        help_text=gettext_lazy("Las ocho palabras, en orden. Acentos y mayúsculas no importan."),
        widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
    )

    def clean_receipt(self):
        canonical = receipts.receipt_normalise(self.cleaned_data["receipt"])
        if canonical is None:
            raise forms.ValidationError(
                _("Un comprobante tiene ocho palabras de la lista. Revise lo que escribió.")
            )
        return canonical


class FollowupMessageForm(UploadsMixin, forms.Form):
    body = forms.CharField(
        label=gettext_lazy("Su mensaje"),
        max_length=10000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 5}),
    )

    def clean(self):
        data = super().clean()
        if not data.get("body") and not self.accepted and "files" not in self.errors:
            raise forms.ValidationError(_("Escriba un mensaje o adjunte un archivo."))
        return data


class ProtectionForm(forms.Form):
    what = forms.CharField(
        label=gettext_lazy("¿Qué represalia sufrió o teme sufrir?"),
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 5}),
    )
    when = forms.CharField(label=gettext_lazy("¿Cuándo ocurrió?"), max_length=200)
    who = forms.CharField(label=gettext_lazy("¿Quién la llevó o llevaría a cabo?"), max_length=500)


# --- Handler side ------------------------------------------------------------------------------
class HandlerMessageForm(forms.Form):
    body = forms.CharField(
        label=gettext_lazy("Mensaje para la persona denunciante"),
        max_length=10000,
        widget=forms.Textarea(attrs={"rows": 4}),
    )
    files = MultipleFileField(
        label=gettext_lazy("Archivos para la persona denunciante"),
        help_text=gettext_lazy("Se les quitan los metadatos y se cifran como los de la denuncia."),
    )
    feedback = forms.BooleanField(
        label=gettext_lazy("Este mensaje informa a la persona denunciante sobre el seguimiento"),
        help_text=gettext_lazy("Sólo así cuenta para el plazo de respuesta."),
        required=False,
    )

    def clean_files(self):
        uploads = self.cleaned_data.get("files") or []
        if len(uploads) > max_count():
            raise forms.ValidationError(
                _("Puede adjuntar hasta %(n)s archivos.") % {"n": max_count()}
            )
        try:
            return [clean_file(u.name, u.read()) for u in uploads]
        except FileRejected as exc:
            raise forms.ValidationError(str(exc)) from None


class ProtectionDecisionForm(forms.Form):
    status = forms.ChoiceField(label=gettext_lazy("Estado"), choices=ProtectionStatus.choices)
    measures = forms.CharField(
        label=gettext_lazy("Medidas o respuesta (la persona denunciante la verá)"),
        max_length=5000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class IdentityRequestForm(forms.Form):
    reasoning = forms.CharField(
        label=gettext_lazy("Fundamento y motivo de la solicitud"),
        min_length=40,
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=gettext_lazy(
            "Explique por qué la investigación no puede seguir sin conocer la identidad."
        ),
    )


class IdentityDecisionForm(forms.Form):
    decision = forms.ChoiceField(
        label=gettext_lazy("Decisión"),
        choices=[("approve", gettext_lazy("Aprobar")), ("refuse", gettext_lazy("Rechazar"))],
        widget=forms.RadioSelect,
    )
    note = forms.CharField(
        label=gettext_lazy("Razones de la decisión"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=gettext_lazy("No copie aquí la identidad ni el contenido de la denuncia."),
    )
