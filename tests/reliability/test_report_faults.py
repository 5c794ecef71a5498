"""Report jobs survive faults: real worker processes, a real Redis, PostgreSQL.

- The whole worker killed with SIGKILL in the middle of a build: the next worker finishes the same
  report, and there is still one report.
- Redis stopped and started again while reports wait in its queue: with append-only persistence
  (``appendonly yes``) they are still there, and they all finish.
- A build that fails says why on the staff page, and "Try again" there builds it.

The broker is TEST_BROKER_URL (else Redis database 7) on the shared server, one database per
xdist worker (tests/parallel.py), except for the restart test, which starts and stops its own
``redis-server`` on port 6391 (6401 for the second worker, ...; the shared one is never touched).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator

import pytest
from django.contrib.auth.models import Permission
from django.urls import reverse

from consultation.celery import app
from reports.jobs import services
from reports.models import Report, ReportFile, ReportStatus
from tests import parallel
from tests.reliability.servers import redis_server
from tests.reliability.workers import wait_for, workers
from tests.reports.celery_support import broker_url
from tests.reports.report_data import consultation_with_responses

pytestmark = pytest.mark.integration

BROKER = parallel.broker_url("redis://127.0.0.1:6379/7")
# How long an unacknowledged job waits before another worker may take it (production: hours).
VISIBILITY_SECONDS = 8
# The redelivered message restarts the report only once its heartbeat is stale (a fresh one means
# a build still runs): stale here well before the visibility timeout.
QUICK_HEARTBEAT = {"REPORT_HEARTBEAT_SECONDS": "1", "REPORT_HEARTBEAT_STALE_SECONDS": "4"}
FINISHED = {ReportStatus.SUCCEEDED, ReportStatus.FAILED}


@pytest.fixture
def broker() -> Iterator[str]:
    with broker_url(BROKER):
        app.control.purge()
        yield BROKER
        app.control.purge()


def status_of(report: Report) -> str:
    return Report.objects.values_list("status", flat=True).get(pk=report.pk)


def all_finished(reports: list[Report]) -> Callable[[], bool]:
    ids = [r.pk for r in reports]
    return lambda: (
        set(Report.objects.filter(pk__in=ids).values_list("status", flat=True)) <= (FINISHED)
    )


def test_a_report_whose_worker_is_killed_is_finished_by_the_next_worker(
    postgres, broker, report_root, tmp_path
):
    consultation = consultation_with_responses(count=40, questions=None)
    with workers(broker_url=broker, private_root=report_root, log_dir=tmp_path) as pool:
        first = pool.start(CELERY_VISIBILITY_TIMEOUT=str(VISIBILITY_SECONDS), **QUICK_HEARTBEAT)
        report = services.report_request(
            consultation=consultation, language="zh-hant", requested_by=None
        )
        wait_for(lambda: status_of(report) == ReportStatus.RUNNING, "the build", first, 60)
        taken_at = time.monotonic()

        first.kill()

        # The dead worker never acknowledged the job: it is still "running" and still queued.
        assert status_of(report) == ReportStatus.RUNNING
        time.sleep(max(0.0, taken_at + VISIBILITY_SECONDS + 1 - time.monotonic()))
        second = pool.start(CELERY_VISIBILITY_TIMEOUT=str(VISIBILITY_SECONDS), **QUICK_HEARTBEAT)
        wait_for(all_finished([report]), "the same report to finish", second, 180)

    report.refresh_from_db()
    assert report.status == ReportStatus.SUCCEEDED, report.error
    assert report.attempts == 2
    assert Report.objects.count() == 1
    assert sorted(ReportFile.objects.filter(report=report).values_list("format", flat=True)) == [
        "csv",
        "json",
        "pdf",
        "xlsx",
    ]
    assert "is restarted: its worker stopped" in second.log_text()


def test_reports_queued_while_redis_restarts_still_finish(postgres, report_root, tmp_path):
    # One long build that runs through the outage, and two short ones waiting behind it.
    long = consultation_with_responses(count=40, questions=None)
    short = consultation_with_responses(slug="va-custody", count=10, questions=5)
    with (
        redis_server(tmp_path / "redis") as redis,
        broker_url(redis.url),
        workers(broker_url=redis.url, private_root=report_root, log_dir=tmp_path) as pool,
    ):
        worker = pool.start()
        reports = [
            services.report_request(consultation=consultation, language=language, requested_by=None)
            for consultation, language in ((long, "en"), (short, "zh-hant"), (short, "en"))
        ]
        wait_for(lambda: status_of(reports[0]) == ReportStatus.RUNNING, "the first build", worker)
        assert redis.queue_length() == 2
        # The running build's message is held too, unacknowledged until it finishes.
        held = redis.held()
        assert held == 3

        redis.stop()
        time.sleep(2)
        redis.start()

        # Every message was kept on disk (append-only file) and is there again. The worker may
        # already have reconnected and taken one of the waiting two: it is then unacknowledged,
        # still held, not lost.
        assert redis.held() == held
        wait_for(all_finished(reports), "every queued report", worker, 240)

    statuses = dict(Report.objects.values_list("pk", "status"))
    assert statuses == {r.pk: ReportStatus.SUCCEEDED for r in reports}
    assert ReportFile.objects.count() == 4 * len(reports)
    assert set(Report.objects.values_list("attempts", flat=True)) == {1}
    log = worker.log_text()
    assert "Connection to broker lost" in log
    assert log.count(f"Connected to {redis.url.replace('redis://', 'redis://:**@')}") == 2


def test_without_append_only_persistence_a_restart_loses_queued_reports(postgres, tmp_path):
    """Why production Redis needs ``appendonly yes``: the same restart with no persistence."""
    short = consultation_with_responses(slug="va-custody", count=5, questions=3)
    with redis_server(tmp_path / "redis", persistent=False) as redis, broker_url(redis.url):
        services.report_request(consultation=short, language="en", requested_by=None)
        assert redis.queue_length() == 1
        redis.stop()
        redis.start()
        assert redis.queue_length() == 0
    # Nothing will ever build it: it waits until the stale-job sweep marks it failed.
    assert Report.objects.get().status == ReportStatus.QUEUED


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


def test_a_failed_report_says_why_and_try_again_on_the_staff_page_builds_it(
    postgres, broker, report_root, tmp_path, client, report_staff
):
    consultation = consultation_with_responses(count=10)
    # The worker's file storage is broken: its folder sits under a plain file.
    blocked = tmp_path / "not-a-folder"
    blocked.write_text("storage outage")
    page_url = reverse("reports:consultation", args=[consultation.slug])
    client.force_login(report_staff)
    with workers(broker_url=broker, private_root=report_root, log_dir=tmp_path) as pool:
        broken = pool.start(PRIVATE_ROOT=str(blocked / "private"))
        requested = client.post(
            reverse("reports:request", args=[consultation.slug]), {"language": "en"}
        )
        assert requested.status_code == 302
        report = Report.objects.get()
        wait_for(all_finished([report]), "the failing build", broken)

        report.refresh_from_db()
        assert report.status == ReportStatus.FAILED
        assert report.error.startswith("Building the report failed: ")
        assert "Not a directory" in report.error
        page = client.get(page_url).content.decode()
        assert "Failed" in page
        assert "Building the report failed: [Errno 20] Not a directory" in page
        retry_url = reverse("reports:retry", args=[report.pk])
        assert f'action="{retry_url}"' in page
        assert not ReportFile.objects.exists()

        broken.stop()
        healthy = pool.start()
        retried = client.post(retry_url, follow=True)
        assert retried.status_code == 200
        assert f"Report #{report.pk} is queued again." in retried.content.decode()
        wait_for(all_finished([report]), "the retried build", healthy)

    report.refresh_from_db()
    assert report.status == ReportStatus.SUCCEEDED, report.error
    assert report.error == ""
    assert report.attempts == 2
    assert Report.objects.count() == 1
    page = client.get(page_url).content.decode()
    assert "Succeeded" in page
    assert "Building the report failed" not in page
    download = client.get(reverse("reports:download", args=[report.pk, "pdf"]))
    assert download.status_code == 200
    assert b"".join(download.streaming_content).startswith(b"%PDF-")
