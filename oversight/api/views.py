"""Dashboard figures over the API: the same tables as the pages, suppressed the same way."""

from __future__ import annotations

from django.http import Http404
from django.urls import reverse
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response
from rest_framework.views import APIView

from lacs.api.permissions import scoped
from oversight.access import VIEW_ROLES
from oversight.api.serializers import PanelOut, PanelRefOut
from oversight.forms import FilterForm
from oversight.models import FigureRefresh
from oversight.panels import PANELS, panel

Dashboards = scoped("dashboards", *VIEW_ROLES)
FILTERS = [
    OpenApiParameter("start", str, description="First month, YYYY-MM"),
    OpenApiParameter("end", str, description="Last month, YYYY-MM"),
    OpenApiParameter("entity", int, description="One entity's id"),
]


class PanelList(APIView):
    permission_classes = [Dashboards]

    @extend_schema(responses=PanelRefOut(many=True), summary="Tablas del tablero del CPC")
    def get(self, request):
        rows = [
            {"slug": slug, "url": reverse("api-dashboard-panel", kwargs={"slug": slug})}
            for slug in PANELS
        ]
        return Response(PanelRefOut(rows, many=True).data)


class PanelRead(APIView):
    permission_classes = [Dashboards]

    @extend_schema(responses=PanelOut, parameters=FILTERS, summary="Una tabla del tablero")
    def get(self, request, slug: str):
        if slug not in PANELS:
            raise Http404
        form = FilterForm(request.query_params or None)
        if request.query_params and not form.is_valid():
            raise ValidationError(form.errors.get_json_data())
        refresh = FigureRefresh.objects.first()
        table = panel(slug, form.filters(), refresh.missing if refresh else ())
        data = {
            "slug": table.slug,
            "title": table.title,
            "columns": table.columns,
            "rows": table.rows,
            "missing": table.missing,
            "refreshed_at": refresh.finished_at if refresh else None,
        }
        return Response(PanelOut(data).data)
