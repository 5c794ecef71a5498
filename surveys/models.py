"""Consultations, their questions, and the responses to them.

Content is bilingual: every text a respondent reads has an ``_en`` and a ``_zh`` (Traditional
Chinese) column, and ``localized(name)`` picks the one for the active language. Writes go
through the services (``surveys.journey.services``, ``surveys.review.services`` and the like);
models hold fields, constraints and small derived properties only.
"""

from __future__ import annotations

import datetime as dt
import uuid
from typing import cast

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.storage import Storage, storages
from django.db import models
from django.db.models import Q
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _

from surveys.choices import (
    Consent,
    ConsultationStatus,
    ExclusionReason,
    PrivacyActionKind,
    QuestionKind,
    RespondentCategory,
    RespondentType,
    ReviewStatus,
    SubmissionState,
)
from surveys.names import respondent_name
from surveys.querysets import ConsultationQuerySet, SubmissionQuerySet

__all__ = [
    "Consent",
    "ConsultationStatus",
    "ExclusionReason",
    "PrivacyActionKind",
    "QuestionKind",
    "RespondentCategory",
    "RespondentType",
    "ReviewStatus",
    "SubmissionState",
]


def private_storage() -> Storage:
    """Storage for files only views that check access may serve (see settings.STORAGES)."""
    return storages["private"]


class Bilingual(models.Model):
    """Mixin for models with ``<name>_en`` / ``<name>_zh`` column pairs."""

    class Meta:
        abstract = True

    def localized(self, name: str, language: str | None = None) -> str:
        language = language or translation.get_language() or "en"
        chinese = getattr(self, f"{name}_zh", "")
        english = getattr(self, f"{name}_en", "")
        if language.lower().startswith("zh"):
            return chinese or english
        return english or chinese


class Consultation(Bilingual):
    slug = models.SlugField(unique=True, max_length=80)
    reference_prefix = models.CharField(
        max_length=6,
        help_text=_("Letters that start each response reference, for example OTC in OTC-000123."),
    )
    title_en = models.CharField(_("title (English)"), max_length=300)
    title_zh = models.CharField(_("title (Chinese)"), max_length=300)
    summary_en = models.TextField(_("summary (English)"))
    summary_zh = models.TextField(_("summary (Chinese)"))
    body_en = models.TextField(_("consultation paper (English)"), blank=True)
    body_zh = models.TextField(_("consultation paper (Chinese)"), blank=True)
    opens_at = models.DateTimeField(_("opens at"))
    closes_at = models.DateTimeField(_("closes at"))
    accepts_late = models.BooleanField(
        _("accepts late responses"),
        default=False,
        help_text=_("Responses after the closing time are stored and marked late."),
    )
    is_draft = models.BooleanField(
        _("draft"), default=True, help_text=_("Drafts are not shown to the public.")
    )
    conclusions_published_at = models.DateTimeField(
        _("conclusions published at"),
        null=True,
        blank=True,
        help_text=_(
            "When the consultation conclusions were published. Respondents' personal data is "
            "erased a set number of days later (PERSONAL_DATA_RETENTION_DAYS)."
        ),
    )
    # The last number used in a response reference; raised atomically by services.
    last_reference_number = models.PositiveIntegerField(default=0, editable=False)
    # Replaced whenever a section, question or choice of the consultation changes
    # (surveys.signals), so the respondent form's structure can be cached under it.
    form_version = models.UUIDField(default=uuid.uuid4, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = ConsultationQuerySet.as_manager()

    class Meta:
        ordering = ["-opens_at"]
        constraints = [
            models.CheckConstraint(
                condition=Q(closes_at__gt=models.F("opens_at")),
                name="consultation_closes_after_opening",
            ),
            models.CheckConstraint(
                condition=~Q(reference_prefix=""), name="consultation_reference_prefix_set"
            ),
        ]

    def __str__(self) -> str:
        return self.title_en

    def status_at(self, moment: dt.datetime) -> ConsultationStatus:
        if self.is_draft:
            return ConsultationStatus.DRAFT
        if moment < self.opens_at:
            return ConsultationStatus.UPCOMING
        if moment < self.closes_at:
            return ConsultationStatus.OPEN
        return ConsultationStatus.CLOSED

    @property
    def status(self) -> ConsultationStatus:
        return self.status_at(timezone.now())

    @property
    def is_open(self) -> bool:
        return self.status == ConsultationStatus.OPEN

    def clean(self) -> None:
        if self.opens_at and self.closes_at and self.closes_at <= self.opens_at:
            raise ValidationError(
                {"closes_at": _("The closing time must be after the opening time.")}
            )


class ConsultationDocument(Bilingual):
    """A document attached to the consultation paper (the full paper, an annex)."""

    consultation = models.ForeignKey(
        Consultation, on_delete=models.CASCADE, related_name="documents"
    )
    order = models.PositiveSmallIntegerField(default=0)
    title_en = models.CharField(max_length=300)
    title_zh = models.CharField(max_length=300)
    file = models.FileField(upload_to="consultations/")

    class Meta:
        ordering = ["consultation", "order", "pk"]

    def __str__(self) -> str:
        return self.title_en


class Section(Bilingual):
    consultation = models.ForeignKey(
        Consultation, on_delete=models.CASCADE, related_name="sections"
    )
    order = models.PositiveSmallIntegerField()
    title_en = models.CharField(max_length=300)
    title_zh = models.CharField(max_length=300)
    intro_en = models.TextField(blank=True)
    intro_zh = models.TextField(blank=True)

    class Meta:
        ordering = ["consultation", "order"]
        constraints = [
            models.UniqueConstraint(fields=["consultation", "order"], name="section_order_unique")
        ]

    def __str__(self) -> str:
        return self.title_en


class Question(Bilingual):
    # Denormalised from the section so that codes can be unique per consultation in the database.
    consultation = models.ForeignKey(
        Consultation, on_delete=models.CASCADE, related_name="questions"
    )
    section = models.ForeignKey(Section, on_delete=models.CASCADE, related_name="questions")
    code = models.CharField(
        max_length=12, help_text=_("Stable reference used in papers and reports, e.g. Q7.")
    )
    order = models.PositiveSmallIntegerField(help_text=_("Position in the whole paper."))
    kind = models.CharField(max_length=16, choices=QuestionKind.choices)
    text_en = models.TextField()
    text_zh = models.TextField()
    help_en = models.TextField(blank=True)
    help_zh = models.TextField(blank=True)
    required = models.BooleanField(default=False)
    max_length = models.PositiveIntegerField(
        default=2000, help_text=_("Free text only: the most characters accepted.")
    )
    min_value = models.BigIntegerField(null=True, blank=True)
    max_value = models.BigIntegerField(null=True, blank=True)
    condition_question = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="dependants",
        help_text=_("Show this question only when that question ..."),
    )
    condition_choice = models.ForeignKey(
        "Choice",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        help_text=_("... was answered with this choice."),
    )

    class Meta:
        ordering = ["consultation", "order"]
        constraints = [
            models.UniqueConstraint(fields=["consultation", "code"], name="question_code_unique"),
            models.UniqueConstraint(fields=["consultation", "order"], name="question_order_unique"),
            models.CheckConstraint(
                condition=Q(condition_question__isnull=True, condition_choice__isnull=True)
                | Q(condition_question__isnull=False, condition_choice__isnull=False),
                name="question_condition_complete",
            ),
            models.CheckConstraint(
                condition=Q(min_value__isnull=True)
                | Q(max_value__isnull=True)
                | Q(min_value__lte=models.F("max_value")),
                name="question_number_range_valid",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.text_en[:60]}"

    @property
    def is_closed(self) -> bool:
        return self.kind in QuestionKind.closed()

    @property
    def is_conditional(self) -> bool:
        return self.condition_question_id is not None

    def clean(self) -> None:
        errors = {}
        if (
            self.section_id
            and self.consultation_id
            and self.section.consultation_id != self.consultation_id
        ):
            errors["section"] = _("The section belongs to another consultation.")
        if self.condition_question_id:
            target = cast(Question, self.condition_question)  # set with its id
            if target.consultation_id != self.consultation_id:
                errors["condition_question"] = _(
                    "The condition must name a question of the same consultation."
                )
            elif self.order is not None and target.order >= self.order:
                errors["condition_question"] = _("The condition must name an earlier question.")
            elif not target.is_closed:
                errors["condition_question"] = _(
                    "The condition must name a question answered by choices."
                )
        if (
            self.condition_choice_id
            and self.condition_question_id
            and cast(Choice, self.condition_choice).question_id != self.condition_question_id
        ):
            errors["condition_choice"] = _("The choice must belong to the condition's question.")
        if errors:
            raise ValidationError(errors)


class Choice(Bilingual):
    question = models.ForeignKey(Question, on_delete=models.CASCADE, related_name="choices")
    value = models.SlugField(
        max_length=40, help_text=_("Stable value used in exports and reports.")
    )
    order = models.PositiveSmallIntegerField()
    label_en = models.CharField(max_length=300)
    label_zh = models.CharField(max_length=300)
    exclusive = models.BooleanField(
        _("exclusive"),
        default=False,
        help_text=_("Cannot be ticked with another choice (“None of these”, “No view”)."),
    )

    class Meta:
        ordering = ["question", "order"]
        constraints = [
            models.UniqueConstraint(fields=["question", "value"], name="choice_value_unique"),
            models.UniqueConstraint(fields=["question", "order"], name="choice_order_unique"),
        ]

    def __str__(self) -> str:
        return self.label_en


class CampaignGroup(models.Model):
    """Submissions whose free text is identical or nearly identical (a standard-text campaign)."""

    consultation = models.ForeignKey(
        Consultation, on_delete=models.CASCADE, related_name="campaign_groups"
    )
    label = models.CharField(max_length=40, help_text=_("Short name, e.g. C1."))
    size = models.PositiveIntegerField(default=0)
    representative_text = models.TextField(blank=True)
    confirmed = models.BooleanField(
        default=False, help_text=_("A reviewer has confirmed that these are one campaign.")
    )
    detected_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["consultation", "-size", "label"]
        constraints = [
            models.UniqueConstraint(fields=["consultation", "label"], name="campaign_label_unique")
        ]

    def __str__(self) -> str:
        return f"{self.label} ({self.size})"


class Submission(models.Model):
    consultation = models.ForeignKey(
        Consultation, on_delete=models.PROTECT, related_name="submissions"
    )
    reference = models.CharField(max_length=20, unique=True)
    state = models.CharField(
        max_length=10, choices=SubmissionState.choices, default=SubmissionState.DRAFT
    )
    # About the respondent (step 1 of the form).
    respondent_type = models.CharField(max_length=12, choices=RespondentType.choices, blank=True)
    category = models.CharField(max_length=24, choices=RespondentCategory.choices, blank=True)
    category_other = models.CharField(_("other category"), max_length=200, blank=True)
    organisation_name = models.CharField(max_length=300, blank=True)
    contact_name = models.CharField(max_length=200, blank=True)
    email = models.EmailField(blank=True)
    consent = models.CharField(max_length=20, choices=Consent.choices, blank=True)
    privacy_acknowledged = models.BooleanField(default=False)
    language = models.CharField(max_length=8, choices=settings.LANGUAGES, default="en")
    # Where the respondent stopped, so that the resume link returns there.
    current_step = models.PositiveSmallIntegerField(default=0)
    # Only a hash of the private resume link's token is kept.
    resume_token_hash = models.CharField(max_length=64, blank=True, db_index=True)
    # The random key of the "About you" page that started this draft: the same page sent again
    # (its reply was lost) finds this draft instead of starting a second one.
    start_key = models.CharField(max_length=64, blank=True, default="", editable=False)
    client_address = models.GenericIPAddressField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)
    submitted_at = models.DateTimeField(null=True, blank=True)
    withdrawn_at = models.DateTimeField(null=True, blank=True)
    is_late = models.BooleanField(default=False)
    # Staff review.
    review_status = models.CharField(
        max_length=10, choices=ReviewStatus.choices, default=ReviewStatus.NEW
    )
    exclusion_reason = models.CharField(max_length=16, choices=ExclusionReason.choices, blank=True)
    reviewer_notes = models.TextField(blank=True)
    campaign_group = models.ForeignKey(
        CampaignGroup,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="submissions",
    )
    personal_data_erased_at = models.DateTimeField(null=True, blank=True)

    objects = SubmissionQuerySet.as_manager()

    class Meta:
        ordering = ["-submitted_at", "-created_at"]
        indexes = [
            models.Index(
                fields=["consultation", "state", "review_status"], name="submission_counted_idx"
            ),
            models.Index(fields=["consultation", "submitted_at"], name="submission_submitted_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=~Q(state=SubmissionState.SUBMITTED) | Q(submitted_at__isnull=False),
                name="submission_submitted_has_time",
            ),
            models.CheckConstraint(
                condition=~Q(review_status=ReviewStatus.EXCLUDED) | ~Q(exclusion_reason=""),
                name="submission_exclusion_has_reason",
            ),
            models.UniqueConstraint(
                fields=["consultation", "start_key"],
                condition=~Q(start_key=""),
                name="submission_one_draft_per_start",
            ),
        ]
        permissions = [
            ("view_personal_data", "Can see respondents' names and contact details"),
            ("review_submission", "Can review, tag and export submissions"),
        ]

    def __str__(self) -> str:
        return self.reference

    @property
    def respondent_name(self) -> str:
        return respondent_name(
            respondent_type=self.respondent_type,
            organisation_name=self.organisation_name,
            contact_name=self.contact_name,
        )


class SubmissionRevision(models.Model):
    """A frozen copy of a submission at each submit or amendment: the history of amendments."""

    submission = models.ForeignKey(Submission, on_delete=models.CASCADE, related_name="revisions")
    number = models.PositiveIntegerField()
    created_at = models.DateTimeField(default=timezone.now)
    state = models.CharField(max_length=10, choices=SubmissionState.choices)
    respondent = models.JSONField(default=dict)
    answers = models.JSONField(
        default=dict, help_text=_("Question code to the answer as submitted.")
    )

    class Meta:
        ordering = ["submission", "number"]
        constraints = [
            models.UniqueConstraint(fields=["submission", "number"], name="revision_number_unique")
        ]

    def __str__(self) -> str:
        return f"{self.submission_id} #{self.number}"


class Attachment(models.Model):
    """A position paper uploaded with a response; kept in private storage, never under MEDIA_URL."""

    submission = models.ForeignKey(Submission, on_delete=models.CASCADE, related_name="attachments")
    file = models.FileField(storage=private_storage, upload_to="attachments/%Y/%m/")
    original_name = models.CharField(max_length=255)
    content_type = models.CharField(max_length=100)
    size = models.PositiveIntegerField()
    sha256 = models.CharField(max_length=64)
    uploaded_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["submission", "uploaded_at", "pk"]

    def __str__(self) -> str:
        return self.original_name


class Theme(Bilingual):
    """A staff-defined theme used to code free-text answers."""

    consultation = models.ForeignKey(Consultation, on_delete=models.CASCADE, related_name="themes")
    parent = models.ForeignKey(
        "self", on_delete=models.CASCADE, null=True, blank=True, related_name="children"
    )
    name_en = models.CharField(max_length=200)
    name_zh = models.CharField(max_length=200, blank=True)
    description = models.TextField(blank=True)

    class Meta:
        ordering = ["consultation", "name_en"]
        constraints = [
            models.UniqueConstraint(fields=["consultation", "name_en"], name="theme_name_unique")
        ]

    def __str__(self) -> str:
        return self.name_en


class Answer(models.Model):
    """One answer: a row per submission and question, or per selected choice for multiple choice.

    ``consultation`` is copied from the submission so that a report reads a consultation's answers
    in one indexed scan of integer columns, without touching the submissions table per row.
    """

    # No index of its own: answer_report_scan_idx starts with it, and a second index on the
    # column would only slow down every insert of answer rows.
    consultation = models.ForeignKey(
        Consultation, on_delete=models.CASCADE, related_name="+", db_index=False
    )
    submission = models.ForeignKey(Submission, on_delete=models.CASCADE, related_name="answers")
    question = models.ForeignKey(Question, on_delete=models.PROTECT, related_name="answers")
    choice = models.ForeignKey(
        Choice, on_delete=models.PROTECT, null=True, blank=True, related_name="answers"
    )
    # True for the rows of a multiple-choice question (one per selected choice).
    multiple = models.BooleanField(default=False)
    text = models.TextField(blank=True)
    number = models.BigIntegerField(null=True, blank=True)
    themes = models.ManyToManyField(Theme, blank=True, related_name="answers")

    class Meta:
        ordering = ["submission", "question__order", "choice__order"]
        indexes = [
            models.Index(
                fields=["consultation", "question", "choice"], name="answer_report_scan_idx"
            ),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["submission", "question"],
                condition=Q(multiple=False),
                name="answer_one_per_question",
            ),
            models.UniqueConstraint(
                fields=["submission", "question", "choice"],
                condition=Q(multiple=True),
                name="answer_one_per_selected_choice",
            ),
            models.CheckConstraint(
                condition=Q(multiple=False) | Q(choice__isnull=False),
                name="answer_multiple_has_choice",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.submission_id}/{self.question_id}"


class ReviewEvent(models.Model):
    """Audit trail of staff changes to a submission: who, when, from, to and why."""

    submission = models.ForeignKey(
        Submission, on_delete=models.CASCADE, related_name="review_events"
    )
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )
    at = models.DateTimeField(default=timezone.now)
    field = models.CharField(max_length=40)
    old_value = models.TextField(blank=True)
    new_value = models.TextField(blank=True)
    reason = models.TextField(blank=True)

    class Meta:
        ordering = ["-at", "-pk"]

    def __str__(self) -> str:
        return f"{self.submission_id} {self.field}: {self.old_value} -> {self.new_value}"


class PrivacyAction(models.Model):
    """Audit record of each personal-data erasure and each access request (``surveys.privacy``).

    It names the submissions by reference only and never copies the personal data it concerns:
    an audit trail must not itself keep what was erased.
    """

    kind = models.CharField(max_length=16, choices=PrivacyActionKind.choices)
    at = models.DateTimeField(default=timezone.now)
    operator = models.CharField(
        max_length=150, help_text=_("Who ran it: a staff user name or the server account.")
    )
    reason = models.TextField(blank=True, help_text=_("For example the access request's file."))
    consultation = models.ForeignKey(
        Consultation, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    references = models.JSONField(default=list, blank=True)
    submission_count = models.PositiveIntegerField(default=0)
    details = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["-at", "-pk"]

    def __str__(self) -> str:
        return f"{self.kind} {self.at:%Y-%m-%d %H:%M} ({self.submission_count})"
