"""End to end on real parts: PostgreSQL, a Redis broker and a `celery worker` process.

From the admin action "Build summary report" to the PDF downloaded through the staff view; the
same job delivered twice; a worker process killed in the middle of a build; a job stopped at its
soft time limit; and a staff user watching the progress bar in Debian's chromium.
"""

from __future__ import annotations

import concurrent.futures
import contextlib
import os
import signal
import subprocess
import time
from collections.abc import Callable, Iterator

import pytest
from django import db
from django.contrib.auth.models import Permission
from django.urls import reverse
from playwright.sync_api import BrowserContext, Page, sync_playwright
from playwright.sync_api import Error as PlaywrightError

from reports.jobs import services, tasks, watchdog
from reports.models import Report, ReportFile, ReportStatus
from tests.reports.report_data import consultation_with_responses, counted_submissions

pytestmark = pytest.mark.integration

# A bound for a hung worker, not a speed check (the bench times builds): two editions one after
# the other took 230 s with the suite in parallel on a machine at load 12.
BUILD_TIMEOUT = 600


def _wait_for(condition: Callable[[], bool], what: str, worker, timeout: float = BUILD_TIMEOUT):
    deadline = time.monotonic() + timeout
    while not condition():
        if worker.process.poll() is not None:
            pytest.fail(f"The worker exited while waiting for {what}:\n{worker.log_text()}")
        if time.monotonic() > deadline:
            pytest.fail(f"Timed out waiting for {what}:\n{worker.log_text()[-4000:]}")
        time.sleep(0.1)


def _finished(*report_ids: int) -> Callable[[], bool]:
    def check() -> bool:
        statuses = set(Report.objects.filter(pk__in=report_ids).values_list("status", flat=True))
        return statuses <= {ReportStatus.SUCCEEDED, ReportStatus.FAILED}

    return check


def _pdf_text(data: bytes, tmp_path) -> str:
    path = tmp_path / "downloaded.pdf"
    path.write_bytes(data)
    return subprocess.run(  # noqa: S603
        ["/usr/bin/pdftotext", "-layout", str(path), "-"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout


@pytest.fixture
def staff_requester(django_user_model):
    user = django_user_model.objects.create_user(
        "report-builder", password="a-long-test-password", is_staff=True
    )
    user.user_permissions.add(
        *Permission.objects.filter(
            content_type__app_label__in=["surveys", "reports"],
            codename__in=["view_consultation", "view_report", "add_report"],
        )
    )
    return user


def test_admin_action_to_downloaded_pdf(celery_worker_process, client, staff_requester, tmp_path):
    worker = celery_worker_process()
    consultation = consultation_with_responses(count=40, questions=None)
    client.force_login(staff_requester)

    response = client.post(
        reverse("admin:surveys_consultation_changelist"),
        {"action": "build_summary_report", "_selected_action": [consultation.pk]},
        follow=True,
    )
    assert response.status_code == 200
    assert reverse("reports:consultation", args=[consultation.slug]) in response.content.decode()
    reports = {r.language: r for r in Report.objects.filter(consultation=consultation)}
    assert set(reports) == {"en", "zh-hant"}
    assert all(r.requested_by == staff_requester for r in reports.values())

    seen_progress = set()

    def finished_while_watching() -> bool:
        for report in reports.values():
            data = client.get(reverse("reports:progress", args=[report.pk])).json()
            seen_progress.add(data["progress"])
        return _finished(*(r.pk for r in reports.values()))()

    _wait_for(finished_while_watching, "both editions", worker)
    for report in reports.values():
        report.refresh_from_db()
        assert report.status == ReportStatus.SUCCEEDED, report.error
        assert report.snapshot_count == counted_submissions(consultation) == 37
        assert ReportFile.objects.filter(report=report).count() == 4
    assert 100 in seen_progress

    english = client.get(reverse("reports:download", args=[reports["en"].pk, "pdf"]))
    assert english.status_code == 200
    assert english["Content-Disposition"].startswith(
        'attachment; filename="va-otc-dealing-summary-en-'
    )
    data = b"".join(english.streaming_content)
    assert data.startswith(b"%PDF-")
    text = _pdf_text(data, tmp_path)
    assert consultation.title_en.split()[0] in text
    for code in consultation.questions.values_list("code", flat=True):
        assert code in text
    assert "37" in text

    chinese = client.get(reverse("reports:download", args=[reports["zh-hant"].pk, "pdf"]))
    chinese_text = _pdf_text(b"".join(chinese.streaming_content), tmp_path)
    assert consultation.title_zh in chinese_text.replace("\n", "").replace(" ", "")

    # Anonymous visitors get none of it.
    client.logout()
    download = client.get(reverse("reports:download", args=[reports["en"].pk, "pdf"]))
    assert download.status_code == 302


def test_a_job_delivered_twice_builds_one_report_once(celery_worker_process):
    worker = celery_worker_process()
    consultation = consultation_with_responses(count=10)
    report = services.report_request(
        consultation=consultation, language="en", requested_by=None, queue=False
    )
    tasks.build_report.delay(report.pk)
    tasks.build_report.delay(report.pk)

    _wait_for(
        lambda: (
            worker.log_text().count("Task reports.tasks.build_report[") >= 4
            and worker.log_text().count("succeeded in") >= 2
        ),
        "both deliveries",
        worker,
    )
    report.refresh_from_db()
    assert report.status == ReportStatus.SUCCEEDED
    assert report.attempts == 1
    assert Report.objects.count() == 1
    assert sorted(ReportFile.objects.values_list("format", flat=True)) == [
        "csv",
        "json",
        "pdf",
        "xlsx",
    ]
    assert "already succeeded; delivered again" in worker.log_text()


def test_a_build_whose_worker_process_dies_is_finished_on_the_same_row(
    celery_worker_process, settings
):
    # The message comes straight back to a new pool process; the report is restarted once its
    # heartbeat is stale, by that delivery or by the watchdog (run here as beat would).
    settings.REPORT_HEARTBEAT_STALE_SECONDS = 3
    worker = celery_worker_process(
        REPORT_HEARTBEAT_SECONDS="0.5", REPORT_HEARTBEAT_STALE_SECONDS="3"
    )
    consultation = consultation_with_responses(count=40, questions=None)
    report = services.report_request(
        consultation=consultation, language="zh-hant", requested_by=None, queue=False
    )
    tasks.build_report.delay(report.pk)
    _wait_for(
        lambda: Report.objects.get(pk=report.pk).status == ReportStatus.RUNNING,
        "the build to start",
        worker,
        timeout=60,
    )
    (child,) = worker.pool_children()
    os.kill(child, signal.SIGKILL)

    finished = _finished(report.pk)

    def watched_and_finished() -> bool:
        watchdog.reports_watch()
        return finished()

    _wait_for(watched_and_finished, "the redelivered build", worker)
    report.refresh_from_db()
    assert report.status == ReportStatus.SUCCEEDED, report.error
    assert report.attempts == 2
    assert Report.objects.count() == 1
    assert ReportFile.objects.filter(report=report).count() == 4
    assert "WorkerLostError" in worker.log_text()


def test_a_build_past_its_soft_time_limit_fails_with_a_clear_message(celery_worker_process):
    worker = celery_worker_process()
    consultation = consultation_with_responses(count=60, questions=None)
    report = services.report_request(
        consultation=consultation, language="en", requested_by=None, queue=False
    )
    # The sender's limits travel in the message; a full build takes several seconds.
    tasks.build_report.apply_async(args=[report.pk], soft_time_limit=1, time_limit=60)

    _wait_for(_finished(report.pk), "the build to stop", worker)
    report.refresh_from_db()
    assert report.status == ReportStatus.FAILED
    assert report.error.startswith("Stopped: building the report took longer than the time")
    assert not ReportFile.objects.filter(report=report).exists()


CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@contextlib.contextmanager
def _chromium_context() -> Iterator[BrowserContext]:
    # Started only after the test's own database work: while Playwright's event loop runs in this
    # thread, Django hands out a separate connection, which would outlive the test database.
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS
        )
        context = browser.new_context(accept_downloads=True, locale="en-GB")
        try:
            yield context
        finally:
            context.close()
            browser.close()


@pytest.mark.browser
def test_staff_watch_the_bar_move_and_download_the_pdf(
    celery_worker_process, live_server, client, staff_requester, settings
):
    worker = celery_worker_process()
    consultation = consultation_with_responses(count=40, questions=None)
    client.force_login(staff_requester)
    session = client.cookies[settings.SESSION_COOKIE_NAME].value
    url = live_server.url + reverse("reports:consultation", args=[consultation.slug])
    cookie = {"name": settings.SESSION_COOKIE_NAME, "value": session, "url": live_server.url}

    def watch() -> None:
        try:
            with _chromium_context() as browser_context:
                browser_context.add_cookies([cookie])
                _watch_and_download(browser_context.new_page(), url, worker)
        finally:
            db.connections.close_all()  # this thread's connections, before the test DB goes

    # In a thread of its own: pytest-playwright's session keeps an event loop running in this
    # one once any browser test has run, and the sync API refuses to start inside it.
    with concurrent.futures.ThreadPoolExecutor(max_workers=1) as pool:
        pool.submit(watch).result()


def _watch_and_download(page: Page, url: str, worker) -> None:
    page.goto(url)
    page.select_option("select[name=language]", "zh-hant")
    page.get_by_role("button", name="Build report").click()
    page.wait_for_selector("[role=progressbar]")

    seen: list[int] = []
    deadline = time.monotonic() + BUILD_TIMEOUT
    while time.monotonic() < deadline:
        try:
            value = page.evaluate(
                "() => document.querySelector('[role=progressbar]')"
                "?.getAttribute('aria-valuenow') ?? 'gone'"
            )
        except PlaywrightError:  # the page is reloading: the job has finished
            break
        if value == "gone":
            break
        seen.append(int(value))
        page.wait_for_timeout(100)
    assert worker.process.poll() is None, worker.log_text()

    pdf_link = page.locator("a[href$='/files/pdf/']")
    pdf_link.wait_for(timeout=30_000)
    # The bar moved while the job ran, and the page reloaded on its own once it was done.
    assert any(0 < value < 100 for value in seen), seen
    assert seen == sorted(seen)
    assert page.get_by_text("Succeeded").count() == 1
    with page.expect_download() as download_info:
        pdf_link.click()
    download = download_info.value
    assert download.suggested_filename.startswith("va-otc-dealing-summary-zh-hant-")
    with open(download.path(), "rb") as handle:
        assert handle.read(5) == b"%PDF-"
