"""A running report's progress bar and step, written as the build goes, and its checkpoints."""

from __future__ import annotations

import time
from collections.abc import Callable

from reports.jobs.heartbeat import Heartbeat, ReportSuperseded
from reports.models import Report, ReportStatus

# At most this often a build writes its progress to the row (the page polls it every second).
PROGRESS_INTERVAL_SECONDS = 0.5


class ReportDeadlinePassed(Exception):
    """A build found itself past its deadline between two steps."""


class ProgressWriter:
    """Saves a running report's progress and step, at most every ``interval`` seconds.

    Writes with a queryset ``update`` of two columns, only while the row is running (``attempt``,
    when given: the build's fencing token), so it never overwrites what another process wrote to
    the row (a finished state, an error, a newer attempt). Every call is also a checkpoint: past
    ``deadline`` it raises ``ReportDeadlinePassed``; when the attempt was replaced (a write that
    found no row of its own, or the heartbeat's finding) it raises ``ReportSuperseded``.
    """

    def __init__(
        self,
        *,
        report_id: int,
        attempt: int | None = None,
        heartbeat: Heartbeat | None = None,
        interval: float = PROGRESS_INTERVAL_SECONDS,
        clock: Callable[[], float] = time.monotonic,
        deadline: float | None = None,
    ) -> None:
        self.report_id = report_id
        self.attempt = attempt
        self.heartbeat = heartbeat
        self.deadline = deadline
        self.interval = interval
        self.clock = clock
        self.percent = 0
        self._written_at: float | None = None

    def __call__(self, percent: int, step: str, *, force: bool = False) -> None:
        now = self.clock()
        if self.deadline is not None and now > self.deadline:
            raise ReportDeadlinePassed(step)
        if self.heartbeat is not None:
            self.heartbeat.check()
        # Never move backwards: a bar that jumps back looks broken.
        self.percent = max(self.percent, min(100, max(0, int(percent))))
        if not force and self._written_at is not None and now - self._written_at < self.interval:
            return
        rows = Report.objects.filter(pk=self.report_id, status=ReportStatus.RUNNING)
        if self.attempt is not None:
            rows = rows.filter(attempts=self.attempt)
        if not rows.update(progress=self.percent, step=str(step)[:100]) and self.attempt:
            raise ReportSuperseded(self.report_id)
        self._written_at = now
