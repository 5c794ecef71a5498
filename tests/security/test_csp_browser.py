"""The Content Security Policy blocks nothing the site itself needs, in Debian's chromium.

The policy forbids inline script and style. Every page a respondent or a member of staff uses is
opened in a real browser that records each violation the policy reports; the pages' own scripts
must still work (conditional questions, the admin's widgets, the report progress bar).
"""

from __future__ import annotations

from pathlib import Path

import pytest
from django.core.cache import cache
from django.urls import reverse
from playwright.sync_api import Page, expect

from reports.jobs import services as report_services
from surveys.demo.loader import demo_files, demo_load
from surveys.models import Submission
from tests.security.responses import respond

pytestmark = pytest.mark.browser

RECORD_VIOLATIONS = """
window.__violations = [];
document.addEventListener("securitypolicyviolation", (event) => {
  window.__violations.push(
    `${event.violatedDirective} ${event.blockedURI} ${event.sourceFile}:${event.lineNumber}`
  );
});
"""


class Visits:
    """Every page visited, with the violations and console errors each one caused."""

    def __init__(self, page: Page, base_url: str) -> None:
        self.page = page
        self.base_url = base_url
        self.problems: dict[str, list[str]] = {}
        self.seen: list[str] = []
        page.on("console", self._console)
        page.on("response", self._response)

    def _console(self, message) -> None:
        # Failed loads are reported with their address by _response.
        if message.type == "error" and not message.text.startswith("Failed to load resource"):
            self.problems.setdefault(self.page.url, []).append(message.text)

    def _response(self, response) -> None:
        if response.status >= 400 and not response.url.endswith("/favicon.ico"):
            self.problems.setdefault(self.page.url, []).append(f"{response.status} {response.url}")

    def check(self) -> None:
        self.page.wait_for_load_state("load")
        self.seen.append(self.page.url)
        found = self.page.evaluate("() => window.__violations || []")
        if found:
            self.problems.setdefault(self.page.url, []).extend(found)

    def go(self, url: str) -> None:
        response = self.page.goto(self.base_url + url)
        assert response is not None and response.status < 400, (url, response and response.status)
        self.check()


@pytest.fixture
def watched(context, live_server) -> Visits:
    """A page of a fresh browser context that records every policy violation."""
    context.add_init_script(RECORD_VIOLATIONS)
    return Visits(context.new_page(), live_server.url)


@pytest.fixture
def demo(transactional_db, live_server):
    """Both demo consultations, committed so that the live server's thread sees them."""
    loaded = {}
    for path in demo_files():
        consultation, _ = demo_load(path=Path(path))
        loaded[consultation.slug] = consultation
    return loaded


def test_respondent_pages_run_their_scripts_under_the_policy(demo, watched):
    cache.clear()
    visits, page = watched, watched.page
    visits.go(reverse("surveys:index"))
    visits.go(reverse("surveys:detail", args=["va-otc-dealing"]))
    visits.go(reverse("surveys:step", args=["va-otc-dealing", 1]))
    organisation = page.locator("#id_organisation_name")
    expect(organisation).to_be_hidden()
    page.get_by_label("On behalf of an organisation").check()
    expect(organisation).to_be_visible()  # journey.js ran: the condition is live
    organisation.fill("Harbour Digital Ltd")
    page.get_by_label("Which of these best describes").select_option("online_platform")
    page.get_by_label("Your full name").fill("Chan Tai Man")
    page.get_by_label("Email address").fill("chan@example.com")
    page.get_by_label("Publish my response without my name").check()
    page.get_by_label("I have read the personal information").check()
    page.get_by_role("button", name="Save and continue").click()
    visits.check()
    escrow = page.locator("#id_q_Q5")
    expect(escrow).to_be_hidden()
    page.locator("#id_q_Q4_0").check()  # "Yes" reveals the follow-up question
    escrow.fill("Escrow of up to one day should be covered.")
    expect(page.locator("[data-count-for=id_q_Q5]")).to_contain_text("remaining")
    visits.check()
    assert visits.problems == {}
    assert Submission.objects.filter(email="chan@example.com").exists()
    assert len(visits.seen) >= 5


@pytest.fixture
def staff_world(demo, live_server, django_user_model):
    """A superuser, a submitted response and a running report to look at."""
    user = django_user_model.objects.create_superuser(
        "csp-admin", "csp-admin@example.com", "a-long-test-password"
    )
    consultation = demo["va-otc-dealing"]
    submission = respond(consultation, name="Chan Tai Man", email="chan@example.com")
    report = report_services.report_request(
        consultation=consultation, language="en", requested_by=user, queue=False
    )
    return {"user": user, "consultation": consultation, "submission": submission, "report": report}


def test_the_admin_and_report_pages_work_under_the_policy(staff_world, watched):
    cache.clear()
    consultation = staff_world["consultation"]
    submission = staff_world["submission"]
    visits, page = watched, watched.page
    visits.go(reverse("admin:login"))
    page.get_by_label("Username").fill("csp-admin")
    page.get_by_label("Password").fill("a-long-test-password")
    page.get_by_role("button", name="Log in").click()
    visits.check()
    assert page.url.endswith(reverse("admin:index"))
    visits.go(reverse("admin:surveys_submission_changelist"))
    # The admin's own script: "select all" ticks every row's box.
    page.locator("#action-toggle").check()
    expect(page.locator("input.action-select").first).to_be_checked()
    visits.go(reverse("admin:surveys_submission_change", args=[submission.pk]))
    visits.go(reverse("admin:surveys_consultation_change", args=[consultation.pk]))
    visits.go(reverse("admin:surveys_question_changelist"))
    visits.go(reverse("admin:surveys_theme_suggest"))
    visits.go(reverse("admin:surveys_campaigngroup_detect"))
    visits.go(reverse("admin:reports_report_changelist"))
    visits.go(reverse("reports:conclusions", args=[consultation.slug]))
    visits.go(reverse("reports:index"))
    visits.go(reverse("reports:consultation", args=[consultation.slug]))
    # progress.js polls the progress endpoint and draws the bar without inline style.
    expect(page.locator("[data-report-progress]").first).to_be_visible()
    page.wait_for_timeout(1500)
    visits.check()
    assert visits.problems == {}
