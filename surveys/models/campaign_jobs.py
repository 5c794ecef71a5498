"""Campaign detection as a background job: the row the admin page polls for progress and result.

Detection over a large consultation takes a minute or more, so the admin queues it
(``surveys.tasks.detect_campaigns``) instead of running it inside a web request. At most one
job per consultation is queued or running at a time (a partial unique constraint).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from surveys.models.consultations import Consultation


class DetectionState(models.TextChoices):
    QUEUED = "queued", _("Waiting to start")
    RUNNING = "running", _("Detecting")
    DONE = "done", _("Done")
    FAILED = "failed", _("Failed")


ACTIVE_STATES = (DetectionState.QUEUED, DetectionState.RUNNING)


class CampaignDetectionJob(models.Model):
    consultation = models.ForeignKey(
        Consultation,
        on_delete=models.CASCADE,
        related_name="campaign_jobs",
        verbose_name=_("consultation"),
    )
    threshold = models.FloatField(_("similarity threshold"))
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("requested by"),
    )
    created_at = models.DateTimeField(_("requested at"), default=timezone.now)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)
    state = models.CharField(
        _("state"), max_length=10, choices=DetectionState.choices, default=DetectionState.QUEUED
    )
    # Progress: the stage ("read", "compare", "write"), and how far into it.
    stage = models.CharField(max_length=10, blank=True)
    done = models.PositiveIntegerField(default=0)
    total = models.PositiveIntegerField(default=0)
    # The result, once done.
    submissions = models.PositiveIntegerField(default=0)
    groups = models.PositiveIntegerField(default=0)
    grouped = models.PositiveIntegerField(default=0)
    kept = models.PositiveIntegerField(default=0)
    removed = models.PositiveIntegerField(default=0)
    seconds = models.FloatField(default=0)
    error = models.TextField(blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("campaign detection")
        verbose_name_plural = _("campaign detections")
        constraints = [
            models.UniqueConstraint(
                fields=["consultation"],
                condition=Q(state__in=["queued", "running"]),
                name="campaign_job_one_active",
            )
        ]

    def __str__(self) -> str:
        return f"{self.consultation_id} {self.get_state_display()}"

    @property
    def is_running(self) -> bool:
        return self.state in ACTIVE_STATES
