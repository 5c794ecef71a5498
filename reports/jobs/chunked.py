"""The chunked report job: plan chunks, summarise each apart (in parallel), merge, render.

Above ``settings.REPORT_CHUNKED_ABOVE`` counted submissions, ``reports.jobs.services.report_build``
hands the report here instead of summarising it in one pass. ``report_chunks_plan`` cuts the
counted submissions into id ranges of ``settings.REPORT_CHUNK_SIZE``; then either

* with a Celery result backend (``CELERY_RESULT_BACKEND``, e.g. Redis), a chord: one
  ``build_report_chunk`` task per chunk, on any number of workers on any number of machines, each
  storing its partial counts through Django's storage API (shared storage), and one
  ``merge_report_chunks`` task once they have all finished; or
* without one (the embedded default), the same steps one after the other in this process.

Either way the memory of any one process is bounded by the chunk size, not by the consultation's
size, and the merged summary equals the one-pass summary exactly (``reports.summary.partials``).
Progress counts finished chunks (the partials stored): 0-60 %, then rendering takes the rest.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable, Mapping
from dataclasses import asdict, dataclass, replace
from typing import Any

from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import Storage
from django.utils import timezone, translation
from django.utils.translation import gettext, gettext_noop

from reports import loading
from reports.jobs import dispatch, scratch
from reports.jobs.compute import AGGREGATE_DONE
from reports.models import Report, ReportFile, ReportStatus
from reports.summary.chunks import ChunkSpec
from reports.summary.inputs import Snapshot
from reports.summary.partials import (
    PartialMerge,
    partial_compute,
    partial_dumps,
    partial_loads,
)
from reports.summary.types import Summary

logger = logging.getLogger(__name__)

STEP_PLANNING = gettext_noop("Dividing the responses into chunks")
STEP_CHUNKS = gettext_noop("Summarising the responses in parallel chunks")
STEP_MERGING = gettext_noop("Merging the chunks")
CHANGED_WHILE_BUILDING = gettext_noop(
    "The responses changed while the report was being built (a response was added, withdrawn "
    "or reviewed). Try again to count them as they are now."
)
PLAN_PERCENT = 2


@dataclass(frozen=True)
class ChunkPlan:
    """One attempt at a chunked report: what it counts (``snapshot``) and its chunks.

    It travels to the merge task as JSON (``message``), in the shape it has always had, so a
    message queued before an upgrade is still understood.
    """

    report_id: int
    attempt: int
    snapshot: Snapshot  # its ``sha256`` (the fingerprint) is made by the merge
    chunks: tuple[ChunkSpec, ...]
    # The fingerprint's left-out section (None in a message from before the fingerprint).
    left_out_sha256: str | None = None

    @property
    def as_of(self) -> str:
        return self.snapshot.as_of.isoformat()

    @property
    def folder(self) -> str:
        """Where the chunks' partials are stored (Django's storage API)."""
        return _partials_folder(self.report_id, self.attempt)

    def message(self) -> dict[str, Any]:
        message = {
            "report_id": self.report_id,
            "attempt": self.attempt,
            "as_of": self.as_of,
            "count": self.snapshot.count,
            "sha256": self.snapshot.sha256,
            "excluded": dict(self.snapshot.excluded),
            "chunks": [asdict(chunk) for chunk in self.chunks],
            "left_out_sha256": self.left_out_sha256,
        }
        # Only when there are any: a plan without them keeps the shape merges were queued in.
        if self.snapshot.excluded_other_reasons:
            message["excluded_other_reasons"] = dict(self.snapshot.excluded_other_reasons)
        return message

    @classmethod
    def from_message(cls, data: Mapping[str, Any]) -> ChunkPlan:
        return cls(
            report_id=int(data["report_id"]),
            attempt=int(data["attempt"]),
            snapshot=Snapshot(
                count=int(data["count"]),
                sha256=str(data["sha256"]),
                as_of=dt.datetime.fromisoformat(data["as_of"]),
                excluded={str(k): int(n) for k, n in data["excluded"].items()},
                excluded_other_reasons={
                    str(k): int(n) for k, n in data.get("excluded_other_reasons", {}).items()
                },
            ),
            chunks=tuple(ChunkSpec(**chunk) for chunk in data["chunks"]),
            left_out_sha256=data.get("left_out_sha256"),
        )

    def snapshot_with(self, merge: PartialMerge) -> Snapshot:
        """The plan's snapshot with the fingerprint of the chunks ``merge`` added up."""
        return replace(self.snapshot, sha256=merge.fingerprint(left_out=self.left_out_sha256))


def report_is_chunked(*, count: int) -> bool:
    """Whether a report counting ``count`` submissions is built in chunks."""
    return count > settings.REPORT_CHUNKED_ABOVE


def chunks_fan_out() -> bool:
    """Whether chunks go to the workers as a chord (that needs a result backend)."""
    return bool(settings.CELERY_RESULT_BACKEND) and not settings.CELERY_TASK_ALWAYS_EAGER


def _storage() -> Storage:
    return ReportFile._meta.get_field("file").storage


def _partials_folder(report_id: int, attempt: int) -> str:
    return scratch.partials_folder(report_id, attempt)


def report_chunks_plan(*, report: Report, as_of: dt.datetime) -> ChunkPlan:
    """The plan of a chunked build of ``report``: its snapshot and its chunks."""
    snapshot, left_out, chunks = loading.report_chunk_plan(
        consultation=report.consultation, as_of=as_of, chunk_size=settings.REPORT_CHUNK_SIZE
    )
    return ChunkPlan(
        report_id=report.pk,
        attempt=report.attempts,
        snapshot=snapshot,
        chunks=tuple(chunks),
        left_out_sha256=left_out,
    )


def report_chunks_start(*, plan: ChunkPlan) -> None:
    """Record how many chunks there are (for progress), then send the chord."""
    storage = _storage()
    name = f"{plan.folder}/plan.txt"
    if storage.exists(name):
        storage.delete(name)
    storage.save(name, ContentFile(str(len(plan.chunks)).encode()))
    dispatch.chunks_send(
        report_id=plan.report_id,
        attempt=plan.attempt,
        as_of=plan.as_of,
        chunks=[asdict(chunk) for chunk in plan.chunks],
        plan=plan.message(),
    )
    logger.info("Report %s: %s chunks sent to the workers", plan.report_id, len(plan.chunks))


def report_chunk_build(*, report_id: int, attempt: int, as_of: str, chunk: ChunkSpec) -> str | None:
    """Summarise one chunk; store its partial; return the partial's storage name.

    Returns None when the report is gone, finished, or is being built by a later attempt: the
    merge then does nothing.
    """
    report = Report.objects.select_related("consultation").filter(pk=report_id).first()
    if report is None or report.status != ReportStatus.RUNNING or report.attempts != attempt:
        logger.info("Report %s attempt %s is no longer running; chunk skipped", report_id, attempt)
        return None
    inputs = loading.report_inputs(
        consultation=report.consultation,
        as_of=dt.datetime.fromisoformat(as_of),
        id_range=(chunk.first_id, chunk.last_id),
    )
    partial = partial_compute(inputs)
    del inputs
    name = _storage().save(
        f"{_partials_folder(report_id, attempt)}/chunk-{chunk.index:06d}.json.gz",
        ContentFile(partial_dumps(partial)),
    )
    _chunk_progress(report_id, attempt)
    return name


def _chunk_progress(report_id: int, attempt: int) -> None:
    """Raise the report's progress to the share of its chunks whose partials are stored."""
    storage = _storage()
    folder = _partials_folder(report_id, attempt)
    try:
        done = sum(name.endswith(".json.gz") for name in storage.listdir(folder)[1])
    except FileNotFoundError:
        done = 0
    total = _planned_chunks(folder)
    percent = PLAN_PERCENT + (AGGREGATE_DONE - PLAN_PERCENT) * done // max(total, 1)
    # Only forwards, and never over a later step's name (another chunk may have written more).
    Report.objects.filter(
        pk=report_id, status=ReportStatus.RUNNING, attempts=attempt, progress__lte=percent
    ).update(progress=percent, step=STEP_CHUNKS)


def _planned_chunks(folder: str) -> int:
    storage = _storage()
    name = f"{folder}/plan.txt"
    if not storage.exists(name):
        return 1
    with storage.open(name, "rb") as handle:
        return int(handle.read().decode() or 1)


def report_chunks_merge(
    *,
    plan: ChunkPlan,
    names: list[str],
    on_progress: Callable[[int, str], None] | None = None,
) -> Summary:
    """Add up the stored partials in ``names`` (checked against the plan) into the summary."""
    report = Report.objects.select_related("consultation").get(pk=plan.report_id)
    merge = _merge_for(report)
    storage = _storage()
    for name, chunk in zip(names, plan.chunks, strict=True):
        if on_progress is not None:
            on_progress(AGGREGATE_DONE, STEP_MERGING)
        with storage.open(name, "rb") as handle:
            merge.add(partial_loads(handle.read()), expected=chunk)
    return merge.summary(snapshot=plan.snapshot_with(merge), generated_at=timezone.now())


def partials_delete(*, plan: ChunkPlan) -> None:
    scratch.partials_delete(report_id=plan.report_id, attempt=plan.attempt)


def summary_chunked_inline(
    *, report: Report, plan: ChunkPlan, on_progress: Callable[[int, str], None]
) -> Summary:
    """The chunked summary computed chunk after chunk in this process (no result backend)."""
    merge = _merge_for(report)
    for done, chunk in enumerate(plan.chunks, start=1):
        inputs = loading.report_inputs(
            consultation=report.consultation,
            as_of=plan.snapshot.as_of,
            id_range=(chunk.first_id, chunk.last_id),
        )
        partial = partial_compute(inputs)
        del inputs
        merge.add(partial, expected=chunk)
        del partial
        on_progress(
            PLAN_PERCENT + (AGGREGATE_DONE - PLAN_PERCENT) * done // max(len(plan.chunks), 1),
            STEP_CHUNKS,
        )
    with translation.override(report.language):
        return merge.summary(snapshot=plan.snapshot_with(merge), generated_at=timezone.now())


def _merge_for(report: Report) -> PartialMerge:
    meta, themes = loading.report_meta_and_themes(consultation=report.consultation)
    return PartialMerge(meta=meta, themes=themes)


def changed_message() -> str:
    return gettext(CHANGED_WHILE_BUILDING)
