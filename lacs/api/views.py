"""Entities and contact points over the API: the same actions as the staff pages.

A contact point is proposed (202): a second administrator approves it at /staff/changes/.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError as DjangoValidationError
from django.shortcuts import get_object_or_404
from drf_spectacular.utils import extend_schema
from rest_framework import generics, status
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response
from rest_framework.views import APIView

from lacs import actions
from lacs.api.pagination import StandardPagination
from lacs.api.permissions import scoped
from lacs.api.serializers import ChangeOut, ContactPointIn, ContactPointOut, EntityIn, EntityOut
from lacs.forms import ContactPointForm, EntityForm
from lacs.models import Entity, Role

AdminEntities = scoped("entities", Role.ADMIN)


def _strict(serializer_class, data):
    """Validate ``data``; unknown fields are refused rather than ignored."""
    if not isinstance(data, dict):
        raise ValidationError({"non_field_errors": ["Se esperaba un objeto JSON."]})
    serializer = serializer_class(data=data)
    serializer.is_valid(raise_exception=True)
    unknown = sorted(set(data) - set(serializer.fields))
    if unknown:
        raise ValidationError({name: ["Campo desconocido."] for name in unknown})
    return serializer.validated_data


def _form_or_400(form):
    if not form.is_valid():
        raise ValidationError(form.errors.get_json_data())
    return form


class EntityList(generics.GenericAPIView):
    permission_classes = [AdminEntities]
    pagination_class = StandardPagination
    serializer_class = EntityOut
    queryset = Entity.objects.order_by("name")

    @extend_schema(responses=EntityOut(many=True), summary="Entes públicos")
    def get(self, request):
        page = self.paginate_queryset(self.get_queryset())
        return self.get_paginated_response(EntityOut(page, many=True).data)

    @extend_schema(request=EntityIn, responses={201: EntityOut}, summary="Crear un ente")
    def post(self, request):
        data = _strict(EntityIn, request.data)
        form = _form_or_400(EntityForm(data={**data, "parent": data.get("parent") or ""}))
        entity = actions.entity_create(actor=request.user, **form.cleaned_data)
        return Response(EntityOut(entity).data, status=status.HTTP_201_CREATED)


class EntityDetail(APIView):
    permission_classes = [AdminEntities]

    @extend_schema(responses=EntityOut, summary="Un ente")
    def get(self, request, pk: int):
        return Response(EntityOut(get_object_or_404(Entity, pk=pk)).data)


class EntityContactPoints(generics.GenericAPIView):
    permission_classes = [AdminEntities]
    pagination_class = StandardPagination
    serializer_class = ContactPointOut
    queryset = Entity.objects.all()

    @extend_schema(responses=ContactPointOut(many=True), summary="Puntos de contacto de un ente")
    def get(self, request, pk: int):
        entity = get_object_or_404(Entity, pk=pk)
        page = self.paginate_queryset(
            entity.contact_points.select_related("user").order_by("-start")
        )
        return self.get_paginated_response(ContactPointOut(page, many=True).data)

    @extend_schema(
        request=ContactPointIn,
        responses={202: ChangeOut},
        summary="Proponer un punto de contacto (lo aplica la aprobación de otra persona)",
    )
    def post(self, request, pk: int):
        entity = get_object_or_404(Entity, pk=pk)
        data = _strict(ContactPointIn, request.data)
        form = _form_or_400(
            ContactPointForm(data={**data, "end": data.get("end") or ""}, entity=entity)
        )
        try:
            actions.refuse_administrator_as_recipient(form.cleaned_data["user"])
        except DjangoValidationError as exc:
            raise ValidationError({"user": exc.messages}) from None
        change = actions.change_propose(
            actor=request.user,
            kind="contact_point.appoint",
            payload={
                "entity": entity.pk,
                **{name: actions.payload_value(v) for name, v in form.cleaned_data.items()},
            },
            summary=f"contact_point.appoint {form.cleaned_data['user'].get_username()} @ {entity}",
            entity=entity,
        )
        return Response(ChangeOut(change).data, status=status.HTTP_202_ACCEPTED)
