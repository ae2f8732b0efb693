"""Pages for procurement analysts (and, for the aggregate indicators, CPC members)."""

from __future__ import annotations

import json

from django.contrib import messages
from django.core.paginator import Paginator
from django.db import transaction
from django.db.models import Q
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST

from procurement import access, selectors
from procurement.actions import (
    DEFAULT_SETTINGS,
    ProcurementError,
    flag_case_open,
    ocds_batch_create,
    protest_register,
    protest_resolve,
    red_flags_schedule,
)
from procurement.forms import (
    FlagComputeForm,
    ImportForm,
    IndicatorFilterForm,
    ProcessFilterForm,
    ProtestForm,
    ProtestResolveForm,
)
from procurement.indicators import ALL_CODES
from procurement.models import FlagGroup, FlagRun, ImportBatch, Process, RedFlag

FLAG_NAMES = {
    "R003": gettext_lazy("Periodo de presentación corto"),
    "R018": gettext_lazy("Una sola oferta"),
    "R024": gettext_lazy("Precio cercano a la oferta ganadora"),
    "R025": gettext_lazy("Demasiadas ofertas perdedoras"),
    "R028": gettext_lazy("Ofertas con precios idénticos"),
    "R030": gettext_lazy("Oferta tardía ganadora"),
    "R035": gettext_lazy("Todas las ofertas descalificadas salvo la ganadora"),
    "R036": gettext_lazy("La oferta más baja fue descalificada"),
    "R038": gettext_lazy("Demasiadas ofertas descalificadas"),
    "R048": gettext_lazy("Proveedor heterogéneo"),
    "R055": gettext_lazy("Adjudicaciones directas repetidas al mismo proveedor"),
    "R058": gettext_lazy("Oferta con descuento excesivo"),
    "MX01": gettext_lazy("Adjudicación directa justo debajo del umbral (posible fraccionamiento)"),
    "MX02": gettext_lazy("Proveedor con interés declarado por una persona servidora del ente"),
    "MX03": gettext_lazy("Proveedor sancionado"),
}


@access.indicators_required
def indicators(request: HttpRequest) -> HttpResponse:
    processes = Process.objects.filter(access.indicator_scope(request.user))
    form = IndicatorFilterForm(request.GET or None)
    if form.is_valid():
        data = form.cleaned_data
        if data["entity"]:
            processes = processes.filter(buyer__entity=data["entity"])
        if data["year_from"]:
            processes = processes.filter(year__gte=data["year_from"])
        if data["year_to"]:
            processes = processes.filter(year__lte=data["year_to"])
    return render(
        request,
        "procurement/indicators.html",
        {
            "form": form,
            "shares": selectors.method_shares(processes),
            "trend": selectors.method_trend(processes),
            "exceptions": selectors.legal_exceptions(processes)[:30],
            "currency": selectors.MAIN_CURRENCY,
        },
    )


@access.analyst_required
@require_http_methods(["GET", "POST"])
def imports(request: HttpRequest) -> HttpResponse:
    form = ImportForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        files = [(f.name, f.read()) for f in form.cleaned_data["files"]]
        try:
            batch = ocds_batch_create(actor=request.user, files=files, lenient=form.lenient)
        except ProcurementError as exc:
            form.add_error(None, str(exc))
        else:
            return redirect("procurement:import_detail", pk=batch.pk)
    batches = ImportBatch.objects.select_related("created_by")[:30]
    return render(request, "procurement/imports.html", {"form": form, "batches": batches})


@access.analyst_required
def import_detail(request: HttpRequest, pk: int) -> HttpResponse:
    batch = access.access_batch(request.user, pk)
    files = batch.files.only("name", "size", "imported", "problem_count", "warning_count")
    files = files.order_by("pk")
    return render(request, "procurement/import_detail.html", {"batch": batch, "files": files})


@access.analyst_required
def import_status(request: HttpRequest, pk: int) -> JsonResponse:
    batch = access.access_batch(request.user, pk)
    return JsonResponse(
        {
            "status": batch.status,
            "percent": batch.percent,
            "files_done": batch.files_done,
            "files_total": batch.files_total,
            "releases_new": batch.releases_new,
            "releases_unchanged": batch.releases_unchanged,
            "problems": batch.problems[:200],
        }
    )


def _named(flags) -> list[RedFlag]:
    rows = list(flags)
    for flag in rows:
        flag.name = FLAG_NAMES.get(flag.code, "")  # type: ignore[attr-defined]
    return rows


def _latest_run() -> FlagRun | None:
    return FlagRun.objects.order_by("-created_at", "-pk").first()


@access.analyst_required
@require_http_methods(["GET", "POST"])
def flags(request: HttpRequest) -> HttpResponse:
    run = _latest_run()
    form = FlagComputeForm(
        request.POST or None,
        initial={"settings_text": run.settings_text if run else DEFAULT_SETTINGS},
    )
    if request.method == "POST" and form.is_valid():
        try:
            with transaction.atomic():
                red_flags_schedule(
                    actor=request.user, settings_text=form.cleaned_data["settings_text"]
                )
        except ValueError as exc:
            form.add_error("settings_text", str(exc))
        else:
            messages.success(
                request,
                _("Se están calculando las alertas; recargue esta página en unos momentos."),
            )
            return redirect("procurement:flags")
    code = request.GET.get("code", "")
    rows = RedFlag.objects.none()
    others = RedFlag.objects.none()
    if run is not None:
        visible = access.processes_visible(request.user)
        rows = run.flags.filter(group=FlagGroup.OCID, process__in=visible).select_related(
            "process__buyer"
        )
        if access.analyst_city_wide(request.user):
            others = run.flags.exclude(group=FlagGroup.OCID)
        if code in ALL_CODES:
            rows, others = rows.filter(code=code), others.filter(code=code)
    page = Paginator(rows.order_by("code", "key"), 50).get_page(request.GET.get("page"))
    page.object_list = _named(page.object_list)
    return render(
        request,
        "procurement/flags.html",
        {
            "run": run,
            "page": page,
            "others": others.order_by("group", "code", "key")[:200],
            "form": form,
            "codes": [(c, FLAG_NAMES[c]) for c in ALL_CODES],
            "code": code,
            "query": f"code={code}" if code in ALL_CODES else "",
        },
    )


@access.analyst_required
def processes(request: HttpRequest) -> HttpResponse:
    form = ProcessFilterForm(request.GET or None)
    rows = access.processes_visible(request.user).select_related("buyer__entity")
    if form.is_valid():
        data = form.cleaned_data
        if data["q"]:
            rows = rows.filter(
                Q(ocid__icontains=data["q"])
                | Q(title__icontains=data["q"])
                | Q(supplier_keys__contains=[data["q"].upper()])
            )
        if data["method"]:
            rows = rows.filter(method=data["method"])
        if data["year"]:
            rows = rows.filter(year=data["year"])
    page = Paginator(rows.order_by("-date", "pk"), 50).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "procurement/processes.html",
        {"form": form, "page": page, "query": query.urlencode()},
    )


@access.analyst_required
def process_detail(request: HttpRequest, pk: int) -> HttpResponse:
    process = access.access_process_by_pk(request.user, pk)
    run = _latest_run()
    process_flags = _named(run.flags.filter(process=process)) if run else []
    return render(
        request,
        "procurement/process_detail.html",
        {
            "process": process,
            "flags": process_flags,
            "cases": process.cases.all(),
            "protests": process.protests.all(),
            "release_json": json.dumps(process.data, ensure_ascii=False, indent=2),
        },
    )


@access.analyst_required
@require_POST
def process_case_open(request: HttpRequest, pk: int) -> HttpResponse:
    process = access.access_process_by_pk(request.user, pk)
    run = _latest_run()
    codes = list(run.flags.filter(process=process).values_list("code", flat=True)) if run else []
    try:
        link = flag_case_open(actor=request.user, process=process, codes=codes)
    except ProcurementError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(
            request,
            _("Se abrió el caso %(number)s y se turnará al ente.") % {"number": link.case_number},
        )
    return redirect("procurement:process_detail", pk=process.pk)


@access.analyst_required
@require_http_methods(["GET", "POST"])
def protest_create(request: HttpRequest, pk: int) -> HttpResponse:
    process = access.access_process_by_pk(request.user, pk)
    form = ProtestForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        protest = protest_register(actor=request.user, process=process, **form.cleaned_data)
        messages.success(request, _("Se registró la inconformidad."))
        return redirect("procurement:protest_detail", pk=protest.pk)
    return render(request, "procurement/protest_form.html", {"form": form, "process": process})


@access.analyst_required
def protests(request: HttpRequest) -> HttpResponse:
    rows = access.protests_visible(request.user).select_related("process")
    page = Paginator(rows, 50).get_page(request.GET.get("page"))
    return render(request, "procurement/protests.html", {"page": page})


@access.analyst_required
@require_http_methods(["GET", "POST"])
def protest_detail(request: HttpRequest, pk: int) -> HttpResponse:
    protest = access.access_protest(request.user, pk)
    form = ProtestResolveForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            protest_resolve(actor=request.user, protest=protest, **form.cleaned_data)
        except ProcurementError as exc:
            messages.error(request, str(exc))
        else:
            messages.success(request, _("Se actualizó la inconformidad."))
        return redirect("procurement:protest_detail", pk=protest.pk)
    return render(request, "procurement/protest_detail.html", {"protest": protest, "form": form})
