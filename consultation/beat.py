"""Celery beat's scheduler, able to run a due task in the beat process itself.

An entry of ``CELERY_BEAT_SCHEDULE`` whose options hold ``"in_beat": True`` is not sent to the
workers: beat runs it locally (``Task.apply``). That is for the report watchdog, whose job is to
notice lost workers: sent to the workers, it would wait behind the very builds it watches, or
for ever when every worker is gone. Beat is a single process (README: run exactly one), so the
watchdog runs once per period, whatever the workers are doing.
"""

from __future__ import annotations

import logging
from typing import Any

from celery.beat import PersistentScheduler, ScheduleEntry
from django.db import close_old_connections

logger = logging.getLogger(__name__)

IN_BEAT = "in_beat"


class Scheduler(PersistentScheduler):
    def apply_entry(self, entry: ScheduleEntry, producer: Any = None) -> None:
        if not entry.task or not (entry.options or {}).get(IN_BEAT):
            super().apply_entry(entry, producer=producer)
            return
        logger.info("Scheduler: running due task %s (%s) in beat", entry.name, entry.task)
        # Beat keeps its database connection between runs: drop it if the database went away.
        close_old_connections()
        try:
            self.app.tasks[entry.task].apply(args=entry.args, kwargs=entry.kwargs, throw=True)
        except Exception:
            logger.exception("Beat's run of %s failed; the next period tries again", entry.name)
        finally:
            close_old_connections()
