"""Summary reports: one row per request, with the job's state, its snapshot and its files.

The row is the job's record (kobotoolbox's job-row pattern): Celery only carries the id, and the
staff pages poll this row for progress. Old reports are kept with their files.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from surveys.models import Consultation, private_storage


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
