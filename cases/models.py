"""The case file every report, red flag or audit finding becomes.

Routing metadata (entity, category, day, status) is in clear so workers and dashboards need no
keys. Contents live elsewhere (the whistleblowing app's report, messages, attachments) sealed
under the case's data key; ``CaseKeyWrap`` rows hold that key wrapped for each party. Internal
notes are sealed under a second, case-internal key that is never wrapped for the whistle-blower.
"""

from __future__ import annotations

import datetime as dt
import uuid

from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from guardian.models import UserObjectPermissionBase

from lacs import crypto
from lacs.days import day_start
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


class Severity(models.TextChoices):
    UNDETERMINED = "", _("Sin determinar")
    SERIOUS = "grave", _("Falta grave")
    NON_SERIOUS = "no_grave", _("Falta no grave")


class Outcome(models.TextChoices):
    NONE = "", _("Sin resultado")
    SUBSTANTIATED = "substantiated", _("Acreditada")
    UNSUBSTANTIATED = "unsubstantiated", _("No acreditada")
    INSUFFICIENT = "insufficient", _("Información insuficiente")
    OUT_OF_SCOPE = "out_of_scope", _("Fuera de competencia")


class ReferralKind(models.TextChoices):
    ENTITY = "entity", _("Otro ente público")
    OIC = "oic", _("Órgano interno de control")
    PROSECUTOR = "prosecutor", _("Fiscalía Especializada en Combate a la Corrupción")
    COURT = "court", _("Tribunal de Justicia Administrativa")


class DeadlineState(models.TextChoices):
    OK = "ok", _("En plazo")
    NEAR = "near", _("Por vencer")
    MISSED = "missed", _("Vencido")
    MET = "met", _("Cumplido")


class RoutingFallback(models.TextChoices):
    """Which link of the routing chain gave a case its first key holder."""

    PRIMARY = "primary", _("Punto de contacto titular")
    ALTERNATE = "alternate", _("Punto de contacto suplente")
    OIC = "oic", _("Órgano interno de control")
    COMPTROLLER = "comptroller", _("Contraloría, a falta de otra persona")
    IMPLICATED = "implicated", _("Contraloría, por estar involucrado el ente")


# The workflow: from → {to: reason required?}. Anything not listed is refused.
TRANSITIONS: dict[str, dict[str, bool]] = {
    CaseStatus.RECEIVED: {CaseStatus.ACKNOWLEDGED: False, CaseStatus.CLOSED: True},
    CaseStatus.ACKNOWLEDGED: {CaseStatus.ASSESSMENT: False, CaseStatus.CLOSED: True},
    CaseStatus.ASSESSMENT: {CaseStatus.INVESTIGATION: True, CaseStatus.CLOSED: True},
    CaseStatus.INVESTIGATION: {CaseStatus.CLOSED: True},
    CaseStatus.REFERRED: {CaseStatus.INVESTIGATION: True, CaseStatus.CLOSED: True},
    CaseStatus.CLOSED: {CaseStatus.ASSESSMENT: True},  # reopening needs a reason
}
# Referral is its own action (it re-wraps access); these are the states it may start from.
REFERRABLE = (CaseStatus.ASSESSMENT, CaseStatus.INVESTIGATION)
NEAR_DAYS = 2  # a deadline is "near" this many days before it falls


# whistleblowing.ProtectionStatus's open states (that app builds on this one, not the reverse).
PROTECTION_OPEN = ("filed", "review")


class CaseQuerySet(models.QuerySet):
    def open(self):
        return self.exclude(status__in=(CaseStatus.CLOSED, CaseStatus.REFERRED))

    def with_markers(self, user):
        """``unread`` (activity ``user`` has not seen, or never opened) and ``protection_open``
        (a protection request waiting for its first answer): two index-backed subqueries."""
        seen = CaseSeen.objects.filter(
            case=models.OuterRef("pk"), user=user, activity__gte=models.OuterRef("activity")
        )
        waiting = Case.objects.filter(
            pk=models.OuterRef("pk"),
            protection_requests__answered_on__isnull=True,
            protection_requests__status__in=PROTECTION_OPEN,
        )
        return self.annotate(unread=~models.Exists(seen), protection_open=models.Exists(waiting))

    def deadline_state(self, state: str, today: dt.date | None = None):
        """Cases whose nearest pending deadline is in ``state`` (near / missed / ok)."""
        day = today or timezone.localdate()
        near = day + dt.timedelta(days=NEAR_DAYS)
        ack = Q(status=CaseStatus.RECEIVED)
        fb = Q(feedback_given_on__isnull=True) & ~Q(
            status__in=(CaseStatus.CLOSED, CaseStatus.REFERRED)
        )
        if state == DeadlineState.MISSED:
            return self.filter((ack & Q(acknowledge_by__lt=day)) | (fb & Q(feedback_by__lt=day)))
        if state == DeadlineState.NEAR:
            return self.filter(
                (ack & Q(acknowledge_by__gte=day, acknowledge_by__lte=near))
                | (fb & Q(feedback_by__gte=day, feedback_by__lte=near))
            ).exclude((ack & Q(acknowledge_by__lt=day)) | (fb & Q(feedback_by__lt=day)))
        if state == DeadlineState.OK:
            return self.exclude(
                (ack & Q(acknowledge_by__lte=near)) | (fb & Q(feedback_by__lte=near))
            )
        return self


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
    contact_point_implicated = models.BooleanField(
        _("el punto de contacto está involucrado"), default=False
    )
    head_implicated = models.BooleanField(_("el titular del ente está involucrado"), default=False)
    routed_at = models.DateTimeField(_("turnado el"), null=True, blank=True)  # local midnight
    routed_via = models.CharField(
        _("turnado por"), max_length=12, choices=RoutingFallback.choices, blank=True, default=""
    )
    severity = models.CharField(
        _("gravedad"), max_length=10, choices=Severity.choices, blank=True, default=""
    )
    outcome = models.CharField(
        _("resultado"), max_length=20, choices=Outcome.choices, blank=True, default=""
    )
    # What the whistle-blower reads on closure: sealed under the case's data key like a message.
    closure_reason_sealed = models.BinaryField(
        _("motivo de cierre (cifrado)"), null=True, blank=True
    )
    acknowledge_by = models.DateField(_("acusar recibo a más tardar"), null=True)
    feedback_by = models.DateField(_("informar a la persona denunciante a más tardar"), null=True)
    acknowledged_on = models.DateField(_("acusado el"), null=True, blank=True)
    feedback_given_on = models.DateField(_("informado el"), null=True, blank=True)
    acknowledge_reminded_on = models.DateField(null=True, blank=True)
    feedback_reminded_on = models.DateField(null=True, blank=True)
    acknowledge_breached_on = models.DateField(null=True, blank=True)
    feedback_breached_on = models.DateField(null=True, blank=True)
    referred_to = models.CharField(_("turnado a"), max_length=200, blank=True)
    version = models.PositiveIntegerField(default=0)  # guards against two handlers at once
    # The investigator a contact point put in charge (they also hold a recipient row and keys).
    assigned_to = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("asignado a"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="assigned_cases",
    )
    # Bumped when the whistle-blower writes, adds a file or asks for protection: a counter, not a
    # time, so the inbox's unread marker says "something new" and never when.
    activity = models.PositiveIntegerField(default=0)

    objects = CaseQuerySet.as_manager()

    class Meta:
        verbose_name = _("caso")
        verbose_name_plural = _("casos")
        ordering = ["-received_on", "-id"]
        permissions = [("work_case", _("Puede tramitar el caso"))]
        indexes = [
            models.Index(fields=["entity", "status"]),
            models.Index(fields=["status", "received_on"]),
            models.Index(fields=["status", "acknowledge_by"]),
            models.Index(
                fields=["feedback_by"],
                name="cases_case_feedback_open_idx",
                condition=Q(feedback_given_on__isnull=True),
            ),
        ]

    def __str__(self) -> str:
        return self.number

    def _closure_aad(self) -> bytes:
        return f"case:{self.pk}:closure_reason".encode()

    def closure_reason_seal(self, data_key: bytes, text: str) -> bytes:
        return crypto.seal_text(data_key, text, self._closure_aad())

    def closure_reason_text(self, data_key: bytes) -> str:
        """The closure reason, for the whistle-blower and the case's recipients."""
        if not self.closure_reason_sealed:
            return ""
        return crypto.open_text(data_key, bytes(self.closure_reason_sealed), self._closure_aad())

    def barred_user_ids(self) -> set[int]:
        """People who recused themselves or were excluded: never routed this case again."""
        recused = Recusal.objects.filter(case=self).values_list("user_id", flat=True)
        excluded = CaseExclusion.objects.filter(case=self).values_list("user_id", flat=True)
        return set(recused) | set(excluded)

    def allowed_transitions(self) -> dict[str, bool]:
        return TRANSITIONS.get(self.status, {})

    def acknowledge_state(self, today: dt.date | None = None) -> str:
        if self.status != CaseStatus.RECEIVED:
            return DeadlineState.MET
        return _deadline_state(self.acknowledge_by, today)

    def feedback_state(self, today: dt.date | None = None) -> str:
        if self.feedback_given_on or self.status in (CaseStatus.CLOSED, CaseStatus.REFERRED):
            return DeadlineState.MET
        return _deadline_state(self.feedback_by, today)

    def deadline_badge(self, today: dt.date | None = None) -> str:
        """The worst pending deadline state, for inbox badges."""
        states = {self.acknowledge_state(today), self.feedback_state(today)}
        for state in (DeadlineState.MISSED, DeadlineState.NEAR, DeadlineState.OK):
            if state in states:
                return state
        return DeadlineState.MET


def _deadline_state(due: dt.date | None, today: dt.date | None) -> str:
    day = today or timezone.localdate()
    if due is None:
        return DeadlineState.OK
    if due < day:
        return DeadlineState.MISSED
    if due <= day + dt.timedelta(days=NEAR_DAYS):
        return DeadlineState.NEAR
    return DeadlineState.OK


class CaseSeen(models.Model):
    """How much of a case's activity a person has seen: the inbox's unread marker."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="seen_by")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    activity = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "case"], name="one_seen_per_user")]

    def __str__(self) -> str:
        return f"{self.case_id}: {self.user_id} saw {self.activity}"


class NoticeKind(models.TextChoices):
    ROUTED = "routed", _("Se le turnó un caso")
    ASSIGNED = "assigned", _("Se le asignó un caso")
    ACTIVITY = "activity", _("Novedades de la persona denunciante")
    PROTECTION = "protection", _("Solicitud de protección")
    IDENTITY = "identity", _("Solicitud de identidad en espera")


class PendingNotice(models.Model):
    """A notice waiting for the next batch: who, about what kind of event, which case.

    No time is stored (the day only), nor any content; one row per person, case and kind, so
    several events before a batch make one line. ``notices_send`` mails and deletes them. The key
    is random, not a sequence: row order must not tell which event came first within the day.
    """

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="pending_notices"
    )
    case = models.ForeignKey(
        Case, null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    kind = models.CharField(max_length=12, choices=NoticeKind.choices)
    queued_on = models.DateField(default=timezone.localdate)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["user", "case", "kind"],
                name="one_pending_notice",
                nulls_distinct=False,
            )
        ]

    def __str__(self) -> str:
        return f"{self.user_id}: {self.kind} {self.case_id or ''}"


class Holiday(models.Model):
    """A day on which no term runs (días inhábiles), maintained by administrators."""

    day = models.DateField(_("día"), unique=True)
    name = models.CharField(_("motivo"), max_length=200)

    class Meta:
        verbose_name = _("día inhábil")
        verbose_name_plural = _("días inhábiles")
        ordering = ["day"]

    def __str__(self) -> str:
        return f"{self.day}: {self.name}"


class CaseUserObjectPermission(UserObjectPermissionBase):
    """Guardian's per-case permission rows with a real foreign key, so lists join on an index."""

    content_object = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="user_perms")

    class Meta(UserObjectPermissionBase.Meta):
        indexes = [models.Index(fields=["user", "permission", "content_object"])]


class WrapKind(models.TextChoices):
    INTAKE = "intake", _("Llave de recepción")
    RECIPIENT = "recipient", _("Persona destinataria")
    ESCROW = "escrow", _("Recuperación del ente")
    NOTES = "notes", _("Notas internas: persona destinataria")
    NOTES_ESCROW = "notes_escrow", _("Notas internas: recuperación del ente")


class CaseKeyWrap(models.Model):
    """The case data key wrapped (X25519) for one party: the intake key, a recipient, an escrow.

    ``notes`` rows wrap the case-internal notes key instead, for recipients only.
    """

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
                fields=["case", "kind", "user"],
                condition=models.Q(kind="notes"),
                name="one_notes_wrap_per_recipient",
            ),
            models.UniqueConstraint(
                fields=["case"], condition=models.Q(kind="intake"), name="one_intake_wrap"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.case} → {self.kind}"


class RoutingState(models.TextChoices):
    PENDING = "pending", _("Por turnar")
    DONE = "done", _("Turnado")


class CaseRouting(models.Model):
    """The routing outbox: written with the case, claimed once by the worker or the sweep."""

    case = models.OneToOneField(Case, on_delete=models.CASCADE, related_name="routing")
    state = models.CharField(
        max_length=10, choices=RoutingState.choices, default=RoutingState.PENDING
    )
    # Both are the day's local midnight: the outbox row is written with the report.
    created_at = models.DateTimeField(default=day_start)
    attempts = models.PositiveIntegerField(default=0)
    routed_at = models.DateTimeField(null=True, blank=True)
    last_error = models.CharField(max_length=200, blank=True)
    admins_alerted_on = models.DateField(null=True, blank=True)  # the unrouted-case notice

    class Meta:
        indexes = [
            models.Index(
                fields=["created_at"],
                name="cases_routing_pending_idx",
                condition=Q(state="pending"),
            )
        ]

    def __str__(self) -> str:
        return f"{self.case_id}: {self.state}"


class RecipientRole(models.TextChoices):
    PRIMARY = "primary", _("Punto de contacto titular")
    ALTERNATE = "alternate", _("Punto de contacto suplente")
    COMPTROLLER = "comptroller", _("Contraloría")
    SPECIALISED = "specialised", _("Unidad especializada")
    RULE = "rule", _("Regla de turno")
    ESCALATION = "escalation", _("Escalamiento por plazo")
    REFERRAL = "referral", _("Turno")
    INVESTIGATOR = "investigator", _("Investigación / OIC")


class RecipientState(models.TextChoices):
    ACTIVE = "active", _("Con acceso")
    PENDING_KEY = "pending_key", _("En espera de llave")
    # The person's key pair was replaced (a password reset): keys go to the new pair only once a
    # current recipient confirms the fingerprint change.
    KEY_REPLACED = "key_replaced", _("Llave reemplazada: espera confirmación")
    REVOKED = "revoked", _("Sin acceso")


class CaseRecipient(models.Model):
    """Who receives a case and why; access itself is the guardian permission plus a key wrap."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="recipients")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="case_recipients"
    )
    role = models.CharField(_("carácter"), max_length=20, choices=RecipientRole.choices)
    state = models.CharField(
        _("acceso"), max_length=12, choices=RecipientState.choices, default=RecipientState.ACTIVE
    )
    entity = models.ForeignKey(Entity, null=True, blank=True, on_delete=models.SET_NULL)
    reason = models.CharField(_("motivo"), max_length=200, blank=True)
    added_on = models.DateField(default=timezone.localdate)

    class Meta:
        verbose_name = _("persona destinataria")
        verbose_name_plural = _("personas destinatarias")
        constraints = [
            models.UniqueConstraint(fields=["case", "user"], name="one_recipient_row_per_user")
        ]

    def __str__(self) -> str:
        return f"{self.case} → {self.user} ({self.role})"


class Recusal(models.Model):
    """A recipient's declared conflict of interest: they never receive this case again."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="recusals")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE)
    reason = models.TextField(_("motivo"))
    declared_on = models.DateField(default=timezone.localdate)

    class Meta:
        verbose_name = _("excusa")
        verbose_name_plural = _("excusas")
        constraints = [models.UniqueConstraint(fields=["case", "user"], name="one_recusal")]

    def __str__(self) -> str:
        return f"{self.case}: {self.user}"


class CaseExclusion(models.Model):
    """A recipient declared a named colleague implicated: that person never receives the case."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="exclusions")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("persona"),
        on_delete=models.CASCADE,
        related_name="+",
    )
    declared_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    declared_on = models.DateField(default=timezone.localdate)

    class Meta:
        verbose_name = _("exclusión")
        verbose_name_plural = _("exclusiones")
        constraints = [models.UniqueConstraint(fields=["case", "user"], name="one_exclusion")]

    def __str__(self) -> str:
        return f"{self.case}: {self.user_id}"


class Absence(models.Model):
    """A contact point away for a period: routing goes to the alternates meanwhile."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("persona"),
        on_delete=models.CASCADE,
        related_name="absences",
    )
    start = models.DateField(_("desde"))
    end = models.DateField(_("hasta"))
    note = models.CharField(_("nota"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("ausencia")
        verbose_name_plural = _("ausencias")
        ordering = ["-start"]

    def __str__(self) -> str:
        return f"{self.user}: {self.start} – {self.end}"


class RuleMode(models.TextChoices):
    INSTEAD = "instead", _("En lugar del ente denunciado")
    ALSO = "also", _("Además del ente denunciado")


class RoutingRule(models.Model):
    """An admin's rule: cases of a category (and/or reported entity) go to another entity."""

    category = models.ForeignKey(
        Category, verbose_name=_("categoría"), null=True, blank=True, on_delete=models.CASCADE
    )
    entity = models.ForeignKey(
        Entity,
        verbose_name=_("ente denunciado"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
    )
    target = models.ForeignKey(
        Entity, verbose_name=_("turnar a"), on_delete=models.PROTECT, related_name="+"
    )
    mode = models.CharField(
        _("modo"), max_length=10, choices=RuleMode.choices, default=RuleMode.INSTEAD
    )
    active = models.BooleanField(_("activa"), default=True)
    position = models.PositiveSmallIntegerField(_("orden"), default=0)

    class Meta:
        verbose_name = _("regla de turno")
        verbose_name_plural = _("reglas de turno")
        ordering = ["position", "id"]

    def __str__(self) -> str:
        return f"{self.category or '*'} / {self.entity or '*'} → {self.target}"

    def matches(self, case: Case) -> bool:
        return (self.category_id in (None, case.category_id)) and (
            self.entity_id in (None, case.entity_id)
        )


class NoteKind(models.TextChoices):
    NOTE = "note", _("Nota")
    TRANSITION = "transition", _("Motivo de cambio de estado")
    REFERRAL = "referral", _("Constancia de turno")


class CaseNote(models.Model):
    """An internal note, sealed under the case-internal key (never the whistle-blower's).

    Reasons given for transitions and what a referral sent are notes too, so the audit log
    (which admins may read) holds only the note's id.
    """

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="notes")
    kind = models.CharField(max_length=12, choices=NoteKind.choices, default=NoteKind.NOTE)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    sealed_body = models.BinaryField()

    class Meta:
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return f"{self.case} note {self.pk}"


class CaseFile(models.Model):
    """A file a handler attached to the case file: cleaned of metadata like a whistle-blower's,
    then sealed under the case-internal key (the whistle-blower never receives it)."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="files")
    added_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    added_on = models.DateField(default=timezone.localdate)
    meta = models.BinaryField()  # sealed JSON: name, content type, whether it was cleaned
    content = models.BinaryField()

    class Meta:
        ordering = ["added_on", "id"]

    def __str__(self) -> str:
        return f"{self.case} file {self.pk}"

    def aad(self, field: str) -> bytes:
        return f"case-file:{self.case_id}:{self.pk}:{field}".encode()


class CaseExport(models.Model):
    """A referral package made for an external authority: already encrypted to that authority
    and signed by the platform, so the handler who downloads it cannot read it either."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="exports")
    authority = models.CharField(_("autoridad"), max_length=20, choices=ReferralKind.choices)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_on = models.DateField(_("generado el"), default=timezone.localdate)
    package = models.BinaryField()
    digest = models.CharField(_("huella SHA-256"), max_length=64)

    class Meta:
        ordering = ["-created_on", "-id"]

    def __str__(self) -> str:
        return f"{self.case} → {self.authority}"


class CaseFinding(models.Model):
    """What an audit finding or a staff-opened case says, sealed under the case's data key."""

    case = models.OneToOneField(Case, on_delete=models.CASCADE, related_name="finding")
    opened_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    sealed_summary = models.BinaryField()

    def __str__(self) -> str:
        return f"{self.case} finding"

    @property
    def aad(self) -> bytes:
        return f"case-finding:{self.case_id}".encode()


# --- Sanctions registry (PDN System 3) --------------------------------------------------------
# Codes are the national platform's (``OAS_API_Servidores_Sancionados`` / ``…Particulares…``):
# records are published as they are, so the choices keep the specification's keys.
class FaultKind(models.TextChoices):
    NAD = "NAD", _("Negligencia administrativa")
    VPC = "VPC", _("Violación de procedimientos de contratación")
    VLNP = "VLNP", _("Violación de leyes y normatividad presupuestal")
    AUT = "AUT", _("Abuso de autoridad")
    CEX = "CEX", _("Cohecho o extorsión")
    IDSP = "IDSP", _("Incumplimiento en declaración de situación patrimonial")
    DCSP = "DCSP", _("Delito cometido por servidores públicos")
    EIFM = "EIFM", _("Ejercicio indebido de sus funciones en materia migratoria")
    VDH = "VDH", _("Violación a los derechos humanos")
    AG = "AG", _("Administrativa grave")
    ANG = "ANG", _("Administrativa no grave")
    AC = "AC", _("Acto de corrupción")
    HSEX = "HSEX", _("Cometer o tolerar conductas de hostigamiento sexual")
    ASEX = "ASEX", _("Cometer o tolerar conductas de acoso sexual")
    PEC = "PEC", _("Peculado")
    DRP = "DRP", _("Desvío de recursos públicos")
    UII = "UII", _("Utilización indebida de información")
    AFN = "AFN", _("Abuso de funciones")
    ABCI = "ABCI", _("Actuación bajo conflicto de interés")
    CIND = "CIND", _("Contratación indebida")
    EOCI = "EOCI", _("Enriquecimiento oculto u ocultamiento de conflicto de interés")
    TINF = "TINF", _("Tráfico de influencias")
    ENCB = "ENCB", _("Encubrimiento")
    DSCT = "DSCT", _("Desacato")
    OJUST = "OJUST", _("Obstrucción de la justicia")
    OTRO = "OTRO", _("Otro")


class ServantSanctionKind(models.TextChoices):
    I = "I", _("Inhabilitación")  # noqa: E741 — the specification's key
    M = "M", _("Multa")
    S = "S", _("Suspensión del empleo, cargo o comisión")
    D = "D", _("Destitución del empleo, cargo o comisión")
    IRSC = "IRSC", _("Indemnización resarcitoria")
    SE = "SE", _("Sanción económica")
    O = "O", _("Otra")  # noqa: E741


class IndividualSanctionKind(models.TextChoices):
    I = "I", _("Inhabilitación")  # noqa: E741
    M = "M", _("Multa")
    S = "S", _("Suspensión de actividades")
    D = "D", _("Disolución de la sociedad")
    A = "A", _("Amonestación")
    IND = "IND", _("Indemnización por daños y perjuicios a la hacienda pública")
    SE = "SE", _("Sanción económica")
    O = "O", _("Otra")  # noqa: E741


class Gender(models.TextChoices):
    F = "F", _("Mujer")
    M = "M", _("Hombre")
    O = "O", _("Otro")  # noqa: E741


class PersonKind(models.TextChoices):
    F = "F", _("Persona física")
    M = "M", _("Persona moral")


class SanctionBase(models.Model):
    """What both registries share: where, by whom, which file, what was imposed and why."""

    entity = models.ForeignKey(
        Entity,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("institución o dependencia"),
    )
    case = models.ForeignKey(
        Case, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    file_number = models.CharField(_("expediente"), max_length=100, blank=True)
    authority = models.CharField(_("autoridad sancionadora"), max_length=200, blank=True)
    facts = models.TextField(_("causa, motivo o hechos"))
    resolution_url = models.URLField(_("URL de la resolución"), blank=True)
    fine_amount = models.DecimalField(
        _("monto de la multa"), max_digits=14, decimal_places=2, null=True, blank=True
    )
    fine_currency = models.CharField(_("moneda"), max_length=3, default="MXN")
    ban_term = models.CharField(_("plazo de la inhabilitación"), max_length=100, blank=True)
    ban_start = models.DateField(_("inicio de la inhabilitación"), null=True, blank=True)
    ban_end = models.DateField(_("fin de la inhabilitación"), null=True, blank=True)
    notes = models.TextField(_("observaciones"), blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    recorded_at = models.DateTimeField(default=timezone.now)

    class Meta:
        abstract = True
        ordering = ["-recorded_at", "-id"]


class ServantSanction(SanctionBase):
    """A public servant sanctioned for an administrative fault (PDN ``ssancionados``)."""

    rfc = models.CharField(_("RFC"), max_length=13, blank=True)
    curp = models.CharField(_("CURP"), max_length=18, blank=True)
    given_names = models.CharField(_("nombre(s)"), max_length=150)
    first_surname = models.CharField(_("primer apellido"), max_length=150)
    second_surname = models.CharField(_("segundo apellido"), max_length=150, blank=True)
    gender = models.CharField(_("género"), max_length=1, choices=Gender.choices, blank=True)
    position = models.CharField(_("puesto"), max_length=200)
    level = models.CharField(_("nivel"), max_length=100, blank=True)
    fault = models.CharField(_("tipo de falta"), max_length=5, choices=FaultKind.choices)
    kinds = ArrayField(
        models.CharField(max_length=4, choices=ServantSanctionKind.choices),
        verbose_name=_("tipos de sanción"),
    )
    resolved_on = models.DateField(_("fecha de la resolución"), null=True, blank=True)

    class Meta(SanctionBase.Meta):
        verbose_name = _("servidor público sancionado")
        indexes = [models.Index(fields=["first_surname", "given_names"])]

    def __str__(self) -> str:
        return f"{self.given_names} {self.first_surname} ({self.file_number})"


class IndividualSanction(SanctionBase):
    """A person or company sanctioned (PDN ``psancionados``), e.g. a supplier barred from tenders."""

    name = models.CharField(_("nombre o razón social"), max_length=300)
    person_kind = models.CharField(_("tipo de persona"), max_length=1, choices=PersonKind.choices)
    rfc = models.CharField(_("RFC"), max_length=13, blank=True)
    business_purpose = models.CharField(_("objeto social"), max_length=300, blank=True)
    contract_subject = models.CharField(_("objeto del contrato"), max_length=300, blank=True)
    fault = models.CharField(_("tipo de falta"), max_length=200, blank=True)
    act = models.CharField(_("acto"), max_length=200, blank=True)
    kinds = ArrayField(
        models.CharField(max_length=4, choices=IndividualSanctionKind.choices),
        verbose_name=_("tipos de sanción"),
    )
    resolution_sense = models.CharField(_("sentido de la resolución"), max_length=200, blank=True)
    notified_on = models.DateField(_("fecha de notificación"), null=True, blank=True)

    class Meta(SanctionBase.Meta):
        verbose_name = _("particular sancionado")
        indexes = [models.Index(fields=["name"])]

    def __str__(self) -> str:
        return f"{self.name} ({self.file_number})"


class RetainedCount(models.Model):
    """What cases deleted by retention still count on the dashboards, and nothing else.

    Rows have the dashboard figures' shape (month, entity, dimension, key, n): no case, no
    number, no text. ``oversight.figures`` adds them to the figures it rebuilds.
    """

    month = models.DateField()
    entity = models.ForeignKey(Entity, on_delete=models.CASCADE, related_name="+")
    dimension = models.CharField(max_length=24)
    key = models.CharField(max_length=64, blank=True)
    n = models.BigIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["month", "entity", "dimension", "key"], name="one_retained_count"
            )
        ]

    def __str__(self) -> str:
        return f"{self.month} {self.entity_id} {self.dimension}={self.key}: {self.n}"
