"""Sending the report jobs to the workers, by task name.

The services queue work through these functions and never import the task module, which imports
them: the job package has no import cycle. The names are the tasks' registered names (kept from
before the tasks moved, so messages already queued are still understood).
"""

from __future__ import annotations

from typing import Any

from celery import chord, signature

BUILD_REPORT = "reports.tasks.build_report"
BUILD_REPORT_CHUNK = "reports.tasks.build_report_chunk"
MERGE_REPORT_CHUNKS = "reports.tasks.merge_report_chunks"
REBUILD_OPEN_REPORTS = "reports.tasks.rebuild_open_reports"
WATCH_REPORTS = "reports.tasks.watch_reports"
# The half-hourly sweep the watchdog replaced; still registered for a beat not yet restarted.
FAIL_STALE_REPORTS = "reports.tasks.fail_stale_reports"


def build_send(report_id: int) -> None:
    """Queue the build of report ``report_id``."""
    signature(BUILD_REPORT, args=(report_id,)).delay()


def chunks_send(*, report_id: int, attempt: int, as_of: str, chunks: list[Any], plan: Any) -> None:
    """Send a chord: one task per chunk, then the merge of their partials."""
    header = [
        signature(BUILD_REPORT_CHUNK, args=(report_id, attempt, as_of, chunk)) for chunk in chunks
    ]
    chord(header)(signature(MERGE_REPORT_CHUNKS, args=(plan,)))
