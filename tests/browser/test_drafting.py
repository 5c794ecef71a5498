"""Drafting a response together in two browsers (two contexts of Debian's chromium): the owner
starts and invites a colleague, the colleague opens the link from the email and changes an
answer, the owner sees the change and who made it, then submits; the colleague's link then stops
working. axe-core checks every page."""

import re

import pytest
from playwright.sync_api import expect

from surveys.models import DraftChange, Submission, SubmissionState
from tests.browser.test_journey import about_you, save_and_continue

pytestmark = pytest.mark.browser

LINK = re.compile(r"https?://[^\s\"<]+/drafts/[A-Za-z0-9_-]+/")
COLLEAGUE = "legal@harbour.example"


def _answer_required_and_reach_review(page) -> None:
    """Steps 2 to 7 with the required answers only (Q1, Q7, Q13, Q22)."""
    page.locator("input[name=q_Q1][value=agree]").check()
    page.locator("input[name=q_Q7][value=sfc]").check()
    save_and_continue(page)
    save_and_continue(page)  # step 3
    page.locator("input[name=q_Q13][value=all_trades]").check()
    save_and_continue(page)
    save_and_continue(page)  # step 5
    page.locator("input[name=q_Q22][value=six_months]").check()
    save_and_continue(page)
    save_and_continue(page)  # step 7, no files
    expect(page.locator(".chk-progress")).to_have_text("Step 8 of 8")


def test_two_colleagues_draft_one_response_and_the_owner_submits(
    browser, live_server, demo, axe, sent
):
    owner_context, colleague_context = browser.new_context(), browser.new_context()
    owner, colleague = owner_context.new_page(), colleague_context.new_page()
    for page in (owner, colleague):
        page.set_default_timeout(10_000)

    # The owner starts a response for their firm and reaches the check-your-answers page.
    owner.goto(f"{live_server.url}/consultations/va-otc-dealing/respond/")
    about_you(owner, organisation="Harbour Digital Ltd", email="chan@example.com")
    save_and_continue(owner)
    _answer_required_and_reach_review(owner)
    expect(owner.locator("#drafting-heading")).to_be_visible()
    axe.check(owner)

    # Invites a colleague from the draft.
    owner.get_by_role("link", name="Invite colleagues").click()
    expect(owner.get_by_role("heading", level=1)).to_have_text(
        "Invite colleagues to draft this response"
    )
    axe.check(owner)
    owner.get_by_label("Your colleague's email address").fill(COLLEAGUE)
    owner.get_by_role("button", name="Send the invitation").click()
    expect(owner.locator("main")).to_contain_text(f"We have emailed an invitation to {COLLEAGUE}")
    expect(owner.locator("table")).to_contain_text(COLLEAGUE)
    axe.check(owner)
    invitation = next(m for m in sent() if m.to == [COLLEAGUE])
    link = LINK.search(invitation.body).group(0)
    assert "/resume/" not in invitation.body

    # The colleague opens the link from the email: the same draft, as a colleague.
    colleague.goto(link)
    expect(colleague.locator(".chk-progress")).to_have_text("Step 8 of 8")
    expect(colleague.locator("main")).to_contain_text(
        f"You are helping 陳大文 Chan Tai Man draft this response, as {COLLEAGUE}"
    )
    expect(colleague.locator("#submit-not-allowed")).to_be_visible()
    expect(colleague.get_by_role("button", name="Submit your response")).to_have_count(0)
    axe.check(colleague)
    colleague.get_by_role("link", name="Change your answer to Q26").click()
    axe.check(colleague)
    colleague.locator("#id_q_Q26").fill("Legal team: custody firms need twelve months. 託管需時。")
    save_and_continue(colleague)
    expect(colleague.locator(".chk-progress")).to_have_text("Step 8 of 8")
    expect(colleague.locator("#draft-history")).to_contain_text(COLLEAGUE)

    # The owner sees the change and who made it.
    owner.goto(f"{live_server.url}/consultations/va-otc-dealing/respond/step/8/")
    expect(owner.locator("main")).to_contain_text("Legal team: custody firms need twelve months.")
    history = owner.locator("#draft-history")
    expect(history.locator("tbody tr").first).to_contain_text(COLLEAGUE)
    expect(history.locator("tbody tr").first).to_contain_text("Q26")
    expect(history).to_contain_text("陳大文 Chan Tai Man (started this response)")
    axe.check(owner)

    # The owner submits; the colleague's access ends with a clear message.
    owner.get_by_role("button", name="Submit your response").click()
    expect(owner.get_by_role("heading", name="Response submitted")).to_be_visible()
    submission = Submission.objects.get()
    assert submission.state == SubmissionState.SUBMITTED
    assert submission.revisions.get().respondent["drafted_by"] == [COLLEAGUE]
    assert DraftChange.objects.filter(collaborator__email=COLLEAGUE).exists()
    colleague.reload()
    expect(colleague.locator("main")).to_contain_text("Your access to a colleague")
    axe.check(colleague)
    colleague.goto(link)
    expect(colleague.get_by_role("heading", level=1)).to_have_text("This link no longer works")
    axe.check(colleague)
    axe.assert_clean(at_least=8)
    owner_context.close()
    colleague_context.close()
