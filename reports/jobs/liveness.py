"""Is any report worker alive? The watchdog asks the workers themselves (Celery's ping).

The chunks or the merge of a chunked report wait in the queue with no process beating for the
report: its heartbeat is moved REPORT_QUEUE_GRACE_SECONDS (600 s) ahead (``report_hand_off``),
so that a busy queue is not taken for a lost worker. That grace must not hide every worker being
lost: while some report waits in it, the watchdog (in beat) pings the workers over the broker,
once per run, and when none has answered for REPORT_NO_WORKER_SECONDS it voids the grace
(``reports.jobs.watchdog``).

A ping has three outcomes: a worker answered; none did; or nobody can tell (the broker cannot be
reached, or its transport has no broadcast for the workers to hear the question on). Only "none
did" counts towards voiding a grace; the other two keep the grace, as before the ping existed.
The ping returns at the first answer, so asking costs a round trip to the broker, not the
timeout, while a worker is alive.
"""

from __future__ import annotations

import datetime as dt
import logging

from celery import current_app
from django.conf import settings

logger = logging.getLogger(__name__)


class WorkerSilence:
    """How long no worker has answered the watchdog's pings, over its consecutive runs.

    Beat keeps one (``SILENCE``): the watchdog runs in beat's process, one run at a time. A run
    that does not ask (no report waits in a grace) forgets the silence: only pings in a row count.
    """

    def __init__(self) -> None:
        self.since: dt.datetime | None = None
        self._said_no_broadcast = False

    def forget(self) -> None:
        self.since = None

    def ping(self, *, now: dt.datetime) -> dt.timedelta | None:
        """Ask the workers once. How long none has answered (zero at the first silent ping);
        None when one answered or nobody can tell."""
        if self._ask() is not False:
            self.since = None
            return None
        if self.since is None:
            self.since = now
        return now - self.since

    def _ask(self) -> bool | None:
        timeout = settings.REPORT_WORKER_PING_SECONDS
        if timeout <= 0:
            return None
        app = current_app
        try:
            with app.connection_for_write() as connection:
                if not connection.supports_exchange_type("fanout"):
                    if not self._said_no_broadcast:
                        logger.warning(
                            "The broker's transport (%s) has no broadcast: the report watchdog "
                            "cannot ask whether any worker is alive, and a chunked report "
                            "waiting in the queue keeps its grace of %s s",
                            connection.transport_cls,
                            settings.REPORT_QUEUE_GRACE_SECONDS,
                        )
                        self._said_no_broadcast = True
                    return None
                # One quick try: while the broker is down, the other runs of the watchdog (and
                # the rest of beat) must not wait for the pool's retries (6 s measured).
                connection.ensure_connection(max_retries=1, interval_start=0, timeout=timeout)
                replies = app.control.ping(timeout=timeout, limit=1, connection=connection)
        except Exception as exc:
            # Whatever stops the question (Redis down, a broker error), the watchdog's other work
            # goes on and the grace holds: not knowing is not a silence.
            logger.warning("Could not ask the report workers whether they are alive: %s", exc)
            return None
        return bool(replies)


SILENCE = WorkerSilence()
