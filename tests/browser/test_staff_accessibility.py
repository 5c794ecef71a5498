"""The staff pages are held to the respondent pages' standard: axe-core finds no serious or
critical violation on the sign-in page, the admin's lists and forms, the review actions and the
report pages, in English and in Chinese."""

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from surveys.models import QuestionKind, Submission
from tests.browser.conftest import AxeAudit
from tests.factories import (
    STAFF_PASSWORD,
    AnswerFactory,
    ConsultationFactory,
    QuestionFactory,
    SectionFactory,
    SubmissionFactory,
    ThemeFactory,
    UserFactory,
)

pytestmark = pytest.mark.browser


@pytest.fixture
def paper(transactional_db):
    consultation = ConsultationFactory(slug="otc", title_en="OTC dealing", title_zh="場外交易")
    section = SectionFactory(consultation=consultation, title_en="Scope", title_zh="範圍")
    question = QuestionFactory(
        section=section, code="Q1", kind=QuestionKind.TEXT, text_en="Any views?"
    )
    for number in range(3):
        submission = SubmissionFactory(
            consultation=consultation,
            submitted=True,
            reference=f"OTC-{number + 1:06d}",
            contact_name=f"Person {number}",
        )
        AnswerFactory(submission=submission, question=question, text=f"View number {number}.")
    ThemeFactory(consultation=consultation, name_en="Capital level", name_zh="資本水平")
    return consultation


def sign_in(page, live_server, username: str, audit: AxeAudit) -> None:
    page.goto(live_server.url + reverse("admin:login"))
    expect(page.locator("h1")).to_have_count(1)
    audit.check(page)
    page.locator("#id_username").fill(username)
    page.locator("#id_password").fill(STAFF_PASSWORD)
    page.locator("input[type=submit]").click()
    expect(page.locator("#user-tools")).to_be_visible()


@pytest.mark.parametrize("language", ["en", "zh-hant"])
def test_staff_pages_have_no_serious_accessibility_violations(page, live_server, paper, language):
    UserFactory(username="su", is_superuser=True)
    page.context.add_cookies(
        [{"name": "django_language", "value": language, "url": live_server.url}]
    )
    audit = AxeAudit()
    sign_in(page, live_server, "su", audit)
    submission = Submission.objects.get(reference="OTC-000001")
    for url in [
        reverse("admin:index"),
        reverse("admin:surveys_submission_changelist"),
        reverse("admin:surveys_submission_change", args=[submission.pk]),
        reverse("admin:surveys_consultation_changelist"),
        reverse("admin:surveys_consultation_change", args=[paper.pk]),
        reverse("admin:surveys_theme_changelist"),
        reverse("admin:surveys_campaigngroup_changelist"),
        reverse("admin:auth_user_changelist"),
        reverse("reports:index"),
        reverse("reports:consultation", args=[paper.slug]),
        reverse("reports:conclusions", args=[paper.slug]),
    ]:
        response = page.goto(live_server.url + url)
        assert response is not None and response.status == 200, url
        audit.check(page)

    # The theme-tagging action's own page.
    page.goto(live_server.url + reverse("admin:surveys_submission_changelist"))
    page.locator("#action-toggle").check()
    page.locator("select[name=action]").select_option("tag_selected")
    page.locator("button[name=index]").click()
    expect(page.locator("#id_theme")).to_be_visible()
    audit.check(page)
    audit.assert_clean(at_least=13)
