"""Celery tasks of the surveys app. Thin: take an id, call a service."""

from __future__ import annotations

from celery import shared_task
from django.conf import settings
from django.utils import translation

from surveys.imports import services
from surveys.models import CampaignDetectionJob, ImportState, SubmissionImport
from surveys.review.campaign_jobs import campaign_job_run

IMPORT_RESPONSES = "surveys.import_responses"
DETECT_CAMPAIGNS = "surveys.detect_campaigns"


@shared_task(
    name=IMPORT_RESPONSES,
    ignore_result=True,
    acks_late=True,
    reject_on_worker_lost=True,
    soft_time_limit=settings.CELERY_TASK_SOFT_TIME_LIMIT,
    time_limit=settings.CELERY_TASK_TIME_LIMIT,
)
def import_responses(job_id: int, language: str = "en") -> None:
    """Check (a dry run) or import the upload ``job_id``, as its state asks, writing the faults'
    reasons in ``language`` (the staff member's). Delivered twice, an import adds its rows once:
    its transaction is all or nothing, and rows already imported are skipped by their key."""
    with translation.override(language):
        _import_responses(job_id)


def _import_responses(job_id: int) -> None:
    job = SubmissionImport.objects.select_related("consultation").filter(pk=job_id).first()
    if job is None:
        return
    if job.state == ImportState.CHECKING:
        services.submission_import_check(job=job)
    elif job.state in (ImportState.QUEUED, ImportState.IMPORTING):
        services.submission_import_run(job=job)


@shared_task(
    name=DETECT_CAMPAIGNS,
    ignore_result=True,
    acks_late=True,
    reject_on_worker_lost=True,
    soft_time_limit=settings.CELERY_TASK_SOFT_TIME_LIMIT,
    time_limit=settings.CELERY_TASK_TIME_LIMIT,
)
def detect_campaigns(job_id: int, language: str = "en") -> None:
    """Run the campaign detection ``job_id`` (``surveys.review.campaign_jobs``), its audit
    notes in ``language``. Delivered again after a lost worker, it runs again: detection
    recomputes the groups from the texts, so a second run gives the same groups."""
    job = CampaignDetectionJob.objects.select_related("consultation", "requested_by").filter(
        pk=job_id
    )
    with translation.override(language):
        for found in job:
            campaign_job_run(job=found)
