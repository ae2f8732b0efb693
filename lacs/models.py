"""System core: government entities, contact points, roles, categories, user keys, audit log."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from lacs import crypto
from lacs.days import is_day_only


class EntityKind(models.TextChoices):
    HEAD = "head", _("Jefatura de Gobierno")
    SECRETARIA = "secretaria", _("Secretaría")
    ALCALDIA = "alcaldia", _("Alcaldía")
    DESCONCENTRADO = "desconcentrado", _("Órgano desconcentrado")
    PARAESTATAL = "paraestatal", _("Entidad paraestatal")
    AUTONOMO = "autonomo", _("Organismo autónomo")
    UNIT = "unit", _("Unidad especializada")


class EntityQuerySet(models.QuerySet):
    def active(self):
        return self.filter(active=True)


class Entity(models.Model):
    """A government entity; entities form a tree (a sector head and the bodies under it)."""

    name = models.CharField(_("nombre"), max_length=200, unique=True)
    acronym = models.CharField(_("siglas"), max_length=30, blank=True)
    kind = models.CharField(_("tipo"), max_length=20, choices=EntityKind.choices)
    parent = models.ForeignKey(
        "self",
        verbose_name=_("depende de"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
    )
    is_comptroller = models.BooleanField(
        _("es la Contraloría"),
        default=False,
        help_text=_("Recibe los casos en que está implicado el titular de un ente."),
    )
    escrow_public_key = models.CharField(
        _("llave pública de recuperación"),
        max_length=64,
        blank=True,
        help_text=_("X25519 en base64; la privada se guarda fuera de línea."),
    )
    active = models.BooleanField(_("activo"), default=True)

    objects = EntityQuerySet.as_manager()

    class Meta:
        verbose_name = _("ente público")
        verbose_name_plural = _("entes públicos")
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(
                fields=["is_comptroller"],
                condition=Q(is_comptroller=True),
                name="one_comptroller",
                violation_error_message=_("Sólo un ente puede ser la Contraloría."),
            )
        ]

    def __str__(self) -> str:
        return self.name

    def ancestors(self) -> list[Entity]:
        chain, node, seen = [], self.parent, {self.pk}
        while node is not None and node.pk not in seen:
            chain.append(node)
            seen.add(node.pk)
            node = node.parent
        return chain

    def clean(self) -> None:
        node = self.parent
        while node is not None:
            if self.pk is not None and node.pk == self.pk:
                raise ValidationError(
                    {"parent": _("Un ente no puede depender de sí mismo ni de sus dependientes.")}
                )
            node = node.parent


class ContactPointKind(models.TextChoices):
    PRIMARY = "primary", _("Titular")
    ALTERNATE = "alternate", _("Suplente")


class ContactPointQuerySet(models.QuerySet):
    def current(self, on: dt.date | None = None):
        day = on or timezone.localdate()
        return self.filter(Q(end__isnull=True) | Q(end__gte=day), start__lte=day)


class ContactPoint(models.Model):
    """A person who receives an entity's cases, for a period of time."""

    entity = models.ForeignKey(
        Entity, verbose_name=_("ente"), on_delete=models.CASCADE, related_name="contact_points"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("persona"),
        on_delete=models.PROTECT,
        related_name="contact_points",
    )
    kind = models.CharField(_("carácter"), max_length=10, choices=ContactPointKind.choices)
    start = models.DateField(_("desde"))
    end = models.DateField(_("hasta"), null=True, blank=True)

    objects = ContactPointQuerySet.as_manager()

    class Meta:
        verbose_name = _("punto de contacto")
        verbose_name_plural = _("puntos de contacto")
        ordering = ["entity__name", "kind", "start"]

    def __str__(self) -> str:
        return f"{self.user} — {self.entity} ({self.get_kind_display()})"

    def overlaps(self, other: ContactPoint) -> bool:
        far = dt.date.max
        return self.start <= (other.end or far) and other.start <= (self.end or far)

    def clean(self) -> None:
        if self.end and self.end < self.start:
            raise ValidationError({"end": _("La fecha final es anterior a la inicial.")})
        if not self.entity_id or not self.start:
            return
        others = ContactPoint.objects.filter(entity_id=self.entity_id).exclude(pk=self.pk)
        for other in others:
            if not self.overlaps(other):
                continue
            if self.kind == ContactPointKind.PRIMARY and other.kind == ContactPointKind.PRIMARY:
                raise ValidationError(
                    _("%(entity)s ya tiene un punto de contacto titular en esas fechas (%(who)s).")
                    % {"entity": self.entity, "who": other.user}
                )
            if self.user_id == other.user_id:
                raise ValidationError(
                    _(
                        "Esta persona ya es punto de contacto de este ente en fechas que se traslapan."
                    )
                )


class Role(models.TextChoices):
    ADMIN = "admin", _("Administración")
    CONTACT = "contact", _("Punto de contacto")
    INVESTIGATOR = "investigator", _("Órgano interno de control / investigación")
    CPC = "cpc", _("Comité de Participación Ciudadana")
    SERVANT = "servant", _("Persona servidora pública")
    ANALYST = "analyst", _("Análisis de contrataciones")
    CUSTODIAN = "custodian", _("Custodia de identidades")
    COMMITTEE = "committee", _("Comité Coordinador")


class RoleAssignmentQuerySet(models.QuerySet):
    def current(self, on: dt.date | None = None):
        day = on or timezone.localdate()
        return self.filter(Q(end__isnull=True) | Q(end__gte=day), start__lte=day)


class RoleAssignment(models.Model):
    """A user's role, at an entity where the role is entity-bound, for a period."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="role_assignments"
    )
    role = models.CharField(_("rol"), max_length=20, choices=Role.choices)
    entity = models.ForeignKey(
        Entity, verbose_name=_("ente"), null=True, blank=True, on_delete=models.CASCADE
    )
    start = models.DateField(_("desde"), default=timezone.localdate)
    end = models.DateField(_("hasta"), null=True, blank=True)

    objects = RoleAssignmentQuerySet.as_manager()

    class Meta:
        verbose_name = _("asignación de rol")
        verbose_name_plural = _("asignaciones de rol")
        ordering = ["user__username", "role"]

    def __str__(self) -> str:
        where = f" @ {self.entity}" if self.entity_id else ""
        return f"{self.user} — {self.get_role_display()}{where}"

    def clean(self) -> None:
        if self.end and self.end < self.start:
            raise ValidationError({"end": _("La fecha final es anterior a la inicial.")})
        entity_bound = {Role.INVESTIGATOR, Role.SERVANT}
        if self.role in entity_bound and not self.entity_id:
            raise ValidationError({"entity": _("Este rol requiere un ente.")})


class Category(models.Model):
    """A category of misconduct that a report can be filed under."""

    code = models.SlugField(_("clave"), max_length=40, unique=True)
    name = models.CharField(_("nombre"), max_length=120)
    name_en = models.CharField(_("nombre en inglés"), max_length=120, blank=True)
    description = models.TextField(_("descripción"), blank=True)
    specialised_unit = models.ForeignKey(
        Entity,
        verbose_name=_("unidad especializada"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        help_text=_("Si se indica, los casos de esta categoría se turnan a esta unidad."),
    )
    retention_days = models.PositiveIntegerField(
        _("conservación tras el cierre (días)"), default=5 * 365
    )
    active = models.BooleanField(_("activa"), default=True)
    position = models.PositiveSmallIntegerField(_("orden"), default=0)

    class Meta:
        verbose_name = _("categoría")
        verbose_name_plural = _("categorías")
        ordering = ["position", "name"]

    def __str__(self) -> str:
        return self.name

    def label(self, language: str) -> str:
        return self.name_en if language.startswith("en") and self.name_en else self.name


class UserKeyPair(models.Model):
    """A staff user's X25519 key pair; the private half is wrapped by a password-derived key."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="keypair"
    )
    public_key = models.CharField(max_length=64)
    wrapped_private_key = models.TextField()
    salt = models.CharField(max_length=32)
    kdf = models.CharField(max_length=40)  # the Argon2id parameters the wrapping key used
    # The public key this pair replaced (a password reset): recipients compare both fingerprints
    # before they hand a case's keys to the new one.
    replaced_public_key = models.CharField(max_length=64, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("par de llaves")
        verbose_name_plural = _("pares de llaves")

    def __str__(self) -> str:
        return f"{self.user} ({self.public_key[:8]}…)"

    @property
    def fingerprint(self) -> str:
        return crypto.fingerprint(crypto.b64d(self.public_key))

    @property
    def replaced_fingerprint(self) -> str:
        if not self.replaced_public_key:
            return ""
        return crypto.fingerprint(crypto.b64d(self.replaced_public_key))


class AuditEvent(models.Model):
    """One row of the tamper-evident audit log: each row carries its predecessor's hash."""

    seq = models.BigIntegerField(unique=True)
    at = models.DateTimeField()
    # Hashed fields: deleting a user or an entity must not rewrite them (no SET_NULL, no
    # constraint); the row keeps the id as data.
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        related_name="+",
    )
    actor_label = models.CharField(max_length=150, blank=True)
    action = models.CharField(max_length=80, db_index=True)
    object_type = models.CharField(max_length=80, blank=True)
    object_id = models.CharField(max_length=64, blank=True, db_index=True)
    entity = models.ForeignKey(
        Entity,
        null=True,
        blank=True,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        related_name="+",
    )
    data = models.JSONField(default=dict, blank=True)
    prev_hash = models.CharField(max_length=64)
    hash = models.CharField(max_length=64)

    class Meta:
        verbose_name = _("evento de bitácora")
        verbose_name_plural = _("bitácora")
        ordering = ["-seq"]
        indexes = [models.Index(fields=["object_type", "object_id", "seq"])]

    def __str__(self) -> str:
        return f"#{self.seq} {self.action}"

    @property
    def day_only(self) -> bool:
        """Recorded as the day only (a whistle-blower's act, or the system's right after it)."""
        return is_day_only(self.at)


class AuditHead(models.Model):
    """The last sequence number and hash, so that removing the newest rows is noticed too."""

    id = models.PositiveSmallIntegerField(primary_key=True, default=1)
    seq = models.BigIntegerField(default=0)
    hash = models.CharField(max_length=64, default="0" * 64)

    def __str__(self) -> str:
        return f"head #{self.seq}"


class AuditSignedHead(models.Model):
    """The chain's head as it stood one day, signed with the audit signing key (Ed25519).

    Published daily where the CPC can read and keep it: whoever rewrites rows before a signed
    head and recomputes the chain cannot produce the signed hash again.
    """

    day = models.DateField(unique=True)
    seq = models.BigIntegerField()
    hash = models.CharField(max_length=64)
    key = models.CharField(max_length=64)  # base64 public key that signed it
    signature = models.CharField(max_length=100)

    class Meta:
        verbose_name = _("cabeza firmada de la bitácora")
        verbose_name_plural = _("cabezas firmadas de la bitácora")
        ordering = ["-day"]

    def __str__(self) -> str:
        return f"{self.day} #{self.seq}"

    def line(self) -> str:
        """The published line: day, sequence number, hash, public key, signature."""
        return f"{self.day.isoformat()} {self.seq} {self.hash} {self.key} {self.signature}"


class ChangeStatus(models.TextChoices):
    PENDING = "pending", _("Pendiente")
    APPLIED = "applied", _("Aprobado y aplicado")
    REJECTED = "rejected", _("Rechazado")


class ChangeRequest(models.Model):
    """A change one administrator proposes and a second, different one approves (two people).

    Escrow keys, contact points, custodians and routing rules decide who can read reports, so
    no single administrator changes them. ``payload`` holds the action's keyword arguments as
    ids and ISO dates; the action named by ``kind`` applies them on approval.
    """

    kind = models.CharField(_("tipo de cambio"), max_length=60)
    summary = models.CharField(_("resumen"), max_length=300)
    payload = models.JSONField(default=dict)
    entity = models.ForeignKey(
        Entity, verbose_name=_("ente"), null=True, blank=True, on_delete=models.SET_NULL
    )
    status = models.CharField(
        _("estado"), max_length=10, choices=ChangeStatus.choices, default=ChangeStatus.PENDING
    )
    proposed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("propuesto por"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    proposed_on = models.DateField(_("propuesto el"), default=timezone.localdate)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("decidido por"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    decided_on = models.DateField(_("decidido el"), null=True, blank=True)

    class Meta:
        verbose_name = _("cambio por aprobar")
        verbose_name_plural = _("cambios por aprobar")
        ordering = ["-id"]
        indexes = [models.Index(fields=["status", "id"])]

    def __str__(self) -> str:
        return f"#{self.pk} {self.summary}"
