"""Procurement data: OCDS releases as imported, compiled releases with the columns queries need,
the buyer → entity mapping, import batches, red-flag runs and flags, bid protests and the
sanctioned-supplier list."""

from __future__ import annotations

import orjson
from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.contrib.postgres.indexes import GinIndex
from django.db import models
from django.utils.translation import gettext_lazy as _

from lacs.models import Entity


class OCDSJSONField(models.JSONField):
    """JSONB written with orjson: releases are large and imports write millions of them."""

    def get_db_prep_value(self, value, connection, prepared=False):
        if value is None or hasattr(value, "as_sql"):
            return super().get_db_prep_value(value, connection, prepared)
        return orjson.dumps(value).decode()

    def from_db_value(self, value, expression, connection):
        if isinstance(value, str):
            try:
                return orjson.loads(value)
            except orjson.JSONDecodeError:
                pass
        return super().from_db_value(value, expression, connection)


class Method(models.TextChoices):
    OPEN = "open", _("Licitación pública")
    SELECTIVE = "selective", _("Invitación restringida")
    DIRECT = "direct", _("Adjudicación directa")
    OTHER = "", _("Sin dato")


class Buyer(models.Model):
    """A buyer or procuring entity as publishers name it, matched by an admin to an entity."""

    key = models.CharField(_("identificador"), max_length=200, unique=True)
    name = models.CharField(_("nombre publicado"), max_length=300, blank=True)
    entity = models.ForeignKey(
        Entity,
        verbose_name=_("ente público"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="procurement_buyers",
    )

    class Meta:
        verbose_name = _("comprador")
        verbose_name_plural = _("compradores")
        ordering = ["name", "key"]

    def __str__(self) -> str:
        return f"{self.name or self.key}"


class Release(models.Model):
    """One OCDS release as published; immutable, identified by (ocid, id)."""

    ocid = models.CharField(max_length=200)
    release_id = models.CharField(max_length=200)
    date = models.CharField(max_length=40, blank=True)
    digest = models.CharField(max_length=64)
    data = OCDSJSONField()
    batch = models.ForeignKey("ImportBatch", null=True, on_delete=models.SET_NULL)
    # The version of the package the release came in, which picks the merge rules (1.0: lists
    # of objects without ids are replaced whole; 1.1: such objects are appended).
    ocds_version = models.CharField(max_length=10, default="1.1", db_default="1.1")

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["ocid", "release_id"], name="release_ocid_id_unique")
        ]

    def __str__(self) -> str:
        return f"{self.ocid} {self.release_id}"


class ProcessQuerySet(models.QuerySet):
    def for_entities(self, entity_ids):
        return self.filter(buyer__entity_id__in=entity_ids)


class Process(models.Model):
    """A contracting process: its compiled release, plus the columns that pages query."""

    ocid = models.CharField(_("OCID"), max_length=200)  # unique: see Meta.constraints
    data = OCDSJSONField()
    digest = models.CharField(max_length=64)
    published_compiled = models.BooleanField(default=False)
    date = models.DateTimeField(_("fecha"), null=True)
    year = models.PositiveSmallIntegerField(_("año"), null=True, db_index=True)
    title = models.CharField(_("título"), max_length=500, blank=True)
    method = models.CharField(_("procedimiento"), max_length=10, choices=Method.choices, blank=True)
    method_details = models.CharField(_("procedimiento (nombre local)"), max_length=300, blank=True)
    method_rationale = models.TextField(_("fundamento de la excepción"), blank=True)
    tender_status = models.CharField(max_length=30, blank=True)
    tender_amount = models.DecimalField(max_digits=20, decimal_places=2, null=True)
    awarded_amount = models.DecimalField(max_digits=20, decimal_places=2, null=True)
    currency = models.CharField(max_length=3, blank=True)
    number_of_tenderers = models.IntegerField(null=True)
    # Indexed by the (buyer, year, method) index, which begins with it.
    buyer = models.ForeignKey(
        Buyer, null=True, on_delete=models.PROTECT, related_name="processes", db_index=False
    )
    procuring_entity = models.ForeignKey(
        Buyer, null=True, on_delete=models.PROTECT, related_name="procured_processes"
    )
    supplier_keys = ArrayField(models.CharField(max_length=200), default=list)
    supplier_names = ArrayField(models.CharField(max_length=300), default=list)
    tender_start = models.DateTimeField(null=True)
    tender_end = models.DateTimeField(null=True)
    award_date = models.DateTimeField(null=True)
    # What the indicators read of the compiled release (``indicators.release_facts``), as JSON
    # text written at import: a tenth of the release, read instead of the JSONB.
    indicator_facts = models.TextField(null=True, editable=False)

    objects = ProcessQuerySet.as_manager()

    class Meta:
        verbose_name = _("procedimiento de contratación")
        verbose_name_plural = _("procedimientos de contratación")
        # Every index is written at each import (about a tenth of its cost each): only those
        # that queries use. ``ocid`` is unique through a constraint, not ``unique=True``, which
        # would add a pattern-matching index that no query uses (the search is ``icontains``);
        # ``method`` has three values and is filtered with the buyer and year.
        indexes = [
            models.Index(fields=["buyer", "year", "method"]),
            GinIndex(fields=["supplier_keys"]),
        ]
        constraints = [
            models.UniqueConstraint(fields=["ocid"], name="procurement_process_ocid_key"),
        ]

    def __str__(self) -> str:
        return self.ocid


class ImportStatus(models.TextChoices):
    PENDING = "pending", _("En espera")
    RUNNING = "running", _("En proceso")
    DONE = "done", _("Terminada")
    FAILED = "failed", _("Con errores")


class ImportBatch(models.Model):
    """Files imported together; the worker reports progress here for the page that polls."""

    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    status = models.CharField(max_length=10, choices=ImportStatus.choices, default="pending")
    total_bytes = models.BigIntegerField(default=0)
    done_bytes = models.BigIntegerField(default=0)
    files_total = models.PositiveIntegerField(default=0)
    files_done = models.PositiveIntegerField(default=0)
    releases_new = models.PositiveIntegerField(default=0)
    releases_unchanged = models.PositiveIntegerField(default=0)
    processes_changed = models.PositiveIntegerField(default=0)
    problems = models.JSONField(default=list)
    # Lenient: releases that break the schema are imported and their violations kept here,
    # one entry per release ({"file", "release", "problem"}); strict (the default) refuses the
    # file.
    lenient = models.BooleanField(default=False)
    warnings = models.JSONField(default=list)
    claimed_at = models.DateTimeField(null=True)
    finished_at = models.DateTimeField(null=True)

    class Meta:
        verbose_name = _("importación OCDS")
        verbose_name_plural = _("importaciones OCDS")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"#{self.pk} {self.get_status_display()}"

    @property
    def percent(self) -> int:
        if not self.total_bytes:
            return 100 if self.status in (ImportStatus.DONE, ImportStatus.FAILED) else 0
        return min(100, int(100 * self.done_bytes / self.total_bytes))


class ImportFile(models.Model):
    """An uploaded file waiting for (or done with) its import; the content goes once imported."""

    batch = models.ForeignKey(ImportBatch, on_delete=models.CASCADE, related_name="files")
    name = models.CharField(max_length=255)
    content = models.BinaryField()
    size = models.BigIntegerField(default=0)
    imported = models.BooleanField(default=False)
    problem_count = models.PositiveIntegerField(default=0)
    warning_count = models.PositiveIntegerField(default=0)

    def __str__(self) -> str:
        return self.name


class FlagRun(models.Model):
    """One computation of the red flags over the imported processes."""

    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    settings_text = models.TextField(blank=True)
    flag_count = models.PositiveIntegerField(default=0)
    result = OCDSJSONField(default=dict)  # written with orjson: tens of thousands of flags

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"#{self.pk}"


class FlagGroup(models.TextChoices):
    OCID = "OCID", _("Procedimiento")
    BUYER = "Buyer", _("Comprador")
    PROCURING = "ProcuringEntity", _("Unidad compradora")
    TENDERER = "Tenderer", _("Proveedor o licitante")


class RedFlag(models.Model):
    run = models.ForeignKey(FlagRun, on_delete=models.CASCADE, related_name="flags")
    group = models.CharField(max_length=20, choices=FlagGroup.choices)
    key = models.CharField(max_length=200)
    code = models.CharField(max_length=10, db_index=True)
    value = models.FloatField()
    process = models.ForeignKey(Process, null=True, on_delete=models.CASCADE, related_name="flags")

    class Meta:
        ordering = ["code", "key"]
        indexes = [models.Index(fields=["run", "group", "code"])]

    def __str__(self) -> str:
        return f"{self.code} {self.key}"


class FlagCase(models.Model):
    """A case opened from a flagged process: which process, which flags, which case."""

    process = models.ForeignKey(Process, on_delete=models.PROTECT, related_name="cases")
    case_id = models.BigIntegerField()
    case_number = models.CharField(max_length=20)
    codes = ArrayField(models.CharField(max_length=10), default=list)
    opened_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    opened_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return f"{self.process} → {self.case_number}"


class SanctionedSupplier(models.Model):
    """A supplier on the sanctioned list (PDN System 3, particulares sancionados)."""

    rfc = models.CharField(_("RFC"), max_length=20, db_index=True)
    name = models.CharField(_("nombre o razón social"), max_length=300)
    authority = models.CharField(_("autoridad sancionadora"), max_length=300, blank=True)
    sanction = models.CharField(_("sanción"), max_length=300, blank=True)
    start = models.DateField(_("inicio"), null=True)
    end = models.DateField(_("fin"), null=True)
    source_id = models.CharField(max_length=100, unique=True)

    class Meta:
        verbose_name = _("proveedor sancionado")
        verbose_name_plural = _("proveedores sancionados")

    def __str__(self) -> str:
        return f"{self.name} ({self.rfc})"


class ProtestStatus(models.TextChoices):
    FILED = "filed", _("Presentada")
    ADMITTED = "admitted", _("Admitida")
    RESOLVED = "resolved", _("Resuelta")
    DISMISSED = "dismissed", _("Desechada")


class BidProtest(models.Model):
    """An inconformidad: a bidder's challenge to a procurement procedure."""

    process = models.ForeignKey(
        Process, verbose_name=_("procedimiento"), on_delete=models.PROTECT, related_name="protests"
    )
    protester = models.CharField(_("inconforme"), max_length=300)
    grounds = models.TextField(_("motivos"))
    filed_on = models.DateField(_("presentada el"))
    respond_by = models.DateField(_("resolver a más tardar"))
    status = models.CharField(
        _("estado"), max_length=10, choices=ProtestStatus.choices, default=ProtestStatus.FILED
    )
    resolution = models.TextField(_("resolución"), blank=True)
    resolved_on = models.DateField(_("resuelta el"), null=True, blank=True)
    registered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name = _("inconformidad")
        verbose_name_plural = _("inconformidades")
        ordering = ["-filed_on", "-pk"]

    def __str__(self) -> str:
        return f"{self.protester} — {self.process}"

    @property
    def is_overdue(self) -> bool:
        from django.utils import timezone

        open_ = self.status in (ProtestStatus.FILED, ProtestStatus.ADMITTED)
        return open_ and self.respond_by < timezone.localdate()
