"""The report watchdog: no report stays "running" after its build stopped.

Celery beat runs ``reports_watch`` every REPORT_WATCHDOG_SECONDS. A running report whose
heartbeat is older than REPORT_HEARTBEAT_STALE_SECONDS has no live build: its worker was killed
(at the hard time limit, by the OOM killer, with its machine). The watchdog then

* fails it, saying so, when it ran past the hard time limit (another try would stop the same way);
* fails it, saying so, when it has already been tried REPORT_MAX_ATTEMPTS times;
* otherwise queues it again on the same row, with the reason, for the next worker.

A chunked report whose chunks or merge wait in the queue has no process beating for it: its
heartbeat is a hand-off's grace, REPORT_QUEUE_GRACE_SECONDS ahead. While one does, the watchdog
pings the workers (``reports.jobs.liveness``); when none has answered for
REPORT_NO_WORKER_SECONDS, the grace is void and such a report is requeued (or failed after
REPORT_MAX_ATTEMPTS) as above, saying that no worker answered. Its old chunks, should a worker
run them later, find the report no longer running their attempt and do nothing.

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

from reports.jobs import liveness, scratch, services
from reports.jobs.heartbeat import (
    handed_off_at,
    heartbeat_in_grace,
    in_queue_grace,
    stale_before,
)
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
NO_WORKER_REQUEUED = gettext_noop(
    "No worker answered while this report's work waited in the queue (every report worker "
    "seems to have stopped), so the report was queued again and will be built from the start."
)
NO_WORKER_FAILED = gettext_noop(
    "Stopped: no worker answered while this report's work waited in the queue, on every attempt "
    "allowed. Try again; if it stops again, ask the platform team to check the report workers."
)


@dataclass(frozen=True)
class WatchResult:
    requeued: int = 0
    failed: int = 0
    leftovers: int = 0


def reports_watch(
    *, now: dt.datetime | None = None, silence: liveness.WorkerSilence | None = None
) -> WatchResult:
    """Requeue or fail the reports no build is working on any more; delete their leftovers.

    ``silence`` keeps the workers' silence from one run to the next (beat's, by default).
    """
    now = now or timezone.now()
    requeued = failed = 0
    hard_limit = now - dt.timedelta(seconds=settings.CELERY_TASK_TIME_LIMIT)
    lost = (
        Q(heartbeat_at__lt=stale_before(now))
        # Rows claimed before heartbeats existed.
        | Q(heartbeat_at__isnull=True, started_at__lt=stale_before(now))
        | Q(heartbeat_at__isnull=True, started_at__isnull=True)
    )
    # Asked before the rows are locked: a ping may take REPORT_WORKER_PING_SECONDS.
    if _no_worker_answers(now, liveness.SILENCE if silence is None else silence):
        lost |= in_queue_grace(now)
    with transaction.atomic():
        stale = (
            Report.objects.select_for_update(skip_locked=True)
            .filter(status=ReportStatus.RUNNING)
            .filter(lost)
            .order_by("pk")
        )
        for report in stale:
            if heartbeat_in_grace(report, now=now):
                # Its work waits in the queue and no worker answers: the time limit of a task
                # that ran is not what stopped it.
                heard_at = handed_off_at(report, now=now)
                if report.attempts >= settings.REPORT_MAX_ATTEMPTS:
                    _fail(report, NO_WORKER_FAILED, now, heard_at=heard_at)
                    failed += 1
                else:
                    _requeue(report, now, reason=NO_WORKER_REQUEUED, heard_at=heard_at)
                    requeued += 1
            elif report.started_at is not None and report.started_at < hard_limit:
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


def _no_worker_answers(now: dt.datetime, silence: liveness.WorkerSilence) -> bool:
    """Whether a report waits in a queue grace and no worker has answered the watchdog's pings
    for REPORT_NO_WORKER_SECONDS. Pings only while a report waits so: one per run."""
    if not Report.objects.filter(in_queue_grace(now)).exists():
        silence.forget()
        return False
    silent_for = silence.ping(now=now)
    if silent_for is None:
        return False
    if silent_for.total_seconds() < settings.REPORT_NO_WORKER_SECONDS:
        logger.warning(
            "No report worker answered the watchdog's ping (silent for %.0f s); a report waiting "
            "in the queue is requeued if none answers for %.0f s",
            silent_for.total_seconds(),
            settings.REPORT_NO_WORKER_SECONDS,
        )
        return False
    logger.warning(
        "No report worker has answered for %.0f s: the reports waiting in the queue lose the "
        "grace of their hand-off",
        silent_for.total_seconds(),
    )
    return True


def _requeue(
    report: Report,
    now: dt.datetime,
    *,
    reason: str = WORKER_LOST_REQUEUED,
    heard_at: dt.datetime | None = None,
) -> None:
    # The attempt is not moved on here: the next claim does that. Until then the row is queued,
    # and a stale build's writes (fenced on "running this attempt") are refused already.
    heard_at = heard_at or report.heartbeat_at
    logger.warning(
        "Report %s attempt %s: no heartbeat since %s; queued again",
        report.pk,
        report.attempts,
        heard_at,
    )
    Report.objects.filter(pk=report.pk).update(
        status=ReportStatus.QUEUED,
        progress=0,
        step="",
        error=reason,
        queued_at=now,
        finished_at=None,
        # Shown beside the reason as the last time its worker was heard from.
        heartbeat_at=heard_at,
    )
    services.report_enqueue(report_id=report.pk)


def _fail(
    report: Report, reason: str, now: dt.datetime, *, heard_at: dt.datetime | None = None
) -> None:
    heard_at = heard_at or report.heartbeat_at
    logger.warning(
        "Report %s attempt %s: no heartbeat since %s; failed",
        report.pk,
        report.attempts,
        heard_at,
    )
    Report.objects.filter(pk=report.pk).update(
        status=ReportStatus.FAILED, error=reason, finished_at=now, heartbeat_at=heard_at
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
