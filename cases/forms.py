"""Forms of the cases app: input only; the actions decide what is allowed."""

from __future__ import annotations

from django import forms
from django.contrib.auth import get_user_model
from django.utils.translation import gettext_lazy as _

from cases.actions import exclusion_candidates
from cases.models import (
    CaseStatus,
    DeadlineState,
    IndividualSanction,
    IndividualSanctionKind,
    Outcome,
    ReferralKind,
    RoutingRule,
    ServantSanction,
    ServantSanctionKind,
    Severity,
)
from lacs import crypto
from lacs.models import Category, Entity

SORTS = {
    "recent": ("-received_on", "-id"),
    "oldest": ("received_on", "id"),
    "acknowledge": ("acknowledge_by", "id"),
    "feedback": ("feedback_by", "id"),
    "number": ("number",),
}


class InboxFilterForm(forms.Form):
    q = forms.CharField(label=_("Número de caso"), required=False, max_length=20)
    entity = forms.ModelChoiceField(
        label=_("Ente"), queryset=Entity.objects.active(), required=False
    )
    status = forms.ChoiceField(
        label=_("Estado"), choices=[("", _("Todos")), *CaseStatus.choices], required=False
    )
    category = forms.ModelChoiceField(
        label=_("Categoría"), queryset=Category.objects.all(), required=False
    )
    deadline = forms.ChoiceField(
        label=_("Plazos"),
        choices=[
            ("", _("Todos")),
            (DeadlineState.NEAR, _("Por vencer")),
            (DeadlineState.MISSED, _("Vencidos")),
            (DeadlineState.OK, _("En plazo")),
        ],
        required=False,
    )
    sort = forms.ChoiceField(
        label=_("Orden"),
        choices=[
            ("recent", _("Más recientes")),
            ("oldest", _("Más antiguos")),
            ("acknowledge", _("Plazo de acuse")),
            ("feedback", _("Plazo de respuesta")),
            ("number", _("Número")),
        ],
        required=False,
    )


class VersionedForm(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=0)


# Each form of the case page has its own prefix, so field ids stay unique on the page.
class TransitionForm(VersionedForm):
    prefix = "transition"
    to = forms.ChoiceField(label=_("Nuevo estado"), choices=CaseStatus.choices)
    reason = forms.CharField(
        label=_("Motivo (nota interna)"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Obligatorio para cerrar, reabrir o iniciar investigación."),
    )
    outcome = forms.ChoiceField(
        label=_("Resultado (al cerrar)"), choices=Outcome.choices, required=False
    )
    closure_reason = forms.CharField(
        label=_("Motivo de cierre para la persona denunciante"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    def __init__(self, *args, case=None, **kwargs):
        super().__init__(*args, **kwargs)
        if case is not None:
            self.fields["to"].choices = [
                (s, CaseStatus(s).label) for s in case.allowed_transitions()
            ]


class SeverityForm(VersionedForm):
    prefix = "severity"
    severity = forms.ChoiceField(label=_("Gravedad"), choices=Severity.choices, required=False)


class NoteForm(forms.Form):
    prefix = "note"
    text = forms.CharField(
        label=_("Nota interna"), widget=forms.Textarea(attrs={"rows": 4}), max_length=20000
    )


class KeyConfirmForm(forms.Form):
    """A current recipient confirms that a replaced key pair is the person's own."""

    prefix = "keys"
    recipient = forms.IntegerField(widget=forms.HiddenInput)
    fingerprint = forms.CharField(max_length=30, widget=forms.HiddenInput)


class RecuseForm(forms.Form):
    prefix = "recuse"
    reason = forms.CharField(
        label=_("Conflicto de interés"),
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Perderá el acceso a este caso y se turnará a otra persona."),
    )


class ExcludeForm(forms.Form):
    """Name a colleague implicated in the case; offered only the people who may be excluded."""

    prefix = "exclude"
    user = forms.ModelChoiceField(
        label=_("Persona involucrada"),
        queryset=get_user_model().objects.none(),
        help_text=_(
            "Perderá el acceso a este caso y nunca volverá a recibirlo; queda en la bitácora."
        ),
    )

    def __init__(self, *args, case=None, actor=None, **kwargs):
        super().__init__(*args, **kwargs)
        if case is not None and actor is not None:
            field = self.fields["user"]
            field.queryset = exclusion_candidates(case, actor)
            field.label_from_instance = lambda u: u.get_full_name() or u.get_username()


class ReferForm(VersionedForm):
    prefix = "refer"
    kind = forms.ChoiceField(label=_("Turnar a"), choices=ReferralKind.choices)
    target = forms.ModelChoiceField(
        label=_("Ente"),
        queryset=Entity.objects.active(),
        required=False,
        help_text=_("Para otro ente o su órgano interno de control."),
    )
    summary = forms.CharField(
        label=_("Qué se turna"),
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("Queda como nota interna cifrada."),
    )


class RoutingRuleForm(forms.ModelForm):
    class Meta:
        model = RoutingRule
        fields = ["category", "entity", "target", "mode", "position"]


class EscrowRecoverForm(forms.Form):
    entity = forms.ModelChoiceField(
        label=_("Ente"), queryset=Entity.objects.exclude(escrow_public_key="").order_by("name")
    )
    private_key = forms.CharField(
        label=_("Llave privada de recuperación"),
        strip=True,
        widget=forms.PasswordInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
        help_text=_(
            "La que el ente guarda fuera de línea (44 caracteres en base64). Se usa sólo para "
            "esta operación: no se guarda ni se registra."
        ),
    )

    def clean_private_key(self) -> bytes:
        try:
            raw = crypto.b64d(self.cleaned_data["private_key"])
        except ValueError:
            raw = b""
        if len(raw) != 32:
            raise forms.ValidationError(
                _("No es una llave válida: se esperan 32 bytes en base64 (44 caracteres).")
            )
        return raw


class FindingForm(forms.Form):
    entity = forms.ModelChoiceField(label=_("Ente"), queryset=Entity.objects.active())
    category = forms.ModelChoiceField(
        label=_("Categoría"), queryset=Category.objects.filter(active=True)
    )
    head_implicated = forms.BooleanField(
        label=_("El titular del ente está involucrado"),
        required=False,
        help_text=_("El caso irá a la Contraloría."),
    )
    summary = forms.CharField(
        label=_("Hallazgo"),
        widget=forms.Textarea(attrs={"rows": 6}),
        max_length=20000,
        help_text=_("Se cifra con la llave del caso; sólo lo leen las personas destinatarias."),
    )


# --- Sanctions registry ------------------------------------------------------------------------
_SANCTION_COMMON = [
    "file_number",
    "authority",
    "facts",
    "resolution_url",
    "fine_amount",
    "fine_currency",
    "ban_term",
    "ban_start",
    "ban_end",
    "notes",
]
_DATE = forms.DateInput(attrs={"type": "date"})


class _SanctionForm(forms.ModelForm):
    case_number = forms.CharField(
        label=_("Caso relacionado (número)"),
        required=False,
        max_length=20,
        help_text=_("Opcional: un caso que usted puede ver."),
    )
    resolution_url = forms.URLField(
        label=_("URL de la resolución"), required=False, assume_scheme="https"
    )

    def __init__(self, *args, entities=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["entity"].queryset = entities if entities is not None else Entity.objects.none()


class ServantSanctionForm(_SanctionForm):
    kinds = forms.MultipleChoiceField(
        label=_("Tipos de sanción"),
        choices=ServantSanctionKind.choices,
        widget=forms.CheckboxSelectMultiple,
    )

    class Meta:
        model = ServantSanction
        fields = [
            "entity",
            "given_names",
            "first_surname",
            "second_surname",
            "rfc",
            "curp",
            "gender",
            "position",
            "level",
            "fault",
            "kinds",
            "resolved_on",
            *_SANCTION_COMMON,
        ]
        widgets = {
            "resolved_on": _DATE,
            "ban_start": _DATE,
            "ban_end": _DATE,
            "facts": forms.Textarea(attrs={"rows": 4}),
            "notes": forms.Textarea(attrs={"rows": 2}),
        }


class IndividualSanctionForm(_SanctionForm):
    kinds = forms.MultipleChoiceField(
        label=_("Tipos de sanción"),
        choices=IndividualSanctionKind.choices,
        widget=forms.CheckboxSelectMultiple,
    )

    class Meta:
        model = IndividualSanction
        fields = [
            "entity",
            "name",
            "person_kind",
            "rfc",
            "business_purpose",
            "contract_subject",
            "fault",
            "act",
            "kinds",
            "resolution_sense",
            "notified_on",
            *_SANCTION_COMMON,
        ]
        widgets = {
            "notified_on": _DATE,
            "ban_start": _DATE,
            "ban_end": _DATE,
            "facts": forms.Textarea(attrs={"rows": 4}),
            "notes": forms.Textarea(attrs={"rows": 2}),
        }


class AssignForm(forms.Form):
    """Who to put in charge of a case: the entity's investigators the contact point may name."""

    assignee = forms.ModelChoiceField(label=_("Asignar a"), queryset=None)

    def __init__(self, *args, people=None, **kwargs):
        super().__init__(*args, **kwargs)
        from django.contrib.auth import get_user_model

        field = self.fields["assignee"]
        field.queryset = people if people is not None else get_user_model().objects.none()
        field.label_from_instance = lambda u: u.get_full_name() or u.get_username()


class BulkForm(forms.Form):
    """The inbox's bulk actions on the ticked cases."""

    ACKNOWLEDGE = "acknowledge"
    ASSIGN = "assign"
    op = forms.ChoiceField(
        label=_("Acción"),
        choices=[(ACKNOWLEDGE, _("Acusar recibo")), (ASSIGN, _("Asignar"))],
    )
    cases = forms.TypedMultipleChoiceField(
        label=_("Casos"), coerce=int, choices=(), widget=forms.MultipleHiddenInput
    )
    assignee = forms.ModelChoiceField(label=_("Asignar a"), queryset=None, required=False)

    def __init__(self, *args, case_ids=(), people=None, **kwargs):
        super().__init__(*args, **kwargs)
        from django.contrib.auth import get_user_model

        self.fields["cases"].choices = [(pk, pk) for pk in case_ids]
        field = self.fields["assignee"]
        field.queryset = people if people is not None else get_user_model().objects.none()
        field.label_from_instance = lambda u: u.get_full_name() or u.get_username()

    def clean(self):
        data = super().clean()
        if data.get("op") == self.ASSIGN and not data.get("assignee"):
            self.add_error("assignee", _("Elija a quién asignar los casos."))
        return data


class HolidayForm(forms.Form):
    day = forms.DateField(label=_("Día"), widget=forms.DateInput(attrs={"type": "date"}))
    name = forms.CharField(label=_("Motivo"), max_length=200)
