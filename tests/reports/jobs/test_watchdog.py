"""No report stays "running" after its build stopped: the heartbeat, the watchdog that requeues
or fails a report whose heartbeat stopped, the fence that keeps a replaced build from writing,
and the deletion of what killed builds left behind. Real worker processes killed with SIGKILL:
tests/reliability/test_report_watchdog.py."""

from __future__ import annotations

import datetime as dt
import time

import pytest
from django.utils import timezone

from reports.jobs import liveness, scratch, services, watchdog
from reports.jobs.heartbeat import Heartbeat, ReportSuperseded, report_heartbeat
from reports.models import Report, ReportFile, ReportStatus
from tests.factories import ConsultationFactory
from tests.reports.report_data import consultation_with_responses


@pytest.fixture
def temp_root(tmp_path, settings):
    settings.REPORT_TEMP_ROOT = tmp_path / "build-tmp"
    return settings.REPORT_TEMP_ROOT


def _running(*, heartbeat_age: float | None, attempts: int = 1, started_age: float = 300) -> Report:
    now = timezone.now()
    return Report.objects.create(
        consultation=ConsultationFactory(),
        status=ReportStatus.RUNNING,
        attempts=attempts,
        progress=20,
        step="Counting respondents",
        started_at=now - dt.timedelta(seconds=started_age),
        heartbeat_at=None if heartbeat_age is None else now - dt.timedelta(seconds=heartbeat_age),
    )


def _watch(callbacks) -> watchdog.WatchResult:
    with callbacks(execute=True):
        return watchdog.reports_watch(silence=liveness.WorkerSilence())


# The watchdog


def test_a_report_whose_heartbeat_stopped_is_queued_again_with_a_reason(
    db, broker, settings, private_root, temp_root, django_capture_on_commit_callbacks
):
    stale = _running(heartbeat_age=settings.REPORT_HEARTBEAT_STALE_SECONDS + 5)
    fresh = _running(heartbeat_age=settings.REPORT_HEARTBEAT_SECONDS)

    result = _watch(django_capture_on_commit_callbacks)

    assert (result.requeued, result.failed) == (1, 0)
    stale.refresh_from_db()
    assert stale.status == ReportStatus.QUEUED
    assert stale.error == watchdog.WORKER_LOST_REQUEUED
    assert "heartbeat stopped" in stale.error
    assert (stale.progress, stale.step, stale.attempts) == (0, "", 1)
    assert stale.heartbeat_at is not None  # kept: the page shows when it was last heard from
    assert broker.take() == [("reports.tasks.build_report", [stale.pk])]
    fresh.refresh_from_db()
    assert (fresh.status, fresh.progress, fresh.error) == (ReportStatus.RUNNING, 20, "")


def test_a_report_whose_worker_was_lost_on_every_attempt_is_failed_with_a_reason(
    db, broker, settings, private_root, temp_root, django_capture_on_commit_callbacks
):
    report = _running(
        heartbeat_age=settings.REPORT_HEARTBEAT_STALE_SECONDS + 5,
        attempts=settings.REPORT_MAX_ATTEMPTS,
    )
    assert _watch(django_capture_on_commit_callbacks).failed == 1
    report.refresh_from_db()
    assert report.status == ReportStatus.FAILED
    assert report.finished_at is not None
    assert report.error == watchdog.WORKER_LOST_FAILED
    assert broker.take() == []


def test_a_build_killed_at_the_hard_time_limit_is_failed_as_too_long_not_retried(
    db, broker, settings, private_root, temp_root, django_capture_on_commit_callbacks
):
    report = _running(
        heartbeat_age=settings.REPORT_HEARTBEAT_STALE_SECONDS + 5,
        started_age=settings.CELERY_TASK_TIME_LIMIT + 10,
    )
    assert _watch(django_capture_on_commit_callbacks).failed == 1
    report.refresh_from_db()
    assert report.status == ReportStatus.FAILED
    assert report.error == services.STOPPED_AT_TIME_LIMIT
    assert broker.take() == []


def test_a_running_row_from_before_heartbeats_is_judged_by_its_start(
    db, broker, settings, private_root, temp_root, django_capture_on_commit_callbacks
):
    old = _running(heartbeat_age=None, started_age=settings.REPORT_HEARTBEAT_STALE_SECONDS + 5)
    just_started = _running(heartbeat_age=None, started_age=1)
    assert _watch(django_capture_on_commit_callbacks).requeued == 1
    assert Report.objects.get(pk=old.pk).status == ReportStatus.QUEUED
    assert Report.objects.get(pk=just_started.pk).status == ReportStatus.RUNNING


def test_a_queued_report_whose_message_was_lost_is_failed_and_a_waiting_one_left_alone(
    db, broker, settings, private_root, temp_root, django_capture_on_commit_callbacks
):
    visibility = settings.CELERY_BROKER_TRANSPORT_OPTIONS["visibility_timeout"]
    consultation = ConsultationFactory()
    lost = Report.objects.create(
        consultation=consultation,
        status=ReportStatus.QUEUED,
        queued_at=timezone.now() - dt.timedelta(seconds=visibility + 7200),
    )
    waiting = Report.objects.create(consultation=consultation, status=ReportStatus.QUEUED)
    assert _watch(django_capture_on_commit_callbacks).failed == 1
    assert Report.objects.get(pk=lost.pk).error == watchdog.JOB_LOST
    assert Report.objects.get(pk=waiting.pk).status == ReportStatus.QUEUED


def test_the_watchdog_deletes_the_folders_of_stopped_builds_only(
    db, broker, settings, private_root, temp_root, django_capture_on_commit_callbacks
):
    stale = _running(heartbeat_age=settings.REPORT_HEARTBEAT_STALE_SECONDS + 5, attempts=2)
    live = _running(heartbeat_age=1)
    folders = {
        "stale-build": temp_root / f"report-{stale.pk}-attempt-2",
        "older-attempt": temp_root / f"report-{live.pk}-attempt-0",
        "live-build": temp_root / f"report-{live.pk}-attempt-1",
        "stale-partials": private_root / scratch.partials_folder(stale.pk, 2),
        "live-partials": private_root / scratch.partials_folder(live.pk, 1),
    }
    for folder in folders.values():
        folder.mkdir(parents=True)
        (folder / "chunk-000001.json.gz").write_bytes(b"partial")
    unrelated = temp_root / "not-a-build"
    unrelated.mkdir()

    assert _watch(django_capture_on_commit_callbacks).leftovers == 3

    assert {name for name, folder in folders.items() if folder.exists()} == {
        "live-build",
        "live-partials",
    }
    assert unrelated.exists()


# Never built twice at once


def test_a_second_delivery_leaves_a_report_whose_build_still_beats_alone(db, private_root):
    report = _running(heartbeat_age=2)
    services.report_build(report_id=report.pk)
    report.refresh_from_db()
    assert (report.status, report.attempts, report.progress) == (ReportStatus.RUNNING, 1, 20)


def test_a_delivery_restarts_a_running_report_whose_heartbeat_is_stale(
    db, settings, private_root, temp_root
):
    consultation = consultation_with_responses(count=6)
    report = Report.objects.create(
        consultation=consultation,
        status=ReportStatus.RUNNING,
        attempts=1,
        heartbeat_at=timezone.now() - dt.timedelta(seconds=settings.REPORT_HEARTBEAT_STALE_SECONDS),
    )
    leftover = temp_root / f"report-{report.pk}-attempt-1"
    leftover.mkdir(parents=True)
    services.report_build(report_id=report.pk)
    report.refresh_from_db()
    assert (report.status, report.attempts) == (ReportStatus.SUCCEEDED, 2)
    assert report.heartbeat_at is None
    assert not leftover.exists()
    assert list(temp_root.iterdir()) == []  # its own folder is gone too


def test_a_replaced_build_that_wakes_up_writes_nothing(
    db, settings, private_root, temp_root, monkeypatch
):
    """The zombie: its worker froze past the stale limit, the watchdog requeued the report and
    a new attempt claimed it; then the old build carries on and tries to finish."""
    consultation = consultation_with_responses(count=6)
    report = services.report_request(
        consultation=consultation, language="en", requested_by=None, queue=False
    )
    real_compute = services.summary_compute

    def frozen_then_replaced(**kwargs):
        summary = real_compute(**kwargs)
        Report.objects.filter(pk=report.pk).update(attempts=2, progress=5, step="Starting")
        return summary

    monkeypatch.setattr(services, "summary_compute", frozen_then_replaced)
    services.report_build(report_id=report.pk)

    report.refresh_from_db()
    assert (report.status, report.attempts) == (ReportStatus.RUNNING, 2)
    assert (report.progress, report.step, report.error) == (5, "Starting", "")
    assert not ReportFile.objects.exists()
    assert not any(p.is_file() for p in private_root.rglob("*"))


def test_a_replaced_build_cannot_store_its_files_even_when_it_reaches_the_end(
    db, settings, private_root, temp_root, monkeypatch
):
    consultation = consultation_with_responses(count=6)
    report = services.report_request(
        consultation=consultation, language="en", requested_by=None, queue=False
    )
    real_render = services._render_all

    def render_then_replaced(*args, **kwargs):
        paths = real_render(*args, **kwargs)
        Report.objects.filter(pk=report.pk).update(attempts=2)
        return paths

    monkeypatch.setattr(services, "_render_all", render_then_replaced)
    services.report_build(report_id=report.pk)

    report.refresh_from_db()
    assert (report.status, report.attempts) == (ReportStatus.RUNNING, 2)
    assert not ReportFile.objects.exists()
    assert not any(p.is_file() for p in private_root.rglob("*"))


def test_progress_of_a_replaced_attempt_is_refused(db):
    report = _running(heartbeat_age=1, attempts=2)
    writer = services.ProgressWriter(report_id=report.pk, attempt=1, interval=0)
    with pytest.raises(ReportSuperseded):
        writer(80, "Typesetting the PDF")
    report.refresh_from_db()
    assert (report.progress, report.step) == (20, "Counting respondents")


def test_work_handed_to_the_queue_gets_its_grace_and_a_running_chunk_judges_it_again(
    db, settings, private_root, temp_root, django_capture_on_commit_callbacks, broker
):
    from reports.jobs.heartbeat import report_hand_off

    settings.REPORT_WORKER_PING_SECONDS = 0.2  # asked once, over the in-memory broker: silence
    report = _running(heartbeat_age=settings.REPORT_HEARTBEAT_STALE_SECONDS + 5)
    report_hand_off(report_id=report.pk, attempt=1)
    handed = Report.objects.get(pk=report.pk).heartbeat_at
    assert handed > timezone.now() + dt.timedelta(seconds=settings.REPORT_QUEUE_GRACE_SECONDS - 5)
    report_hand_off(report_id=report.pk, attempt=1)  # a second chunk ending: never shorter
    assert Report.objects.get(pk=report.pk).heartbeat_at >= handed
    assert _watch(django_capture_on_commit_callbacks).requeued == 0

    assert report_heartbeat(report_id=report.pk, attempt=1) is True  # a chunk starts running
    assert Report.objects.get(pk=report.pk).heartbeat_at <= timezone.now()


def test_a_heartbeat_moves_only_for_the_attempt_that_owns_the_row(db):
    report = _running(heartbeat_age=30, attempts=2)
    before = report.heartbeat_at
    assert report_heartbeat(report_id=report.pk, attempt=1) is False
    assert Report.objects.get(pk=report.pk).heartbeat_at == before
    assert report_heartbeat(report_id=report.pk, attempt=2) is True
    assert Report.objects.get(pk=report.pk).heartbeat_at > before
    Report.objects.filter(pk=report.pk).update(status=ReportStatus.FAILED)
    assert report_heartbeat(report_id=report.pk, attempt=2) is False


# The heartbeat thread (real commits: it has a connection of its own)


def test_the_heartbeat_beats_through_a_long_step_that_reports_no_progress(
    transactional_db, settings, private_root, temp_root, monkeypatch
):
    settings.REPORT_HEARTBEAT_SECONDS = 0.2
    consultation = consultation_with_responses(count=6)
    report = services.report_request(
        consultation=consultation, language="en", requested_by=None, queue=False
    )
    real_compute = services.summary_compute
    seen = []

    def long_pandas_step(**kwargs):
        for _ in range(6):
            seen.append(Report.objects.values_list("heartbeat_at", flat=True).get(pk=report.pk))
            time.sleep(0.25)
        return real_compute(**kwargs)

    monkeypatch.setattr(services, "summary_compute", long_pandas_step)
    services.report_build(report_id=report.pk)

    assert len(set(seen)) >= 4, seen  # moved by the thread while the step called nothing
    report.refresh_from_db()
    assert report.status == ReportStatus.SUCCEEDED
    assert report.heartbeat_at is None


def test_the_heartbeat_thread_notices_that_its_attempt_was_replaced(transactional_db):
    report = _running(heartbeat_age=1, attempts=1)
    with Heartbeat(report_id=report.pk, attempt=1, interval=0.05) as heartbeat:
        Report.objects.filter(pk=report.pk).update(attempts=2)
        deadline = time.monotonic() + 5
        while not heartbeat.superseded and time.monotonic() < deadline:
            time.sleep(0.05)
        assert heartbeat.superseded
        with pytest.raises(ReportSuperseded):
            heartbeat.check()


def test_a_chunk_beats_at_once_so_a_worker_lost_early_in_it_is_not_covered_by_the_grace(
    transactional_db, settings
):
    # The chunk before it handed off: the heartbeat stands REPORT_QUEUE_GRACE_SECONDS ahead.
    from reports.jobs.heartbeat import heartbeat_in_grace, report_hand_off

    report = _running(heartbeat_age=1, attempts=1)
    report_hand_off(report_id=report.pk, attempt=1)
    report.refresh_from_db()
    assert heartbeat_in_grace(report, now=timezone.now())
    # A new chunk starts: its first beat comes at once, not after a beat interval, and from then
    # on the report is judged by its beats (stale 75 s after its worker dies).
    with Heartbeat(report_id=report.pk, attempt=1, interval=3600):
        deadline = time.monotonic() + 5
        while time.monotonic() < deadline:
            report.refresh_from_db()
            if not heartbeat_in_grace(report, now=timezone.now()):
                break
            time.sleep(0.05)
    assert not heartbeat_in_grace(report, now=timezone.now())
    assert abs((timezone.now() - report.heartbeat_at).total_seconds()) < 5
