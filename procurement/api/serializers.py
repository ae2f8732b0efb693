from __future__ import annotations

from rest_framework import serializers

from procurement.models import ImportBatch, RedFlag


class ImportIn(serializers.Serializer):
    files = serializers.ListField(child=serializers.FileField(), min_length=1, max_length=50)
    lenient = serializers.BooleanField(
        default=False,
        help_text="Importar las entregas fuera del esquema y dejar sus fallas como avisos.",
    )


class ImportOut(serializers.ModelSerializer):
    percent = serializers.IntegerField(read_only=True)

    class Meta:
        model = ImportBatch
        fields = [
            "id",
            "status",
            "percent",
            "files_total",
            "files_done",
            "releases_new",
            "releases_unchanged",
            "processes_changed",
            "problems",
            "lenient",
            "warnings",
            "created_at",
            "finished_at",
        ]


class FlagOut(serializers.ModelSerializer):
    ocid = serializers.CharField(source="process.ocid", default=None, allow_null=True)

    class Meta:
        model = RedFlag
        fields = ["group", "key", "code", "value", "ocid"]
