"""Campaign detection as a background job (``surveys.tasks.detect_campaigns``): start one per
consultation at a time, run it with its progress recorded on the job row, record the result or
a clear reason for the failure. The admin page polls the row."""

from __future__ import annotations

import datetime as dt
import logging
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from surveys.models import CampaignDetectionJob, Consultation, DetectionState
from surveys.models.campaign_jobs import ACTIVE_STATES
from surveys.review.campaigns import campaign_detect
from textkit.minhash import LOWEST_THRESHOLD

if TYPE_CHECKING:
    from django.contrib.auth.models import User

logger = logging.getLogger(__name__)


class DetectionRefused(Exception):
    """The job cannot start; ``message`` says why, for staff."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def _update(job: CampaignDetectionJob, **values: Any) -> None:
    for key, value in values.items():
        setattr(job, key, value)
    CampaignDetectionJob.objects.filter(pk=job.pk).update(**values)


def _abandoned_close(consultation: Consultation) -> None:
    """A job still marked active long after the task's hard time limit lost its worker: mark it
    failed so that detection can be asked for again."""
    limit = timezone.now() - dt.timedelta(seconds=settings.CELERY_TASK_TIME_LIMIT + 300)
    CampaignDetectionJob.objects.filter(
        consultation=consultation, state__in=ACTIVE_STATES, created_at__lt=limit
    ).update(
        state=DetectionState.FAILED,
        error=_("The detection stopped without finishing; start it again."),
        finished_at=timezone.now(),
    )


def campaign_job_start(
    *, consultation: Consultation, threshold: float, user: User | None
) -> CampaignDetectionJob:
    """Record a queued detection of ``consultation``; refused while another one is queued or
    running for it (the admin queues the task once this commits)."""
    if not LOWEST_THRESHOLD <= threshold <= 1:
        raise ValidationError(
            _("The similarity threshold must be between %(lowest)s and 1.")
            % {"lowest": LOWEST_THRESHOLD}
        )
    _abandoned_close(consultation)
    try:
        with transaction.atomic():
            return CampaignDetectionJob.objects.create(
                consultation=consultation, threshold=threshold, requested_by=user
            )
    except IntegrityError:
        raise DetectionRefused(
            _("Campaign detection is already queued or running for this consultation.")
        ) from None


def campaign_job_unqueued(*, job: CampaignDetectionJob) -> None:
    """The task could not be queued (the broker is down): say so on the job."""
    _update(
        job,
        state=DetectionState.FAILED,
        error=_("The background job service is unavailable just now; try again later."),
        finished_at=timezone.now(),
    )


def campaign_job_run(*, job: CampaignDetectionJob) -> CampaignDetectionJob:
    """Run the detection of a queued job (again, when a lost worker's task is delivered anew),
    recording its progress; a finished job is left as it is."""
    if job.state not in ACTIVE_STATES:
        return job
    _update(job, state=DetectionState.RUNNING, stage="read", done=0, total=0, error="")

    def progress(stage: str, done: int, total: int) -> None:
        _update(job, stage=stage, done=done, total=total)

    try:
        result = campaign_detect(
            consultation=job.consultation,
            threshold=job.threshold,
            actor=job.requested_by,
            progress=progress,
        )
    except Exception:
        logger.exception("campaign detection %s failed", job.pk)
        _update(
            job,
            state=DetectionState.FAILED,
            error=_("The detection failed; nothing was changed. Try again, or ask support."),
            finished_at=timezone.now(),
        )
        return job
    _update(
        job,
        state=DetectionState.DONE,
        submissions=result.submissions,
        groups=result.groups,
        grouped=result.grouped,
        kept=result.kept,
        removed=result.removed,
        seconds=result.seconds,
        finished_at=timezone.now(),
    )
    return job
