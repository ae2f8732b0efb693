"""The procurement API: import OCDS files, follow an import, read flags, export OCDS.

Same access policy and actions as the pages; only procurement analysts with the
``procurement`` scope get in.
"""

from __future__ import annotations

from django.utils import timezone
from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import generics, serializers, status
from rest_framework.parsers import MultiPartParser
from rest_framework.response import Response
from rest_framework.views import APIView

from lacs.api.pagination import StandardPagination
from lacs.api.params import whole_number
from lacs.api.permissions import scoped
from lacs.models import Role
from procurement import access
from procurement.actions import ProcurementError, ocds_batch_create
from procurement.api.serializers import FlagOut, ImportIn, ImportOut
from procurement.indicators import ALL_CODES
from procurement.models import FlagGroup, FlagRun, RedFlag

Analysts = scoped("procurement", Role.ANALYST)

ReleasePackageOut = inline_serializer(
    "ReleasePackage",
    fields={
        "uri": serializers.URLField(),
        "version": serializers.CharField(),
        "publishedDate": serializers.DateTimeField(),
        "publisher": serializers.DictField(),
        "releases": serializers.ListField(child=serializers.DictField()),
        "links": serializers.DictField(child=serializers.URLField(), required=False),
    },
)


class ImportCreate(APIView):
    permission_classes = [Analysts]
    parser_classes = [MultiPartParser]

    @extend_schema(request=ImportIn, responses={202: ImportOut}, summary="Importar archivos OCDS")
    def post(self, request):
        fields = {"files": request.FILES.getlist("files")}
        if "lenient" in request.data:
            fields["lenient"] = request.data["lenient"]
        data = ImportIn(data=fields)
        data.is_valid(raise_exception=True)
        files = [(f.name, f.read()) for f in data.validated_data["files"]]
        lenient = data.validated_data["lenient"]
        try:
            batch = ocds_batch_create(actor=request.user, files=files, lenient=lenient)
        except ProcurementError as exc:
            return Response({"code": "invalid", "message": str(exc)}, status=400)
        return Response(ImportOut(batch).data, status=status.HTTP_202_ACCEPTED)


class ImportDetail(APIView):
    permission_classes = [Analysts]

    @extend_schema(responses=ImportOut, summary="Avance de una importación")
    def get(self, request, pk: int):
        return Response(ImportOut(access.access_batch(request.user, pk)).data)


class FlagList(generics.GenericAPIView):
    permission_classes = [Analysts]
    pagination_class = StandardPagination
    serializer_class = FlagOut
    queryset = RedFlag.objects.none()

    @extend_schema(
        parameters=[OpenApiParameter("code", str, enum=list(ALL_CODES), required=False)],
        responses=FlagOut(many=True),
        summary="Alertas del último cálculo",
    )
    def get(self, request):
        run = FlagRun.objects.order_by("-created_at", "-pk").first()
        rows = RedFlag.objects.none()
        if run is not None:
            visible = access.processes_visible(request.user)
            rows = run.flags.filter(group=FlagGroup.OCID, process__in=visible)
            if access.analyst_city_wide(request.user):
                rows = run.flags.filter(pk__in=rows.values("pk")) | run.flags.exclude(
                    group=FlagGroup.OCID
                )
            code = request.query_params.get("code")
            if code:
                rows = rows.filter(code=code)
        rows = rows.select_related("process").order_by("group", "code", "key", "pk")
        page = self.paginate_queryset(rows)
        return self.get_paginated_response(FlagOut(page, many=True).data)


class ReleasePackage(APIView):
    """Compiled releases as an OCDS 1.1 release package, page by page."""

    permission_classes = [Analysts]

    @extend_schema(
        parameters=[
            OpenApiParameter("year", int, required=False, description="1–9999"),
            OpenApiParameter("page", int, required=False),
            OpenApiParameter("page_size", int, required=False),
        ],
        responses=ReleasePackageOut,
        summary="Exportar un paquete de entregas OCDS",
    )
    def get(self, request):
        paginator = StandardPagination()
        rows = access.processes_visible(request.user).order_by("pk")
        year = whole_number(request.query_params.get("year"), name="year", low=1, high=9999)
        if year is not None:
            rows = rows.filter(year=year)
        page = paginator.paginate_queryset(rows.only("data"), request, view=self)
        package: dict = {
            "uri": request.build_absolute_uri(),
            "version": "1.1",
            "publishedDate": timezone.now().isoformat(timespec="seconds"),
            "publisher": {"name": "Sistema Local Anticorrupción de la Ciudad de México"},
            "releases": [process.data for process in page or []],
        }
        following = paginator.get_next_link()
        if following:
            package["links"] = {"next": following}  # the OCDS pagination convention
        return Response(package)
