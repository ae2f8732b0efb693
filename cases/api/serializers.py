"""Input and output shapes of the cases API (no logic: the actions decide)."""

from __future__ import annotations

from rest_framework import serializers

from cases.models import Case, CaseStatus, Outcome, ReferralKind
from lacs.models import Entity

# Fields named "status", "kind" or "to" are plain strings (their values are listed in the help):
# other apps' enums share those names, and the actions refuse values they do not know anyway.
STATUSES = " | ".join(CaseStatus.values)


class CaseOut(serializers.ModelSerializer):
    status = serializers.CharField(read_only=True, help_text=STATUSES)
    entity = serializers.CharField(source="entity.name")
    category = serializers.CharField(source="category.code")
    deadline = serializers.CharField(source="deadline_badge")
    assigned_to = serializers.CharField(
        source="assigned_to.get_username", default=None, allow_null=True
    )

    class Meta:
        model = Case
        fields = [
            "id",
            "number",
            "source",
            "entity",
            "category",
            "status",
            "severity",
            "outcome",
            "received_on",
            "acknowledge_by",
            "feedback_by",
            "acknowledged_on",
            "feedback_given_on",
            "referred_to",
            "routed_via",
            "deadline",
            "version",
            "assigned_to",
        ]


class CaseListOut(CaseOut):
    unread = serializers.BooleanField(help_text="activity the caller has not seen yet")
    protection_open = serializers.BooleanField(help_text="a protection request awaits an answer")

    class Meta(CaseOut.Meta):
        fields = [*CaseOut.Meta.fields, "unread", "protection_open"]


class NoteOut(serializers.Serializer):
    id = serializers.IntegerField()
    kind = serializers.CharField()
    author = serializers.CharField(allow_null=True)
    created_at = serializers.DateTimeField()
    text = serializers.CharField()


class HistoryOut(serializers.Serializer):
    at = serializers.DateTimeField(help_text="Local midnight when ``day_only``: only the day.")
    day_only = serializers.BooleanField()
    action = serializers.CharField()
    actor = serializers.CharField()


class ProtectionTrackOut(serializers.Serializer):
    """A protection request's own deadline and state (its contents are in the report's API)."""

    id = serializers.IntegerField()
    status = serializers.CharField()
    filed_on = serializers.DateField()
    answer_by = serializers.DateField(allow_null=True)
    answered_on = serializers.DateField(allow_null=True)
    decided_on = serializers.DateField(allow_null=True)


class CaseDetailOut(serializers.Serializer):
    case = CaseOut()
    notes = NoteOut(many=True)
    history = HistoryOut(many=True)
    allowed_transitions = serializers.ListField(child=serializers.CharField())
    protection_requests = ProtectionTrackOut(many=True)


class TransitionIn(serializers.Serializer):
    to = serializers.CharField(max_length=20, help_text=STATUSES)
    version = serializers.IntegerField(min_value=0)
    reason = serializers.CharField(required=False, allow_blank=True, default="", max_length=20000)
    outcome = serializers.ChoiceField(choices=Outcome.choices, required=False, default="")
    closure_reason = serializers.CharField(
        required=False, allow_blank=True, default="", max_length=20000
    )


class NoteIn(serializers.Serializer):
    text = serializers.CharField(max_length=20000)


class ReferIn(serializers.Serializer):
    kind = serializers.CharField(max_length=20, help_text=" | ".join(ReferralKind.values))
    version = serializers.IntegerField(min_value=0)
    summary = serializers.CharField(max_length=20000)
    target = serializers.PrimaryKeyRelatedField(
        queryset=Entity.objects.active(), required=False, allow_null=True, default=None
    )


class ExclusionIn(serializers.Serializer):
    user = serializers.IntegerField(min_value=1, max_value=2**63 - 1)


class ExclusionOut(serializers.Serializer):
    user = serializers.IntegerField(source="user_id")
    declared_on = serializers.DateField()


class ErrorOut(serializers.Serializer):
    code = serializers.CharField()
    message = serializers.CharField()


class AssignIn(serializers.Serializer):
    assignee = serializers.IntegerField(min_value=1, max_value=2**63 - 1, help_text="user id")


class BulkIn(serializers.Serializer):
    op = serializers.ChoiceField(choices=["acknowledge", "assign"])
    cases = serializers.ListField(
        child=serializers.IntegerField(min_value=1, max_value=2**63 - 1),
        min_length=1,
        max_length=100,
    )
    assignee = serializers.IntegerField(
        min_value=1, max_value=2**63 - 1, required=False, allow_null=True, default=None
    )


class BulkOut(serializers.Serializer):
    done = serializers.IntegerField()
    total = serializers.IntegerField()


class WorkloadOut(serializers.Serializer):
    user = serializers.IntegerField(source="user.pk")
    username = serializers.CharField(source="user.username")
    open = serializers.IntegerField()
    missed = serializers.IntegerField()
