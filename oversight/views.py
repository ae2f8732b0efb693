from __future__ import annotations

from collections import defaultdict

from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.db.models import Prefetch
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.html import format_html_join
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from lacs.models import Entity
from oversight import access, actions, charts, exports
from oversight.encig import encig_parse
from oversight.forms import (
    ControlForm,
    EncigUploadForm,
    FilterForm,
    FindingForm,
    GoalForm,
    PlanActionForm,
    PriorityAreaForm,
    ProgressForm,
    RiskForm,
)
from oversight.models import (
    AuditFinding,
    Control,
    EncigValue,
    FigureRefresh,
    Goal,
    Light,
    PriorityArea,
    ProgressReport,
    Risk,
)
from oversight.panels import PANELS, Filters, Table, all_panels, panel, small


def _chart(table: Table):
    if table.chart == "columns":
        return charts.columns(table.chart_points())
    if table.chart == "bars":
        return charts.bars(table.chart_points())
    return ""


def _last_refresh() -> FigureRefresh | None:
    return FigureRefresh.objects.first()


def _entity_options(filters: Filters):
    """The entity filter's options, built here: 300 options through widget templates are slow."""
    selected = filters.entity.pk if filters.entity else None
    active = set(Entity.objects.active().values_list("pk", flat=True))
    names = sorted((name, pk) for pk, name in filters.names().items() if pk in active)
    return format_html_join(
        "",
        '<option value="{}"{}>{}</option>',
        ((pk, mark_safe(" selected") if pk == selected else "", name) for name, pk in names),
    )


# --- CPC dashboard ----------------------------------------------------------------------------
@access.dashboard_page
def dashboard(request: HttpRequest) -> HttpResponse:
    form = FilterForm(request.GET or None)
    refresh = _last_refresh()
    filters = form.filters()
    tables = all_panels(filters, refresh.missing if refresh else ())
    return render(
        request,
        "oversight/dashboard.html",
        {
            "form": form,
            "panels": [(t, _chart(t)) for t in tables],
            "refresh": refresh,
            "query": request.GET.urlencode(),
            "may_refresh": access.may_edit(request.user),
            "small": small(),
            "entity_options": _entity_options(filters),
        },
    )


@access.dashboard_page
def export(request: HttpRequest, slug: str, fmt: str) -> HttpResponse:
    if slug not in PANELS:
        raise Http404
    refresh = _last_refresh()
    table = panel(
        slug, FilterForm(request.GET or None).filters(), refresh.missing if refresh else ()
    )
    return exports.table_xlsx(table) if fmt == "xlsx" else exports.table_csv(table)


@access.committee_page
@require_POST
def refresh(request: HttpRequest) -> HttpResponse:
    done = actions.figures_refresh(actor=request.user)
    messages.success(request, _("Cifras actualizadas (%(rows)s filas).") % {"rows": done.rows})
    return redirect("oversight:dashboard")


# --- ENCIG and risk register ------------------------------------------------------------------
@access.dashboard_page
@require_GET
def encig(request: HttpRequest) -> HttpResponse:
    return _encig_page(request, EncigUploadForm(), [])


def _encig_page(request: HttpRequest, form: EncigUploadForm, errors: list) -> HttpResponse:
    return render(
        request,
        "oversight/encig.html",
        {
            "form": form,
            "errors": errors,
            "values": EncigValue.objects.all(),
            "may_edit": access.may_edit(request.user),
        },
    )


@access.committee_page
@require_POST
def encig_import(request: HttpRequest) -> HttpResponse:
    form, errors = EncigUploadForm(request.POST, request.FILES), []
    if form.is_valid():
        rows, errors = encig_parse(form.cleaned_data["file"].read())
        if not errors:
            count = actions.encig_import(actor=request.user, rows=rows)
            messages.success(request, _("Se importaron %(n)s indicadores.") % {"n": count})
            return redirect("oversight:encig")
    return _encig_page(request, form, errors)


def _ranking(risks) -> list[tuple[PriorityArea, int, int, int]]:
    """Areas by their highest risk score, then by the sum of scores: (area, top, total, n)."""
    per: dict[PriorityArea, list[int]] = defaultdict(list)
    for risk in risks:
        per[risk.area].append(risk.score)
    ranked = [(area, max(s), sum(s), len(s)) for area, s in per.items()]
    return sorted(ranked, key=lambda r: (-r[1], -r[2], r[0].name))


@access.dashboard_page
@require_GET
def risks(request: HttpRequest) -> HttpResponse:
    return _risks_page(request)


def _risks_page(request: HttpRequest, **forms) -> HttpResponse:
    register = sorted(
        Risk.objects.select_related("area", "encig"), key=lambda r: (-r.score, r.name)
    )
    counts: dict[tuple[int, int], int] = defaultdict(int)
    for risk in register:
        counts[(risk.likelihood, risk.impact)] += 1
    heatmap = charts.heatmap(counts, x_label=_("Impacto"), y_label=_("Probabilidad"))
    return render(
        request,
        "oversight/risks.html",
        {
            "heatmap": heatmap if register else "",
            "register": register,
            "ranking": _ranking(register),
            "area_form": forms.get("area_form") or PriorityAreaForm(prefix="area"),
            "risk_form": forms.get("risk_form") or RiskForm(prefix="risk"),
            "may_edit": access.may_edit(request.user),
        },
    )


@access.committee_page
@require_POST
def risk_area_new(request: HttpRequest) -> HttpResponse:
    form = PriorityAreaForm(request.POST, prefix="area")
    if not form.is_valid():
        return _risks_page(request, area_form=form)
    actions.priority_area_create(actor=request.user, **form.cleaned_data)
    return redirect("oversight:risks")


@access.committee_page
@require_POST
def risk_new(request: HttpRequest) -> HttpResponse:
    form = RiskForm(request.POST, prefix="risk")
    if not form.is_valid():
        return _risks_page(request, risk_form=form)
    actions.risk_create(actor=request.user, **form.cleaned_data)
    return redirect("oversight:risks")


# --- Work plan and monitoring -----------------------------------------------------------------
def _with_reports(actions_qs):
    return actions_qs.prefetch_related(
        Prefetch(
            "reports",
            queryset=ProgressReport.objects.order_by("reported_on", "pk"),
            to_attr="prefetched_reports",
        )
    )


@access.plan_page
@require_GET
def plan(request: HttpRequest) -> HttpResponse:
    return _plan_page(request)


def _plan_page(request: HttpRequest, **forms) -> HttpResponse:
    may_edit = access.may_edit(request.user)
    today = timezone.localdate()
    visible = _with_reports(access.plan_actions_for(request.user)).order_by(
        "-goal__plan__year", "goal__area__name", "goal__name", "due"
    )
    rows = [(a, a.light(today), a.latest()) for a in visible]
    return render(
        request,
        "oversight/plan.html",
        {
            "rows": rows,
            "goal_form": forms.get("goal_form") or GoalForm(prefix="goal"),
            "action_form": forms.get("action_form") or PlanActionForm(prefix="action"),
            "may_edit": may_edit,
            "goals": Goal.objects.select_related("plan", "area") if may_edit else [],
        },
    )


@access.committee_page
@require_POST
def goal_new(request: HttpRequest) -> HttpResponse:
    form = GoalForm(request.POST, prefix="goal")
    if not form.is_valid():
        return _plan_page(request, goal_form=form)
    actions.goal_create(actor=request.user, **form.cleaned_data)
    return redirect("oversight:plan")


@access.committee_page
@require_POST
def plan_action_new(request: HttpRequest) -> HttpResponse:
    form = PlanActionForm(request.POST, prefix="action")
    if not form.is_valid():
        return _plan_page(request, action_form=form)
    actions.plan_action_create(actor=request.user, **form.cleaned_data)
    return redirect("oversight:plan")


@access.plan_page
def plan_export(request: HttpRequest, fmt: str) -> HttpResponse:
    """The work plan the user may see, with the latest value and traffic light of each action."""
    today = timezone.localdate()
    table = Table(
        "work_plan",
        _("Programa anual de trabajo"),
        [
            _("Año"),
            _("Área"),
            _("Objetivo"),
            _("Acción"),
            _("Ente responsable"),
            _("Indicador"),
            _("Línea base"),
            _("Meta"),
            _("Último valor"),
            _("Fecha compromiso"),
            _("Semáforo"),
        ],
    )
    visible = _with_reports(access.plan_actions_for(request.user)).order_by(
        "-goal__plan__year", "due"
    )
    for a in visible:
        latest = a.latest()
        table.add(
            a.goal.plan.year,
            a.goal.area.name,
            a.goal.name,
            a.name,
            a.entity.name,
            a.indicator,
            a.baseline,
            a.target,
            latest.value if latest else "",
            a.due.isoformat(),
            str(Light(a.light(today)).label),
        )
    return exports.table_xlsx(table) if fmt == "xlsx" else exports.table_csv(table)


def plan_action(request: HttpRequest, pk: int) -> HttpResponse:
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    action = access.access_plan_action(request.user, pk)
    may_report = access.may_report_progress(request.user, action)
    form = ProgressForm()
    if request.method == "POST":
        if not may_report:
            raise Http404
        form = ProgressForm(request.POST)
        if form.is_valid():
            actions.progress_report(actor=request.user, action=action, **form.cleaned_data)
            messages.success(request, _("Avance registrado."))
            return redirect("oversight:plan_action", pk=action.pk)
    reports = list(action.reports.order_by("reported_on", "pk"))
    points = [(r.reported_on.strftime("%Y-%m-%d"), float(r.value)) for r in reports]
    chart = charts.line(points, baseline=float(action.baseline), target=float(action.target))
    return render(
        request,
        "oversight/plan_action.html",
        {
            "action": action,
            "light": action.light(),
            "reports": reports,
            "chart": chart,
            "form": form,
            "may_report": may_report,
        },
    )


@access.dashboard_page
def monitoring(request: HttpRequest) -> HttpResponse:
    today = timezone.localdate()
    items = []
    for action in _with_reports(access.plan_actions_for(request.user)).order_by("due"):
        points = [
            (r.reported_on.strftime("%Y-%m"), float(r.value)) for r in action.prefetched_reports
        ]
        chart = charts.line(points, baseline=float(action.baseline), target=float(action.target))
        items.append((action, action.light(today), chart))
    series: dict[tuple[str, str], list[EncigValue]] = defaultdict(list)
    for value in EncigValue.objects.order_by("indicator", "procedure", "year"):
        series[(value.get_indicator_display(), value.procedure)].append(value)
    return render(
        request,
        "oversight/monitoring.html",
        {"items": items, "encig_series": sorted(series.items())},
    )


# --- Internal control -------------------------------------------------------------------------
@access.dashboard_page
@require_GET
def control(request: HttpRequest) -> HttpResponse:
    return _control_page(request)


def _control_page(request: HttpRequest, **forms) -> HttpResponse:
    per_entity: dict = defaultdict(lambda: {1: [], 2: [], 3: []})
    for c in Control.objects.select_related("entity"):
        per_entity[c.entity][c.line].append(c)
    findings = AuditFinding.objects.select_related("entity", "control")
    return render(
        request,
        "oversight/control.html",
        {
            "per_entity": sorted(per_entity.items(), key=lambda kv: kv[0].name),
            "findings": findings,
            "today": timezone.localdate(),
            "control_form": forms.get("control_form") or ControlForm(prefix="control"),
            "finding_form": forms.get("finding_form") or FindingForm(prefix="finding"),
            "may_edit": access.may_edit(request.user),
        },
    )


@access.committee_page
@require_POST
def control_new(request: HttpRequest) -> HttpResponse:
    form = ControlForm(request.POST, prefix="control")
    if not form.is_valid():
        return _control_page(request, control_form=form)
    actions.control_create(actor=request.user, **form.cleaned_data)
    return redirect("oversight:control")


@access.committee_page
@require_POST
def finding_new(request: HttpRequest) -> HttpResponse:
    form = FindingForm(request.POST, prefix="finding")
    if not form.is_valid():
        return _control_page(request, finding_form=form)
    actions.finding_create(actor=request.user, **form.cleaned_data)
    return redirect("oversight:control")


@access.committee_page
@require_POST
def finding_close(request: HttpRequest, pk: int) -> HttpResponse:
    finding = access.access_finding_for_edit(request.user, pk)
    if actions.finding_close(actor=request.user, finding=finding):
        messages.success(request, _("Hallazgo marcado como atendido."))
    return redirect("oversight:control")
