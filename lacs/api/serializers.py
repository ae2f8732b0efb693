from rest_framework import serializers

from lacs.models import ChangeRequest, ContactPoint, Entity


class EntityOut(serializers.ModelSerializer):
    class Meta:
        model = Entity
        fields = ["id", "name", "acronym", "kind", "parent", "is_comptroller", "active"]


class EntityIn(serializers.Serializer):
    name = serializers.CharField(max_length=200)
    acronym = serializers.CharField(max_length=30, required=False, allow_blank=True)
    kind = serializers.ChoiceField(choices=Entity._meta.get_field("kind").choices)
    parent = serializers.IntegerField(required=False, allow_null=True, min_value=1)
    is_comptroller = serializers.BooleanField(required=False)
    active = serializers.BooleanField(required=False, default=True)


class ContactPointOut(serializers.ModelSerializer):
    username = serializers.CharField(source="user.username", read_only=True)

    class Meta:
        model = ContactPoint
        fields = ["id", "entity", "user", "username", "kind", "start", "end"]


class ContactPointIn(serializers.Serializer):
    user = serializers.IntegerField(min_value=1)
    kind = serializers.ChoiceField(choices=ContactPoint._meta.get_field("kind").choices)
    start = serializers.DateField()
    end = serializers.DateField(required=False, allow_null=True)


class ChangeOut(serializers.ModelSerializer):
    class Meta:
        model = ChangeRequest
        fields = ["id", "kind", "summary", "status", "proposed_on"]
