"""The report watchdog: no report stays "running" after its build stopped.

Celery beat runs ``reports_watch`` every REPORT_WATCHDOG_SECONDS. A running report whose
heartbeat is older than REPORT_HEARTBEAT_STALE_SECONDS has no live build: its worker was killed
(at the hard time limit, by the OOM killer, with its machine). The watchdog then

* fails it, saying so, when it ran past the hard time limit (another try would stop the same way);
* fails it, saying so, when it has already been tried REPORT_MAX_ATTEMPTS times;
* otherwise queues it again on the same row, with the reason, for the next worker.

A queued report whose message the broker lost is failed after the visibility timeout and an hour.
Either way the row says why, for staff to read, and they can try again. The folders killed builds
left behind are deleted (``reports.jobs.scratch``). Rows are taken with ``skip_locked``: a row
locked by a build storing its files is busy, not dead, and two watchdogs never handle one row.
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_noop

from reports.jobs import scratch, services
from reports.jobs.heartbeat import stale_before
from reports.models import Report, ReportStatus

logger = logging.getLogger(__name__)

# Stored untranslated; the pages translate them in the reader's language, beside the time of the
# last heartbeat (``Report.heartbeat_at``).
WORKER_LOST_REQUEUED = gettext_noop(
    "The worker building this report stopped (its heartbeat stopped), so the report was queued "
    "again and will be built from the start."
)
WORKER_LOST_FAILED = gettext_noop(
    "Stopped: the worker building this report stopped (its heartbeat stopped) on every attempt "
    "allowed. Try again; if it stops again, ask the platform team to check the report workers."
)
JOB_LOST = gettext_noop("No worker picked up this report; its job was lost.")


@dataclass(frozen=True)
class WatchResult:
    requeued: int = 0
    failed: int = 0
    leftovers: int = 0


def reports_watch(*, now: dt.datetime | None = None) -> WatchResult:
    """Requeue or fail the reports no build is working on any more; delete their leftovers."""
    now = now or timezone.now()
    requeued = failed = 0
    hard_limit = now - dt.timedelta(seconds=settings.CELERY_TASK_TIME_LIMIT)
    with transaction.atomic():
        stale = (
            Report.objects.select_for_update(skip_locked=True)
            .filter(status=ReportStatus.RUNNING)
            .filter(
                Q(heartbeat_at__lt=stale_before(now))
                # Rows claimed before heartbeats existed.
                | Q(heartbeat_at__isnull=True, started_at__lt=stale_before(now))
                | Q(heartbeat_at__isnull=True, started_at__isnull=True)
            )
            .order_by("pk")
        )
        for report in stale:
            if report.started_at is not None and report.started_at < hard_limit:
                _fail(report, services.STOPPED_AT_TIME_LIMIT, now)
                failed += 1
            elif report.attempts >= settings.REPORT_MAX_ATTEMPTS:
                _fail(report, WORKER_LOST_FAILED, now)
                failed += 1
            else:
                _requeue(report, now)
                requeued += 1
        failed += _fail_lost_queued(now)
    leftovers = scratch.leftovers_sweep()
    return WatchResult(requeued=requeued, failed=failed, leftovers=leftovers)


def _requeue(report: Report, now: dt.datetime) -> None:
    # The attempt is not moved on here: the next claim does that. Until then the row is queued,
    # and a stale build's writes (fenced on "running this attempt") are refused already.
    logger.warning(
        "Report %s attempt %s: no heartbeat since %s; queued again",
        report.pk,
        report.attempts,
        report.heartbeat_at,
    )
    Report.objects.filter(pk=report.pk).update(
        status=ReportStatus.QUEUED,
        progress=0,
        step="",
        error=WORKER_LOST_REQUEUED,
        queued_at=now,
        finished_at=None,
    )
    services.report_enqueue(report_id=report.pk)


def _fail(report: Report, reason: str, now: dt.datetime) -> None:
    logger.warning(
        "Report %s attempt %s: no heartbeat since %s; failed",
        report.pk,
        report.attempts,
        report.heartbeat_at,
    )
    Report.objects.filter(pk=report.pk).update(
        status=ReportStatus.FAILED, error=reason, finished_at=now
    )


def _fail_lost_queued(now: dt.datetime) -> int:
    visibility = settings.CELERY_BROKER_TRANSPORT_OPTIONS.get("visibility_timeout", 3600)
    cutoff = now - dt.timedelta(seconds=visibility + 3600)
    lost = Report.objects.filter(status=ReportStatus.QUEUED, queued_at__lt=cutoff).update(
        status=ReportStatus.FAILED, finished_at=now, error=JOB_LOST
    )
    if lost:
        logger.warning("Marked %s reports failed: their queued job was lost", lost)
    return lost
