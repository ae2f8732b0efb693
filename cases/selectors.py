"""Reads of the cases app that its pages, its API and the apps above it share.

- ``inbox_filter``: the inbox's filters and order, one implementation for the page and the API.
- ``case_history``: a case's audit trail in words, for the page and the API.
- ``case_figures`` / ``retained_figures``: what cases count on the CPC dashboards, as
  ``lacs.figures`` querysets; retention reads ``case_figures`` for the one case it deletes.
"""

from __future__ import annotations

import datetime as dt
from typing import cast

from django.db.models import Count, F, Func, IntegerField, Q, QuerySet, Sum, Value
from django.db.models.functions import Least, TruncMonth
from django.utils import timezone
from django.utils.translation import gettext_lazy

from cases.forms import SORTS, InboxFilterForm
from cases.models import Case, CaseQuerySet, CaseStatus, Outcome, RecipientRole, RetainedCount
from lacs.figures import figure_counts
from lacs.selectors import audit_trail

# Durations longer than this many days are counted in the last bucket (the median is then "≥").
ACK_DAYS_CAP = 60
FEEDBACK_DAYS_CAP = 180


# --- Inbox ------------------------------------------------------------------------------------
def inbox_filter(cases: QuerySet[Case], form: InboxFilterForm) -> QuerySet[Case]:
    """``cases`` narrowed and ordered by the inbox form; an invalid form filters nothing."""
    if not form.is_valid():
        return cases.order_by(*SORTS["recent"])
    data = form.cleaned_data
    if data["q"]:
        cases = cases.filter(number__icontains=data["q"].strip())
    for name in ("entity", "status", "category"):
        if data[name]:
            cases = cases.filter(**{name: data[name]})
    if data["deadline"]:
        cases = cast(CaseQuerySet, cases).deadline_state(data["deadline"])
    return cases.order_by(*SORTS.get(data["sort"] or "recent", SORTS["recent"]))


# --- History ----------------------------------------------------------------------------------
HISTORY_LABELS = {
    "case.open": gettext_lazy("Caso abierto"),
    "case.route": gettext_lazy("Turnado"),
    "case.route_skip": gettext_lazy("Persona omitida al turnar"),
    "case.route_wait": gettext_lazy("En espera de destinatario con llave"),
    "case.recipient_add": gettext_lazy("Persona destinataria agregada"),
    "case.transition": gettext_lazy("Cambio de estado"),
    "case.severity": gettext_lazy("Gravedad"),
    "case.note_add": gettext_lazy("Nota interna"),
    "case.recuse": gettext_lazy("Excusa por conflicto de interés"),
    "case.exclude": gettext_lazy("Exclusión de una persona involucrada"),
    "case.refer": gettext_lazy("Turno"),
    "case.key_share": gettext_lazy("Llave compartida"),
    "case.escrow_recover": gettext_lazy("Llaves recuperadas con la llave del ente"),
    "case.feedback": gettext_lazy("Información a la persona denunciante"),
    "case.acknowledge_reminder": gettext_lazy("Recordatorio de acuse"),
    "case.acknowledge_breach": gettext_lazy("Plazo de acuse vencido"),
    "case.feedback_reminder": gettext_lazy("Recordatorio de respuesta"),
    "case.feedback_breach": gettext_lazy("Plazo de respuesta vencido"),
    "case.recipient_expire": gettext_lazy("Acceso retirado: terminó la designación"),
    "case.handover_needed": gettext_lazy("Entrega pendiente: terminó la designación"),
    "case.assign": gettext_lazy("Asignado"),
    "case.export": gettext_lazy("Expediente exportado para la autoridad"),
    "case.export_download": gettext_lazy("Expediente exportado descargado"),
    "case.files_add": gettext_lazy("Archivos agregados al expediente"),
}


def case_history(case: Case) -> list[dict]:
    """The case's audit events, oldest first: when, what (code and words), who, and why."""
    return [
        {
            "at": event.at,
            "day_only": event.day_only,
            "action": event.action,
            "label": HISTORY_LABELS.get(event.action, event.action),
            "actor": event.actor_label,
            "data": event.data,
            "detail": _history_detail(event.data),
        }
        for event in audit_trail("cases.case", case.pk)
    ]


def _history_detail(data: dict) -> str:
    """Routing decisions in words: who received the case as what, and why."""
    picks = data.get("recipients") or []
    if not isinstance(picks, list) or not all(isinstance(p, dict) for p in picks):
        return ""
    return "; ".join(
        f"{RecipientRole(p['role']).label} ({p['reason']})"
        for p in picks
        if p.get("role") in RecipientRole.values
    )


# --- Dashboard figures ------------------------------------------------------------------------
def status_labels() -> dict[str, str]:
    return {str(k): str(v) for k, v in CaseStatus.choices}


def outcome_labels() -> dict[str, str]:
    return {str(k): str(v) for k, v in Outcome.choices}


def _days(later: str, earlier: str, cap: int) -> Least:
    """Whole days from ``earlier`` to ``later`` (two date columns), at most ``cap``."""
    span = Func(
        F(later),
        F(earlier),
        arg_joiner=" - ",
        template="(%(expressions)s)",
        output_field=IntegerField(),
    )
    return Least(span, Value(cap), output_field=IntegerField())


def case_figures(cases: QuerySet[Case] | None = None, *, today: dt.date) -> list[QuerySet]:
    """What ``cases`` (default: all) count on the dashboards, per received month and entity:
    totals, by category, status and source, outcomes, referrals, days to acknowledge and to give
    feedback (capped), and deadlines overdue on ``today``. Only counts and codes."""
    rows = Case.objects.all() if cases is None else cases

    def counted(dimension: str, key=None, where: Q | None = None) -> QuerySet:
        chosen = rows if where is None else rows.filter(where)
        month = TruncMonth("received_on")
        return figure_counts(chosen, month=month, entity="entity_id", dimension=dimension, key=key)

    open_ = ~Q(status__in=[CaseStatus.CLOSED, CaseStatus.REFERRED])
    return [
        counted("cases"),
        counted("category", "category_id"),
        counted("status", "status"),
        counted("source", "source"),
        counted("outcome", "outcome", ~Q(outcome="")),
        # Whether a case was referred, never where to: referred_to is free text.
        counted("referred", where=Q(status=CaseStatus.REFERRED) | ~Q(referred_to="")),
        counted(
            "ack_days",
            _days("acknowledged_on", "received_on", ACK_DAYS_CAP),
            Q(acknowledged_on__isnull=False),
        ),
        counted(
            "ack_overdue",
            where=Q(
                acknowledged_on__isnull=True,
                status=CaseStatus.RECEIVED,
                acknowledge_by__lt=today,
            ),
        ),
        counted(
            "fb_days",
            _days("feedback_given_on", "received_on", FEEDBACK_DAYS_CAP),
            Q(feedback_given_on__isnull=False),
        ),
        counted(
            "fb_overdue", where=Q(feedback_given_on__isnull=True, feedback_by__lt=today) & open_
        ),
    ]


def retained_figures() -> QuerySet:
    """What cases deleted by retention still count (``RetainedCount``: counts only)."""
    return figure_counts(
        RetainedCount.objects.all(),
        month=F("month"),
        entity="entity_id",
        dimension=F("dimension"),
        key="key",
        n=Sum("n"),
    )


# --- Workload ---------------------------------------------------------------------------------
def workload(*, people) -> list[dict]:
    """Open cases assigned to each person, with how many have a missed deadline (one query)."""
    day = timezone.localdate()
    missed = Case.objects.open().deadline_state("missed", day).values("pk")
    rows = people.annotate(
        open_cases=Count(
            "assigned_cases",
            filter=~Q(assigned_cases__status__in=(CaseStatus.CLOSED, CaseStatus.REFERRED)),
        ),
        missed_cases=Count("assigned_cases", filter=Q(assigned_cases__in=missed)),
    ).order_by("-open_cases", "username")
    return [{"user": u, "open": u.open_cases, "missed": u.missed_cases} for u in rows]
