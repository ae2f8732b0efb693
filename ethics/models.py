"""Models of the ethics app: the code and its acknowledgements, interest declarations, gifts,
conflict cases, advice, moral reminders and the revolving door."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from lacs.models import Entity, RoleAssignment

DEFAULT_GIFT_THRESHOLD = Decimal("1000")
DECLARATION_WINDOW_DAYS = 60  # initial and conclusion: within 60 days of taking/leaving office


# --- The code ------------------------------------------------------------------------------------
class CodeVersionQuerySet(models.QuerySet):
    def published(self):
        return self.filter(published_at__isnull=False)

    def current(self) -> CodeVersion | None:
        return self.published().order_by("-number").first()


class CodeVersion(models.Model):
    """One version of the single ethics code; published versions are never edited."""

    number = models.PositiveIntegerField(_("versión"), unique=True)
    title = models.CharField(_("título"), max_length=200)
    principles = models.JSONField(
        _("principios"), default=list, help_text=_("Lista de {nombre, descripción}.")
    )
    values = models.TextField(_("valores"), blank=True)
    integrity_rules = models.TextField(_("reglas de integridad"), blank=True)
    conflict_definition = models.TextField(_("definición de conflicto de interés"))
    conflict_scope = models.TextField(_("alcance"), blank=True)
    breach_consequences = models.TextField(_("consecuencias del incumplimiento"), blank=True)
    gift_threshold = models.DecimalField(
        _("valor máximo de un obsequio (MXN)"),
        max_digits=12,
        decimal_places=2,
        default=DEFAULT_GIFT_THRESHOLD,
        validators=[MinValueValidator(0)],
        help_text=_("Por encima de este valor el obsequio debe entregarse y queda señalado."),
    )
    created_at = models.DateTimeField(auto_now_add=True)
    published_at = models.DateTimeField(_("publicada"), null=True, blank=True)
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    servants_notified_at = models.DateTimeField(null=True, blank=True)

    objects = CodeVersionQuerySet.as_manager()

    class Meta:
        verbose_name = _("versión del código de ética")
        verbose_name_plural = _("versiones del código de ética")
        ordering = ["-number"]

    def __str__(self) -> str:
        return f"{self.title} (v{self.number})"

    @property
    def is_published(self) -> bool:
        return self.published_at is not None


class CodeAcknowledgement(models.Model):
    """A servant's acknowledgement of one published version, counted for the entity they serve."""

    version = models.ForeignKey(CodeVersion, on_delete=models.PROTECT, related_name="acks")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="code_acks"
    )
    entity = models.ForeignKey(Entity, on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["version", "user"], name="one_ack_per_version")
        ]

    def __str__(self) -> str:
        return f"{self.user} — v{self.version.number}"


# --- Interest declarations -----------------------------------------------------------------------
class DeclarationKind(models.TextChoices):
    INITIAL = "INICIAL", _("Inicial")
    MODIFICATION = "MODIFICACION", _("Modificación")
    CONCLUSION = "CONCLUSION", _("Conclusión")
    UPDATE = "ACTUALIZACION", _("Actualización de conflicto de interés")


class DeclarationStatus(models.TextChoices):
    DRAFT = "draft", _("Borrador")
    FILED = "filed", _("Presentada")


class DeclarationQuerySet(models.QuerySet):
    def filed(self):
        return self.filter(status=DeclarationStatus.FILED)

    def drafts(self):
        return self.filter(status=DeclarationStatus.DRAFT)


class Declaration(models.Model):
    """A conflict-of-interest declaration: ``interest`` holds the System 1 ``interes`` object.

    Each item keeps its ``tipoOperacion`` (AGREGAR/MODIFICAR/SIN_CAMBIOS/BAJA). It belongs to
    one appointment (the servant's SERVANT role at an entity), whose dates set its deadline.
    """

    declarant = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="declarations"
    )
    appointment = models.ForeignKey(
        RoleAssignment, on_delete=models.PROTECT, related_name="declarations"
    )
    entity = models.ForeignKey(Entity, on_delete=models.PROTECT, related_name="declarations")
    kind = models.CharField(_("tipo"), max_length=16, choices=DeclarationKind.choices)
    year = models.PositiveSmallIntegerField(_("año"), null=True, blank=True)
    status = models.CharField(
        _("estado"), max_length=8, choices=DeclarationStatus.choices, default="draft"
    )
    interest = models.JSONField(_("intereses"), default=dict)
    due_date = models.DateField(_("fecha límite"), null=True, blank=True)
    filed_at = models.DateTimeField(_("presentada"), null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = DeclarationQuerySet.as_manager()

    class Meta:
        verbose_name = _("declaración de intereses")
        verbose_name_plural = _("declaraciones de intereses")
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["appointment", "kind"],
                condition=Q(kind__in=["INICIAL", "CONCLUSION"]),
                name="one_initial_or_conclusion_per_appointment",
            ),
            models.UniqueConstraint(
                fields=["appointment", "kind", "year"],
                condition=Q(kind="MODIFICACION"),
                name="one_modification_per_year",
            ),
        ]
        indexes = [models.Index(fields=["entity", "status", "kind"])]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} — {self.declarant} ({self.entity})"

    @property
    def is_filed(self) -> bool:
        return self.status == DeclarationStatus.FILED

    @property
    def filed_late(self) -> bool:
        return bool(
            self.filed_at and self.due_date and timezone.localdate(self.filed_at) > self.due_date
        )


# --- Conflict cases ------------------------------------------------------------------------------
class ConflictKind(models.TextChoices):
    ACTUAL = "actual", _("Real")
    APPARENT = "apparent", _("Aparente")
    POTENTIAL = "potential", _("Potencial")


class ConflictStatus(models.TextChoices):
    OPEN = "open", _("Abierto")
    MANAGED = "managed", _("Con medidas")
    CLOSED = "closed", _("Cerrado")


class ConflictCase(models.Model):
    """A declared or detected conflict of interest, managed by the entity's reviewers."""

    entity = models.ForeignKey(Entity, on_delete=models.PROTECT, related_name="+")
    servant = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="conflict_cases"
    )
    declaration = models.ForeignKey(
        Declaration, null=True, blank=True, on_delete=models.SET_NULL, related_name="conflicts"
    )
    kind = models.CharField(_("tipo de conflicto"), max_length=10, choices=ConflictKind.choices)
    source = models.CharField(_("origen"), max_length=40, default="declaration")
    summary = models.TextField(_("descripción"))
    status = models.CharField(
        _("estado"), max_length=8, choices=ConflictStatus.choices, default="open"
    )
    follow_up = models.DateField(_("fecha de seguimiento"), null=True, blank=True)
    opened_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    opened_at = models.DateTimeField(default=timezone.now)
    closed_at = models.DateTimeField(null=True, blank=True)
    follow_up_notified_on = models.DateField(null=True, blank=True)

    class Meta:
        verbose_name = _("caso de conflicto de interés")
        verbose_name_plural = _("casos de conflicto de interés")
        ordering = ["-opened_at"]

    def __str__(self) -> str:
        return f"#{self.pk} {self.get_kind_display()} — {self.servant}"


class MeasureKind(models.TextChoices):
    RECUSAL = "recusal", _("Excusa (con escrito de excusa)")
    DIVESTMENT = "divestment", _("Desinversión")
    RESTRICTION = "restriction", _("Restricción de acceso")
    REASSIGNMENT = "reassignment", _("Reasignación")


class ConflictMeasure(models.Model):
    case = models.ForeignKey(ConflictCase, on_delete=models.CASCADE, related_name="measures")
    kind = models.CharField(_("medida"), max_length=12, choices=MeasureKind.choices)
    detail = models.TextField(_("detalle"), help_text=_("Para una excusa, el escrito de excusa."))
    follow_up = models.DateField(_("fecha de seguimiento"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["created_at"]

    def __str__(self) -> str:
        return self.get_kind_display()


# --- Gifts ---------------------------------------------------------------------------------------
class GiftKind(models.TextChoices):
    GIFT = "gift", _("Obsequio")
    HOSPITALITY = "hospitality", _("Hospitalidad")
    BENEFIT = "benefit", _("Otro beneficio")


class GiftDecision(models.TextChoices):
    ACCEPTED = "accepted", _("Aceptado")
    DECLINED = "declined", _("Rechazado")
    HANDED_OVER = "handed_over", _("Entregado a la institución")


class GiverKind(models.TextChoices):
    PERSON = "FISICA", _("Persona física")
    COMPANY = "MORAL", _("Persona moral")


class GiftQuerySet(models.QuerySet):
    def public_rows(self):
        """Only the public columns: no servant, no natural-person giver, no notes."""
        return self.select_related("entity").only(
            "entity__name",
            "kind",
            "offered_on",
            "value",
            "decision",
            "over_threshold",
            "giver_kind",
            "giver_name",
        )


class Gift(models.Model):
    """A gift, hospitality or benefit offered to a servant."""

    servant = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="gifts"
    )
    entity = models.ForeignKey(Entity, on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(_("tipo"), max_length=12, choices=GiftKind.choices)
    giver_kind = models.CharField(_("quien ofrece es"), max_length=6, choices=GiverKind.choices)
    giver_name = models.CharField(_("quien ofrece"), max_length=200)
    giver_rfc = models.CharField(_("RFC de quien ofrece"), max_length=13, blank=True)
    value = models.DecimalField(
        _("valor estimado (MXN)"),
        max_digits=12,
        decimal_places=2,
        validators=[MinValueValidator(0)],
    )
    offered_on = models.DateField(_("fecha"))
    occasion = models.CharField(_("ocasión"), max_length=200)
    decision = models.CharField(_("qué se hizo"), max_length=12, choices=GiftDecision.choices)
    notes = models.TextField(_("notas"), blank=True)
    over_threshold = models.BooleanField(_("supera el límite"), default=False)
    recorded_at = models.DateTimeField(default=timezone.now)

    objects = GiftQuerySet.as_manager()

    class Meta:
        verbose_name = _("obsequio")
        verbose_name_plural = _("registro de obsequios")
        ordering = ["-offered_on", "-pk"]
        constraints = [
            models.CheckConstraint(condition=Q(value__gte=0), name="gift_value_not_negative")
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.value} — {self.entity}"

    @property
    def public_giver(self) -> str:
        return self.giver_name if self.giver_kind == GiverKind.COMPANY else ""

    @property
    def needs_handover(self) -> bool:
        return self.over_threshold and self.decision == GiftDecision.ACCEPTED


# --- Advice --------------------------------------------------------------------------------------
class AdviceRequest(models.Model):
    """A confidential question to the entity's integrity contact point."""

    asker = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="advice_requests"
    )
    entity = models.ForeignKey(Entity, on_delete=models.PROTECT, related_name="+")
    question = models.TextField(_("pregunta"))
    asked_at = models.DateTimeField(default=timezone.now)
    due_date = models.DateField(_("respuesta a más tardar"))
    answer = models.TextField(_("respuesta"), blank=True)
    answered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    answered_at = models.DateTimeField(null=True, blank=True)
    guidance_question = models.TextField(_("pregunta anonimizada"), blank=True)
    guidance_answer = models.TextField(_("respuesta anonimizada"), blank=True)
    published_at = models.DateTimeField(_("publicada como orientación"), null=True, blank=True)
    overdue_notified_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("solicitud de asesoría")
        verbose_name_plural = _("solicitudes de asesoría")
        ordering = ["-asked_at"]

    def __str__(self) -> str:
        return f"#{self.pk} — {self.entity}"

    @property
    def is_answered(self) -> bool:
        return self.answered_at is not None

    @property
    def is_overdue(self) -> bool:
        return not self.is_answered and timezone.localdate() > self.due_date


# --- Moral reminders -----------------------------------------------------------------------------
class ReminderTransaction(models.TextChoices):
    DECLARATION_FILE = "declaration_file", _("Presentar una declaración")
    PROCUREMENT_APPROVE = "procurement_approve", _("Aprobar una contratación")
    CONTACT_SIGN_IN = "contact_sign_in", _("Entrar como punto de contacto")


class MoralReminder(models.Model):
    """A short text shown before a transaction starts; several variants can run side by side."""

    transaction = models.CharField(
        _("transacción"), max_length=24, choices=ReminderTransaction.choices
    )
    variant = models.CharField(_("variante"), max_length=20)
    text = models.TextField(_("texto"))
    active = models.BooleanField(_("activa"), default=True)

    class Meta:
        verbose_name = _("recordatorio moral")
        verbose_name_plural = _("recordatorios morales")
        ordering = ["transaction", "variant"]
        constraints = [
            models.UniqueConstraint(fields=["transaction", "variant"], name="one_variant_name")
        ]

    def __str__(self) -> str:
        return f"{self.get_transaction_display()} / {self.variant}"


class ReminderShown(models.Model):
    """One showing of a reminder; ``completed_at``/``on_time`` are set when the transaction ends."""

    reminder = models.ForeignKey(MoralReminder, on_delete=models.CASCADE, related_name="shown")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    shown_at = models.DateTimeField(default=timezone.now)
    acknowledged_at = models.DateTimeField(null=True, blank=True)
    completed_at = models.DateTimeField(null=True, blank=True)
    on_time = models.BooleanField(null=True)

    class Meta:
        indexes = [models.Index(fields=["reminder", "completed_at"])]

    def __str__(self) -> str:
        return f"{self.reminder} → {self.user}"


# --- Revolving door ------------------------------------------------------------------------------
class EmploymentScreening(models.Model):
    """Pre-employment screening answers given at appointment."""

    appointment = models.OneToOneField(
        RoleAssignment, on_delete=models.CASCADE, related_name="screening"
    )
    position = models.CharField(_("puesto"), max_length=200)
    previous_employer = models.CharField(
        _("empleador anterior (últimos dos años)"), max_length=200, blank=True
    )
    previous_employer_rfc = models.CharField(
        _("RFC del empleador anterior"), max_length=13, blank=True
    )
    previous_employer_is_supplier = models.BooleanField(
        _("¿su empleador anterior contrata con el ente?"), default=False
    )
    pending_interests = models.BooleanField(
        _("¿conserva intereses en empresas del sector que regulará o contratará?"), default=False
    )
    notes = models.TextField(_("aclaraciones"), blank=True)
    answered_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("cuestionario de ingreso")
        verbose_name_plural = _("cuestionarios de ingreso")

    def __str__(self) -> str:
        return str(self.appointment)

    @property
    def needs_review(self) -> bool:
        return self.previous_employer_is_supplier or self.pending_interests


class PostEmploymentNotice(models.Model):
    """Notice of a former servant's new employment, checked against a one-year cooling-off."""

    appointment = models.ForeignKey(
        RoleAssignment, on_delete=models.CASCADE, related_name="post_employment"
    )
    new_employer = models.CharField(_("nuevo empleador"), max_length=200)
    new_employer_rfc = models.CharField(_("RFC del nuevo empleador"), max_length=13, blank=True)
    role = models.CharField(_("puesto o función"), max_length=200)
    starts_on = models.DateField(_("fecha de inicio"))
    cooling_off_warning = models.BooleanField(_("aviso de periodo de enfriamiento"), default=False)
    filed_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("aviso de empleo posterior")
        verbose_name_plural = _("avisos de empleo posterior")
        ordering = ["-filed_at"]

    def __str__(self) -> str:
        return f"{self.appointment} → {self.new_employer}"

    def within_cooling_off(self) -> bool:
        left = self.appointment.end
        return left is not None and self.starts_on <= left + dt.timedelta(days=365)


# --- Education -----------------------------------------------------------------------------------
class EducationModule(models.Model):
    """A short ethics course with a quiz: ``questions`` is [{question, options, answer}]."""

    title = models.CharField(_("título"), max_length=200)
    body = models.TextField(_("contenido"))
    questions = models.JSONField(_("preguntas"), default=list)
    pass_mark = models.PositiveSmallIntegerField(
        _("calificación aprobatoria (%)"), default=80, validators=[MinValueValidator(1)]
    )
    position = models.PositiveSmallIntegerField(_("orden"), default=0)
    active = models.BooleanField(_("activo"), default=True)

    class Meta:
        verbose_name = _("módulo de formación")
        verbose_name_plural = _("módulos de formación")
        ordering = ["position", "title"]

    def __str__(self) -> str:
        return self.title

    def score(self, answers: list[int | None]) -> int:
        if not self.questions:
            return 100
        right = sum(
            1
            for q, a in zip(self.questions, answers, strict=False)
            if a is not None and a == q.get("answer")
        )
        return round(100 * right / len(self.questions))


class ModuleCompletion(models.Model):
    """A servant's latest attempt at a module's quiz."""

    module = models.ForeignKey(
        EducationModule, on_delete=models.CASCADE, related_name="completions"
    )
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    entity = models.ForeignKey(Entity, on_delete=models.PROTECT, related_name="+")
    score = models.PositiveSmallIntegerField(_("calificación"))
    passed = models.BooleanField(_("aprobado"))
    at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["module", "user"], name="one_completion_per_module")
        ]

    def __str__(self) -> str:
        return f"{self.user} — {self.module} ({self.score}%)"


class DeadlineNotice(models.Model):
    """One reminder e-mail about one declaration owed, so that a re-run never sends it twice."""

    appointment = models.ForeignKey(RoleAssignment, on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(max_length=16, choices=DeclarationKind.choices)
    year = models.PositiveSmallIntegerField(default=0)  # 0 when the kind has no year
    stage = models.CharField(max_length=10)  # "due_soon" or "overdue"
    sent_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["appointment", "kind", "year", "stage"], name="one_notice_per_stage"
            )
        ]

    def __str__(self) -> str:
        return f"{self.appointment_id} {self.kind} {self.year} {self.stage}"


# --- Servants who take part in procurement (PDN System 2) ----------------------------------------
class ProcedureKind(models.IntegerChoices):
    """The national platform's catalogue (``tipoProcedimiento``)."""

    PROCUREMENT = 1, _("Contrataciones públicas")
    CONCESSIONS = 2, _("Concesiones, licencias, permisos, autorizaciones y sus prórrogas")
    DISPOSALS = 3, _("Enajenación de bienes muebles")
    APPRAISALS = 4, _("Asignación y emisión de dictámenes de avalúos")
    OTHER = 5, _("Otro")


class ResponsibilityLevel(models.TextChoices):
    """``nivelResponsabilidad`` of the national platform."""

    ATTENTION = "A", _("Atención")
    PROCESSING = "T", _("Tramitación")
    RESOLUTION = "R", _("Resolución")
    OTHER = "O", _("Otro")


class ProcurementRole(models.Model):
    """What a servant's appointment does in procurement procedures, as the entity recorded it.

    One row per appointment; published through PDN System 2 while the appointment is current and
    at least one procedure type is recorded.
    """

    appointment = models.OneToOneField(
        RoleAssignment, on_delete=models.CASCADE, related_name="procurement_role"
    )
    position = models.CharField(_("puesto"), max_length=200)
    level = models.CharField(_("nivel del puesto"), max_length=12, blank=True)
    procedures = ArrayField(
        models.PositiveSmallIntegerField(choices=ProcedureKind.choices),
        verbose_name=_("tipos de procedimiento"),
        default=list,
        blank=True,
    )
    responsibility = ArrayField(
        models.CharField(max_length=1, choices=ResponsibilityLevel.choices),
        verbose_name=_("nivel de responsabilidad"),
        default=list,
        blank=True,
    )
    notes = models.TextField(_("observaciones"), blank=True)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("intervención en contrataciones")
        verbose_name_plural = _("intervenciones en contrataciones")

    def __str__(self) -> str:
        return f"{self.appointment} — {self.position}"
