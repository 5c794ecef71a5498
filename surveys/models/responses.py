"""The responses: submissions, their answers, revisions and attachments, campaign groups."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from surveys.choices import (
    Channel,
    Consent,
    ExclusionReason,
    RespondentCategory,
    RespondentType,
    ReviewStatus,
    SubmissionState,
)
from surveys.models.base import private_storage
from surveys.models.consultations import Choice, Consultation, Question
from surveys.models.licensing import LicenceRegister, LicenceStatus
from surveys.names import respondent_name
from surveys.querysets import SubmissionQuerySet


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
    # How the response arrived; staff enter responses received by email, post or fax and
    # import them in bulk, recording when they were received and who entered them.
    channel = models.CharField(
        _("channel"), max_length=8, choices=Channel.choices, default=Channel.WEB
    )
    received_at = models.DateTimeField(
        _("received at"),
        null=True,
        blank=True,
        help_text=_("When a response sent by email, post or fax reached the regulator."),
    )
    # How many people the record speaks for: a petition's signatories (surveys.models.petitions),
    # 1 for every other response. Reports count each record with this weight.
    signatories = models.PositiveIntegerField(_("signatories"), default=1)
    entered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        help_text=_("The staff member who entered a response received by email, post or fax."),
    )
    # Email confirmation (``surveys.journey.confirmation``): when the respondent opened the link
    # in the receipt, and the SHA-256 of that link's token (the token itself is never stored).
    email_confirmed_at = models.DateTimeField(_("email confirmed at"), null=True, blank=True)
    email_confirmation_hash = models.CharField(
        max_length=64, blank=True, default="", editable=False
    )
    # The licence number a firm may give, and its status in the register staff uploaded
    # (surveys.licensing): reports split figures by the status.
    licence_register = models.CharField(
        _("licence register"), max_length=8, choices=LicenceRegister.choices, blank=True
    )
    licence_number = models.CharField(_("licence number"), max_length=20, blank=True)
    licence_status = models.CharField(
        _("licence status"),
        max_length=10,
        choices=LicenceStatus.choices,
        default=LicenceStatus.OTHER,
    )
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
    # A bulk import's row key (unique per consultation) and the SHA-256 of the row as imported:
    # importing the same row again adds nothing; the same key with other content is refused.
    import_key = models.CharField(max_length=100, blank=True, default="", editable=False)
    import_digest = models.CharField(max_length=64, blank=True, default="", editable=False)

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
            models.CheckConstraint(
                condition=Q(signatories__gte=1), name="submission_signatories_positive"
            ),
            models.UniqueConstraint(
                fields=["consultation", "start_key"],
                condition=~Q(start_key=""),
                name="submission_one_draft_per_start",
            ),
            models.UniqueConstraint(
                fields=["consultation", "import_key"],
                condition=~Q(import_key=""),
                name="submission_import_key_unique",
            ),
        ]
        permissions = [
            ("view_personal_data", "Can see respondents' names and contact details"),
            ("review_submission", "Can review, tag and export submissions"),
            ("enter_submission", "Can enter responses received by email, post or fax"),
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
    themes = models.ManyToManyField("surveys.Theme", blank=True, related_name="answers")

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
