"""The shapes of the staff API (personal token)."""

from __future__ import annotations

from django.conf import settings
from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from api.public.serializers import AnswerSerializer
from reports.models import ReportFormat, ReportLanguage, ReportStatus
from surveys.models import (
    Channel,
    Consent,
    ExclusionReason,
    RespondentCategory,
    RespondentType,
    ReviewStatus,
    SubmissionState,
)


class PersonalSerializer(serializers.Serializer):
    contact_name = serializers.CharField(allow_blank=True)
    organisation_name = serializers.CharField(allow_blank=True)
    email = serializers.CharField(allow_blank=True)


class SubmissionSerializer(serializers.Serializer):
    """A submission for staff. ``organisation_name`` is an organisation's name (not personal
    data); ``personal`` is present only for a token with ``personal_data:read`` whose owner holds
    the personal-data permission, and each such read is recorded."""

    reference = serializers.CharField()
    state = serializers.ChoiceField(choices=SubmissionState.choices)
    channel = serializers.ChoiceField(choices=Channel.choices)
    respondent_type = serializers.ChoiceField(choices=RespondentType.choices, allow_blank=True)
    category = serializers.ChoiceField(choices=RespondentCategory.choices, allow_blank=True)
    consent = serializers.ChoiceField(choices=Consent.choices, allow_blank=True)
    language = serializers.ChoiceField(choices=settings.LANGUAGES)
    submitted_at = serializers.DateTimeField(allow_null=True)
    received_at = serializers.DateTimeField(allow_null=True)
    withdrawn_at = serializers.DateTimeField(allow_null=True)
    is_late = serializers.BooleanField()
    counted = serializers.BooleanField()
    review_status = serializers.ChoiceField(choices=ReviewStatus.choices)
    exclusion_reason = serializers.ChoiceField(choices=ExclusionReason.choices, allow_blank=True)
    campaign_group = serializers.CharField(allow_null=True)
    organisation_name = serializers.CharField(allow_null=True)
    personal_data_erased = serializers.BooleanField()
    answers = AnswerSerializer(many=True)
    personal = PersonalSerializer(required=False)


class SubmissionsQuerySerializer(serializers.Serializer):
    state = serializers.ChoiceField(
        choices=[SubmissionState.SUBMITTED, SubmissionState.WITHDRAWN], required=False
    )
    review_status = serializers.ChoiceField(choices=ReviewStatus.choices, required=False)
    channel = serializers.ChoiceField(choices=Channel.choices, required=False)
    category = serializers.ChoiceField(choices=RespondentCategory.choices, required=False)
    respondent_type = serializers.ChoiceField(choices=RespondentType.choices, required=False)
    language = serializers.ChoiceField(choices=settings.LANGUAGES, required=False)
    question = serializers.CharField(
        required=False, max_length=12, help_text=_("Only submissions that answered it (code).")
    )


class ReviewStatusSerializer(serializers.Serializer):
    consultation = serializers.SlugField()
    submitted = serializers.IntegerField()
    withdrawn = serializers.IntegerField()
    counted = serializers.IntegerField()
    by_review_status = serializers.DictField(child=serializers.IntegerField())
    excluded_by_reason = serializers.DictField(child=serializers.IntegerField())
    last_review_at = serializers.DateTimeField(allow_null=True)


class ReportFileSerializer(serializers.Serializer):
    format = serializers.ChoiceField(choices=ReportFormat.choices)
    size = serializers.IntegerField()
    url = serializers.CharField()


class ReportSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    consultation = serializers.SlugField()
    language = serializers.ChoiceField(choices=ReportLanguage.choices)
    status = serializers.ChoiceField(choices=ReportStatus.choices)
    progress = serializers.IntegerField()
    step = serializers.CharField(allow_blank=True)
    error = serializers.CharField(allow_blank=True)
    queued_at = serializers.DateTimeField()
    started_at = serializers.DateTimeField(allow_null=True)
    finished_at = serializers.DateTimeField(allow_null=True)
    snapshot = serializers.DictField(allow_null=True)
    files = ReportFileSerializer(many=True)


class ReportRequestSerializer(serializers.Serializer):
    language = serializers.ChoiceField(choices=ReportLanguage.choices)
