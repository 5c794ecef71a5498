"""A running build's heartbeat, and the fence that keeps a stale build from writing.

Each build claims its report with an attempt number (``Report.attempts``, bumped by the claim).
That number is the build's fencing token: the heartbeat, the progress, a failure and the finish
are all written only where the row is still running *that* attempt. A build the watchdog gave up
on (its worker froze, then woke up) or a second delivery of its message therefore cannot touch
the attempt that replaced it; it learns so from its next write and stops (``ReportSuperseded``).

The heartbeat is a daemon thread of the building process: a long pandas step or a PDF being
typeset calls no progress for minutes, and a dead process must stop beating at once.
"""

from __future__ import annotations

import datetime as dt
import logging
import threading
from types import TracebackType

from django.conf import settings
from django.db import connection
from django.db.models import Q
from django.utils import timezone

from reports.jobs.errors import TRANSIENT_ERRORS
from reports.models import Report, ReportStatus

logger = logging.getLogger(__name__)


class ReportSuperseded(Exception):
    """This build no longer owns its report: another attempt replaced it, or it was stopped."""


def owned(*, report_id: int, attempt: int) -> Q:
    """The condition of every write of a build: its report is still running its attempt."""
    return Q(pk=report_id, status=ReportStatus.RUNNING, attempts=attempt)


def report_heartbeat(*, report_id: int, attempt: int) -> bool:
    """A beat: the attempt's process is alive now. False when another attempt or a finished
    state holds the row (the build must stop).

    A live beat replaces a hand-off's grace (below): while a chunk of a chunked report runs, the
    report is judged by that chunk's beats, so a chunk whose worker dies is noticed in time.
    """
    updated = Report.objects.filter(owned(report_id=report_id, attempt=attempt)).update(
        heartbeat_at=timezone.now()
    )
    if updated:
        return True
    # A row this connection cannot see at all (not committed yet) is not a verdict.
    mine = owned(report_id=report_id, attempt=attempt)
    return not Report.objects.filter(pk=report_id).exclude(mine).exists()


def report_hand_off(*, report_id: int, attempt: int) -> None:
    """The attempt's work now waits in the queue (the chunks of a chunked report, their merge):
    move the heartbeat REPORT_QUEUE_GRACE_SECONDS ahead, so that the wait does not look like a
    dead worker. Only forward: a chunk ending does not shorten the grace another one gave.
    """
    until = timezone.now() + dt.timedelta(seconds=settings.REPORT_QUEUE_GRACE_SECONDS)
    Report.objects.filter(owned(report_id=report_id, attempt=attempt)).filter(
        Q(heartbeat_at__isnull=True) | Q(heartbeat_at__lt=until)
    ).update(heartbeat_at=until)


def heartbeat_is_fresh(report: Report, *, now: dt.datetime | None = None) -> bool:
    """Whether a process still beats for ``report`` (the one rule the claim and watchdog share)."""
    if report.heartbeat_at is None:
        return False
    stale = dt.timedelta(seconds=settings.REPORT_HEARTBEAT_STALE_SECONDS)
    return report.heartbeat_at >= (now or timezone.now()) - stale


def stale_before(now: dt.datetime) -> dt.datetime:
    return now - dt.timedelta(seconds=settings.REPORT_HEARTBEAT_STALE_SECONDS)


def _grace_after(now: dt.datetime) -> dt.datetime:
    # A beat writes the present; a heartbeat further ahead than one beat interval (a margin for
    # the clocks of other machines) can only be a hand-off's grace.
    return now + dt.timedelta(seconds=settings.REPORT_HEARTBEAT_SECONDS)


def in_queue_grace(now: dt.datetime) -> Q:
    """Running reports whose work waits in the queue under a hand-off's grace: no process beats
    for them, and their heartbeat is not stale only because the grace moved it ahead."""
    return Q(status=ReportStatus.RUNNING, heartbeat_at__gt=_grace_after(now))


def heartbeat_in_grace(report: Report, *, now: dt.datetime) -> bool:
    """The same rule as ``in_queue_grace``, for a row already read."""
    return report.heartbeat_at is not None and report.heartbeat_at > _grace_after(now)


def handed_off_at(report: Report, *, now: dt.datetime) -> dt.datetime | None:
    """When the work of a report in a grace was handed to the queue: the last time a process
    was heard from for it (its heartbeat less the grace), never later than ``now``."""
    if report.heartbeat_at is None:
        return None
    grace = dt.timedelta(seconds=settings.REPORT_QUEUE_GRACE_SECONDS)
    return min(report.heartbeat_at - grace, now)


class Heartbeat:
    """``with Heartbeat(report_id=..., attempt=...):`` beats every REPORT_HEARTBEAT_SECONDS.

    The thread has its own database connection (Django's are per thread) and closes it when it
    stops. ``superseded`` turns true when a beat finds the attempt replaced; the build checks it
    at its next progress step. A beat that fails (database briefly unreachable) is tried again
    at the next one: the stale limit is several beats long.
    """

    def __init__(self, *, report_id: int, attempt: int, interval: float | None = None) -> None:
        self.report_id = report_id
        self.attempt = attempt
        self.interval = settings.REPORT_HEARTBEAT_SECONDS if interval is None else interval
        self.superseded = False
        self._stop = threading.Event()
        self._thread = threading.Thread(
            target=self._run, name=f"report-{report_id}-heartbeat", daemon=True
        )

    def __enter__(self) -> Heartbeat:
        self._thread.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.stop()

    def stop(self) -> None:
        """Stop beating (and wait for a beat under way), e.g. before handing off to the queue."""
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join(timeout=self.interval + 10)

    def check(self) -> None:
        if self.superseded:
            raise ReportSuperseded(self.report_id)

    def _run(self) -> None:
        try:
            # The first beat at once: a chunk started under a hand-off's grace is judged by its
            # own beats from its first second, so a worker killed early in it is noticed in time.
            while not self._stop.is_set():
                if not self._beat():
                    logger.warning(
                        "Report %s attempt %s was replaced or stopped; this build stops",
                        self.report_id,
                        self.attempt,
                    )
                    self.superseded = True
                    return
                self._stop.wait(self.interval)
        finally:
            connection.close()

    def _beat(self) -> bool:
        """One beat; False only when the attempt no longer owns its report."""
        try:
            return report_heartbeat(report_id=self.report_id, attempt=self.attempt)
        except TRANSIENT_ERRORS:
            logger.warning("Report %s: a heartbeat failed", self.report_id, exc_info=True)
            connection.close()
        except Exception:
            # Whatever it is, the thread must not die while the build lives: a build that stops
            # beating is requeued by the watchdog (and then fenced off).
            logger.exception("Report %s: a heartbeat failed", self.report_id)
        return True
