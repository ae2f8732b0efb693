from __future__ import annotations

import datetime as dt
import re

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from lacs.models import Entity
from oversight.models import (
    AuditFinding,
    Control,
    EncigValue,
    Goal,
    PlanAction,
    PriorityArea,
    Risk,
    WorkPlan,
)
from oversight.panels import Filters

# <input type="date"> needs ISO dates whatever the language's display format.
DATE = forms.DateInput(format="%Y-%m-%d", attrs={"type": "date"})
MONTH = re.compile(r"^(\d{4})-(0[1-9]|1[0-2])$")


class MonthField(forms.CharField):
    """A month as ``YYYY-MM`` (``<input type="month">``, which degrades to text without support)."""

    widget = forms.TextInput(attrs={"type": "month", "placeholder": "AAAA-MM"})

    def to_python(self, value):
        text = super().to_python(value)
        if not text:
            return None
        match = MONTH.match(text)
        if not match:
            raise forms.ValidationError(_("Escriba el mes como AAAA-MM."))
        return dt.date(int(match[1]), int(match[2]), 1)


class FilterForm(forms.Form):
    start = MonthField(label=_("Desde (mes)"), required=False)
    end = MonthField(label=_("Hasta (mes)"), required=False)
    entity = forms.ModelChoiceField(
        label=_("Ente"),
        queryset=Entity.objects.active(),
        required=False,
        empty_label=_("Todos los entes"),
    )

    def clean(self):
        data = super().clean()
        if data.get("start") and data.get("end") and data["start"] > data["end"]:
            raise forms.ValidationError(_("El mes inicial es posterior al final."))
        return data

    def filters(self) -> Filters:
        if not self.is_valid():
            return Filters()
        data = self.cleaned_data
        return Filters(data.get("start"), data.get("end"), data.get("entity"))


class EncigUploadForm(forms.Form):
    file = forms.FileField(
        label=_("Archivo CSV de la ENCIG"),
        help_text=_("Columnas: year,indicator,procedure,value,ci_low,ci_high (UTF-8)."),
    )


class PriorityAreaForm(forms.ModelForm):
    class Meta:
        model = PriorityArea
        fields = ["name"]


class RiskForm(forms.ModelForm):
    class Meta:
        model = Risk
        fields = ["area", "name", "likelihood", "impact", "owner_line", "evidence", "encig"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["encig"].queryset = EncigValue.objects.all()


def _not_past(day: dt.date | None) -> dt.date | None:
    if day and day < timezone.localdate():
        raise forms.ValidationError(_("La fecha compromiso ya pasó; indique una fecha futura."))
    return day


class GoalForm(forms.ModelForm):
    year = forms.IntegerField(label=_("Año del programa"), min_value=2000, max_value=2100)

    class Meta:
        model = Goal
        fields = ["year", "area", "name"]

    def clean_year(self):
        year = self.cleaned_data["year"]
        if year < timezone.localdate().year and not WorkPlan.objects.filter(year=year).exists():
            raise forms.ValidationError(_("No se abren programas de años pasados."))
        return year


class PlanActionForm(forms.ModelForm):
    class Meta:
        model = PlanAction
        fields = ["goal", "name", "entity", "indicator", "baseline", "target", "start", "due"]
        widgets = {
            "start": DATE,
            "due": DATE,
        }
        error_messages = {
            "baseline": {"required": _("Una meta sin línea base no puede medirse.")},
            "target": {"required": _("Indique la meta.")},
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["goal"].queryset = Goal.objects.select_related("plan", "area")
        self.fields["goal"].label_from_instance = lambda g: f"{g.plan.year} · {g.area} · {g.name}"
        self.fields["entity"].queryset = Entity.objects.active()

    def clean_due(self):
        return _not_past(self.cleaned_data.get("due"))

    def clean(self):
        data = super().clean()
        if data.get("start") and data.get("due") and data["start"] > data["due"]:
            self.add_error("due", _("La fecha compromiso es anterior al inicio."))
        if data.get("baseline") is not None and data.get("baseline") == data.get("target"):
            self.add_error("target", _("La meta es igual a la línea base."))
        return data


class ProgressForm(forms.Form):
    reported_on = forms.DateField(label=_("Fecha del dato"), widget=DATE)
    value = forms.DecimalField(label=_("Valor del indicador"), max_digits=14, decimal_places=2)

    def clean_reported_on(self):
        day = self.cleaned_data["reported_on"]
        if day > timezone.localdate():
            raise forms.ValidationError(_("La fecha del dato no puede ser futura."))
        return day


class ControlForm(forms.ModelForm):
    class Meta:
        model = Control
        fields = ["entity", "line", "name", "owner"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["entity"].queryset = Entity.objects.active()


class FindingForm(forms.ModelForm):
    class Meta:
        model = AuditFinding
        fields = ["entity", "control", "title", "recommendation", "owner", "due"]
        widgets = {"due": DATE}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["entity"].queryset = Entity.objects.active()
        self.fields["control"].queryset = Control.objects.select_related("entity")

    def clean_due(self):
        return _not_past(self.cleaned_data.get("due"))

    def clean(self):
        data = super().clean()
        control, entity = data.get("control"), data.get("entity")
        if control and entity and control.entity_id != entity.pk:
            self.add_error("control", _("El control pertenece a otro ente."))
        return data
