"""Staff review records: themes, the review audit trail, the personal-data audit trail."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from surveys.choices import PrivacyActionKind
from surveys.models.base import Bilingual
from surveys.models.consultations import Consultation


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


class ReviewEvent(models.Model):
    """Audit trail of staff changes to a submission: who, when, from, to and why."""

    submission = models.ForeignKey(
        "surveys.Submission", on_delete=models.CASCADE, related_name="review_events"
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
