"""The shapes of the public API: what each field is, for the OpenAPI schema and for validating
the query. The values come from ``api.public.selectors``."""

from __future__ import annotations

from django.conf import settings
from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from surveys.models import ConsultationStatus, RespondentCategory, RespondentType


class TextSerializer(serializers.Serializer):
    """A text in both official languages."""

    en = serializers.CharField()
    zh_hant = serializers.CharField(source="zh")

    def get_fields(self) -> dict[str, serializers.Field]:
        # "zh-hant", the key summary.json uses, is no Python name: the field is renamed here.
        fields: dict[str, serializers.Field] = super().get_fields()
        fields["zh-hant"] = fields.pop("zh_hant")
        return fields


class DocumentSerializer(serializers.Serializer):
    title = TextSerializer()
    url = serializers.CharField()


class ConsultationSerializer(serializers.Serializer):
    slug = serializers.SlugField()
    title = TextSerializer()
    summary = TextSerializer()
    status = serializers.ChoiceField(choices=ConsultationStatus.choices)
    opens_at = serializers.DateTimeField()
    closes_at = serializers.DateTimeField()
    accepts_late = serializers.BooleanField()
    documents = DocumentSerializer(many=True)
    conclusions_published_at = serializers.DateTimeField(allow_null=True)
    conclusions_url = serializers.CharField(allow_null=True)
    responses_url = serializers.CharField(allow_null=True)


class ChoiceSerializer(serializers.Serializer):
    value = serializers.CharField()
    label = TextSerializer()  # type: ignore[assignment]  # a field, popped by the metaclass
    exclusive = serializers.BooleanField()


class QuestionSerializer(serializers.Serializer):
    code = serializers.CharField()
    section = serializers.IntegerField()
    kind = serializers.CharField()
    text = TextSerializer()
    required = serializers.BooleanField()  # type: ignore[assignment]  # likewise
    choices = ChoiceSerializer(many=True)


class SectionSerializer(serializers.Serializer):
    order = serializers.IntegerField()
    title = TextSerializer()


class ConsultationDetailSerializer(ConsultationSerializer):
    sections = SectionSerializer(many=True)
    questions = QuestionSerializer(many=True)


class PublicFileSerializer(serializers.Serializer):
    kind = serializers.CharField()
    url = serializers.CharField()
    size = serializers.IntegerField()
    sha256 = serializers.CharField()


class QuestionConclusionSerializer(serializers.Serializer):
    question = serializers.CharField()
    views_summary = TextSerializer()
    response = TextSerializer()


class SnapshotSerializer(serializers.Serializer):
    count = serializers.IntegerField(allow_null=True)
    sha256 = serializers.CharField()
    as_of = serializers.DateTimeField(allow_null=True)


class ConclusionsSerializer(serializers.Serializer):
    consultation = serializers.SlugField()
    published_at = serializers.DateTimeField()
    introduction = TextSerializer()
    questions = QuestionConclusionSerializer(many=True)
    files = PublicFileSerializer(many=True)
    snapshot = SnapshotSerializer()


class FiguresSerializer(serializers.Serializer):
    """The published ``summary.json`` (its structure is described in the README), with the
    publication it belongs to and the SHA-256 of the public file."""

    consultation = serializers.SlugField()
    published_at = serializers.DateTimeField()
    file_sha256 = serializers.CharField()
    snapshot = serializers.DictField()
    respondents = serializers.DictField()
    questions = serializers.ListField(child=serializers.DictField())


class FiguresQuerySerializer(serializers.Serializer):
    question = serializers.CharField(
        required=False, max_length=12, help_text=_("Keep one question's figures (its code).")
    )


class AnswerSerializer(serializers.Serializer):
    question = serializers.CharField()
    choices = serializers.ListField(child=serializers.CharField())
    text = serializers.CharField(allow_blank=True)
    number = serializers.IntegerField(allow_null=True)


class AttachmentSerializer(serializers.Serializer):
    name = serializers.CharField()
    size = serializers.IntegerField()
    url = serializers.CharField()


class PublishedResponseSerializer(serializers.Serializer):
    """A published response: only what its respondent's consent allows. ``name`` is null unless
    the respondent chose to publish their name (and their personal data is not erased)."""

    reference = serializers.CharField()
    name = serializers.CharField(allow_null=True)
    respondent_type = serializers.ChoiceField(choices=RespondentType.choices, allow_blank=True)
    category = serializers.ChoiceField(choices=RespondentCategory.choices, allow_blank=True)
    language = serializers.ChoiceField(choices=settings.LANGUAGES)
    submitted_at = serializers.DateTimeField(allow_null=True)
    is_late = serializers.BooleanField()
    answers = AnswerSerializer(many=True)
    attachments = AttachmentSerializer(many=True)


class ResponsesQuerySerializer(serializers.Serializer):
    question = serializers.CharField(
        required=False,
        max_length=12,
        help_text=_("Only responses that answered this question (its code, e.g. Q3)."),
    )
    category = serializers.ChoiceField(choices=RespondentCategory.choices, required=False)
    respondent_type = serializers.ChoiceField(choices=RespondentType.choices, required=False)
    language = serializers.ChoiceField(choices=settings.LANGUAGES, required=False)
