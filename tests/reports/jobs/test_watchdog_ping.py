"""A report whose work waits in the queue (a hand-off's grace, 600 s) is not left "running" when
every worker is gone: the watchdog pings the workers over a real Redis broker. Nobody answering
for REPORT_NO_WORKER_SECONDS voids the grace (the report is requeued, saying why); a live
``celery worker`` process answering keeps it, as do a broker that is down and one without
broadcast. The same with real processes killed: tests/reliability/test_report_watchdog.py."""

from __future__ import annotations

import datetime as dt
import logging
import os
import signal
import subprocess
import time
import uuid
from collections.abc import Iterator

import pytest
from django.utils import timezone, translation

from consultation.celery import app
from reports.display import job_reason
from reports.jobs import liveness, watchdog
from reports.jobs.heartbeat import report_hand_off
from reports.models import Report, ReportStatus
from tests import parallel
from tests.factories import ConsultationFactory
from tests.processes import celery_worker_spawn
from tests.reports.celery_support import (
    BrokerInbox,
    broker_url,
    memory_broker,
    no_broadcast_broker,
)

BROKER = parallel.broker_url("redis://127.0.0.1:6379/5")
# Nothing listens on port 1: a broker that is down.
BROKER_DOWN = "redis://127.0.0.1:1/0"
PING_SECONDS = 1.0


@pytest.fixture(autouse=True)
def _quick_ping(settings, tmp_path):
    settings.REPORT_WORKER_PING_SECONDS = PING_SECONDS
    settings.REPORT_TEMP_ROOT = tmp_path / "build-tmp"


@pytest.fixture
def redis_broker() -> Iterator[BrokerInbox]:
    """This process's broker: Redis, with no worker on it unless the test starts one."""
    with broker_url(BROKER):
        app.control.purge()
        yield BrokerInbox(app.conf.task_default_queue)
        app.control.purge()


def _running(*, heartbeat_age: float = 5, attempts: int = 1) -> Report:
    now = timezone.now()
    return Report.objects.create(
        consultation=ConsultationFactory(),
        status=ReportStatus.RUNNING,
        attempts=attempts,
        progress=30,
        step="Summarising the responses in parallel chunks",
        started_at=now - dt.timedelta(seconds=120),
        heartbeat_at=now - dt.timedelta(seconds=heartbeat_age),
    )


def _waiting_in_the_queue(*, attempts: int = 1) -> Report:
    """A chunked report whose chunks were handed to the queue, none of them running."""
    report = _running(attempts=attempts)
    report_hand_off(report_id=report.pk, attempt=attempts)
    report.refresh_from_db()
    return report


def _watch_at(
    moments: list[dt.datetime], silence: liveness.WorkerSilence, callbacks
) -> list[tuple[watchdog.WatchResult, float]]:
    """The watchdog's runs at ``moments`` (beat's every REPORT_WATCHDOG_SECONDS), each with
    how long it took."""
    results = []
    for now in moments:
        started = time.monotonic()
        with callbacks(execute=True):
            result = watchdog.reports_watch(now=now, silence=silence)
        results.append((result, time.monotonic() - started))
    return results


def _runs(settings) -> list[dt.datetime]:
    """Three runs, as beat makes them: the silence is long enough at the third."""
    start = timezone.now()
    period = dt.timedelta(seconds=settings.REPORT_NO_WORKER_SECONDS / 2)
    return [start, start + period, start + 2 * period]


@pytest.mark.integration  # a Redis server
def test_with_no_worker_answering_a_report_waiting_in_the_queue_is_requeued_saying_why(
    db, redis_broker, settings, django_capture_on_commit_callbacks
):
    before = timezone.now()
    waiting = _waiting_in_the_queue()
    after = timezone.now()
    last_try = _waiting_in_the_queue(attempts=settings.REPORT_MAX_ATTEMPTS)
    beating = _running(heartbeat_age=1)  # a chunk running: judged by its own heartbeat
    silence = liveness.WorkerSilence()

    (first, took), (second, _), (third, _) = _watch_at(
        _runs(settings), silence, django_capture_on_commit_callbacks
    )

    # Nobody answered (the ping waited its whole timeout), but one silent ping, or a silence
    # shorter than REPORT_NO_WORKER_SECONDS, requeues nothing.
    assert took >= PING_SECONDS
    assert (first.requeued, first.failed) == (0, 0)
    assert (second.requeued, second.failed) == (0, 0)
    assert (third.requeued, third.failed) == (1, 1)

    waiting.refresh_from_db()
    assert waiting.status == ReportStatus.QUEUED
    assert waiting.error == watchdog.NO_WORKER_REQUEUED
    assert waiting.error.startswith("No worker answered")
    assert (waiting.attempts, waiting.progress, waiting.step) == (1, 0, "")
    # Shown as the last time its worker was heard from: the hand-off, not the grace's end.
    assert before <= waiting.heartbeat_at <= after
    assert redis_broker.take() == [("reports.tasks.build_report", [waiting.pk])]

    last_try.refresh_from_db()
    assert last_try.status == ReportStatus.FAILED
    assert last_try.error == watchdog.NO_WORKER_FAILED
    assert last_try.finished_at is not None

    beating.refresh_from_db()
    assert (beating.status, beating.progress) == (ReportStatus.RUNNING, 30)


def test_the_reason_reads_in_english_and_in_traditional_chinese(db, settings):
    report = _waiting_in_the_queue()
    Report.objects.filter(pk=report.pk).update(
        status=ReportStatus.QUEUED,
        error=watchdog.NO_WORKER_REQUEUED,
        heartbeat_at=timezone.now(),
    )
    report.refresh_from_db()
    with translation.override("en"):
        english = job_reason(report)
    with translation.override("zh-hant"):
        chinese = job_reason(report)
        failed = translation.gettext(watchdog.NO_WORKER_FAILED)
    assert english.startswith("No worker answered while this report's work waited in the queue")
    assert "Last heartbeat from its worker:" in english
    assert "沒有任何工作程序回應" in chinese
    assert "No worker" not in chinese and "No worker" not in failed
    assert failed.startswith("已停止")


@pytest.mark.integration  # a Redis server and a worker process
def test_a_live_worker_answering_keeps_the_grace_of_a_report_waiting_in_the_queue(
    db, redis_broker, settings, tmp_path, django_capture_on_commit_callbacks
):
    name = f"ping-{uuid.uuid4().hex[:8]}@localhost"
    log = tmp_path / "worker.log"
    # Alive, and busy elsewhere: it takes nothing from the reports' queue.
    worker = celery_worker_spawn(
        name=name,
        log=log,
        broker_url=BROKER,
        private_root=tmp_path / "private",
        extra_env={},
        new_session=True,
        queues="elsewhere",
    )
    try:
        deadline = time.monotonic() + 90
        while " ready." not in log.read_text(errors="replace"):
            assert worker.poll() is None, log.read_text(errors="replace")
            assert time.monotonic() < deadline, log.read_text(errors="replace")
            time.sleep(0.2)
        waiting = _waiting_in_the_queue()
        silence = liveness.WorkerSilence()

        runs = _watch_at(_runs(settings), silence, django_capture_on_commit_callbacks)

        assert [(result.requeued, result.failed) for result, _ in runs] == [(0, 0)] * 3
        # It answered each time, at once: the ping returns at the first answer.
        assert silence.since is None
        assert all(took < PING_SECONDS for _, took in runs), runs
        assert Report.objects.get(pk=waiting.pk).heartbeat_at == waiting.heartbeat_at
        assert Report.objects.get(pk=waiting.pk).status == ReportStatus.RUNNING
        assert redis_broker.take() == []
    finally:
        os.killpg(worker.pid, signal.SIGTERM)
        try:
            worker.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(worker.pid, signal.SIGKILL)
            worker.wait(timeout=10)


def test_a_broker_that_cannot_be_reached_keeps_the_grace_and_the_watchdog_working(
    db, settings, caplog
):
    with broker_url(BROKER_DOWN):
        waiting = _waiting_in_the_queue()
        stale = _running(heartbeat_age=settings.REPORT_HEARTBEAT_STALE_SECONDS + 5)
        silence = liveness.WorkerSilence()
        with caplog.at_level(logging.WARNING, logger="reports.jobs.liveness"):
            took = []
            for now in _runs(settings):
                started = time.monotonic()
                watchdog.reports_watch(now=now, silence=silence)
                took.append(time.monotonic() - started)

    assert Report.objects.get(pk=waiting.pk).status == ReportStatus.RUNNING
    # The rest of the watchdog's work is done all the same.
    assert Report.objects.get(pk=stale.pk).status == ReportStatus.QUEUED
    assert "Could not ask the report workers whether they are alive" in caplog.text
    assert silence.since is None
    # One quick try, not the connection pool's retries (6 s measured).
    assert all(seconds < 2 * PING_SECONDS for seconds in took), took


def test_a_broker_without_broadcast_keeps_the_grace_and_says_so_once(db, settings, caplog):
    with no_broadcast_broker():
        waiting = _waiting_in_the_queue()
        silence = liveness.WorkerSilence()
        with caplog.at_level(logging.WARNING, logger="reports.jobs.liveness"):
            for now in _runs(settings):
                assert watchdog.reports_watch(now=now, silence=silence).requeued == 0

    assert Report.objects.get(pk=waiting.pk).status == ReportStatus.RUNNING
    assert caplog.text.count("has no broadcast") == 1


def test_no_ping_while_no_report_waits_in_the_queue_and_the_silence_starts_again(db, settings):
    beating = _running(heartbeat_age=1)
    silence = liveness.WorkerSilence()
    silence.since = timezone.now() - dt.timedelta(hours=1)  # an earlier silence
    started = time.monotonic()
    with memory_broker():
        watchdog.reports_watch(silence=silence)
    # No ping (no worker listens on the in-memory broker: a ping would wait its whole timeout).
    assert time.monotonic() - started < PING_SECONDS
    assert silence.since is None  # only silent pings in a row count
    assert Report.objects.get(pk=beating.pk).status == ReportStatus.RUNNING
