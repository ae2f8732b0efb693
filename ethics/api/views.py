"""The ethics API: declarations and gifts, through the same access policy and actions as the
pages. Private declaration fields only reach the declarant and the entity's reviewers."""

from __future__ import annotations

from django.core.exceptions import ValidationError as DjangoValidationError
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from rest_framework import generics, status
from rest_framework.exceptions import ValidationError
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from ethics import access, actions
from ethics import interest as interest_format
from ethics.api.serializers import (
    DeclarationOut,
    DeclarationStartIn,
    GiftIn,
    GiftOut,
    InterestIn,
    PublicDeclarationOut,
    PublicGiftOut,
)
from ethics.models import Gift
from lacs.api.permissions import scoped
from lacs.models import Role

EthicsUsers = scoped("ethics", Role.SERVANT, Role.CONTACT, Role.INVESTIGATOR, Role.ADMIN)
Servants = scoped("ethics", Role.SERVANT)


def _strict(serializer_class, data):
    if not isinstance(data, dict):
        raise ValidationError({"non_field_errors": [_("Se esperaba un objeto JSON.")]})
    serializer = serializer_class(data=data)
    serializer.is_valid(raise_exception=True)
    unknown = sorted(set(data) - set(serializer.fields))
    if unknown:
        raise ValidationError({name: [_("Campo desconocido.")] for name in unknown})
    return serializer.validated_data


def _problems(exc: actions.DeclarationInvalid) -> ValidationError:
    return ValidationError(
        {"interest": [{"path": p.path, "message": p.message} for p in exc.problems]}
    )


class DeclarationList(generics.ListAPIView):
    """Declarations the caller may read in full: their own, and the filed ones they review."""

    permission_classes = [EthicsUsers]
    serializer_class = DeclarationOut

    def get_queryset(self):
        return access.declarations_visible(self.request.user).order_by("-pk")

    def paginate_queryset(self, queryset):
        page = super().paginate_queryset(queryset)
        others = [d.pk for d in page or [] if d.declarant_id != self.request.user.pk]
        actions.declarations_listed(actor=self.request.user, declaration_ids=others)
        return page


class DeclarationStart(APIView):
    permission_classes = [Servants]

    @extend_schema(
        request=DeclarationStartIn, responses={201: DeclarationOut}, summary="Iniciar borrador"
    )
    def post(self, request):
        data = _strict(DeclarationStartIn, request.data)
        appointment = (
            access.servant_appointments(request.user).filter(pk=data["appointment"]).first()
        )
        if appointment is None:
            raise ValidationError({"appointment": [_("Nombramiento no encontrado.")]})
        declaration = actions.declaration_start(
            actor=request.user, appointment=appointment, kind=data["kind"]
        )
        return Response(DeclarationOut(declaration).data, status=status.HTTP_201_CREATED)


class DeclarationDetail(APIView):
    permission_classes = [EthicsUsers]

    @extend_schema(responses=DeclarationOut, summary="Una declaración (completa)")
    def get(self, request, pk: int):
        declaration = access.access_declaration(request.user, pk)
        if declaration.declarant_id != request.user.pk:
            actions.declaration_read(actor=request.user, declaration=declaration)
        return Response(DeclarationOut(declaration).data)


class DeclarationInterest(APIView):
    permission_classes = [Servants]

    @extend_schema(request=InterestIn, responses=DeclarationOut, summary="Reemplazar intereses")
    def put(self, request, pk: int):
        draft = access.access_own_draft(request.user, pk)
        data = _strict(InterestIn, request.data)
        if not isinstance(data["interest"], dict):
            raise ValidationError({"interest": [_("Se esperaba un objeto JSON.")]})
        draft = actions.declaration_save(
            actor=request.user, declaration=draft, interest=data["interest"]
        )
        return Response(DeclarationOut(draft).data)


class DeclarationFile(APIView):
    permission_classes = [Servants]

    @extend_schema(request=None, responses=DeclarationOut, summary="Presentar declaración")
    def post(self, request, pk: int):
        draft = access.access_own_draft(request.user, pk)
        try:
            filed = actions.declaration_file(actor=request.user, declaration=draft)
        except actions.DeclarationInvalid as exc:
            raise _problems(exc) from None
        return Response(DeclarationOut(filed).data)


class DeclarationPublic(APIView):
    permission_classes = [AllowAny]

    @extend_schema(responses=PublicDeclarationOut, summary="Versión pública de una declaración")
    def get(self, request, pk: int):
        item = access.access_public_declaration(pk)
        data = {
            "id": item.pk,
            "entity": item.entity.name,
            "kind": item.kind,
            "filed_at": item.filed_at,
            "interest": interest_format.public_view(item.interest),
        }
        return Response(PublicDeclarationOut(data).data)


class GiftList(generics.ListAPIView):
    """The caller's own gifts, and those of the entities they review."""

    permission_classes = [EthicsUsers]
    serializer_class = GiftOut

    def get_queryset(self):
        return access.gifts_visible(self.request.user).order_by("-pk")

    @extend_schema(request=GiftIn, responses={201: GiftOut}, summary="Registrar un obsequio")
    def post(self, request):
        appointment = access.servant_appointments(request.user).select_related("entity").first()
        if appointment is None:
            raise ValidationError({"non_field_errors": [_("Sólo personas servidoras públicas.")]})
        data = _strict(GiftIn, request.data)
        rfc = data["giver_rfc"].strip().upper()
        if rfc and not interest_format.RFC_RE.match(rfc):
            raise ValidationError({"giver_rfc": [_("El RFC no tiene un formato válido.")]})
        try:
            gift = actions.gift_record(
                actor=request.user, entity=appointment.entity, **{**data, "giver_rfc": rfc}
            )
        except DjangoValidationError as exc:
            raise ValidationError(
                exc.message_dict if hasattr(exc, "error_dict") else exc.messages
            ) from None
        return Response(GiftOut(gift).data, status=status.HTTP_201_CREATED)


class PublicGiftList(generics.ListAPIView):
    """The public gift register: no servant, no natural-person giver, no RFC, no notes."""

    permission_classes = [AllowAny]
    serializer_class = PublicGiftOut

    def get_queryset(self):
        return Gift.objects.public_rows().order_by("-offered_on", "-pk")
