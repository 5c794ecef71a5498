"""The report tasks: registered, reliable options, idempotent when delivered twice, the beat
schedule. The tasks are called as functions here; tests/integration runs them on a real worker."""

from __future__ import annotations

import math

from celery.schedules import crontab
from django.conf import settings
from django.db import OperationalError

from consultation.celery import app
from reports.jobs import tasks
from reports.models import Report, ReportFile, ReportStatus
from tests.factories import ConsultationFactory
from tests.reports.celery_support import memory_broker
from tests.reports.report_data import consultation_with_responses


def test_tasks_are_found_by_the_worker():
    app.loader.import_default_modules()
    assert {
        "reports.tasks.build_report",
        "reports.tasks.rebuild_open_reports",
        "reports.tasks.watch_reports",
        "reports.tasks.fail_stale_reports",
    } <= set(app.tasks)


def test_build_task_is_not_lost_and_retries_only_transient_errors():
    task = app.tasks["reports.tasks.build_report"]
    assert task.acks_late is True
    assert task.reject_on_worker_lost is True
    assert OperationalError in task.autoretry_for
    assert Exception not in task.autoretry_for
    assert task.retry_backoff and task.max_retries == 5
    assert 0 < task.soft_time_limit < task.time_limit
    # A job running past the visibility timeout would be delivered to a second worker meanwhile.
    assert task.time_limit < settings.CELERY_BROKER_TRANSPORT_OPTIONS["visibility_timeout"]


def test_build_task_delivered_twice_finishes_one_report_with_one_set_of_files(db, private_root):
    consultation = consultation_with_responses(count=8)
    report = Report.objects.create(consultation=consultation, language="en")

    tasks.build_report(report.pk)
    first = sorted(ReportFile.objects.values_list("pk", "format", "file"))
    tasks.build_report(report.pk)

    report.refresh_from_db()
    assert report.status == ReportStatus.SUCCEEDED
    assert report.attempts == 1
    assert Report.objects.count() == 1
    assert sorted(ReportFile.objects.values_list("pk", "format", "file")) == first
    assert len(first) == 4


def test_build_task_redelivered_after_a_worker_died_restarts_the_same_row(db, private_root):
    consultation = consultation_with_responses(count=8)
    report = Report.objects.create(
        consultation=consultation, language="en", status=ReportStatus.RUNNING, attempts=1
    )
    tasks.build_report(report.pk)
    report.refresh_from_db()
    assert report.status == ReportStatus.SUCCEEDED
    assert report.attempts == 2
    assert Report.objects.count() == 1
    assert ReportFile.objects.filter(report=report).count() == 4


def test_nightly_task_requests_reports_of_open_consultations(
    db, django_capture_on_commit_callbacks
):
    ConsultationFactory()
    with memory_broker() as broker:
        with django_capture_on_commit_callbacks(execute=True):
            assert tasks.rebuild_open_reports() == 2
        assert [name for name, _ in broker.take()] == ["reports.tasks.build_report"] * 2


def test_beat_rebuilds_every_night_at_half_past_two_hong_kong_time():
    schedule = app.conf.beat_schedule["rebuild-open-consultation-reports"]
    assert schedule["task"] == "reports.tasks.rebuild_open_reports"
    assert schedule["schedule"] == crontab(hour=2, minute=30)
    assert app.conf.timezone == "Asia/Hong_Kong"
    assert "fail-stale-reports" not in app.conf.beat_schedule  # folded into the watchdog


def test_beat_runs_the_watchdog_often_enough_to_catch_a_lost_build_within_two_minutes():
    watchdog = app.conf.beat_schedule["report-watchdog"]
    assert watchdog["task"] == "reports.tasks.watch_reports"
    assert watchdog["schedule"] == settings.REPORT_WATCHDOG_SECONDS
    # Run by beat itself: no worker needs to be free, or alive, for it to run.
    assert watchdog["options"] == {"in_beat": True}
    assert app.conf.beat_scheduler == "consultation.beat:Scheduler"
    # The worst case: the last beat just before the worker died, then a full stale limit, then a
    # full watchdog period.
    assert settings.REPORT_HEARTBEAT_STALE_SECONDS + settings.REPORT_WATCHDOG_SECONDS < 120
    assert settings.REPORT_HEARTBEAT_STALE_SECONDS >= 4 * settings.REPORT_HEARTBEAT_SECONDS


def test_every_worker_lost_while_a_report_waits_in_the_queue_is_noticed_within_two_minutes():
    period = settings.REPORT_WATCHDOG_SECONDS
    ping = settings.REPORT_WORKER_PING_SECONDS
    # The worst case: the first silent ping one period after the loss, then the runs that keep
    # asking until the silence lasts REPORT_NO_WORKER_SECONDS, each silent ping waiting its
    # timeout; far sooner than the grace (600 s) would run out.
    silent_runs = math.ceil(settings.REPORT_NO_WORKER_SECONDS / period)
    worst = period + silent_runs * period + (silent_runs + 1) * ping
    assert worst < 120
    assert worst < settings.REPORT_QUEUE_GRACE_SECONDS
    # One unanswered ping never voids a grace: a second one, a run later, must agree.
    assert settings.REPORT_NO_WORKER_SECONDS > 0
    assert ping > 0
