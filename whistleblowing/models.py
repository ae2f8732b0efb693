"""Models of the whistleblowing app: questionnaires, and the sealed contents of a report.

Everything a whistle-blower writes or uploads is stored sealed (AES-256-GCM) under the case's
data key; only routing metadata lives on ``cases.Case`` in clear. Dates are days, never times.
The identity a whistle-blower may give lives in a separate vault under a third key.
"""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _

from cases.models import Case
from lacs.models import Category


# --- Questionnaires ---------------------------------------------------------------------------
class QuestionKind(models.TextChoices):
    TEXT = "text", _("Texto")
    CHOICE = "choice", _("Opción de una lista")
    DATE = "date", _("Fecha")
    AMOUNT = "amount", _("Monto en pesos")
    YES_NO = "yes_no", _("Sí / No")


class Questionnaire(models.Model):
    """The questions asked for one category of misconduct."""

    category = models.OneToOneField(
        Category,
        verbose_name=_("categoría"),
        on_delete=models.CASCADE,
        related_name="questionnaire",
    )
    intro = models.TextField(_("introducción"), blank=True)
    intro_en = models.TextField(_("introducción en inglés"), blank=True)

    class Meta:
        verbose_name = _("cuestionario")
        verbose_name_plural = _("cuestionarios")

    def __str__(self) -> str:
        return str(self.category)


class Question(models.Model):
    """One question; a conditional one is asked only when an earlier answer matches."""

    questionnaire = models.ForeignKey(
        Questionnaire, on_delete=models.CASCADE, related_name="questions"
    )
    position = models.PositiveSmallIntegerField(_("orden"), default=0)
    kind = models.CharField(_("tipo"), max_length=10, choices=QuestionKind.choices)
    label = models.CharField(_("pregunta"), max_length=300)
    label_en = models.CharField(_("pregunta en inglés"), max_length=300, blank=True)
    help_text = models.CharField(_("ayuda"), max_length=300, blank=True)
    help_text_en = models.CharField(_("ayuda en inglés"), max_length=300, blank=True)
    required = models.BooleanField(_("obligatoria"), default=False)
    choices = models.TextField(_("opciones"), blank=True, help_text=_("Una opción por renglón."))
    choices_en = models.TextField(
        _("opciones en inglés"), blank=True, help_text=_("En el mismo orden, una por renglón.")
    )
    condition_question = models.ForeignKey(
        "self",
        verbose_name=_("sólo si la pregunta"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="dependents",
    )
    condition_value = models.CharField(
        _("tiene la respuesta"),
        max_length=200,
        blank=True,
        help_text=_("Para Sí / No escriba «yes» o «no»; para una lista, la opción tal cual."),
    )

    class Meta:
        verbose_name = _("pregunta")
        verbose_name_plural = _("preguntas")
        ordering = ["position", "id"]

    def __str__(self) -> str:
        return self.label

    def choice_list(self) -> list[str]:
        return [line.strip() for line in self.choices.splitlines() if line.strip()]

    def choice_labels(self, language: str) -> list[str]:
        """Labels for the options in ``language`` (the stored value is always the Spanish one)."""
        spanish = self.choice_list()
        english = [line.strip() for line in self.choices_en.splitlines() if line.strip()]
        if language.startswith("en") and len(english) == len(spanish):
            return english
        return spanish

    def text(self, language: str) -> str:
        return self.label_en if language.startswith("en") and self.label_en else self.label

    def help(self, language: str) -> str:
        if language.startswith("en") and self.help_text_en:
            return self.help_text_en
        return self.help_text

    def clean(self) -> None:
        if self.kind == QuestionKind.CHOICE and not self.choice_list():
            raise ValidationError({"choices": _("Una pregunta de lista necesita opciones.")})
        parent = self.condition_question
        if parent is None:
            return
        if parent.questionnaire_id != self.questionnaire_id or parent.pk == self.pk:
            raise ValidationError(
                {"condition_question": _("La condición debe ser otra pregunta del cuestionario.")}
            )
        if parent.kind not in (QuestionKind.YES_NO, QuestionKind.CHOICE):
            raise ValidationError(
                {
                    "condition_question": _(
                        "Sólo una pregunta Sí / No o de lista puede ser condición."
                    )
                }
            )
        allowed = ["yes", "no"] if parent.kind == QuestionKind.YES_NO else parent.choice_list()
        if self.condition_value not in allowed:
            raise ValidationError(
                {"condition_value": _("Esa respuesta no existe en la condición.")}
            )


# --- Reports ------------------------------------------------------------------------------------
class StaffChannel(models.TextChoices):
    ONLINE = "", _("En línea, de forma anónima")
    PHONE = "phone", _("Por teléfono")
    MAIL = "mail", _("Por correo postal")
    IN_PERSON = "in_person", _("En persona")


class Report(models.Model):
    """The sealed contents of a case that began as a report.

    The receipt is never stored: ``receipt_lookup`` is derived from its Argon2id hash and the
    data key is sealed under a key derived from the same hash and ``receipt_salt``.
    """

    case = models.OneToOneField(Case, on_delete=models.CASCADE, related_name="report")
    receipt_lookup = models.CharField(max_length=64, unique=True)
    receipt_kdf = models.CharField(max_length=40, db_index=True)  # the receipt's Argon2id cost
    receipt_salt = models.BinaryField()
    receipt_sealed_key = models.BinaryField()
    description = models.BinaryField()
    answers = models.BinaryField()
    staff_channel = models.CharField(
        _("medio de recepción"), max_length=10, choices=StaffChannel.choices, blank=True
    )

    class Meta:
        verbose_name = _("denuncia")
        verbose_name_plural = _("denuncias")

    def __str__(self) -> str:
        return str(self.case)

    @property
    def staff_entered(self) -> bool:
        return bool(self.staff_channel)


class Origin(models.TextChoices):
    WHISTLEBLOWER = "whistleblower", _("Persona denunciante")
    HANDLER = "handler", _("Quien atiende el caso")


class Attachment(models.Model):
    """A file with its metadata already removed; name, type and bytes are sealed."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="wb_attachments")
    origin = models.CharField(max_length=16, choices=Origin.choices)
    added_on = models.DateField()
    meta = models.BinaryField()  # sealed JSON: name, content type, whether it was cleaned
    content = models.BinaryField()

    class Meta:
        ordering = ["added_on", "id"]

    def __str__(self) -> str:
        return f"{self.case} #{self.pk}"


class Message(models.Model):
    """One message of the two-way thread between the whistle-blower and the handler."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="wb_messages")
    origin = models.CharField(max_length=16, choices=Origin.choices)
    sent_on = models.DateField()
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT
    )
    body = models.BinaryField()

    class Meta:
        ordering = ["sent_on", "id"]

    def __str__(self) -> str:
        return f"{self.case} · {self.get_origin_display()} · {self.sent_on}"


class ProtectionStatus(models.TextChoices):
    FILED = "filed", _("Recibida")
    REVIEW = "review", _("En análisis")
    GRANTED = "granted", _("Medidas otorgadas")
    REFUSED = "refused", _("No procedente")


class ProtectionRequest(models.Model):
    """A request for protection against retaliation, tracked apart from the case's status."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="protection_requests")
    filed_on = models.DateField()
    details = models.BinaryField()  # sealed JSON: what happened, when, who
    status = models.CharField(
        max_length=10, choices=ProtectionStatus.choices, default=ProtectionStatus.FILED
    )
    decided_on = models.DateField(null=True, blank=True)
    measures = models.BinaryField(null=True, blank=True)  # sealed: the handler's answer
    # Its own deadline, apart from the case's: a first answer within PROTECTION_ANSWER_DAYS
    # working days, reminded before and escalated after, also once the case is closed.
    answer_by = models.DateField(_("responder a más tardar"), null=True, blank=True)
    answered_on = models.DateField(_("respondida el"), null=True, blank=True)
    reminded_on = models.DateField(null=True, blank=True)
    breached_on = models.DateField(null=True, blank=True)

    class Meta:
        ordering = ["filed_on", "id"]
        indexes = [
            models.Index(fields=["status"]),
            models.Index(
                fields=["answer_by"],
                name="wb_protection_unanswered_idx",
                condition=models.Q(answered_on__isnull=True),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.case} · {self.get_status_display()}"

    @property
    def open(self) -> bool:
        return self.status in (ProtectionStatus.FILED, ProtectionStatus.REVIEW)


# --- The identity vault ---------------------------------------------------------------------------
class IdentityVault(models.Model):
    """The identity a whistle-blower chose to give, under its own key.

    The key is sealed under the receipt key (the whistle-blower) and wrapped for each custodian;
    a handler gets a wrap only when a custodian approves a reasoned request.
    """

    report = models.OneToOneField(Report, on_delete=models.CASCADE, related_name="identity")
    sealed = models.BinaryField()
    receipt_sealed_key = models.BinaryField()
    custodian_wraps = models.JSONField(default=dict)  # {user id: base64 wrap}

    def __str__(self) -> str:
        return f"{self.report}"


class IdentityRequestStatus(models.TextChoices):
    PENDING = "pending", _("Pendiente")
    APPROVED = "approved", _("Aprobada")
    REFUSED = "refused", _("Rechazada")


class IdentityRequest(models.Model):
    """A handler's written, reasoned request to read the identity, decided by two custodians.

    The first custodian's approval is recorded and waits for a second, different custodian; either
    may refuse. Nobody decides their own request. The custodians' notes are sealed under the
    reasoning key (custodians and the requester hold it), never stored in clear.
    """

    vault = models.ForeignKey(IdentityVault, on_delete=models.CASCADE, related_name="requests")
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    requested_on = models.DateField()
    reasoning = models.BinaryField()  # sealed under a key wrapped for custodians and requester
    reasoning_wraps = models.JSONField(default=dict)
    status = models.CharField(
        max_length=10,
        choices=IdentityRequestStatus.choices,
        default=IdentityRequestStatus.PENDING,
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    decided_on = models.DateField(null=True, blank=True)
    first_approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    decision_notes = models.BinaryField(null=True, blank=True)  # sealed JSON: [{by, approve, note}]
    reader_wrap = models.BinaryField(null=True, blank=True)  # identity key for the requester

    class Meta:
        ordering = ["-requested_on", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["vault", "requested_by"],
                condition=models.Q(status="pending"),
                name="one_pending_identity_request",
            )
        ]

    def __str__(self) -> str:
        return f"{self.vault} · {self.get_status_display()}"
