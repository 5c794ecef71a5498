"""Bulk imports of responses: each upload of a spreadsheet, its checks, progress and outcome.

A ``SubmissionImport`` row is the job the admin page polls and the audit record of the import:
who uploaded which file (its SHA-256), when, and how many responses it added.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from surveys.models.base import private_storage
from surveys.models.consultations import Consultation


class ImportState(models.TextChoices):
    CHECKING = "checking", _("Checking the file")
    CHECKED = "checked", _("Checked: ready to import")
    INVALID = "invalid", _("Checked: faults found")
    QUEUED = "queued", _("Waiting to import")
    IMPORTING = "importing", _("Importing")
    DONE = "done", _("Imported")
    FAILED = "failed", _("Failed")


class SubmissionImport(models.Model):
    consultation = models.ForeignKey(
        Consultation,
        on_delete=models.PROTECT,
        related_name="imports",
        verbose_name=_("consultation"),
    )
    file = models.FileField(storage=private_storage, upload_to="imports/%Y/%m/", blank=True)
    original_name = models.CharField(_("file name"), max_length=255)
    sha256 = models.CharField(_("SHA-256"), max_length=64)
    size = models.PositiveIntegerField(default=0)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("uploaded by"),
    )
    # Who ran it: the staff user name, or the operator named to the management command.
    operator = models.CharField(_("operator"), max_length=150)
    created_at = models.DateTimeField(_("uploaded at"), default=timezone.now)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)
    state = models.CharField(
        _("state"), max_length=10, choices=ImportState.choices, default=ImportState.CHECKING
    )
    rows_total = models.PositiveIntegerField(_("rows"), default=0)
    rows_done = models.PositiveIntegerField(_("rows checked"), default=0)
    imported = models.PositiveIntegerField(_("responses imported"), default=0)
    skipped = models.PositiveIntegerField(_("rows already imported"), default=0)
    # Every fault found: [{"row": 3, "column": "Q2", "value": "...", "reason": "..."}].
    problems = models.JSONField(default=list, blank=True)
    error = models.TextField(blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("response import")
        verbose_name_plural = _("response imports")
        permissions = [("import_submissions", "Can import responses in bulk")]

    def __str__(self) -> str:
        return f"{self.original_name} ({self.get_state_display()})"

    @property
    def is_running(self) -> bool:
        return self.state in (ImportState.CHECKING, ImportState.QUEUED, ImportState.IMPORTING)
