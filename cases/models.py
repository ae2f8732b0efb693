"""The case file every report, red flag or audit finding becomes.

Routing metadata (entity, category, day, status) is in clear so workers and dashboards need no
keys. Contents live elsewhere (the whistleblowing app's report, messages, attachments) sealed
under the case's data key; ``CaseKeyWrap`` rows hold that key wrapped for each party.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from lacs.models import Category, Entity


class CaseSource(models.TextChoices):
    REPORT = "report", _("Denuncia anónima")
    STAFF = "staff", _("Denuncia registrada por personal")
    RED_FLAG = "red_flag", _("Alerta de contrataciones")
    AUDIT = "audit", _("Hallazgo de auditoría")
    CONFLICT = "conflict", _("Conflicto de interés")


class CaseStatus(models.TextChoices):
    RECEIVED = "received", _("Recibido")
    ACKNOWLEDGED = "acknowledged", _("Acusado de recibo")
    ASSESSMENT = "assessment", _("En valoración")
    INVESTIGATION = "investigation", _("En investigación")
    REFERRED = "referred", _("Turnado")
    CLOSED = "closed", _("Cerrado")


class Case(models.Model):
    number = models.CharField(_("número"), max_length=20, unique=True)
    source = models.CharField(_("origen"), max_length=20, choices=CaseSource.choices)
    entity = models.ForeignKey(
        Entity, verbose_name=_("ente denunciado"), on_delete=models.PROTECT, related_name="cases"
    )
    category = models.ForeignKey(
        Category, verbose_name=_("categoría"), on_delete=models.PROTECT, related_name="cases"
    )
    status = models.CharField(
        _("estado"), max_length=20, choices=CaseStatus.choices, default=CaseStatus.RECEIVED
    )
    received_on = models.DateField(_("recibido el"))  # the day only, never the time
    contact_point_implicated = models.BooleanField(default=False)
    head_implicated = models.BooleanField(default=False)
    routed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("caso")
        verbose_name_plural = _("casos")
        ordering = ["-received_on", "-id"]
        indexes = [
            models.Index(fields=["entity", "status"]),
            models.Index(fields=["status", "received_on"]),
        ]

    def __str__(self) -> str:
        return self.number


class WrapKind(models.TextChoices):
    INTAKE = "intake", _("Llave de recepción")
    RECIPIENT = "recipient", _("Persona destinataria")
    ESCROW = "escrow", _("Recuperación del ente")


class CaseKeyWrap(models.Model):
    """The case data key wrapped (X25519) for one party: the intake key, a recipient, an escrow."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="key_wraps")
    kind = models.CharField(max_length=12, choices=WrapKind.choices)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.CASCADE
    )
    entity = models.ForeignKey(Entity, null=True, blank=True, on_delete=models.CASCADE)
    wrapped_key = models.BinaryField()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["case", "kind", "user"],
                condition=models.Q(kind="recipient"),
                name="one_wrap_per_recipient",
            ),
            models.UniqueConstraint(
                fields=["case"], condition=models.Q(kind="intake"), name="one_intake_wrap"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.case} → {self.kind}"
