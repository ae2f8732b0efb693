from rest_framework import serializers


class PanelRefOut(serializers.Serializer):
    slug = serializers.CharField()
    url = serializers.CharField()


class PanelOut(serializers.Serializer):
    """One dashboard table; cells below the small-cell threshold are the string "<5"."""

    slug = serializers.CharField()
    title = serializers.CharField()
    columns = serializers.ListField(child=serializers.CharField())
    rows = serializers.ListField(child=serializers.ListField(child=serializers.JSONField()))
    missing = serializers.BooleanField(help_text="The source module produced no figures yet.")
    refreshed_at = serializers.DateTimeField(allow_null=True)
