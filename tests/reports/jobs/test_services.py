"""The report job's services: request, build (idempotent, progress, snapshot, files), retry,
the nightly rebuild. Builds run in-process on the real pipeline (the watchdog of stale jobs:
test_watchdog.py)."""

from __future__ import annotations

import datetime as dt
import json
import re
import subprocess
import time
from pathlib import Path

import psycopg
import pytest
from celery.exceptions import SoftTimeLimitExceeded
from django.db import connection
from django.test import override_settings
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from reports.jobs import chunked, services
from reports.jobs.errors import TRANSIENT_ERRORS
from reports.models import Report, ReportFile, ReportStatus
from surveys.models import Submission
from tests.factories import ConsultationFactory
from tests.reports.report_data import (
    consultation_with_responses,
    counted_submissions,
    report_storage,
)

FORMATS = {"json", "csv", "xlsx", "pdf"}


@pytest.fixture
def consultation(db):
    return consultation_with_responses()


def _stored(report: Report) -> dict[str, ReportFile]:
    return {f.format: f for f in ReportFile.objects.filter(report=report)}


# Requesting


def test_request_queues_the_report_id_only_after_commit(
    db, broker, django_capture_on_commit_callbacks
):
    consultation = ConsultationFactory()
    with django_capture_on_commit_callbacks() as callbacks:
        report = services.report_request(
            consultation=consultation, language="zh-hant", requested_by=None
        )
        assert broker.take() == []
    assert len(callbacks) == 1
    callbacks[0]()
    assert broker.take() == [("reports.tasks.build_report", [report.pk])]
    report.refresh_from_db()
    assert report.status == ReportStatus.QUEUED
    assert report.language == "zh-hant"
    assert report.progress == 0
    assert report.attempts == 0


def test_request_records_who_asked(db, broker, django_user_model):
    user = django_user_model.objects.create_user("reader")
    report = services.report_request(
        consultation=ConsultationFactory(), language="en", requested_by=user
    )
    assert report.requested_by == user


def test_request_refuses_an_unknown_language_and_creates_nothing(db, broker):
    with pytest.raises(services.ReportError, match="Unknown report language 'fr'"):
        services.report_request(
            consultation=ConsultationFactory(), language="fr", requested_by=None
        )
    assert not Report.objects.exists()


def test_request_without_queueing_sends_nothing(db, broker, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        services.report_request(
            consultation=ConsultationFactory(), language="en", requested_by=None, queue=False
        )
    assert broker.take() == []


# Building


def test_build_counts_a_snapshot_and_stores_every_format(consultation, private_root):
    report = services.report_request(
        consultation=consultation, language="en", requested_by=None, queue=False
    )
    before = timezone.now()
    services.report_build(report_id=report.pk)
    report.refresh_from_db()

    assert report.status == ReportStatus.SUCCEEDED, report.error
    assert report.progress == 100
    assert report.error == ""
    assert report.attempts == 1
    assert before <= report.started_at <= report.finished_at
    assert report.snapshot_count == counted_submissions(consultation) == 27
    assert before <= report.snapshot_as_of <= report.finished_at
    assert re.fullmatch(r"[0-9a-f]{64}", report.snapshot_sha256)
    excluded = {reason: n for reason, n in report.snapshot_excluded.items() if n}
    assert excluded == {"spam": 2, "withdrawn": 1}

    files = _stored(report)
    assert set(files) == FORMATS
    for report_file in files.values():
        path = Path(report_file.file.path)
        assert path.is_relative_to(private_root)
        assert report_file.size == path.stat().st_size > 0
    summary = json.loads(Path(files["json"].file.path).read_text(encoding="utf-8"))
    assert summary["consultation"] == consultation.slug
    assert summary["snapshot"]["count"] == 27
    assert summary["snapshot"]["sha256"] == report.snapshot_sha256
    assert Path(files["pdf"].file.path).read_bytes().startswith(b"%PDF-")
    assert Path(files["xlsx"].file.path).read_bytes().startswith(b"PK")


def test_build_saves_rising_progress_on_the_row(consultation, private_root):
    report = services.report_request(
        consultation=consultation, language="en", requested_by=None, queue=False
    )
    with CaptureQueriesContext(connection) as queries:
        services.report_build(report_id=report.pk)
    written = [
        int(match.group(1))
        for query in queries.captured_queries
        if query["sql"].startswith('UPDATE "reports_report"')
        for match in [re.search(r'"progress" = (\d+)', query["sql"])]
        if match
    ]
    # Every rendering step is written, in order, ending at 100 with the success.
    assert written == sorted(written)
    assert written[-1] == 100
    assert {60, 61, 63, 67, 96} <= set(written)


def test_a_second_delivery_of_a_succeeded_report_changes_nothing(consultation, private_root):
    report = services.report_request(
        consultation=consultation, language="en", requested_by=None, queue=False
    )
    services.report_build(report_id=report.pk)
    first = {fmt: (f.pk, f.file.name) for fmt, f in _stored(report).items()}
    finished_at = Report.objects.get(pk=report.pk).finished_at

    services.report_build(report_id=report.pk)

    report.refresh_from_db()
    assert Report.objects.count() == 1
    assert report.attempts == 1
    assert report.finished_at == finished_at
    assert {fmt: (f.pk, f.file.name) for fmt, f in _stored(report).items()} == first


def test_a_restarted_report_replaces_its_files_on_the_same_row(
    consultation, private_root, django_capture_on_commit_callbacks
):
    report = services.report_request(
        consultation=consultation, language="zh-hant", requested_by=None, queue=False
    )
    services.report_build(report_id=report.pk)
    old = _stored(report)
    old_paths = [Path(f.file.path) for f in old.values()]
    # As if the worker had died after storing the files: the message comes back, the row runs.
    Report.objects.filter(pk=report.pk).update(status=ReportStatus.RUNNING, progress=96)

    with django_capture_on_commit_callbacks(execute=True):
        services.report_build(report_id=report.pk)

    report.refresh_from_db()
    assert report.status == ReportStatus.SUCCEEDED
    assert report.attempts == 2
    assert Report.objects.count() == 1
    new = _stored(report)
    assert set(new) == FORMATS
    assert {fmt: f.pk for fmt, f in new.items()} == {fmt: f.pk for fmt, f in old.items()}
    assert all(Path(f.file.path).exists() for f in new.values())
    assert not any(path.exists() for path in old_paths)
    assert sorted(p.name for p in private_root.rglob("*") if p.is_file()) == sorted(
        Path(f.file.name).name for f in new.values()
    )


def test_the_snapshot_changes_when_a_counted_submission_changes(consultation, private_root):
    first = services.report_request(
        consultation=consultation, language="en", requested_by=None, queue=False
    )
    services.report_build(report_id=first.pk)
    second = services.report_request(
        consultation=consultation, language="en", requested_by=None, queue=False
    )
    services.report_build(report_id=second.pk)
    # Through the ORM, without touching updated_at: the fingerprint reads the data itself.
    last = Submission.objects.counted().order_by("-pk").first()
    Submission.objects.filter(pk=last.pk).update(
        category="public" if last.category == "bank" else "bank"
    )
    third = services.report_request(
        consultation=consultation, language="en", requested_by=None, queue=False
    )
    services.report_build(report_id=third.pk)

    hashes = [Report.objects.get(pk=r.pk).snapshot_sha256 for r in (first, second, third)]
    assert hashes[0] == hashes[1] != hashes[2]


def test_a_chinese_report_holds_chinese_text(consultation, private_root):
    report = services.report_request(
        consultation=consultation, language="zh-hant", requested_by=None, queue=False
    )
    services.report_build(report_id=report.pk)
    pdf = ReportFile.objects.get(report=report, format="pdf")
    text = subprocess.run(  # noqa: S603
        ["/usr/bin/pdftotext", pdf.file.path, "-"], capture_output=True, text=True, check=True
    ).stdout
    assert consultation.title_zh in text.replace("\n", "")


def test_a_report_that_cannot_be_stored_fails_with_a_readable_message(consultation, tmp_path):
    blocker = tmp_path / "not-a-directory"
    blocker.write_text("a file where the storage directory should be")
    with report_storage(blocker):
        report = services.report_request(
            consultation=consultation, language="en", requested_by=None, queue=False
        )
        services.report_build(report_id=report.pk)

    report.refresh_from_db()
    assert report.status == ReportStatus.FAILED
    assert report.error.startswith("Building the report failed: ")
    assert "not-a-directory" in report.error
    assert report.finished_at is not None
    assert report.snapshot_count is None
    assert not ReportFile.objects.filter(report=report).exists()


def test_building_a_report_that_does_not_exist_does_nothing(db):
    services.report_build(report_id=987654)
    assert not Report.objects.exists()


@pytest.fixture
def locked_answers(transactional_db):
    """Another session holds an exclusive lock on the answers table, and this session gives up
    waiting for a lock after 200 ms: a real, transient OperationalError."""
    if connection.vendor != "postgresql":
        pytest.skip("lock timeouts are PostgreSQL's")
    consultation = consultation_with_responses(count=5)
    params = connection.get_connection_params()
    other = psycopg.connect(
        **{k: v for k, v in params.items() if k in {"host", "port", "user", "dbname", "password"}}
    )
    with connection.cursor() as cursor:
        cursor.execute("SET lock_timeout = '200ms'")
    other.execute("LOCK TABLE surveys_answer IN ACCESS EXCLUSIVE MODE")
    try:
        yield consultation
    finally:
        other.rollback()
        other.close()
        with connection.cursor() as cursor:
            cursor.execute("RESET lock_timeout")


def test_a_transient_error_is_raised_for_retry_and_the_report_waits(locked_answers, tmp_path):
    report = services.report_request(
        consultation=locked_answers, language="en", requested_by=None, queue=False
    )
    with pytest.raises(TRANSIENT_ERRORS):
        services.report_build(report_id=report.pk, will_retry=True)
    report.refresh_from_db()
    assert report.status == ReportStatus.QUEUED
    assert report.step == services.STEP_WAITING_TO_RETRY
    assert "temporary error" in report.error
    assert report.attempts == 1


def test_a_transient_error_on_the_last_try_fails_the_report(locked_answers):
    report = services.report_request(
        consultation=locked_answers, language="en", requested_by=None, queue=False
    )
    with pytest.raises(TRANSIENT_ERRORS):
        services.report_build(report_id=report.pk, will_retry=False)
    report.refresh_from_db()
    assert report.status == ReportStatus.FAILED
    assert report.error.startswith("A temporary error interrupted the build: ")
    assert "lock" in report.error


def test_a_build_past_its_deadline_stops_as_failed(consultation, private_root):
    report = services.report_request(
        consultation=consultation, language="en", requested_by=None, queue=False
    )
    services.report_build(report_id=report.pk, deadline=time.monotonic() - 1)
    report.refresh_from_db()
    assert report.status == ReportStatus.FAILED
    assert report.error.startswith("Stopped: building the report took longer than the time")
    assert report.finished_at is not None
    assert not ReportFile.objects.filter(report=report).exists()


def _chunked_build_sent(report: Report, monkeypatch) -> dict:
    """Build ``report`` as a chunked report fanned out to the workers, catching the chord that
    would be sent (its chunks and its merge message) instead of sending it."""
    sent: dict = {}
    monkeypatch.setattr(chunked.dispatch, "chunks_send", lambda **message: sent.update(message))
    with override_settings(
        REPORT_CHUNKED_ABOVE=2,
        REPORT_CHUNK_SIZE=3,
        CELERY_RESULT_BACKEND="redis://127.0.0.1:6379/15",
        CELERY_TASK_ALWAYS_EAGER=False,
    ):
        services.report_build(report_id=report.pk)
    assert sent["chunks"], "the build planned no chunks"
    return sent


def test_a_merge_past_its_deadline_stops_as_failed(consultation, private_root, monkeypatch):
    report = services.report_request(
        consultation=consultation, language="en", requested_by=None, queue=False
    )
    sent = _chunked_build_sent(report, monkeypatch)
    names = [
        services.report_chunk_summarise(
            report_id=report.pk, attempt=sent["attempt"], as_of=sent["as_of"], chunk=chunk
        )
        for chunk in sent["chunks"]
    ]
    services.report_merge(plan=sent["plan"], names=names, deadline=time.monotonic() - 1)
    report.refresh_from_db()
    assert report.status == ReportStatus.FAILED
    assert report.error == "Stopped: building the report took longer than allowed."
    assert not ReportFile.objects.filter(report=report).exists()


def test_a_chunk_stopped_at_the_time_limit_fails_the_report(
    consultation, private_root, monkeypatch
):
    report = services.report_request(
        consultation=consultation, language="en", requested_by=None, queue=False
    )
    sent = _chunked_build_sent(report, monkeypatch)

    def interrupted(inputs):
        raise SoftTimeLimitExceeded()  # what Celery raises in a task at its soft time limit

    monkeypatch.setattr(chunked, "partial_compute", interrupted)
    name = services.report_chunk_summarise(
        report_id=report.pk, attempt=sent["attempt"], as_of=sent["as_of"], chunk=sent["chunks"][0]
    )
    assert name is None  # the merge will do nothing
    report.refresh_from_db()
    assert report.status == ReportStatus.FAILED
    assert report.error == "Stopped: building the report took longer than allowed."


# Progress writes


def _running_report() -> Report:
    return Report.objects.create(
        consultation=ConsultationFactory(), status=ReportStatus.RUNNING, attempts=1
    )


class FakeClock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def test_progress_is_written_at_most_twice_a_second(db):
    report = _running_report()
    clock = FakeClock()
    writer = services.ProgressWriter(report_id=report.pk, interval=0.5, clock=clock)

    writer(10, "Reading the responses")
    clock.now += 0.2
    writer(20, "Counting")
    report.refresh_from_db()
    assert (report.progress, report.step) == (10, "Reading the responses")

    clock.now += 0.4
    writer(30, "Counting")
    report.refresh_from_db()
    assert (report.progress, report.step) == (30, "Counting")

    clock.now += 0.1
    writer(40, "Writing the CSV file", force=True)
    report.refresh_from_db()
    assert (report.progress, report.step) == (40, "Writing the CSV file")


def test_progress_is_a_checkpoint_for_the_deadline(db):
    report = _running_report()
    clock = FakeClock()
    writer = services.ProgressWriter(report_id=report.pk, clock=clock, deadline=clock.now + 5)
    writer(10, "Counting")
    clock.now += 6
    with pytest.raises(services.ReportDeadlinePassed):
        writer(20, "Typesetting the PDF")
    assert Report.objects.get(pk=report.pk).progress == 10


def test_progress_never_moves_back_or_past_100(db):
    report = _running_report()
    clock = FakeClock()
    writer = services.ProgressWriter(report_id=report.pk, interval=0, clock=clock)
    writer(50, "Half")
    writer(20, "Back")
    assert Report.objects.get(pk=report.pk).progress == 50
    writer(250, "Beyond")
    assert Report.objects.get(pk=report.pk).progress == 100


def test_progress_touches_only_its_columns_and_only_while_running(db):
    report = _running_report()
    writer = services.ProgressWriter(report_id=report.pk, interval=0)
    # Another process records something on the row meanwhile.
    Report.objects.filter(pk=report.pk).update(error="noted elsewhere")
    writer(30, "Counting")
    report.refresh_from_db()
    assert (report.progress, report.error) == (30, "noted elsewhere")

    Report.objects.filter(pk=report.pk).update(status=ReportStatus.FAILED)
    writer(60, "Too late")
    report.refresh_from_db()
    assert (report.progress, report.step) == (30, "Counting")


# Trying again


def test_try_again_requeues_the_same_failed_report(db, broker, django_capture_on_commit_callbacks):
    report = Report.objects.create(
        consultation=ConsultationFactory(),
        status=ReportStatus.FAILED,
        attempts=2,
        progress=40,
        step="Counting",
        error="Building the report failed: boom",
        started_at=timezone.now(),
        finished_at=timezone.now(),
    )
    with django_capture_on_commit_callbacks(execute=True):
        retried = services.report_retry(report=report)
    assert retried.pk == report.pk
    assert Report.objects.count() == 1
    assert (retried.status, retried.progress, retried.step, retried.error) == (
        ReportStatus.QUEUED,
        0,
        "",
        "",
    )
    assert retried.started_at is None and retried.finished_at is None
    assert retried.attempts == 2
    assert broker.take() == [("reports.tasks.build_report", [report.pk])]


@pytest.mark.parametrize("status", [ReportStatus.QUEUED, ReportStatus.RUNNING, "succeeded"])
def test_only_a_failed_report_can_be_tried_again(
    db, broker, status, django_capture_on_commit_callbacks
):
    report = Report.objects.create(consultation=ConsultationFactory(), status=status)
    with (
        django_capture_on_commit_callbacks(execute=True),
        pytest.raises(services.ReportError, match="Only a report that failed"),
    ):
        services.report_retry(report=report)
    assert Report.objects.get(pk=report.pk).status == status
    assert broker.take() == []


# Nightly rebuild


def test_nightly_rebuild_requests_both_editions_of_open_and_just_closed_consultations(
    db, broker, django_capture_on_commit_callbacks
):
    now = timezone.now()
    open_one = ConsultationFactory()
    just_closed = ConsultationFactory(
        opens_at=now - dt.timedelta(days=30), closes_at=now - dt.timedelta(hours=20)
    )
    ConsultationFactory(opens_at=now - dt.timedelta(days=30), closes_at=now - dt.timedelta(days=3))
    ConsultationFactory(is_draft=True)
    ConsultationFactory(opens_at=now + dt.timedelta(days=1), closes_at=now + dt.timedelta(days=9))

    with django_capture_on_commit_callbacks(execute=True):
        reports = services.reports_rebuild_open(now=now)

    assert sorted((r.consultation_id, r.language) for r in reports) == sorted(
        (c.pk, language) for c in (open_one, just_closed) for language in ("en", "zh-hant")
    )
    assert all(r.requested_by is None and r.status == ReportStatus.QUEUED for r in reports)
    assert sorted(args[0] for _, args in broker.take()) == sorted(r.pk for r in reports)


def test_download_names_carry_slug_language_and_hkt_date(db):
    consultation = ConsultationFactory(slug="va-otc-dealing")
    report = Report.objects.create(
        consultation=consultation,
        language="zh-hant",
        # 17:30 UTC on the 24th is 01:30 on the 25th in Hong Kong.
        snapshot_as_of=dt.datetime(2026, 11, 24, 17, 30, tzinfo=dt.UTC),
    )
    assert (
        services.report_file_name(report=report, fmt="pdf")
        == "va-otc-dealing-summary-zh-hant-20261125.pdf"
    )
    assert (
        services.report_file_name(report=report, fmt="xlsx")
        == "va-otc-dealing-summary-zh-hant-20261125.xlsx"
    )
