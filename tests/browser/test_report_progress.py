"""The staff report page in a real browser (Debian's chromium): a running report's progress, and
the watchdog's reason when it queues the report again, shown without reloading the page."""

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import expect

from reports.jobs.watchdog import WORKER_LOST_REQUEUED
from reports.models import Report, ReportStatus
from tests.browser.test_admin_review import sign_in
from tests.factories import ConsultationFactory, UserFactory

pytestmark = pytest.mark.browser


def test_the_page_shows_why_a_running_report_was_queued_again(page, live_server, transactional_db):
    consultation = ConsultationFactory(slug="otc", title_en="OTC dealing")
    report = Report.objects.create(
        consultation=consultation,
        status=ReportStatus.RUNNING,
        progress=40,
        step="Summarising the answers",
        attempts=1,
        started_at=timezone.now(),
        heartbeat_at=timezone.now(),
    )
    UserFactory(username="rory", roles=["Report readers"])
    sign_in(page, live_server, "rory")
    page.goto(live_server.url + reverse("reports:consultation", args=["otc"]))
    card = page.locator(f"#report-{report.pk}-title").locator("xpath=ancestor::article")
    reason = card.locator('[data-report-reason][role="status"]')
    expect(card.locator("[data-progress-step]")).to_have_text("Summarising the answers")
    expect(reason).to_be_hidden()
    # The watchdog finds the heartbeat stale and queues the report again, while the page is open.
    Report.objects.filter(pk=report.pk).update(
        status=ReportStatus.QUEUED,
        error=WORKER_LOST_REQUEUED,
        heartbeat_at=dt.datetime(2026, 11, 24, 10, 0, tzinfo=dt.UTC),
    )
    expect(reason).to_be_visible(timeout=10_000)
    expect(reason).to_contain_text(WORKER_LOST_REQUEUED)
    expect(reason).to_contain_text("Last heartbeat from its worker: 24 Nov 2026 18:00 HKT")
