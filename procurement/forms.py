from __future__ import annotations

from django import forms
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from procurement.models import Method, ProtestStatus


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    def __init__(self, *args, **kwargs):
        kwargs.setdefault("widget", MultipleFileInput())
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        single = super().clean
        if isinstance(data, list | tuple):
            return [single(d, initial) for d in data]
        return [single(data, initial)]


class ImportMode(models.TextChoices):
    STRICT = "strict", _("Estricta: un archivo con una entrega fuera del esquema no se importa")
    LENIENT = (
        "lenient",
        _("Flexible: las entregas fuera del esquema se importan y sus fallas quedan como avisos"),
    )


class ImportForm(forms.Form):
    files = MultipleFileField(
        label=_("Archivos OCDS"),
        help_text=_(
            "Paquetes de entregas o de registros (.json) o JSON Lines (.jsonl) de entregas, "
            "entregas compiladas o registros, en UTF-8."
        ),
    )
    mode = forms.ChoiceField(
        label=_("Validación"),
        choices=ImportMode.choices,
        initial=ImportMode.STRICT,
        widget=forms.RadioSelect,
        required=False,  # strict unless asked otherwise
    )

    @property
    def lenient(self) -> bool:
        return self.cleaned_data.get("mode") == ImportMode.LENIENT


class ProcessFilterForm(forms.Form):
    q = forms.CharField(label=_("OCID, título o proveedor"), required=False, max_length=200)
    method = forms.ChoiceField(
        label=_("Procedimiento"),
        required=False,
        choices=[("", _("Todos")), *[(m.value, m.label) for m in Method if m.value]],
    )
    year = forms.IntegerField(label=_("Año"), required=False, min_value=1990, max_value=2100)


class FlagComputeForm(forms.Form):
    settings_text = forms.CharField(
        label=_("Configuración (formato de Cardinal)"),
        widget=forms.Textarea(attrs={"rows": 14, "spellcheck": "false"}),
        help_text=_("Un indicador se calcula sólo si su sección existe."),
    )


class ProtestForm(forms.Form):
    protester = forms.CharField(label=_("Inconforme (persona o empresa)"), max_length=300)
    grounds = forms.CharField(label=_("Motivos"), widget=forms.Textarea)
    filed_on = forms.DateField(
        label=_("Presentada el"),
        initial=timezone.localdate,
        widget=forms.DateInput(attrs={"type": "date"}),
    )

    def clean_filed_on(self):
        day = self.cleaned_data["filed_on"]
        if day > timezone.localdate():
            raise forms.ValidationError(_("La fecha no puede ser futura."))
        return day


class ProtestResolveForm(forms.Form):
    status = forms.ChoiceField(
        label=_("Nuevo estado"),
        choices=[
            (ProtestStatus.ADMITTED.value, ProtestStatus.ADMITTED.label),
            (ProtestStatus.RESOLVED.value, ProtestStatus.RESOLVED.label),
            (ProtestStatus.DISMISSED.value, ProtestStatus.DISMISSED.label),
        ],
    )
    resolution = forms.CharField(label=_("Resolución"), widget=forms.Textarea, required=False)
    resolved_on = forms.DateField(
        label=_("Fecha"), initial=timezone.localdate, widget=forms.DateInput(attrs={"type": "date"})
    )


class IndicatorFilterForm(forms.Form):
    entity = forms.ModelChoiceField(
        label=_("Ente"), required=False, queryset=None, empty_label=_("Todos")
    )
    year_from = forms.IntegerField(label=_("Desde el año"), required=False, min_value=1990)
    year_to = forms.IntegerField(label=_("Hasta el año"), required=False, max_value=2100)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        from lacs.models import Entity

        self.fields["entity"].queryset = Entity.objects.filter(
            procurement_buyers__isnull=False
        ).distinct()
