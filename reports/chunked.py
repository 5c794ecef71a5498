"""The chunked report job: plan chunks, summarise each apart (in parallel), merge, render.

Above ``settings.REPORT_CHUNKED_ABOVE`` counted submissions, ``reports.services.report_build``
hands the report here instead of summarising it in one pass. ``report_chunks_plan`` cuts the
counted submissions into id ranges of ``settings.REPORT_CHUNK_SIZE``; then either

* with a Celery result backend (``CELERY_RESULT_BACKEND``, e.g. Redis), a chord: one
  ``build_report_chunk`` task per chunk, on any number of workers on any number of machines, each
  storing its partial counts through Django's storage API (shared storage), and one
  ``merge_report_chunks`` task once they have all finished; or
* without one (the embedded default), the same steps one after the other in this process.

Either way the memory of any one process is bounded by the chunk size, not by the consultation's
size, and the merged summary equals the one-pass summary exactly (``reports.partials``).
Progress counts finished chunks (the partials stored): 0-60 %, then rendering takes the rest.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable
from dataclasses import asdict

from celery import chord
from django.conf import settings
from django.core.files.base import ContentFile
from django.utils import timezone, translation
from django.utils.translation import gettext, gettext_noop

from reports.models import Report, ReportFile, ReportStatus
from reports.partials import (
    ChunkSpec,
    PartialMerge,
    PartialMismatch,
    partial_compute,
    partial_dumps,
    partial_loads,
)
from reports.summary import AGGREGATE_DONE
from reports.summary_types import Summary
from surveys.models import Consultation
from surveys.selectors import report_chunk_plan, report_inputs, report_meta_and_themes

logger = logging.getLogger(__name__)

STEP_PLANNING = gettext_noop("Dividing the responses into chunks")
STEP_CHUNKS = gettext_noop("Summarising the responses in parallel chunks")
STEP_MERGING = gettext_noop("Merging the chunks")
CHANGED_WHILE_BUILDING = gettext_noop(
    "The responses changed while the report was being built (a response was added, withdrawn "
    "or reviewed). Try again to count them as they are now."
)
PLAN_PERCENT = 2


def report_is_chunked(*, count: int) -> bool:
    """Whether a report counting ``count`` submissions is built in chunks."""
    return count > settings.REPORT_CHUNKED_ABOVE


def chunks_fan_out() -> bool:
    """Whether chunks go to the workers as a chord (that needs a result backend)."""
    return bool(settings.CELERY_RESULT_BACKEND) and not settings.CELERY_TASK_ALWAYS_EAGER


def _storage():  # noqa: ANN202 - a Django Storage
    return ReportFile._meta.get_field("file").storage


def _partials_folder(report_id: int, attempt: int) -> str:
    return f"reports/partials/report-{report_id}/attempt-{attempt}"


def report_chunks_plan(*, report: Report, as_of: dt.datetime) -> tuple[dict, list[ChunkSpec]]:
    """The plan of a chunked build: its snapshot (as JSON-able data) and its chunks."""
    snapshot, chunks = report_chunk_plan(
        consultation=report.consultation, as_of=as_of, chunk_size=settings.REPORT_CHUNK_SIZE
    )
    plan = {
        "report_id": report.pk,
        "attempt": report.attempts,
        "as_of": as_of.isoformat(),
        "count": snapshot.count,
        "sha256": snapshot.sha256,
        "excluded": dict(snapshot.excluded),
        "chunks": [asdict(chunk) for chunk in chunks],
    }
    return plan, chunks


def report_chunks_start(*, plan: dict) -> None:
    """Send the chord: one task per chunk, then the merge."""
    from reports import tasks

    header = [
        tasks.build_report_chunk.s(plan["report_id"], plan["attempt"], plan["as_of"], chunk)
        for chunk in plan["chunks"]
    ]
    chord(header)(tasks.merge_report_chunks.s(plan))
    logger.info("Report %s: %s chunks sent to the workers", plan["report_id"], len(header))


def report_chunk_build(*, report_id: int, attempt: int, as_of: str, chunk: dict) -> str | None:
    """Summarise one chunk; store its partial; return the partial's storage name.

    Returns None, having marked the report failed, when the report is gone, finished, or is being
    built by a later attempt: the merge then does nothing.
    """
    report = Report.objects.select_related("consultation").filter(pk=report_id).first()
    if report is None or report.status != ReportStatus.RUNNING or report.attempts != attempt:
        logger.info("Report %s attempt %s is no longer running; chunk skipped", report_id, attempt)
        return None
    spec = ChunkSpec(**chunk)
    inputs = report_inputs(
        consultation=report.consultation,
        as_of=dt.datetime.fromisoformat(as_of),
        id_range=(spec.first_id, spec.last_id),
    )
    partial = partial_compute(inputs)
    del inputs
    storage = _storage()
    folder = _partials_folder(report_id, attempt)
    name = storage.save(
        f"{folder}/chunk-{spec.index:06d}.json.gz", ContentFile(partial_dumps(partial))
    )
    _chunk_progress(report_id, attempt)
    return name


def _chunk_progress(report_id: int, attempt: int, total: int | None = None) -> None:
    """Raise the report's progress to the share of its chunks whose partials are stored."""
    report = Report.objects.filter(pk=report_id).only("pk", "snapshot_count").first()
    if report is None:
        return
    storage = _storage()
    folder = _partials_folder(report_id, attempt)
    try:
        done = sum(name.endswith(".json.gz") for name in storage.listdir(folder)[1])
    except FileNotFoundError:
        done = 0
    total = total or _planned_chunks(report_id, attempt)
    percent = PLAN_PERCENT + (AGGREGATE_DONE - PLAN_PERCENT) * done // max(total, 1)
    # Only forwards, and never over a later step's name (another chunk may have written more).
    Report.objects.filter(
        pk=report_id, status=ReportStatus.RUNNING, attempts=attempt, progress__lte=percent
    ).update(progress=percent, step=STEP_CHUNKS)


def _planned_chunks(report_id: int, attempt: int) -> int:
    name = f"{_partials_folder(report_id, attempt)}/plan.txt"
    storage = _storage()
    if not storage.exists(name):
        return 1
    with storage.open(name, "rb") as handle:
        return int(handle.read().decode() or 1)


def plan_record(*, plan: dict) -> None:
    """Store how many chunks the plan has, for the chunk tasks' progress."""
    storage = _storage()
    name = f"{_partials_folder(plan['report_id'], plan['attempt'])}/plan.txt"
    if storage.exists(name):
        storage.delete(name)
    storage.save(name, ContentFile(str(len(plan["chunks"])).encode()))


def partials_names(*, plan: dict) -> list[str]:
    folder = _partials_folder(plan["report_id"], plan["attempt"])
    return [f"{folder}/chunk-{chunk['index']:06d}.json.gz" for chunk in plan["chunks"]]


def report_chunks_merge(
    *,
    plan: dict,
    names: list[str | None],
    on_progress: Callable[[int, str], None] | None = None,
) -> Summary:
    """Add up the stored partials in ``names`` (checked against the plan) into the summary."""
    report = Report.objects.select_related("consultation").get(pk=plan["report_id"])
    meta, themes = report_meta_and_themes(consultation=report.consultation)
    merge = PartialMerge(meta=meta, themes=themes)
    storage = _storage()
    for name, chunk in zip(names, plan["chunks"], strict=True):
        if on_progress is not None:
            on_progress(AGGREGATE_DONE, STEP_MERGING)
        with storage.open(name, "rb") as handle:
            merge.add(partial_loads(handle.read()), expected=ChunkSpec(**chunk))
    from reports.inputs import Snapshot

    snapshot = Snapshot(
        count=plan["count"],
        sha256=plan["sha256"],
        as_of=dt.datetime.fromisoformat(plan["as_of"]),
        excluded=plan["excluded"],
    )
    return merge.summary(snapshot=snapshot, generated_at=timezone.now())


def partials_delete(*, plan: dict) -> None:
    storage = _storage()
    folder = _partials_folder(plan["report_id"], plan["attempt"])
    try:
        files = storage.listdir(folder)[1]
    except FileNotFoundError:
        return
    for name in files:
        storage.delete(f"{folder}/{name}")


def summary_chunked_inline(
    *, report: Report, plan: dict, chunks: list[ChunkSpec], on_progress: Callable[[int, str], None]
) -> Summary:
    """The chunked summary computed chunk after chunk in this process (no result backend)."""
    consultation: Consultation = report.consultation
    as_of = dt.datetime.fromisoformat(plan["as_of"])
    meta, themes = report_meta_and_themes(consultation=consultation)
    merge = PartialMerge(meta=meta, themes=themes)
    for done, chunk in enumerate(chunks, start=1):
        inputs = report_inputs(
            consultation=consultation, as_of=as_of, id_range=(chunk.first_id, chunk.last_id)
        )
        partial = partial_compute(inputs)
        del inputs
        merge.add(partial, expected=chunk)
        del partial
        on_progress(
            PLAN_PERCENT + (AGGREGATE_DONE - PLAN_PERCENT) * done // max(len(chunks), 1),
            STEP_CHUNKS,
        )
    from reports.inputs import Snapshot

    snapshot = Snapshot(
        count=plan["count"], sha256=plan["sha256"], as_of=as_of, excluded=plan["excluded"]
    )
    with translation.override(report.language):
        return merge.summary(snapshot=snapshot, generated_at=timezone.now())


def changed_message() -> str:
    return gettext(CHANGED_WHILE_BUILDING)


__all__ = [
    "PartialMismatch",
    "chunks_fan_out",
    "partials_delete",
    "partials_names",
    "plan_record",
    "report_chunk_build",
    "report_chunks_merge",
    "report_chunks_plan",
    "report_chunks_start",
    "report_is_chunked",
    "summary_chunked_inline",
]
