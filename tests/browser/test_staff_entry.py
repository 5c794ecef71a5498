"""Staff entry in a real browser (Debian's chromium): a reviewer enters a posted letter with its
scan, page by page, with the respondent's own questions and conditions; every page passes axe."""

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import expect

from surveys.models import ReviewEvent, Submission
from tests.browser.test_admin_review import sign_in
from tests.factories import UserFactory
from tests.surveys.intake.entry_data import letter_consultation

pytestmark = pytest.mark.browser


@pytest.fixture
def consultation(transactional_db):
    return letter_consultation(title_en="Licensing OTC dealing", title_zh="場外交易發牌")


def test_a_reviewer_enters_a_posted_letter_with_its_scan(
    page, live_server, consultation, private_storage_tmp, pdf_file, axe
):
    UserFactory(username="rita", roles=["Reviewers"])
    sign_in(page, live_server, "rita")
    page.goto(
        live_server.url
        + reverse("admin:surveys_submission_changelist")
        + f"?consultation__id__exact={consultation.pk}"
    )
    page.get_by_role("link", name="Enter a response received by email, post or fax").click()

    # Step 1: how and when it came, the scan, and the respondent's own "About you" questions.
    expect(page.locator("h1")).to_contain_text("how it was received")
    axe.check(page)
    received = timezone.localdate() - dt.timedelta(days=2)
    page.get_by_label("Post", exact=True).check()
    page.locator("#id_received_date").fill(received.isoformat())
    page.locator("#id_received_time").fill("10:30")
    page.locator("#id_original").set_input_files(str(pdf_file))
    organisation = page.locator("#id_organisation_name")
    expect(organisation).to_be_hidden()  # shown only for an organisation, as on the public form
    page.get_by_label("On behalf of an organisation").check()
    expect(organisation).to_be_visible()
    organisation.fill("Harbour Exchange Ltd")
    page.locator("#id_category").select_option("online_platform")
    page.locator("#id_contact_name").fill("Chan Tai Man")
    page.get_by_label("Publish my response without my name").check()
    page.locator("#id_privacy_acknowledged").check()
    page.get_by_role("button", name="Save and continue").click()

    # The first section: the same conditional question as the respondent's page.
    expect(page.locator("h1")).to_contain_text("Scope")
    axe.check(page)
    why = page.locator("#id_q_Q2")
    expect(why).to_be_hidden()
    page.get_by_label("Yes", exact=True).check()
    expect(why).to_be_visible()
    why.fill("Clients at shops need the same protection as on platforms.")
    page.get_by_role("button", name="Save and continue").click()

    expect(page.locator("h1")).to_contain_text("Costs")
    page.locator("#id_q_Q3").fill("not known")
    page.get_by_role("button", name="Save and continue").click()
    expect(page.locator("body")).to_contain_text("Enter a whole number")
    axe.check(page)
    page.locator("#id_q_Q3").fill("1,200,000")
    page.get_by_role("button", name="Save and continue").click()

    expect(page.locator("h1")).to_contain_text("General comments")
    axe.check(page)
    page.locator("#id_text").fill("Paragraph 9 asks for a second consultation on fees.")
    page.get_by_role("button", name="Save and continue").click()

    expect(page.locator("h1")).to_contain_text("Check the entry")
    axe.check(page)
    expect(page.locator("body")).to_contain_text("position-paper.pdf")
    expect(page.locator("body")).to_contain_text("1200000")
    page.get_by_role("button", name="Enter the response").click()

    # The entered response: its reference, how it came, its comments and the original.
    messages = page.locator(".messagelist")
    expect(messages).to_contain_text("entered (received by Post)")
    axe.check(page)
    submission = Submission.objects.get(channel="post")
    assert submission.state == "submitted"
    expect(messages).to_contain_text(submission.reference)
    expect(page.locator("#general-comments")).to_contain_text("Paragraph 9")
    expect(page.locator("#review-history")).to_contain_text("Entered by staff")
    with page.expect_download() as download:
        page.locator("#originals").get_by_role("link", name="position-paper.pdf").click()
    assert download.value.path().read_bytes().startswith(b"%PDF-")
    assert submission.entered_by.username == "rita"
    assert timezone.localtime(submission.received_at).strftime("%H:%M") == "10:30"
    assert ReviewEvent.objects.filter(submission=submission, field="entered").count() == 1

    # The list shows the channel.
    page.goto(live_server.url + reverse("admin:surveys_submission_changelist") + "?channel=post")
    expect(page.locator("#result_list")).to_contain_text("Post")
    axe.assert_clean(at_least=6)
