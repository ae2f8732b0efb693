"""CPC dashboards, risk assessment, work plan and internal control.

Dashboard figures are read from ``Figure``: counts (and amounts) per month, entity and one
dimension, rebuilt from the domain apps by ``figures_refresh`` (daily beat task, or on demand).
Rows with ``entity`` null are the all-entity roll-up, so an unfiltered dashboard reads a few
hundred rows instead of scanning a million cases. No free text is ever copied here.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from lacs.models import Entity


# --- Pre-aggregated figures -------------------------------------------------------------------
class Figure(models.Model):
    """One pre-aggregated count: ``n`` items of ``dimension`` = ``key`` in a month and entity.

    ``month`` is the first day of the month (null for snapshots such as code acknowledgement);
    ``entity`` null is the roll-up over all entities.
    """

    month = models.DateField(null=True)
    entity = models.ForeignKey(Entity, null=True, on_delete=models.CASCADE, related_name="+")
    dimension = models.CharField(max_length=24)
    key = models.CharField(max_length=64, blank=True)
    n = models.BigIntegerField()
    amount = models.DecimalField(max_digits=22, decimal_places=2, null=True)

    class Meta:
        indexes = [
            models.Index(fields=["dimension", "entity", "month"]),
        ]

    def __str__(self) -> str:
        return f"{self.month} {self.entity_id} {self.dimension}={self.key}: {self.n}"


class FigureRefresh(models.Model):
    """When the figures were last rebuilt, by whom (none for the beat task), and how long it took."""

    finished_at = models.DateTimeField()
    seconds = models.FloatField(default=0)
    rows = models.PositiveIntegerField(default=0)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    missing = models.JSONField(default=list)  # sources that had no data or failed

    class Meta:
        ordering = ["-finished_at"]

    def __str__(self) -> str:
        return f"{self.finished_at:%Y-%m-%d %H:%M} ({self.rows})"


# --- ENCIG indicators -------------------------------------------------------------------------
class EncigIndicatorKind(models.TextChoices):
    PERCEPTION = "perception", _("Percepción de corrupción frecuente (%)")
    PREVALENCE = "prevalence", _("Prevalencia de corrupción (por 100,000 habitantes)")
    INCIDENCE = "incidence", _("Incidencia de corrupción (por 100,000 habitantes)")


class EncigValue(models.Model):
    """One ENCIG (INEGI) figure for Mexico City: a survey year, indicator and procedure."""

    year = models.PositiveSmallIntegerField(_("año de levantamiento"))
    indicator = models.CharField(_("indicador"), max_length=12, choices=EncigIndicatorKind.choices)
    procedure = models.CharField(_("trámite"), max_length=120, blank=True)
    value = models.DecimalField(_("valor"), max_digits=12, decimal_places=2)
    ci_low = models.DecimalField(_("límite inferior (IC 90%)"), max_digits=12, decimal_places=2)
    ci_high = models.DecimalField(_("límite superior (IC 90%)"), max_digits=12, decimal_places=2)

    class Meta:
        verbose_name = _("indicador ENCIG")
        verbose_name_plural = _("indicadores ENCIG")
        ordering = ["indicator", "procedure", "year"]
        constraints = [
            models.UniqueConstraint(
                fields=["year", "indicator", "procedure"], name="one_encig_value"
            )
        ]

    def __str__(self) -> str:
        return f"{self.year} {self.indicator} {self.procedure}: {self.value}"


# --- Risk assessment --------------------------------------------------------------------------
class PriorityArea(models.Model):
    name = models.CharField(_("área"), max_length=150, unique=True)

    class Meta:
        verbose_name = _("área prioritaria")
        verbose_name_plural = _("áreas prioritarias")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Line(models.IntegerChoices):
    FIRST = 1, _("Primera línea: gestión operativa")
    SECOND = 2, _("Segunda línea: supervisión de riesgos y cumplimiento")
    THIRD = 3, _("Tercera línea: auditoría interna")


SCALE = [MinValueValidator(1), MaxValueValidator(5)]


class Risk(models.Model):
    """A corruption risk in the register: likelihood × impact, who owns it, what data shows it."""

    area = models.ForeignKey(
        PriorityArea, verbose_name=_("área"), on_delete=models.PROTECT, related_name="risks"
    )
    name = models.CharField(_("riesgo"), max_length=200)
    likelihood = models.PositiveSmallIntegerField(_("probabilidad (1–5)"), validators=SCALE)
    impact = models.PositiveSmallIntegerField(_("impacto (1–5)"), validators=SCALE)
    owner_line = models.PositiveSmallIntegerField(_("línea responsable"), choices=Line.choices)
    evidence = models.CharField(
        _("datos que lo sustentan"),
        max_length=300,
        help_text=_("Fuente y cifra: p. ej. ENCIG 2023, prevalencia en trámites vehiculares."),
    )
    encig = models.ForeignKey(
        EncigValue,
        verbose_name=_("indicador ENCIG relacionado"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
    )

    class Meta:
        verbose_name = _("riesgo")
        verbose_name_plural = _("riesgos")
        ordering = ["area__name", "name"]

    def __str__(self) -> str:
        return self.name

    @property
    def score(self) -> int:
        return self.likelihood * self.impact


# --- Annual work plan -------------------------------------------------------------------------
class WorkPlan(models.Model):
    year = models.PositiveSmallIntegerField(_("año"), unique=True)

    class Meta:
        verbose_name = _("programa anual de trabajo")
        verbose_name_plural = _("programas anuales de trabajo")
        ordering = ["-year"]

    def __str__(self) -> str:
        return str(self.year)


class Goal(models.Model):
    plan = models.ForeignKey(WorkPlan, on_delete=models.CASCADE, related_name="goals")
    area = models.ForeignKey(
        PriorityArea, verbose_name=_("área prioritaria"), on_delete=models.PROTECT
    )
    name = models.CharField(_("objetivo"), max_length=200)

    class Meta:
        verbose_name = _("objetivo")
        verbose_name_plural = _("objetivos")
        ordering = ["area__name", "name"]

    def __str__(self) -> str:
        return self.name


class Light(models.TextChoices):
    GREEN = "green", _("En meta")
    AMBER = "amber", _("Con retraso")
    RED = "red", _("Vencida sin alcanzar la meta")
    GREY = "grey", _("Sin avance reportado")


class PlanAction(models.Model):
    """An action of the work plan: who does it, what indicator shows it, from where to where."""

    goal = models.ForeignKey(
        Goal, verbose_name=_("objetivo"), on_delete=models.CASCADE, related_name="actions"
    )
    name = models.CharField(_("acción"), max_length=200)
    entity = models.ForeignKey(
        Entity, verbose_name=_("ente responsable"), on_delete=models.PROTECT, related_name="+"
    )
    indicator = models.CharField(_("indicador"), max_length=200)
    baseline = models.DecimalField(_("línea base"), max_digits=14, decimal_places=2)
    target = models.DecimalField(_("meta"), max_digits=14, decimal_places=2)
    start = models.DateField(_("inicio"), default=timezone.localdate)
    due = models.DateField(_("fecha compromiso"))

    class Meta:
        verbose_name = _("acción del programa")
        verbose_name_plural = _("acciones del programa")
        ordering = ["due", "name"]

    def __str__(self) -> str:
        return self.name

    def latest(self) -> ProgressReport | None:
        reports = getattr(self, "prefetched_reports", None)
        if reports is not None:
            return reports[-1] if reports else None
        return self.reports.order_by("reported_on", "pk").last()

    def progress(self, value: Decimal) -> float:
        """Share of the way from baseline to target (works for targets below the baseline)."""
        span = self.target - self.baseline
        if span == 0:
            return 1.0
        return float((value - self.baseline) / span)

    def light(self, today: dt.date | None = None) -> str:
        day = today or timezone.localdate()
        latest = self.latest()
        if latest is None:
            return Light.RED if self.due < day else Light.GREY
        done = self.progress(latest.value)
        if done >= 1:
            return Light.GREEN
        if self.due < day:
            return Light.RED
        total = max((self.due - self.start).days, 1)
        elapsed = min(max((day - self.start).days / total, 0), 1)
        return Light.GREEN if done + 0.1 >= elapsed else Light.AMBER

    def is_overdue(self, today: dt.date | None = None) -> bool:
        return self.light(today) == Light.RED


class ProgressReport(models.Model):
    """An entity's reported value of an action's indicator on a day."""

    action = models.ForeignKey(PlanAction, on_delete=models.CASCADE, related_name="reports")
    reported_on = models.DateField(_("fecha del dato"))
    value = models.DecimalField(_("valor"), max_digits=14, decimal_places=2)
    reported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name = _("avance")
        verbose_name_plural = _("avances")
        ordering = ["reported_on", "pk"]

    def __str__(self) -> str:
        return f"{self.action_id} {self.reported_on}: {self.value}"


# --- Internal control -------------------------------------------------------------------------
class Control(models.Model):
    """An internal control of an entity, placed in one of the three lines."""

    entity = models.ForeignKey(
        Entity, verbose_name=_("ente"), on_delete=models.CASCADE, related_name="+"
    )
    line = models.PositiveSmallIntegerField(_("línea"), choices=Line.choices)
    name = models.CharField(_("control"), max_length=200)
    owner = models.CharField(_("área responsable"), max_length=150)

    class Meta:
        verbose_name = _("control interno")
        verbose_name_plural = _("controles internos")
        ordering = ["entity__name", "line", "name"]

    def __str__(self) -> str:
        return self.name


class FindingStatus(models.TextChoices):
    OPEN = "open", _("Abierta")
    DONE = "done", _("Atendida")


class AuditFinding(models.Model):
    """An audit finding with its recommendation, owner and due date."""

    entity = models.ForeignKey(
        Entity, verbose_name=_("ente"), on_delete=models.CASCADE, related_name="+"
    )
    control = models.ForeignKey(
        Control,
        verbose_name=_("control relacionado"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="findings",
    )
    title = models.CharField(_("hallazgo"), max_length=200)
    recommendation = models.CharField(_("recomendación"), max_length=300)
    owner = models.CharField(_("área responsable"), max_length=150)
    due = models.DateField(_("fecha compromiso"))
    status = models.CharField(
        _("estado"), max_length=8, choices=FindingStatus.choices, default=FindingStatus.OPEN
    )
    closed_on = models.DateField(_("atendida el"), null=True, blank=True)

    class Meta:
        verbose_name = _("hallazgo de auditoría")
        verbose_name_plural = _("hallazgos de auditoría")
        ordering = ["due", "pk"]
        indexes = [models.Index(fields=["status", "due"])]

    def __str__(self) -> str:
        return self.title

    def is_overdue(self, today: dt.date | None = None) -> bool:
        return self.status == FindingStatus.OPEN and self.due < (today or timezone.localdate())
