"""The summary-report job: request a report, build it, retry it, and keep job rows honest.

A ``Report`` row is the job's record. ``report_request`` creates it and queues the Celery task
once the transaction commits; the worker calls ``report_build``, which aggregates, renders every
format and stores the files on the row. ``report_build`` is safe to run twice for the same row
(a redelivered message after a worker died, or a duplicate delivery): a succeeded report is left
alone, an unfinished one is restarted on the same row, and each format's file replaces the one an
earlier attempt stored, so there is never a second report or a second set of files.

It is never built twice at once: a build claims the row with a new attempt number and writes
only while the row still runs that attempt (``reports.jobs.heartbeat``), and a delivery that
finds the row running with a fresh heartbeat leaves it to the build that beats.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager, suppress
from functools import partial
from pathlib import Path
from typing import Any, cast

from celery.exceptions import SoftTimeLimitExceeded
from django.conf import settings
from django.contrib.auth.models import AnonymousUser, User
from django.core.files import File
from django.db import connection, transaction
from django.utils import timezone, translation
from django.utils.translation import gettext, gettext_noop
from kombu.exceptions import OperationalError as KombuOperationalError

from reports.jobs import chunked, dispatch, scratch
from reports.jobs.aside import PdfAside, pdf_aside
from reports.jobs.compute import summary_compute
from reports.jobs.errors import TRANSIENT_ERRORS
from reports.jobs.heartbeat import (
    Heartbeat,
    ReportSuperseded,
    heartbeat_is_fresh,
    owned,
    report_hand_off,
)
from reports.jobs.progress import ProgressWriter, ReportDeadlinePassed
from reports.loading import report_counted_count, report_register
from reports.models import Report, ReportFile, ReportFormat, ReportLanguage, ReportStatus
from reports.render import FORMATS, render
from reports.summary.chunks import ChunkSpec, PartialMismatch
from reports.summary.inputs import Snapshot
from reports.summary.register import RegisterRow, register_mismatch
from reports.summary.types import Summary
from surveys.models import Consultation

logger = logging.getLogger(__name__)

# Aggregation reports 0-60 %; rendering and storing the files take the rest.
RENDER_START_PERCENT = 60
STORE_PERCENT = 96
# Each format's share of the rendering span, after its usual share of the time: the PDF, with a
# chart per question, takes most of it (9 s of 9.5 s for 300 responses to 26 questions).
RENDER_WEIGHTS = {"json": 1, "csv": 1, "xlsx": 2, "pdf": 16}

# Step names are stored untranslated and translated when shown, in the reader's language.
STEP_STARTING = gettext_noop("Starting")
STEP_RENDERING = {
    "json": gettext_noop("Writing summary.json"),
    "csv": gettext_noop("Writing the CSV file"),
    "xlsx": gettext_noop("Writing the Excel workbook"),
    "pdf": gettext_noop("Typesetting the PDF"),
}
STEP_STORING = gettext_noop("Storing the files")
STEP_FINISHED = gettext_noop("Finished")
STEP_WAITING_TO_RETRY = gettext_noop("Waiting to retry after a temporary error")
STOPPED_AT_TIME_LIMIT = gettext_noop(
    "Stopped: building the report took longer than the time allowed for one report. "
    "Try again; if it stops again, ask the platform team to raise the limit."
)
# A chunk or the merge of a chunked report has always said it more briefly.
STOPPED_AT_TIME_LIMIT_CHUNKED = gettext_noop(
    "Stopped: building the report took longer than allowed."
)

EXTENSIONS = {fmt.value: fmt.value for fmt in ReportFormat}


class ReportError(Exception):
    """A report request that cannot be carried out; the message says why, for staff to read."""


def report_request(
    *,
    consultation: Consultation,
    language: str,
    requested_by: User | AnonymousUser | None,
    queue: bool = True,
) -> Report:
    """Create a queued report and, once the transaction commits, send its job to the workers.

    ``queue=False`` only creates the row (``build_report --sync`` builds it in-process).
    """
    if language not in ReportLanguage.values:
        raise ReportError(
            gettext("Unknown report language %(language)r: choose one of %(choices)s.")
            % {"language": language, "choices": ", ".join(ReportLanguage.values)}
        )
    user = requested_by if requested_by is not None and requested_by.is_authenticated else None
    report = Report.objects.create(
        consultation=consultation,
        language=language,
        requested_by=user,
        status=ReportStatus.QUEUED,
        queued_at=timezone.now(),
    )
    if queue:
        report_enqueue(report_id=report.pk)
    logger.info("Report %s requested for %s (%s)", report.pk, consultation.slug, language)
    return report


def report_retry(*, report: Report) -> Report:
    """Queue a new attempt of a failed report on the same row (the "Try again" button)."""
    updated = Report.objects.filter(pk=report.pk, status=ReportStatus.FAILED).update(
        status=ReportStatus.QUEUED,
        progress=0,
        step="",
        error="",
        queued_at=timezone.now(),
        started_at=None,
        finished_at=None,
    )
    if not updated:
        raise ReportError(gettext("Only a report that failed can be tried again."))
    report_enqueue(report_id=report.pk)
    report.refresh_from_db()
    return report


def report_build(
    *, report_id: int, will_retry: bool = False, deadline: float | None = None
) -> None:
    """Build report ``report_id``: aggregate, render every format, store the files.

    Does nothing if the report already succeeded or no longer exists. ``deadline`` (a
    ``time.monotonic()`` value) stops the build at the next step past it, as failed: Celery's soft
    time limit interrupts with an exception that library code may swallow, a deadline cannot be.
    On a transient error
    (database or broker unreachable) the error is re-raised for the caller to retry; the row waits
    as queued when ``will_retry`` says a retry will follow, and is marked failed otherwise. Any
    other error marks the report failed with a readable message and is not raised again: retrying
    a bug would only fail the same way.
    """
    report = _claim(report_id)
    if report is None:
        return
    attempt = report.attempts
    # What killed builds left here (and their shared partials) goes; that never stops a build.
    with suppress(*TRANSIENT_ERRORS, OSError):
        scratch.leftovers_sweep()
    with (
        Heartbeat(report_id=report.pk, attempt=attempt) as heartbeat,
        _failures(
            report_id, attempt=attempt, stage="build", will_retry=will_retry, wait_to_retry=True
        ),
    ):
        progress = ProgressWriter(
            report_id=report.pk, attempt=attempt, heartbeat=heartbeat, deadline=deadline
        )
        as_of = timezone.now()
        with translation.override(report.language):
            count = report_counted_count(consultation=report.consultation, as_of=as_of)
            if chunked.report_is_chunked(count=count):
                # Above REPORT_CHUNKED_ABOVE: chunks of REPORT_CHUNK_SIZE, summarised apart.
                progress(0, chunked.STEP_PLANNING, force=True)
                plan = chunked.report_chunks_plan(report=report, as_of=as_of)
                if chunked.chunks_fan_out():
                    heartbeat.stop()  # no beat of this process may cut the chunks' grace
                    report_hand_off(report_id=report.pk, attempt=attempt)
                    chunked.report_chunks_start(plan=plan)
                    return  # merge_report_chunks finishes the report
                summary = chunked.summary_chunked_inline(
                    report=report, plan=plan, on_progress=progress
                )
            else:
                summary = summary_compute(
                    consultation=report.consultation, as_of=as_of, on_progress=progress
                )
            _render_and_finish(report, summary, progress)


def report_merge(
    *,
    plan: Mapping[str, Any],
    names: list[str | None],
    will_retry: bool = False,
    deadline: float | None = None,
) -> None:
    """Finish a chunked report: merge the chunks' stored partials, render, store the files.

    ``plan`` is the chunk plan as the chord sent it (``ChunkPlan.message``). Does nothing when a
    chunk found the report no longer running (``names`` holds a None), or when a later attempt
    has restarted the report meanwhile. Errors are handled as in ``report_build``.
    """
    chunk_plan = chunked.ChunkPlan.from_message(plan)
    report_id = chunk_plan.report_id
    report = Report.objects.select_related("consultation").filter(pk=report_id).first()
    stored = [name for name in names if name is not None]
    if (
        report is None
        or report.status != ReportStatus.RUNNING
        or report.attempts != chunk_plan.attempt
        or len(stored) != len(names)
    ):
        logger.info("Report %s attempt %s: nothing to merge", report_id, chunk_plan.attempt)
        return
    attempt = chunk_plan.attempt
    with (
        Heartbeat(report_id=report_id, attempt=attempt) as heartbeat,
        _failures(
            report_id, attempt=attempt, stage="merge", will_retry=will_retry, plan=chunk_plan
        ),
    ):
        progress = ProgressWriter(
            report_id=report_id, attempt=attempt, heartbeat=heartbeat, deadline=deadline
        )
        with translation.override(report.language):
            summary = chunked.report_chunks_merge(
                plan=chunk_plan, names=stored, on_progress=progress
            )
            _render_and_finish(report, summary, progress)
        chunked.partials_delete(plan=chunk_plan)


def report_chunk_summarise(
    *,
    report_id: int,
    attempt: int,
    as_of: str,
    chunk: Mapping[str, Any],
    will_retry: bool = False,
) -> str | None:
    """Summarise one chunk of a chunked report (a chord's header task); the partial's name.

    A non-transient error marks the report failed and returns None, so the merge does nothing.
    The chunk beats while it runs; when it ends, the next chunk or the merge waits in the queue.
    """
    try:
        with (
            Heartbeat(report_id=report_id, attempt=attempt),
            _failures(report_id, attempt=attempt, stage="chunk", will_retry=will_retry),
        ):
            return chunked.report_chunk_build(
                report_id=report_id, attempt=attempt, as_of=as_of, chunk=ChunkSpec(**chunk)
            )
        return None
    finally:
        with suppress(*TRANSIENT_ERRORS):
            report_hand_off(report_id=report_id, attempt=attempt)


@contextmanager
def _failures(
    report_id: int,
    *,
    attempt: int,
    stage: str,
    will_retry: bool,
    wait_to_retry: bool = False,
    plan: chunked.ChunkPlan | None = None,
) -> Iterator[None]:
    """The one failure handler of the report tasks: what a failed build, chunk or merge leaves
    on the report row, and which errors reach Celery (to retry them).

    * the responses changed under a chunked build: failed, saying so (stored partials deleted);
    * the time limit passed: failed, saying so;
    * a transient error (database or broker unreachable): re-raised for Celery to retry. When
      no retry follows, the report is marked failed; with ``wait_to_retry`` (a whole build, not
      a chunk whose siblings still run) it waits as queued for the retry;
    * anything else: failed with the error, not raised again (retrying a bug fails the same way).

    Every mark is fenced by ``attempt``; a build whose attempt was replaced stops, writing
    nothing (``ReportSuperseded``).
    """
    try:
        yield
    except ReportSuperseded:
        logger.warning("Report %s attempt %s was replaced; it stops here", report_id, attempt)
    except PartialMismatch:
        logger.warning("Report %s: the responses changed while it was built", report_id)
        if plan is not None:
            chunked.partials_delete(plan=plan)
        _fail(report_id, attempt, chunked.changed_message())
    except (SoftTimeLimitExceeded, ReportDeadlinePassed):
        logger.error("Report %s stopped at its time limit (%s)", report_id, stage)
        stopped = STOPPED_AT_TIME_LIMIT if stage == "build" else STOPPED_AT_TIME_LIMIT_CHUNKED
        _fail(report_id, attempt, gettext(stopped))
    except TRANSIENT_ERRORS as exc:
        logger.warning("Report %s hit a temporary error (%s): %s", report_id, stage, exc)
        detail = gettext("A temporary error interrupted the build: %(error)s") % {
            "error": _describe(exc)
        }
        if will_retry and wait_to_retry:
            _mark_waiting(report_id, attempt, detail)
        elif not will_retry:
            _fail(report_id, attempt, detail)
        raise
    except Exception as exc:
        logger.exception("Report %s failed (%s)", report_id, stage)
        _fail(
            report_id,
            attempt,
            gettext("Building the report failed: %(error)s") % {"error": _describe(exc)},
        )


def reports_rebuild_open(*, now: dt.datetime | None = None) -> list[Report]:
    """Request a report in each language for every open consultation (the nightly rebuild).

    Consultations that closed in the last day are included, so that the night after closing
    produces a report counting every response received on time.
    """
    now = now or timezone.now()
    consultations = (
        Consultation.objects.published()
        .filter(opens_at__lte=now, closes_at__gt=now - dt.timedelta(days=1))
        .order_by("pk")
    )
    requested = []
    with transaction.atomic():
        for consultation in consultations:
            for language in ReportLanguage.values:
                requested.append(
                    report_request(consultation=consultation, language=language, requested_by=None)
                )
    return requested


def report_file_name(*, report: Report, fmt: str) -> str:
    """The name a downloaded file gets, e.g. ``va-otc-dealing-summary-zh-hant-20261124.pdf``."""
    moment = report.snapshot_as_of or report.queued_at
    day = timezone.localtime(moment).strftime("%Y%m%d")
    return f"{report.consultation.slug}-summary-{report.language}-{day}.{EXTENSIONS[fmt]}"


# Shown on the report page when its job could not be handed to the workers.
QUEUE_UNREACHABLE = gettext_noop(
    "Not started: the job queue could not be reached. Try again in a few minutes."
)


def report_enqueue(*, report_id: int) -> None:
    """Send the build of a queued report once the current transaction commits."""
    # Sending before the commit could let a worker look for a row it cannot see yet.
    transaction.on_commit(partial(_send_or_fail, report_id))


def _send_or_fail(report_id: int) -> None:
    """Send the build; when the broker (Redis) cannot be reached, the report fails at once with
    a reason staff can read, instead of waiting "queued" for a job that was never sent."""
    try:
        dispatch.build_send(report_id)
    except (KombuOperationalError, OSError):
        logger.exception("Report %s: the job queue could not be reached", report_id)
        Report.objects.filter(pk=report_id, status=ReportStatus.QUEUED).update(
            status=ReportStatus.FAILED, finished_at=timezone.now(), error=QUEUE_UNREACHABLE
        )


def _claim(report_id: int) -> Report | None:
    """Mark the report running for this attempt, or return None when there is nothing to do."""
    with transaction.atomic():
        report = (
            Report.objects.select_for_update(of=("self",))
            .select_related("consultation")
            .filter(pk=report_id)
            .first()
        )
        if report is None:
            logger.warning("Report %s does not exist; nothing to build", report_id)
            return None
        if report.status == ReportStatus.SUCCEEDED:
            logger.info("Report %s already succeeded; delivered again, nothing to do", report_id)
            return None
        now = timezone.now()
        if report.status == ReportStatus.RUNNING:
            if heartbeat_is_fresh(report, now=now):
                # A second delivery (the visibility timeout, a watchdog requeue racing the
                # original): the build that beats owns the row. If it dies, the watchdog acts.
                logger.warning(
                    "Report %s is being built by attempt %s (heartbeat %s); not built twice",
                    report_id,
                    report.attempts,
                    report.heartbeat_at,
                )
                return None
            logger.warning(
                "Report %s was running (attempt %s) and is restarted: its worker stopped",
                report_id,
                report.attempts,
            )
        report.status = ReportStatus.RUNNING
        report.attempts += 1
        report.started_at = now
        report.heartbeat_at = now
        report.finished_at = None
        report.progress = 0
        report.step = STEP_STARTING
        # The error stays: a reason the watchdog requeued it is worth reading until it succeeds.
        report.save(
            update_fields=[
                "status",
                "attempts",
                "started_at",
                "heartbeat_at",
                "finished_at",
                "progress",
                "step",
            ]
        )
    return report


def _render_and_finish(report: Report, summary: Summary, progress: ProgressWriter) -> None:
    snapshot = summary.snapshot
    with scratch.build_folder(report_id=report.pk, attempt=report.attempts) as directory:
        # The PDF, most of the rendering, is typeset by a child meanwhile (``aside``).
        aside = (
            pdf_aside(summary=summary, language=report.language, directory=directory)
            if settings.REPORT_PDF_ASIDE
            else None
        )
        try:
            register = report_register(consultation=report.consultation, as_of=snapshot.as_of)
            if (mismatch := register_mismatch(register, snapshot)) is not None:
                # Read after the summary: a review decision or a withdrawal came in between.
                raise PartialMismatch(mismatch)
            paths = _render_all(summary, report.language, directory, progress, register, aside)
        finally:
            if aside is not None:
                aside.stop()
        progress(STORE_PERCENT, STEP_STORING, force=True)
        _finish(report, snapshot, paths)


def _render_all(
    summary: Summary,
    language: str,
    directory: Path,
    progress: ProgressWriter,
    register: Sequence[RegisterRow],
    aside: PdfAside | None = None,
) -> dict[str, Path]:
    paths = {}
    span = STORE_PERCENT - RENDER_START_PERCENT
    total = sum(RENDER_WEIGHTS.get(fmt, 1) for fmt in FORMATS)
    done = 0
    for fmt in FORMATS:
        start = RENDER_START_PERCENT + span * done // total
        width = span * RENDER_WEIGHTS.get(fmt, 1) // total
        progress(start, STEP_RENDERING.get(fmt, fmt), force=True)

        def within(fraction: float, step: str, start: int = start, width: int = width) -> None:
            # The PDF's own steps move the bar across its share of the rendering span.
            progress(start + int(width * fraction), step)

        if fmt == "pdf" and aside is not None:
            step = STEP_RENDERING[fmt]

            def checkpoint(percent: int = start, step: str = step) -> None:
                # While the child typesets: the deadline and the attempt, as between steps.
                progress(percent, step)

            paths[fmt] = aside.wait(on_progress=within, checkpoint=checkpoint)
        else:
            paths[fmt] = render(
                summary=summary,
                language=language,
                fmt=fmt,
                directory=directory,
                on_progress=within,
                register=register,
            )
        done += RENDER_WEIGHTS.get(fmt, 1)
    return paths


def _finish(report: Report, snapshot: Snapshot, paths: dict[str, Path]) -> None:
    """Store every file and mark the report succeeded, all in one transaction.

    A file saved before a rollback is deleted again; a file it replaces is deleted only after the
    commit, so the row always points at files that exist. Under the row's lock, and only while
    the row still runs this build's attempt: a replaced build stores nothing.
    """
    saved: list[str] = []
    try:
        with transaction.atomic():
            mine = owned(report_id=report.pk, attempt=report.attempts)
            if Report.objects.select_for_update().filter(mine).first() is None:
                raise ReportSuperseded(report.pk)
            for fmt, path in paths.items():
                _store_file(report, fmt, path, saved)
            now = timezone.now()
            Report.objects.filter(pk=report.pk).update(
                status=ReportStatus.SUCCEEDED,
                progress=100,
                step=STEP_FINISHED,
                error="",
                finished_at=now,
                heartbeat_at=None,
                snapshot_count=int(snapshot.count),
                snapshot_sha256=str(snapshot.sha256),
                snapshot_as_of=snapshot.as_of,
                snapshot_excluded={str(k): int(n) for k, n in snapshot.excluded.items()},
            )
    except BaseException:
        _delete_files(saved)
        raise
    logger.info("Report %s succeeded: %s submissions counted", report.pk, snapshot.count)


def _store_file(report: Report, fmt: str, path: Path, saved: list[str]) -> None:
    existing = ReportFile.objects.filter(report=report, format=fmt).first()
    report_file = existing or ReportFile(report=report, format=fmt)
    old_name = existing.file.name if existing else ""
    name = f"{report.consultation.slug}-report-{report.pk}-{report.language}.{EXTENSIONS[fmt]}"
    with path.open("rb") as handle:
        report_file.file.save(name, File(handle), save=False)
    saved.append(cast(str, report_file.file.name))  # named by save()
    report_file.size = path.stat().st_size
    report_file.created_at = timezone.now()
    report_file.save()
    if old_name and old_name != report_file.file.name:
        transaction.on_commit(partial(_delete_files, [old_name]))


def _delete_files(names: Iterable[str]) -> None:
    storage = ReportFile._meta.get_field("file").storage
    for name in names:
        try:
            storage.delete(name)
        except OSError:
            logger.warning("Could not delete the report file %s", name, exc_info=True)


def _fail(report_id: int, attempt: int, message: str) -> None:
    _mark(
        report_id,
        attempt,
        status=ReportStatus.FAILED,
        error=message,
        finished_at=timezone.now(),
        heartbeat_at=None,
    )


def _mark_waiting(report_id: int, attempt: int, message: str) -> None:
    _mark(
        report_id,
        attempt,
        status=ReportStatus.QUEUED,
        step=STEP_WAITING_TO_RETRY,
        error=message,
        heartbeat_at=None,
    )


def _mark(report_id: int, attempt: int, **values: object) -> None:
    # The database itself may be what failed, or a query interrupted by the time limit may have
    # left the connection unusable: reconnect once, and never let recording the failure hide it.
    for tries in (1, 2):
        try:
            Report.objects.filter(owned(report_id=report_id, attempt=attempt)).update(**values)
            return
        except TRANSIENT_ERRORS:
            if tries == 2:
                logger.exception("Could not record the state of report %s", report_id)
                return
            connection.close()


def _describe(exc: BaseException) -> str:
    text = str(exc).strip() or type(exc).__name__
    return text if len(text) <= 500 else text[:497] + "..."
