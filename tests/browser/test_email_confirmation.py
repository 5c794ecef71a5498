"""Email confirmation in a real browser: the form says the address must be confirmed, the link
confirms in English and Chinese, a bad link reads clearly, and a reviewer finds the unconfirmed
responses and sends the link again; axe-core on every respondent page (the admin's own pages
are not axe-checked, as in the other admin browser tests)."""

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from surveys.journey import confirmation
from surveys.models import Consultation, Submission
from tests.browser.test_admin_review import sign_in
from tests.factories import SubmissionFactory

pytestmark = pytest.mark.browser

SLUG = "va-otc-dealing"


@pytest.fixture
def otc(demo):
    Consultation.objects.filter(slug=SLUG).update(requires_email_confirmation=True)
    consultation = Consultation.objects.get(slug=SLUG)
    waiting = SubmissionFactory(
        consultation=consultation, submitted=True, reference="OTC-000007", language="zh-hant"
    )
    return consultation, waiting


def test_a_respondent_confirms_from_the_link_in_either_language(
    page, live_server, otc, axe, tmp_path
):
    consultation, waiting = otc
    page.goto(live_server.url + reverse("surveys:step", args=[SLUG, 1]))
    expect(page.locator("#confirm-email-note")).to_contain_text("confirm the address")
    axe.check(page)

    token = confirmation.email_confirmation_issue(submission=waiting)
    link = live_server.url + reverse("surveys:confirm_email", args=[token])
    page.context.add_cookies(
        [{"name": "django_language", "value": "zh-hant", "url": live_server.url}]
    )
    page.goto(link)
    expect(page.get_by_role("heading", level=1)).to_have_text("電郵地址已確認")
    expect(page.locator("#reference")).to_have_text("OTC-000007")
    page.screenshot(path=tmp_path / "confirmed-zh.png", full_page=True)
    axe.check(page)
    waiting.refresh_from_db()
    assert waiting.email_confirmed_at is not None

    page.context.add_cookies([{"name": "django_language", "value": "en", "url": live_server.url}])
    page.goto(link)
    expect(page.locator("#confirm-outcome")).to_contain_text("already confirmed")
    axe.check(page)
    page.goto(link[:-8] + "/")
    expect(page.get_by_role("heading", level=1)).to_have_text("This link does not work")
    page.screenshot(path=tmp_path / "bad-link-en.png", full_page=True)
    axe.check(page)
    axe.assert_clean(at_least=4)


def test_a_reviewer_finds_unconfirmed_responses_and_sends_the_link_again(
    page, live_server, otc, reviewer, sent, tmp_path
):
    consultation, waiting = otc
    sign_in(page, live_server, "reviewer")
    page.goto(live_server.url + reverse("admin:surveys_consultation_changelist"))
    page.get_by_role("link", name="1 awaiting email confirmation").click()
    expect(page.locator("#result_list")).to_contain_text("OTC-000007")
    expect(page.locator("#result_list")).to_contain_text("awaiting")
    page.locator("#result_list input[name=_selected_action]").first.check()
    page.locator("select[name=action]").select_option("resend_email_confirmation")
    page.locator("button[name=index]").click()
    expect(page.locator(".messagelist")).to_contain_text("1 confirmation link sent")
    page.screenshot(path=tmp_path / "admin-resend.png", full_page=True)
    (message,) = sent()
    assert message.to == [waiting.email]
    assert "/confirm-email/" in message.body
    assert Submission.objects.get(pk=waiting.pk).email_confirmation_hash
