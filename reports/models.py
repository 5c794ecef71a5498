"""Summary reports: one row per request, with the job's state, its snapshot and its files.

The row is the job's record (kobotoolbox's job-row pattern): Celery only carries the id, and the
staff pages poll this row for progress. Old reports are kept with their files.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from surveys.models import Bilingual, Consultation, Question, private_storage


class ReportStatus(models.TextChoices):
    QUEUED = "queued", _("Queued")
    RUNNING = "running", _("Running")
    SUCCEEDED = "succeeded", _("Succeeded")
    FAILED = "failed", _("Failed")


class ReportLanguage(models.TextChoices):
    EN = "en", _("English")
    ZH_HANT = "zh-hant", _("Traditional Chinese")


class Report(models.Model):
    consultation = models.ForeignKey(Consultation, on_delete=models.PROTECT, related_name="reports")
    language = models.CharField(max_length=8, choices=ReportLanguage.choices, default="en")
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    status = models.CharField(
        max_length=10, choices=ReportStatus.choices, default=ReportStatus.QUEUED
    )
    progress = models.PositiveSmallIntegerField(default=0, help_text=_("0 to 100."))
    step = models.CharField(max_length=100, blank=True, help_text=_("The current step's name."))
    error = models.TextField(blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    queued_at = models.DateTimeField(default=timezone.now)
    started_at = models.DateTimeField(null=True, blank=True)
    # Touched every REPORT_HEARTBEAT_SECONDS by the process building the report (attempt
    # ``attempts``); the watchdog requeues or fails a running report whose heartbeat stopped.
    heartbeat_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    # The snapshot the summary counted.
    snapshot_count = models.PositiveIntegerField(null=True, blank=True)
    snapshot_sha256 = models.CharField(max_length=64, blank=True)
    snapshot_as_of = models.DateTimeField(null=True, blank=True)
    snapshot_excluded = models.JSONField(
        default=dict, blank=True, help_text=_("Submissions left out, by reason.")
    )

    class Meta:
        ordering = ["-queued_at", "-pk"]
        indexes = [models.Index(fields=["consultation", "-queued_at"], name="report_recent_idx")]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(progress__lte=100), name="report_progress_at_most_100"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.consultation.slug} {self.language} #{self.pk}"

    @property
    def is_finished(self) -> bool:
        return self.status in {ReportStatus.SUCCEEDED, ReportStatus.FAILED}


class ReportFormat(models.TextChoices):
    JSON = "json", "JSON"
    CSV = "csv", "CSV"
    XLSX = "xlsx", "XLSX"
    PDF = "pdf", "PDF"


class ReportFile(models.Model):
    """One output of a report, kept in private storage and served only through a checked view."""

    report = models.ForeignKey(Report, on_delete=models.CASCADE, related_name="files")
    format = models.CharField(max_length=8, choices=ReportFormat.choices)
    file = models.FileField(storage=private_storage, upload_to="reports/%Y/%m/", max_length=300)
    size = models.PositiveBigIntegerField(default=0)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["report", "format"]
        constraints = [
            models.UniqueConstraint(fields=["report", "format"], name="report_file_format_unique")
        ]

    def __str__(self) -> str:
        return f"{self.report_id}.{self.format}"


# --- Consultation conclusions ------------------------------------------------------------------


class ConclusionsDraft(Bilingual):
    """One saved version of the conclusions text; each save makes a new version, never an edit.

    A publication points at the version it used, so what was published can always be reproduced.
    """

    consultation = models.ForeignKey(
        Consultation, on_delete=models.PROTECT, related_name="conclusions_drafts"
    )
    version = models.PositiveIntegerField()
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField(default=timezone.now)
    intro_en = models.TextField(_("introduction (English)"), blank=True)
    intro_zh = models.TextField(_("introduction (Chinese)"), blank=True)

    class Meta:
        ordering = ["consultation", "-version"]
        constraints = [
            models.UniqueConstraint(
                fields=["consultation", "version"], name="conclusions_draft_version_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.consultation_id} v{self.version}"


class QuestionConclusion(Bilingual):
    """For one question of a draft: the summary of views and the regulator's response."""

    draft = models.ForeignKey(ConclusionsDraft, on_delete=models.CASCADE, related_name="questions")
    question = models.ForeignKey(Question, on_delete=models.PROTECT, related_name="+")
    views_summary_en = models.TextField(_("summary of views (English)"), blank=True)
    views_summary_zh = models.TextField(_("summary of views (Chinese)"), blank=True)
    response_en = models.TextField(_("our response (English)"), blank=True)
    response_zh = models.TextField(_("our response (Chinese)"), blank=True)

    class Meta:
        ordering = ["draft", "question__order"]
        constraints = [
            models.UniqueConstraint(fields=["draft", "question"], name="question_conclusion_unique")
        ]

    def __str__(self) -> str:
        return f"{self.draft} {self.question_id}"


class Publication(models.Model):
    """The published conclusions of a consultation: the frozen reports, text and public files.

    At most one publication of a consultation is live (``unpublished_at`` empty); unpublishing
    keeps the row and its files as a record but withdraws everything from the public pages.
    """

    consultation = models.ForeignKey(
        Consultation, on_delete=models.PROTECT, related_name="publications"
    )
    report_en = models.ForeignKey(Report, on_delete=models.PROTECT, related_name="+")
    report_zh = models.ForeignKey(Report, on_delete=models.PROTECT, related_name="+")
    draft = models.ForeignKey(ConclusionsDraft, on_delete=models.PROTECT, related_name="+")
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    published_at = models.DateTimeField(default=timezone.now)
    unpublished_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    unpublished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-published_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["consultation"],
                condition=models.Q(unpublished_at__isnull=True),
                name="publication_one_live_per_consultation",
            )
        ]

    def __str__(self) -> str:
        return f"{self.consultation_id} published {self.published_at:%Y-%m-%d}"

    @property
    def is_live(self) -> bool:
        return self.unpublished_at is None


class PublicationFileKind(models.TextChoices):
    PDF_EN = "pdf-en", _("Conclusions (English, PDF)")
    PDF_ZH = "pdf-zh-hant", _("Conclusions (Traditional Chinese, PDF)")
    CSV = "csv", _("Summary figures (CSV)")
    JSON = "json", _("Summary figures (JSON)")


class PublicationFile(models.Model):
    """A public file of a publication, served only while the publication is live."""

    publication = models.ForeignKey(Publication, on_delete=models.CASCADE, related_name="files")
    kind = models.CharField(max_length=12, choices=PublicationFileKind.choices)
    file = models.FileField(storage=private_storage, upload_to="conclusions/%Y/%m/", max_length=300)
    size = models.PositiveBigIntegerField(default=0)
    sha256 = models.CharField(max_length=64)

    class Meta:
        ordering = ["publication", "kind"]
        constraints = [
            models.UniqueConstraint(
                fields=["publication", "kind"], name="publication_file_kind_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.publication_id}.{self.kind}"


class Quantifier(models.TextChoices):
    """The quantifiers a conclusions text is checked for (``textkit.quantifiers``)."""

    ALL = "all", _("all (所有)")
    VAST_MAJORITY = "vast_majority", _("a vast majority (絕大多數)")
    MAJORITY = "majority", _("a majority, most (大多數, 多數, 過半)")
    HALF = "half", _("about half (約一半)")
    MANY = "many", _("many (不少, 許多)")
    SOME = "some", _("some (部分, 一些)")
    MINORITY = "minority", _("a minority (少數)")
    FEW = "few", _("a few (極少數)")
    NONE = "none", _("none (沒有)")


class WordingRule(models.Model):
    """What share of those answering a quantifier may describe, as the regulator sets it: the
    conclusions are refused publication while a sentence's quantifier and its figure disagree."""

    quantifier = models.CharField(max_length=16, choices=Quantifier.choices, unique=True)
    lowest = models.DecimalField(
        _("lowest share (%)"), max_digits=5, decimal_places=2, null=True, blank=True
    )
    lowest_included = models.BooleanField(
        _("lowest share included"),
        default=True,
        help_text=_("Off: the share must be above the lowest (“more than 50%”)."),
    )
    highest = models.DecimalField(
        _("highest share (%)"), max_digits=5, decimal_places=2, null=True, blank=True
    )
    highest_included = models.BooleanField(_("highest share included"), default=True)

    class Meta:
        ordering = ["quantifier"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(lowest__isnull=True)
                | models.Q(highest__isnull=True)
                | models.Q(lowest__lte=models.F("highest")),
                name="wording_rule_range_valid",
            )
        ]

    def __str__(self) -> str:
        return self.get_quantifier_display()


class CheckWaiver(models.Model):
    """An editor's decision that a flagged point of the conclusions text is right as written
    (a number that is not a figure, a wording the check misreads), with the reason. Keyed by
    what was flagged: a change to the text flags it afresh."""

    consultation = models.ForeignKey(Consultation, on_delete=models.CASCADE, related_name="+")
    key = models.CharField(max_length=64)
    flagged = models.TextField(help_text=_("What the check said, as it said it."))
    reason = models.TextField()
    waived_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    waived_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-waived_at"]
        constraints = [
            models.UniqueConstraint(fields=["consultation", "key"], name="check_waiver_unique")
        ]

    def __str__(self) -> str:
        return f"{self.consultation_id} {self.key[:12]}"


class Outcome(models.TextChoices):
    """What the regulator decided on a point raised."""

    ADOPTED = "adopted", _("Adopted")
    ADOPTED_WITH_CHANGES = "adopted_changed", _("Adopted with changes")
    NOT_ADOPTED = "not_adopted", _("Not adopted")
    NOTED = "noted", _("Noted")


class Disposition(models.Model):
    """The regulator's decision on a point raised (a theme coded on the answers to a question),
    with its reason in both languages. Never changed: a new decision is a new row, so the rows
    are the point's history and the newest is the decision."""

    consultation = models.ForeignKey(Consultation, on_delete=models.CASCADE, related_name="+")
    question = models.ForeignKey(Question, on_delete=models.PROTECT, related_name="+")
    theme = models.ForeignKey("surveys.Theme", on_delete=models.PROTECT, related_name="+")
    outcome = models.CharField(max_length=16, choices=Outcome.choices)
    reason_en = models.TextField(_("reason (English)"))
    reason_zh = models.TextField(_("reason (Chinese)"))
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    decided_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["question", "theme", "-decided_at", "-pk"]
        indexes = [
            models.Index(fields=["consultation", "question", "theme"], name="disposition_point_idx")
        ]

    def __str__(self) -> str:
        return f"{self.question_id}/{self.theme_id}: {self.outcome}"
