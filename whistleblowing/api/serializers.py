"""Input and output shapes of the anonymous report API (one pair per operation)."""

from __future__ import annotations

import base64
import binascii

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from whistleblowing.files import max_bytes, max_count
from whistleblowing.models import ProtectionStatus


class Text(serializers.CharField):
    """Text that can be sealed: JSON may carry lone surrogates that UTF-8 cannot encode."""

    def to_internal_value(self, data):
        value = super().to_internal_value(data)
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:
            raise serializers.ValidationError(_("El texto no es válido.")) from None
        return value


class FileInput(serializers.Serializer):
    name = Text(max_length=200)
    content_base64 = serializers.CharField()

    def validate_content_base64(self, value: str) -> bytes:
        if len(value) > (max_bytes() * 4) // 3 + 8:
            raise serializers.ValidationError(_("El archivo es demasiado grande."))
        try:
            return base64.b64decode(value, validate=True)
        except (binascii.Error, ValueError):
            raise serializers.ValidationError(_("No es base64 válido.")) from None


class FilesField(serializers.ListField):
    def __init__(self, **kwargs):
        super().__init__(child=FileInput(), required=False, max_length=max_count(), **kwargs)


class IdentityInput(serializers.Serializer):
    name = Text(max_length=200, required=False, allow_blank=True)
    contact = Text(max_length=300, required=False, allow_blank=True)


class GateInput(serializers.Serializer):
    """The anonymous gate: a challenge from ``GET reports/challenge/`` and its proof of work.

    Without ``proof`` the request is admitted only once the challenge is ``wait_seconds`` old.
    """

    challenge = serializers.CharField(max_length=300)
    proof = serializers.CharField(max_length=32, required=False, allow_blank=True)


class ChallengeOutput(serializers.Serializer):
    challenge = serializers.CharField()
    algorithm = serializers.CharField()
    difficulty = serializers.IntegerField()
    wait_seconds = serializers.IntegerField()


class ReportSubmitInput(GateInput):
    entity = serializers.IntegerField()
    category = serializers.SlugField(max_length=40)
    answers = serializers.DictField(child=Text(allow_blank=True), required=False)
    description = Text(max_length=20000)
    head_implicated = serializers.BooleanField(required=False, default=False)
    contact_point_implicated = serializers.BooleanField(required=False, default=False)
    identity = IdentityInput(required=False)
    files = FilesField()


class ReportSubmitOutput(serializers.Serializer):
    receipt = serializers.CharField()
    case_number = serializers.CharField()
    received_on = serializers.DateField()


class ReceiptInput(GateInput):
    receipt = Text(max_length=200)


class MessageInput(ReceiptInput):
    body = Text(max_length=10000, required=False, allow_blank=True)
    files = FilesField()


class ProtectionInput(ReceiptInput):
    what = Text(max_length=5000)
    when = Text(max_length=200)
    who = Text(max_length=500)


class MessageOutput(serializers.Serializer):
    origin = serializers.CharField()
    sent_on = serializers.DateField()
    body = serializers.CharField()


class ProtectionOutput(serializers.Serializer):
    filed_on = serializers.DateField()
    status = serializers.CharField()
    status_text = serializers.CharField()
    decided_on = serializers.DateField(allow_null=True)
    measures = serializers.CharField(allow_blank=True)


class AnswerOutput(serializers.Serializer):
    label = serializers.CharField()
    value = serializers.CharField()


class FollowupOutput(serializers.Serializer):
    case_number = serializers.CharField()
    received_on = serializers.DateField()
    status = serializers.CharField()
    status_text = serializers.CharField()
    closure_reason = serializers.CharField(allow_blank=True)
    description = serializers.CharField()
    answers = AnswerOutput(many=True)
    attachments = serializers.ListField(child=serializers.CharField())
    messages = MessageOutput(many=True)
    protection_requests = ProtectionOutput(many=True)
    identity_read_approved_on = serializers.ListField(child=serializers.DateField())


class ErrorOutput(serializers.Serializer):
    code = serializers.CharField()
    message = serializers.CharField()
    fields = serializers.DictField(required=False)


class ProtectionDecideIn(serializers.Serializer):
    status = serializers.ChoiceField(choices=ProtectionStatus.choices)
    measures = serializers.CharField(max_length=5000, required=False, allow_blank=True, default="")


class ProtectionOut(serializers.Serializer):
    """A protection request's track, without its contents."""

    id = serializers.IntegerField()
    status = serializers.CharField()
    filed_on = serializers.DateField()
    answer_by = serializers.DateField(allow_null=True)
    answered_on = serializers.DateField(allow_null=True)
    decided_on = serializers.DateField(allow_null=True)
