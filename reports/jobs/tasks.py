"""Celery tasks for summary reports. Thin: take an id, call a service, own retries and limits.

``build_report`` must not be lost when a worker dies (``acks_late`` with
``reject_on_worker_lost``: the message goes back to the queue and the report is restarted on the
same row). It retries with exponential backoff only when the database or the broker was briefly
unreachable; every other error is recorded on the report by the service and not retried.
"""

from __future__ import annotations

import time
from typing import TYPE_CHECKING, Any, cast

from celery import shared_task
from django.conf import settings

from reports.jobs import dispatch, services, watchdog
from reports.jobs.errors import TRANSIENT_ERRORS

if TYPE_CHECKING:
    from celery import Task

# Work that must not be lost: acknowledged only when done, requeued if its worker dies, retried
# with backoff only on transient database and broker errors, within soft and hard time limits.
RELIABLE_JOB = {
    "bind": True,
    "acks_late": True,
    "reject_on_worker_lost": True,
    "autoretry_for": TRANSIENT_ERRORS,
    "retry_backoff": 5,
    "retry_backoff_max": 300,
    "retry_jitter": True,
    "max_retries": 5,
    "soft_time_limit": settings.CELERY_TASK_SOFT_TIME_LIMIT,
    "time_limit": settings.CELERY_TASK_TIME_LIMIT,
}


@shared_task(
    **RELIABLE_JOB,
    name=dispatch.BUILD_REPORT,
    ignore_result=True,
)
def build_report(self: Task[Any, Any], report_id: int) -> None:
    """Build report ``report_id``; delivered twice, it finishes the same report once."""
    # The limits travel with the message (the sender's); the task's own are the fallback.
    _, soft_limit = self.request.timelimit or (None, None)
    soft_limit = soft_limit or self.soft_time_limit
    services.report_build(
        report_id=int(report_id),
        will_retry=self.request.retries < cast(int, self.max_retries),  # RELIABLE_JOB's
        deadline=time.monotonic() + soft_limit if soft_limit else None,
    )


@shared_task(name=dispatch.REBUILD_OPEN_REPORTS, ignore_result=True)
def rebuild_open_reports() -> int:
    """Nightly: request a fresh report in each language for every open consultation."""
    return len(services.reports_rebuild_open())


@shared_task(name=dispatch.WATCH_REPORTS, ignore_result=True)
def watch_reports() -> int:
    """Every REPORT_WATCHDOG_SECONDS: requeue or fail the reports whose build stopped beating."""
    result = watchdog.reports_watch()
    return result.requeued + result.failed


@shared_task(name=dispatch.FAIL_STALE_REPORTS, ignore_result=True)
def fail_stale_reports() -> int:
    """The watchdog under its old name, for messages a beat sent before the upgrade."""
    return watch_reports()


@shared_task(
    **RELIABLE_JOB,
    name=dispatch.BUILD_REPORT_CHUNK,
    ignore_result=False,  # the chord collects each chunk's partial (its storage name)
)
def build_report_chunk(
    self: Task[Any, Any], report_id: int, attempt: int, as_of: str, chunk: dict[str, Any]
) -> str | None:
    """One chunk of a chunked report: summarise it, store the partial, return its name."""
    return services.report_chunk_summarise(
        report_id=int(report_id),
        attempt=int(attempt),
        as_of=str(as_of),
        chunk=dict(chunk),
        will_retry=self.request.retries < cast(int, self.max_retries),  # RELIABLE_JOB's
    )


@shared_task(
    **RELIABLE_JOB,
    name=dispatch.MERGE_REPORT_CHUNKS,
    ignore_result=True,
)
def merge_report_chunks(
    self: Task[Any, Any], names: list[str | None], plan: dict[str, Any]
) -> None:
    """The chord's body: merge the chunks' partials, render and store the report."""
    _, soft_limit = self.request.timelimit or (None, None)
    soft_limit = soft_limit or self.soft_time_limit
    services.report_merge(
        plan=plan,
        names=list(names),
        will_retry=self.request.retries < cast(int, self.max_retries),  # RELIABLE_JOB's
        deadline=time.monotonic() + soft_limit if soft_limit else None,
    )
