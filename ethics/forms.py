"""Forms of the ethics app. Declaration items are built from a per-section field list that
mirrors the System 1 paths, so one form class serves the seven sections."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from ethics import interest as interest_format
from ethics.models import (
    CodeVersion,
    ConflictCase,
    ConflictMeasure,
    EmploymentScreening,
    Gift,
    MoralReminder,
    PostEmploymentNotice,
    ProcedureKind,
    ResponsibilityLevel,
)

RELATIONS = [
    ("DECLARANTE", _("Declarante")),
    ("PAREJA", _("Pareja")),
    ("DEPENDIENTE_ECONOMICO", _("Dependiente económico")),
]
PERSON_TYPES = [("MORAL", _("Persona moral")), ("FISICA", _("Persona física"))]
SECTORS = [
    ("AGRI", _("Agricultura")),
    ("MIN", _("Minería")),
    ("EELECT", _("Energía eléctrica")),
    ("CONS", _("Construcción")),
    ("INDMANU", _("Industria manufacturera")),
    ("CMAYOR", _("Comercio al por mayor")),
    ("CMENOR", _("Comercio al por menor")),
    ("TRANS", _("Transporte")),
    ("MEDIOM", _("Medios masivos")),
    ("SERVFIN", _("Servicios financieros")),
    ("SERVINM", _("Servicios inmobiliarios")),
    ("SERVPROF", _("Servicios profesionales")),
    ("SERVCORP", _("Servicios corporativos")),
    ("SERVS", _("Servicios de salud")),
    ("SERVESPAR", _("Servicios de esparcimiento")),
    ("SERVALOJ", _("Servicios de alojamiento")),
    ("OTRO", _("Otro")),
]
PARTICIPATION = [
    ("SCIO", _("Socio")),
    ("ACCI", _("Accionista")),
    ("COMI", _("Comisario")),
    ("REPR", _("Representante")),
    ("APOD", _("Apoderado")),
    ("COLB", _("Colaborador")),
    ("BENE", _("Beneficiario")),
    ("OTRO", _("Otro")),
]
INSTITUTIONS = [
    ("OSC", _("Organización de la sociedad civil")),
    ("OB", _("Organización benéfica")),
    ("PP", _("Partido político")),
    ("GS", _("Gremio o sindicato")),
    ("OTRO", _("Otro")),
]
BENEFICIARIES = [
    ("DC", _("Declarante")),
    ("CY", _("Cónyuge")),
    ("CON", _("Concubina o concubinario")),
    ("HIJ", _("Hijo(a)")),
    ("OTRO", _("Otro(a)")),
]
LEVELS = [
    ("FEDERAL", _("Federal")),
    ("ESTATAL", _("Estatal")),
    ("MUNICIPAL_ALCALDIA", _("Municipal / alcaldía")),
]
SUPPORT = [("SUB", _("Subsidio")), ("SER", _("Servicio")), ("OBRA", _("Obra")), ("OTRO", _("Otro"))]
RECEPTION = [("MONETARIO", _("Monetario")), ("ESPECIE", _("En especie"))]
BENEFITS = [("S", _("Sorteo")), ("C", _("Concurso")), ("D", _("Donación")), ("O", _("Otro"))]
REPRESENTATION = [("REPRESENTANTE", _("Representante")), ("REPRESENTADO", _("Representado"))]
TRUSTS = [("PUBLICO", _("Público")), ("PRIVADO", _("Privado")), ("MIXTO", _("Mixto"))]
TRUST_ROLES = [
    ("FIDEICOMITENTE", _("Fideicomitente")),
    ("FIDUCIARIO", _("Fiduciario")),
    ("FIDEICOMISARIO", _("Fideicomisario")),
    ("COMITE_TECNICO", _("Comité técnico")),
]
WHERE = [("MX", _("En México")), ("EX", _("En el extranjero"))]


@dataclass(frozen=True)
class ItemField:
    path: str
    label: Any
    kind: str = "text"  # text, rfc, choice, clave (object with clave/valor), bool, int, money, date
    choices: list | None = None
    required: bool = False


F = ItemField
ITEM_FIELDS: dict[str, list[ItemField]] = {
    "participacion": [
        F("tipoRelacion", _("¿De quién es la participación?"), "choice", RELATIONS, True),
        F("nombreEmpresaSociedadAsociacion", _("Empresa, sociedad o asociación"), required=True),
        F("rfc", _("RFC de la empresa"), "rfc"),
        F("porcentajeParticipacion", _("Porcentaje de participación"), "int", required=True),
        F("tipoParticipacion", _("Tipo de participación"), "clave", PARTICIPATION, True),
        F("recibeRemuneracion", _("Recibe remuneración"), "bool"),
        F("montoMensual", _("Monto mensual neto (MXN)"), "money"),
        F("sector", _("Sector"), "clave", SECTORS),
    ],
    "participacionTomaDecisiones": [
        F("tipoRelacion", _("¿Quién participa?"), "choice", RELATIONS, True),
        F("tipoInstitucion", _("Tipo de institución"), "clave", INSTITUTIONS, True),
        F("nombreInstitucion", _("Nombre de la institución"), required=True),
        F("rfc", _("RFC de la institución"), "rfc"),
        F("puestoRol", _("Puesto o rol")),
        F("fechaInicioParticipacion", _("Fecha de inicio"), "date"),
        F("recibeRemuneracion", _("Recibe remuneración"), "bool"),
        F("montoMensual", _("Monto mensual neto (MXN)"), "money"),
    ],
    "apoyos": [
        F("beneficiarioPrograma", _("Beneficiario"), "clave", BENEFICIARIES, True),
        F("nombrePrograma", _("Nombre del programa"), required=True),
        F("institucionOtorgante", _("Institución que otorga el apoyo"), required=True),
        F("nivelOrdenGobierno", _("Orden de gobierno"), "choice", LEVELS),
        F("tipoApoyo", _("Tipo de apoyo"), "clave", SUPPORT),
        F("formaRecepcion", _("Forma de recepción"), "choice", RECEPTION),
        F("montoApoyoMensual", _("Monto mensual (MXN)"), "money"),
        F("especifiqueApoyo", _("Especifique el apoyo")),
    ],
    "representacion": [
        F("tipoRelacion", _("¿Quién representa o es representado?"), "choice", RELATIONS, True),
        F("tipoRepresentacion", _("Tipo de representación"), "choice", REPRESENTATION, True),
        F("fechaInicioRepresentacion", _("Fecha de inicio"), "date"),
        F("tipoPersona", _("La contraparte es"), "choice", PERSON_TYPES, True),
        F("nombreRazonSocial", _("Nombre o razón social de la contraparte"), required=True),
        F("rfc", _("RFC de la contraparte"), "rfc"),
        F("recibeRemuneracion", _("Recibe remuneración"), "bool"),
        F("montoMensual", _("Monto mensual neto (MXN)"), "money"),
        F("sector", _("Sector"), "clave", SECTORS),
    ],
    "clientesPrincipales": [
        F("tipoRelacion", _("¿De quién es la actividad?"), "choice", RELATIONS, True),
        F("realizaActividadLucrativa", _("Realiza actividad lucrativa independiente"), "bool"),
        F("empresa.nombreEmpresaServicio", _("Empresa o servicio propio"), required=True),
        F("empresa.rfc", _("RFC de la empresa propia"), "rfc"),
        F("clientePrincipal.tipoPersona", _("El cliente es"), "choice", PERSON_TYPES, True),
        F(
            "clientePrincipal.nombreRazonSocial",
            _("Nombre o razón social del cliente"),
            required=True,
        ),
        F("clientePrincipal.rfc", _("RFC del cliente"), "rfc"),
        F("sector", _("Sector"), "clave", SECTORS),
        F("montoAproximadoGanancia", _("Ganancia mensual aproximada (MXN)"), "money"),
    ],
    "beneficiosPrivados": [
        F("tipoBeneficio", _("Tipo de beneficio"), "clave", BENEFITS, True),
        F("otorgante.tipoPersona", _("Quien otorga es"), "choice", PERSON_TYPES, True),
        F("otorgante.nombreRazonSocial", _("Nombre o razón social de quien otorga"), required=True),
        F("otorgante.rfc", _("RFC de quien otorga"), "rfc"),
        F("formaRecepcion", _("Forma de recepción"), "choice", RECEPTION),
        F("especifiqueBeneficio", _("Especifique el beneficio")),
        F("montoMensualAproximado", _("Monto mensual aproximado (MXN)"), "money"),
        F("sector", _("Sector"), "clave", SECTORS),
    ],
    "fideicomisos": [
        F("tipoRelacion", _("¿Quién participa?"), "choice", RELATIONS, True),
        F("tipoFideicomiso", _("Tipo de fideicomiso"), "choice", TRUSTS, True),
        F("tipoParticipacion", _("Tipo de participación"), "choice", TRUST_ROLES, True),
        F("rfcFideicomiso", _("RFC del fideicomiso"), "rfc"),
        F("fiduciario.nombreRazonSocial", _("Fiduciario"), required=True),
        F("fiduciario.rfc", _("RFC del fiduciario"), "rfc"),
        F("fideicomitente.tipoPersona", _("El fideicomitente es"), "choice", PERSON_TYPES),
        F("fideicomitente.nombreRazonSocial", _("Fideicomitente")),
        F("fideicomitente.rfc", _("RFC del fideicomitente"), "rfc"),
        F("fideicomisario.tipoPersona", _("El fideicomisario es"), "choice", PERSON_TYPES),
        F("fideicomisario.nombreRazonSocial", _("Fideicomisario")),
        F("fideicomisario.rfc", _("RFC del fideicomisario"), "rfc"),
        F("extranjero", _("¿Dónde se localiza?"), "choice", WHERE),
    ],
}


def _form_name(path: str) -> str:
    return path.replace(".", "__")


def _django_field(spec: ItemField) -> forms.Field:
    common = {"label": spec.label, "required": spec.required}
    if spec.kind in ("choice", "clave"):
        choices = spec.choices or []
        return forms.ChoiceField(
            choices=choices if spec.required else [("", "—"), *choices], **common
        )
    if spec.kind == "bool":
        return forms.BooleanField(label=spec.label, required=False)
    if spec.kind == "int":
        return forms.IntegerField(min_value=1, max_value=100, **common)
    if spec.kind == "money":
        return forms.IntegerField(
            min_value=0,
            error_messages={"min_value": _("No se aceptan valores negativos.")},
            **common,
        )
    if spec.kind == "date":
        return forms.DateField(widget=forms.DateInput(attrs={"type": "date"}), **common)
    if spec.kind == "rfc":
        return forms.CharField(
            max_length=13, help_text=_("12 caracteres (moral) o 13 (física)."), **common
        )
    return forms.CharField(max_length=300, **common)


def _set_path(item: dict, path: str, value: Any) -> None:
    *parents, last = path.split(".")
    node = item
    for part in parents:
        node = node.setdefault(part, {})
    node[last] = value


class DeclarationItemForm(forms.Form):
    """One item of one section; ``to_item()`` builds the System 1 object."""

    def __init__(self, *args, section: str, initial_item: dict | None = None, **kwargs):
        self.section = section
        self.specs = ITEM_FIELDS[section]
        if initial_item is not None:
            kwargs["initial"] = self._initial(initial_item)
        super().__init__(*args, **kwargs)
        for spec in self.specs:
            self.fields[_form_name(spec.path)] = _django_field(spec)

    def _initial(self, item: dict) -> dict:
        initial = {}
        for spec in self.specs:
            value = interest_format.get_path(item, spec.path)
            if isinstance(value, dict):
                value = value.get("clave", value.get("valor"))
            initial[_form_name(spec.path)] = value
        return initial

    def clean(self):
        data = super().clean()
        today = timezone.localdate()
        for spec in self.specs:
            name = _form_name(spec.path)
            value = data.get(name)
            if spec.kind == "date" and value and value > today:
                self.add_error(name, _("La fecha no puede estar en el futuro."))
            if spec.kind == "rfc" and value:
                data[name] = value = value.strip().upper()
                if not interest_format.RFC_RE.match(value):
                    self.add_error(
                        name, _("El RFC no tiene un formato válido (12 o 13 caracteres).")
                    )
        return data

    def to_item(self, operation: str = "AGREGAR") -> dict:
        item: dict = {"tipoOperacion": operation}
        for spec in self.specs:
            value = self.cleaned_data.get(_form_name(spec.path))
            if value in (None, "") and spec.kind != "bool":
                continue
            if spec.kind == "clave":
                value = {"clave": value, "valor": str(dict(spec.choices or [])[value]).upper()}
            elif spec.kind == "money":
                value = {"valor": value, "moneda": "MXN"}
            elif spec.kind == "date":
                value = value.isoformat()
            _set_path(item, spec.path, value)
        if self.section == "beneficiosPrivados":
            item["beneficiario"] = [{"clave": "DC", "valor": "DECLARANTE"}]
        return item

    def add_problem(self, problem: interest_format.Problem) -> None:
        """Attach a schema problem (``section.items.N.a.b``) to the field it names."""
        parts = problem.path.split(".")[3:]
        for depth in range(len(parts), 0, -1):
            name = "__".join(parts[:depth])
            if name in self.fields:
                self.add_error(name, problem.message)
                return
        self.add_error(None, str(problem))


class DeclarationStartForm(forms.Form):
    appointment = forms.TypedChoiceField(label=_("Nombramiento"), coerce=int)
    kind = forms.ChoiceField(label=_("Tipo de declaración"))

    def __init__(self, *args, appointments, kinds, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["appointment"].choices = [
            (a.pk, f"{a.entity} ({a.start:%Y-%m-%d} – {a.end or '…'})") for a in appointments
        ]
        self.fields["kind"].choices = kinds


class CodeVersionForm(forms.ModelForm):
    principles_text = forms.CharField(
        label=_("Principios"),
        widget=forms.Textarea,
        help_text=_("Uno por línea: «Nombre: descripción»."),
    )

    class Meta:
        model = CodeVersion
        fields = [
            "title",
            "values",
            "integrity_rules",
            "conflict_definition",
            "conflict_scope",
            "breach_consequences",
            "gift_threshold",
        ]

    def clean_principles_text(self) -> list[dict]:
        principles = []
        for line in self.cleaned_data["principles_text"].splitlines():
            if line.strip():
                name, _sep, description = line.partition(":")
                principles.append({"name": name.strip(), "description": description.strip()})
        return principles


class GiftForm(forms.ModelForm):
    class Meta:
        model = Gift
        fields = [
            "kind",
            "giver_kind",
            "giver_name",
            "giver_rfc",
            "value",
            "offered_on",
            "occasion",
            "decision",
            "notes",
        ]
        widgets = {"offered_on": forms.DateInput(attrs={"type": "date"})}

    def clean_giver_rfc(self) -> str:
        rfc = self.cleaned_data["giver_rfc"].strip().upper()
        if rfc and not interest_format.RFC_RE.match(rfc):
            raise forms.ValidationError(
                _("El RFC no tiene un formato válido (12 o 13 caracteres).")
            )
        return rfc

    def clean_offered_on(self):
        day = self.cleaned_data["offered_on"]
        if day and day > timezone.localdate():
            raise forms.ValidationError(_("La fecha no puede estar en el futuro."))
        return day


class ConflictOpenForm(forms.ModelForm):
    class Meta:
        model = ConflictCase
        fields = ["kind", "summary", "follow_up"]
        widgets = {"follow_up": forms.DateInput(attrs={"type": "date"})}


class ConflictMeasureForm(forms.ModelForm):
    class Meta:
        model = ConflictMeasure
        fields = ["kind", "detail", "follow_up"]
        widgets = {"follow_up": forms.DateInput(attrs={"type": "date"})}


class AdviceAskForm(forms.Form):
    question = forms.CharField(label=_("Su pregunta"), widget=forms.Textarea, max_length=5000)


class AdviceAnswerForm(forms.Form):
    answer = forms.CharField(label=_("Respuesta"), widget=forms.Textarea, max_length=10000)


class AdvicePublishForm(forms.Form):
    question = forms.CharField(label=_("Pregunta anonimizada"), widget=forms.Textarea)
    answer = forms.CharField(label=_("Respuesta anonimizada"), widget=forms.Textarea)


class ReminderForm(forms.ModelForm):
    class Meta:
        model = MoralReminder
        fields = ["transaction", "variant", "text", "active"]


class ScreeningForm(forms.ModelForm):
    class Meta:
        model = EmploymentScreening
        fields = [
            "position",
            "previous_employer",
            "previous_employer_rfc",
            "previous_employer_is_supplier",
            "pending_interests",
            "notes",
        ]


class PostEmploymentForm(forms.ModelForm):
    appointment = forms.TypedChoiceField(label=_("Cargo que dejó"), coerce=int)

    class Meta:
        model = PostEmploymentNotice
        fields = ["new_employer", "new_employer_rfc", "role", "starts_on"]
        widgets = {"starts_on": forms.DateInput(attrs={"type": "date"})}

    def __init__(self, *args, appointments, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["appointment"].choices = [
            (a.pk, f"{a.entity} ({a.start:%Y-%m-%d} – {a.end or '…'})") for a in appointments
        ]
        self.order_fields(["appointment"])


class QuizForm(forms.Form):
    """One radio group per question of a module."""

    def __init__(self, *args, module, **kwargs):
        super().__init__(*args, **kwargs)
        for i, question in enumerate(module.questions):
            self.fields[f"q{i}"] = forms.TypedChoiceField(
                label=question.get("question", ""),
                choices=list(enumerate(question.get("options", []))),
                coerce=int,
                widget=forms.RadioSelect,
            )

    def answers(self) -> list[int | None]:
        return [self.cleaned_data.get(f"q{i}") for i in range(len(self.fields))]


class ProcurementRoleForm(forms.Form):
    """What a servant's appointment does in procurement procedures (PDN System 2)."""

    position = forms.CharField(label=_("Puesto"), max_length=200)
    level = forms.CharField(label=_("Nivel del puesto"), max_length=12, required=False)
    procedures = forms.TypedMultipleChoiceField(
        label=_("Tipos de procedimiento en que interviene"),
        choices=ProcedureKind.choices,
        coerce=int,
        widget=forms.CheckboxSelectMultiple,
        required=False,
        help_text=_("Sin ninguno, la persona deja de publicarse en la PDN."),
    )
    responsibility = forms.MultipleChoiceField(
        label=_("Nivel de responsabilidad"),
        choices=ResponsibilityLevel.choices,
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )
    notes = forms.CharField(
        label=_("Observaciones"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
