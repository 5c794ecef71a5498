"""No report stuck "running": real worker processes killed with SIGKILL, a real Redis broker,
PostgreSQL, and the watchdog run as beat runs it (here every half second, with a stale limit of
seconds instead of 75 s, so the test takes seconds, not minutes).

- The whole worker (main process and pool) killed in the middle of a build: the watchdog queues
  the report again within the stale limit, saying why on the staff page; the next worker builds
  it exactly once, even when the lost worker's own message is delivered again; the folder the
  killed build left is deleted.
- A pool process killed in the middle of a build (the OOM killer): its message comes straight
  back to a new pool process, which leaves the report to the build whose heartbeat is still
  fresh (never two builds at once); the watchdog then queues it again and it is built once.
- The only worker killed, nothing else running but beat: beat runs the watchdog itself, so the
  report is queued again with no worker alive, and built by the next worker to start.
- A build killed at the hard time limit (Celery acknowledges its message, so nothing redelivers
  it): the watchdog fails it within the stale limit, as too long, instead of 95 minutes later.
- Every worker killed while the chunks of a chunked report wait in the queue (no heartbeat, a
  600 s grace): beat pings the workers, keeps the grace while one answers, and requeues the
  report once none has answered for REPORT_NO_WORKER_SECONDS; the next worker skips the old
  chunks (their attempt was replaced) and builds the report once.

Broker: TEST_BROKER_URL (``make test``), else Redis database 8 on 127.0.0.1; one database per
xdist worker (tests/parallel.py).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from django.contrib.auth.models import Permission
from django.urls import reverse
from django.utils import timezone

from consultation.celery import app
from reports.jobs import dispatch, services, watchdog
from reports.models import Report, ReportFile, ReportStatus
from tests import parallel
from tests.processes import ROOT, running_database_url
from tests.reliability.workers import Worker, wait_for, workers
from tests.reports.celery_support import broker_url
from tests.reports.report_data import consultation_with_responses, counted_submissions

pytestmark = pytest.mark.integration

BROKER = parallel.broker_url("redis://127.0.0.1:6379/8")
BEAT_SECONDS = 0.5
STALE_SECONDS = 4.0
# How often this test runs the watchdog (beat: REPORT_WATCHDOG_SECONDS).
WATCH_EVERY = 0.5
# Beat's watchdog in the chunked test: every second, pinging for at most a second, and a grace
# void after 2 s without an answer (production: 30, 3 and 20 s).
BEAT_WATCH_EVERY = 1.0
PING_SECONDS = 1.0
NO_WORKER_SECONDS = 2.0
FINISHED = {ReportStatus.SUCCEEDED, ReportStatus.FAILED}


@pytest.fixture
def broker() -> Iterator[str]:
    with broker_url(BROKER):
        app.control.purge()
        yield BROKER
        app.control.purge()


@pytest.fixture
def build_tmp(settings, tmp_path) -> Path:
    """The workers' and this process's REPORT_TEMP_ROOT, and this process's stale limit."""
    settings.REPORT_TEMP_ROOT = tmp_path / "build-tmp"
    settings.REPORT_HEARTBEAT_STALE_SECONDS = STALE_SECONDS
    return settings.REPORT_TEMP_ROOT


def worker_env(build_tmp: Path, **extra: str) -> dict[str, str]:
    return {
        "REPORT_HEARTBEAT_SECONDS": str(BEAT_SECONDS),
        "REPORT_HEARTBEAT_STALE_SECONDS": str(STALE_SECONDS),
        "REPORT_TEMP_ROOT": str(build_tmp),
        **extra,
    }


def row(report: Report) -> dict:
    return Report.objects.values(
        "status", "attempts", "started_at", "heartbeat_at", "error", "progress"
    ).get(pk=report.pk)


def watch_until_it_acts(report: Report, *, bound: float) -> float:
    """Run the watchdog every WATCH_EVERY seconds until the report is no longer running."""
    started = time.monotonic()
    while True:
        watchdog.reports_watch()
        if row(report)["status"] != ReportStatus.RUNNING:
            return time.monotonic() - started
        if time.monotonic() - started > bound:
            raise AssertionError(f"The watchdog left report {report.pk} running: {row(report)}")
        time.sleep(WATCH_EVERY)


@pytest.fixture
def report_staff(django_user_model):
    user = django_user_model.objects.create_user(
        "report-staff", password="a-long-test-password", is_staff=True
    )
    user.user_permissions.add(
        *Permission.objects.filter(
            content_type__app_label__in=["surveys", "reports"],
            codename__in=["view_consultation", "view_report", "add_report"],
        )
    )
    return user


def test_a_report_whose_whole_worker_is_killed_is_requeued_within_the_limit_and_built_once(
    postgres, broker, report_root, build_tmp, tmp_path, client, report_staff
):
    consultation = consultation_with_responses(count=40, questions=None)
    with workers(broker_url=broker, private_root=report_root, log_dir=tmp_path) as pool:
        first = pool.start(**worker_env(build_tmp))
        report = services.report_request(
            consultation=consultation, language="en", requested_by=None
        )
        folder = build_tmp / f"report-{report.pk}-attempt-1"

        def rendering_and_beating() -> bool:
            state = row(report)
            beaten = state["heartbeat_at"] and state["heartbeat_at"] > state["started_at"]
            return bool(beaten) and folder.exists()

        wait_for(rendering_and_beating, "the build to beat while it renders", first, 120)

        first.kill()  # the main process and its pool, with SIGKILL
        killed_at = time.monotonic()
        killed = row(report)
        assert killed["status"] == ReportStatus.RUNNING
        assert folder.exists()  # nothing in the killed build could clean up
        # Its heartbeat is still fresh: the watchdog leaves it alone for now.
        assert watchdog.reports_watch().requeued == 0
        assert row(report)["status"] == ReportStatus.RUNNING

        watch_until_it_acts(report, bound=STALE_SECONDS + 10)
        noticed_after = time.monotonic() - killed_at
        # The last beat came at most BEAT_SECONDS before the kill.
        assert noticed_after <= STALE_SECONDS + WATCH_EVERY + 1.5, noticed_after
        requeued = row(report)
        assert requeued["status"] == ReportStatus.QUEUED
        assert requeued["error"] == watchdog.WORKER_LOST_REQUEUED
        assert requeued["attempts"] == 1
        assert requeued["heartbeat_at"] == killed["heartbeat_at"]
        assert not folder.exists()

        client.force_login(report_staff)
        page = client.get(reverse("reports:consultation", args=[consultation.slug]))
        html = page.content.decode()
        assert "the report was queued again and will be built from the start." in html
        assert "Last heartbeat from its worker:" in html

        # The next worker takes the watchdog's message; with a short visibility timeout it also
        # gets back the message the killed worker never acknowledged.
        second = pool.start(**worker_env(build_tmp, CELERY_VISIBILITY_TIMEOUT="5"))
        wait_for(
            lambda: row(report)["status"] in FINISHED, "the requeued report", second, timeout=240
        )
        wait_for(
            lambda: (
                "already succeeded; delivered again" in second.log_text()
                or "not built twice" in second.log_text()
            ),
            "the lost worker's message, delivered again",
            second,
            timeout=120,
        )

    report.refresh_from_db()
    assert report.status == ReportStatus.SUCCEEDED, report.error
    assert report.attempts == 2
    assert report.error == ""
    assert Report.objects.count() == 1
    assert ReportFile.objects.filter(report=report).count() == 4
    log = second.log_text()
    assert log.count(f"Report {report.pk} succeeded") == 1
    assert f"Report {report.pk} succeeded" not in first.log_text()
    assert list(build_tmp.iterdir()) == []


@contextlib.contextmanager
def celery_beat(*, broker: str, log: Path, **extra_env: str) -> Iterator[subprocess.Popen]:
    """``celery beat`` on the test's database and broker; stopped (its group) on the way out."""
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "consultation.settings",
        "DATABASE_URL": running_database_url(),
        "CELERY_BROKER_URL": broker,
        **extra_env,
    }
    command = [sys.executable, "-m", "celery", "-A", "consultation", "beat", "--loglevel=INFO"]
    command += ["--schedule", str(log.with_suffix(".schedule"))]
    with log.open("wb") as handle:
        process = subprocess.Popen(  # noqa: S603
            command,
            cwd=ROOT,
            env=env,
            stdout=handle,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    try:
        yield process
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=10)


def test_with_its_only_worker_killed_beat_itself_requeues_the_report(
    postgres, broker, report_root, build_tmp, tmp_path
):
    consultation = consultation_with_responses(count=40, questions=None)
    with workers(broker_url=broker, private_root=report_root, log_dir=tmp_path) as pool:
        only = pool.start(**worker_env(build_tmp))
        report = services.report_request(
            consultation=consultation, language="zh-hant", requested_by=None
        )
        folder = build_tmp / f"report-{report.pk}-attempt-1"
        # Killed once its build folder exists (on a loaded machine a build can show progress
        # before it makes the folder): the watchdog must then delete what the build left.
        wait_for(
            lambda: row(report)["progress"] > 0 and folder.exists(), "the build to start", only, 120
        )
        only.kill()
        killed_at = time.monotonic()
        assert row(report)["status"] == ReportStatus.RUNNING

        # No worker at all now: only beat, with its watchdog every second.
        beat_log = tmp_path / "beat.log"
        with celery_beat(
            broker=broker,
            log=beat_log,
            REPORT_WATCHDOG_SECONDS="1",
            REPORT_HEARTBEAT_STALE_SECONDS=str(STALE_SECONDS),
            REPORT_TEMP_ROOT=str(build_tmp),
            PRIVATE_ROOT=str(report_root),
        ) as beat:
            deadline = time.monotonic() + STALE_SECONDS + 60  # beat's start-up included
            while row(report)["status"] == ReportStatus.RUNNING:
                assert beat.poll() is None, beat_log.read_text()
                assert time.monotonic() < deadline, beat_log.read_text()[-4000:]
                time.sleep(0.2)
            noticed_after = time.monotonic() - killed_at
            # The watchdog commits the requeue, then deletes what the build left: on a loaded
            # machine the folder was seen between the two (run 2 of round 4, load 7).
            wait_for(lambda: not list(build_tmp.iterdir()), "the killed build's folder to go")
        assert row(report)["status"] == ReportStatus.QUEUED
        assert row(report)["error"] == watchdog.WORKER_LOST_REQUEUED
        assert "running due task report-watchdog" in beat_log.read_text()
        assert not list(build_tmp.iterdir())

        next_worker = pool.start(**worker_env(build_tmp))
        wait_for(lambda: row(report)["status"] in FINISHED, "the build", next_worker, 240)

    assert row(report)["status"] == ReportStatus.SUCCEEDED
    assert row(report)["attempts"] == 2
    assert ReportFile.objects.filter(report=report).count() == 4
    print(f"requeued {noticed_after:.1f} s after the kill, beat start-up included")


def pool_processes(worker: Worker) -> list[int]:
    """The pids of the worker's pool processes (the children of its main process)."""
    children = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == worker.process.pid:
            children.append(int(stat.parent.name))
    return children


def test_a_pool_process_killed_mid_build_is_never_built_twice_and_is_requeued_by_the_watchdog(
    postgres, broker, report_root, build_tmp, tmp_path, settings
):
    # Long enough for the message to come back to a fresh pool process on a busy machine.
    stale = 10.0
    settings.REPORT_HEARTBEAT_STALE_SECONDS = stale
    consultation = consultation_with_responses(count=40, questions=None)
    with workers(broker_url=broker, private_root=report_root, log_dir=tmp_path) as pool:
        worker = pool.start(**worker_env(build_tmp, REPORT_HEARTBEAT_STALE_SECONDS=str(stale)))
        report = services.report_request(
            consultation=consultation, language="en", requested_by=None
        )

        def beating() -> bool:
            state = row(report)
            return bool(state["heartbeat_at"] and state["heartbeat_at"] > state["started_at"])

        wait_for(beating, "the build to beat", worker, 120)
        [child] = pool_processes(worker)
        os.kill(child, signal.SIGKILL)
        killed_at = time.monotonic()

        wait_for(lambda: "not built twice" in worker.log_text(), "the message, back", worker, 60)
        assert row(report)["status"] == ReportStatus.RUNNING
        assert row(report)["attempts"] == 1

        watch_until_it_acts(report, bound=stale + 10)
        assert time.monotonic() - killed_at <= stale + WATCH_EVERY + 1.5
        assert row(report)["error"] == watchdog.WORKER_LOST_REQUEUED
        wait_for(lambda: row(report)["status"] in FINISHED, "the requeued report", worker, 240)

    report.refresh_from_db()
    assert report.status == ReportStatus.SUCCEEDED, report.error
    assert report.attempts == 2
    assert ReportFile.objects.filter(report=report).count() == 4
    assert worker.log_text().count(f"Report {report.pk} succeeded") == 1
    assert list(build_tmp.iterdir()) == []


def test_a_build_killed_at_the_hard_time_limit_is_failed_within_the_limit_not_hours_later(
    postgres, broker, report_root, build_tmp, tmp_path, settings
):
    hard_limit = 4
    consultation = consultation_with_responses(count=40, questions=None)
    with workers(broker_url=broker, private_root=report_root, log_dir=tmp_path) as pool:
        # No soft limit (0: none, in the worker and in the message): the prefork pool arms the
        # hard limit only after the soft one, and a build stopped by the soft limit fails itself.
        worker = pool.start(**worker_env(build_tmp, CELERY_TASK_SOFT_TIME_LIMIT="0"))
        report = services.report_request(
            consultation=consultation, language="en", requested_by=None, queue=False
        )
        # The limits travel with the message: this one's hard limit is a few seconds.
        app.send_task(
            dispatch.BUILD_REPORT, args=(report.pk,), time_limit=hard_limit, soft_time_limit=0
        )
        wait_for(lambda: "Hard time limit" in worker.log_text(), "the hard limit", worker, 120)
        killed_at = time.monotonic()
        # What the issue saw: Celery acknowledged the message; the row still says "running".
        assert row(report)["status"] == ReportStatus.RUNNING

        settings.CELERY_TASK_TIME_LIMIT = hard_limit
        watch_until_it_acts(report, bound=STALE_SECONDS + 10)
        assert time.monotonic() - killed_at <= STALE_SECONDS + WATCH_EVERY + 1.5

    failed = row(report)
    assert failed["status"] == ReportStatus.FAILED
    assert failed["error"] == services.STOPPED_AT_TIME_LIMIT
    assert failed["attempts"] == 1
    assert list(build_tmp.iterdir()) == []
    assert not ReportFile.objects.exists()
    assert dt.timedelta(0) < (failed["heartbeat_at"] - failed["started_at"])


@pytest.fixture
def chunk_fan_out(broker, settings) -> Iterator[dict[str, str]]:
    """Chunked reports sent to the workers as a chord (its result backend: the test's Redis),
    in this process and, through the returned environment, in the workers."""
    settings.CELERY_RESULT_BACKEND = broker
    settings.CELERY_TASK_ALWAYS_EAGER = False
    settings.REPORT_CHUNKED_ABOVE = 20
    settings.REPORT_CHUNK_SIZE = 12
    saved = app.conf.result_backend
    app.conf.result_backend = broker
    vars(app._local).pop("backend", None)
    try:
        yield {
            "CELERY_RESULT_BACKEND": broker,
            "REPORT_CHUNKED_ABOVE": "20",
            "REPORT_CHUNK_SIZE": "12",
        }
    finally:
        app.conf.result_backend = saved
        vars(app._local).pop("backend", None)


def test_every_worker_lost_while_a_chunked_report_waits_in_the_queue_is_requeued_in_seconds(
    postgres,
    broker,
    report_root,
    build_tmp,
    tmp_path,
    settings,
    chunk_fan_out,
    client,
    report_staff,
):
    settings.REPORT_HEARTBEAT_SECONDS = BEAT_SECONDS
    consultation = consultation_with_responses(count=60)
    beat_log = tmp_path / "beat.log"

    def watchdog_runs() -> int:
        return beat_log.read_text(errors="replace").count("running due task report-watchdog")

    with (
        workers(broker_url=broker, private_root=report_root, log_dir=tmp_path) as pool,
        celery_beat(
            broker=broker,
            log=beat_log,
            REPORT_WATCHDOG_SECONDS=str(BEAT_WATCH_EVERY),
            REPORT_WORKER_PING_SECONDS=str(PING_SECONDS),
            REPORT_NO_WORKER_SECONDS=str(NO_WORKER_SECONDS),
            REPORT_HEARTBEAT_SECONDS=str(BEAT_SECONDS),
            REPORT_HEARTBEAT_STALE_SECONDS=str(STALE_SECONDS),
            REPORT_TEMP_ROOT=str(build_tmp),
            PRIVATE_ROOT=str(report_root),
        ) as beat,
    ):
        # Alive and busy elsewhere: it takes nothing from the reports' queue, however long the
        # test looks (a worker busy with another build would take the chunks once it is done).
        busy = pool.start(queues="elsewhere", **worker_env(build_tmp, **chunk_fan_out))
        report = services.report_request(
            consultation=consultation, language="en", requested_by=None, queue=False
        )
        # This process plays the worker that planned the chunks and handed them to the queue.
        services.report_build(report_id=report.pk)
        handed = row(report)
        assert handed["status"] == ReportStatus.RUNNING
        grace = dt.timedelta(seconds=settings.REPORT_QUEUE_GRACE_SECONDS)
        assert handed["heartbeat_at"] > timezone.now() + grace - dt.timedelta(seconds=30)
        chunks = -(-counted_submissions(consultation) // settings.REPORT_CHUNK_SIZE)

        # While a worker answers, the grace holds, run after run (beat's start-up included).
        wait_for(lambda: watchdog_runs() >= 1, "beat's first watchdog run", busy, 90)
        seen = watchdog_runs()
        wait_for(lambda: watchdog_runs() >= seen + 2 + NO_WORKER_SECONDS, "watchdog runs", busy, 60)
        assert row(report) == handed
        assert "No report worker answered" not in beat_log.read_text()

        busy.kill()  # the main process and its pool, with SIGKILL: no worker is left
        killed_at = time.monotonic()
        while row(report)["status"] == ReportStatus.RUNNING:
            assert beat.poll() is None, beat_log.read_text()
            # Without the ping: the rest of the 600 s grace, then the stale limit.
            assert time.monotonic() - killed_at < 60, beat_log.read_text()[-4000:]
            time.sleep(0.2)
        noticed_after = time.monotonic() - killed_at
        # A run at most a period after the kill finds no answer, the runs after it keep asking
        # until the silence lasts NO_WORKER_SECONDS; each silent ping waits its timeout.
        bound = BEAT_WATCH_EVERY + NO_WORKER_SECONDS + BEAT_WATCH_EVERY + 3 * PING_SECONDS
        assert noticed_after <= bound + 3, (noticed_after, beat_log.read_text()[-4000:])
        requeued = row(report)
        assert requeued["status"] == ReportStatus.QUEUED
        assert requeued["error"] == watchdog.NO_WORKER_REQUEUED
        assert requeued["attempts"] == 1
        # The last time a worker was heard from for it: the hand-off, not the grace's end.
        assert requeued["heartbeat_at"] == handed["heartbeat_at"] - grace
        assert "No report worker has answered" in beat_log.read_text()

        client.force_login(report_staff)
        page = client.get(reverse("reports:consultation", args=[consultation.slug]))
        html = page.content.decode()
        assert "No worker answered while this report&#x27;s work waited in the queue" in html
        assert "Last heartbeat from its worker:" in html

        # A worker again: it takes the old chunks first (attempt 1: skipped, the merge does
        # nothing), then the watchdog's message, and builds the report once, in chunks.
        fresh = pool.start(**worker_env(build_tmp, **chunk_fan_out))
        wait_for(lambda: row(report)["status"] in FINISHED, "the requeued report", fresh, 240)

    report.refresh_from_db()
    assert report.status == ReportStatus.SUCCEEDED, report.error
    assert report.attempts == 2
    assert report.error == ""
    assert ReportFile.objects.filter(report=report).count() == 4
    log = fresh.log_text()
    assert log.count(f"Report {report.pk} attempt 1 is no longer running; chunk skipped") == chunks
    assert f"Report {report.pk} attempt 1: nothing to merge" in log
    assert log.count(f"Report {report.pk} succeeded") == 1
    assert "build_report_chunk" in log
    print(f"requeued {noticed_after:.1f} s after every worker was killed")
