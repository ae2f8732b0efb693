"""Input and output shapes of the ethics API (one pair per operation)."""

from __future__ import annotations

from rest_framework import serializers

from ethics.models import DeclarationKind, Gift, GiftDecision, GiftKind, GiverKind


class DeclarationStartIn(serializers.Serializer):
    appointment = serializers.IntegerField(min_value=1)
    kind = serializers.ChoiceField(choices=DeclarationKind.choices)


class DeclarationOut(serializers.Serializer):
    id = serializers.IntegerField(source="pk")
    declarant = serializers.IntegerField(source="declarant_id")
    entity = serializers.IntegerField(source="entity_id")
    kind = serializers.CharField()
    year = serializers.IntegerField(allow_null=True)
    status = serializers.CharField()
    due_date = serializers.DateField(allow_null=True)
    filed_at = serializers.DateTimeField(allow_null=True)
    interest = serializers.JSONField(help_text="System 1 `declaracion.interes` object.")


class PublicDeclarationOut(serializers.Serializer):
    id = serializers.IntegerField()
    entity = serializers.CharField()
    kind = serializers.CharField()
    filed_at = serializers.DateTimeField()
    interest = serializers.JSONField(help_text="Public fields only.")


class InterestIn(serializers.Serializer):
    interest = serializers.JSONField(help_text="System 1 `declaracion.interes` object.")


class ProblemOut(serializers.Serializer):
    path = serializers.CharField()
    message = serializers.CharField()


class GiftIn(serializers.Serializer):
    kind = serializers.ChoiceField(choices=GiftKind.choices)
    giver_kind = serializers.ChoiceField(choices=GiverKind.choices)
    giver_name = serializers.CharField(max_length=200)
    giver_rfc = serializers.CharField(max_length=13, required=False, allow_blank=True, default="")
    value = serializers.DecimalField(max_digits=12, decimal_places=2, min_value=0)
    offered_on = serializers.DateField()
    occasion = serializers.CharField(max_length=200)
    decision = serializers.ChoiceField(choices=GiftDecision.choices)
    notes = serializers.CharField(required=False, allow_blank=True, default="")


class GiftOut(serializers.ModelSerializer):
    class Meta:
        model = Gift
        fields = [
            "id",
            "servant",
            "entity",
            "kind",
            "giver_kind",
            "giver_name",
            "giver_rfc",
            "value",
            "offered_on",
            "occasion",
            "decision",
            "notes",
            "over_threshold",
        ]


class PublicGiftOut(serializers.Serializer):
    entity = serializers.CharField(source="entity.name")
    kind = serializers.CharField()
    giver = serializers.CharField(source="public_giver")
    value = serializers.DecimalField(max_digits=12, decimal_places=2)
    month = serializers.SerializerMethodField()
    decision = serializers.CharField()
    over_threshold = serializers.BooleanField()

    def get_month(self, gift) -> str:
        return gift.offered_on.strftime("%Y-%m")
