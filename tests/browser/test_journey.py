"""The respondent's journey in a real browser (Debian's chromium), with axe-core on every page."""

import datetime as dt
import re

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from surveys.journey import selectors as journey_selectors
from surveys.models import Submission, SubmissionState
from tests.factories import ConsultationFactory

pytestmark = pytest.mark.browser


def about_you(page, *, organisation: str | None, email: str, consent_index: int = 1) -> None:
    if organisation:
        page.locator("#id_respondent_type_1").check()
        expect(page.locator("#id_organisation_name")).to_be_visible()
        page.locator("#id_organisation_name").fill(organisation)
    else:
        page.locator("#id_respondent_type_0").check()
    page.locator("#id_category").select_option("online_platform")
    page.locator("#id_contact_name").fill("陳大文 Chan Tai Man")
    page.locator("#id_email").fill(email)
    page.locator(f"#id_consent_{consent_index}").check()
    page.locator("#id_privacy_acknowledged").check()


def save_and_continue(page) -> None:
    page.locator("button[name=continue]").click()
    page.wait_for_load_state()


def test_complete_otc_consultation_in_english(
    page, live_server, demo, axe, sent, pdf_file, private_storage_tmp
):
    page.goto(live_server.url)
    axe.check(page)
    page.get_by_role("link", name=re.compile("over-the-counter dealing")).click()
    axe.check(page)
    page.get_by_role("link", name="Respond", exact=True).click()
    expect(page.locator(".chk-progress")).to_have_text("Step 1 of 8")
    axe.check(page)

    # An empty first page: the error summary takes focus and links to each field.
    save_and_continue(page)
    expect(page.locator("#error-summary")).to_be_focused()
    expect(page).to_have_title(re.compile("^Error: "))
    axe.check(page)
    page.locator("#error-summary a[href='#id_contact_name']").click()
    expect(page.locator("#id_contact_name")).to_be_focused()

    about_you(page, organisation="Harbour Digital Ltd", email="chan@example.com")
    save_and_continue(page)
    assert len(sent()) == 1  # the resume link

    expect(page.locator(".chk-progress")).to_have_text("Step 2 of 8")
    page.get_by_role("group", name=re.compile("^Q1\\.")).get_by_label("Agree", exact=True).check()
    page.get_by_label("Physical shops").check()
    page.get_by_label("Mobile apps and websites").check()
    q4 = page.get_by_role("group", name=re.compile("^Q4\\."))
    q4.get_by_label("Yes", exact=True).check()
    page.locator("#id_q_Q5").fill("No more than one business day.\nThen return the assets.")
    page.get_by_role("group", name=re.compile("^Q7\\.")).get_by_label(
        "Securities and Futures Commission (SFC)"
    ).check()
    axe.check(page)
    save_and_continue(page)

    expect(page.locator(".chk-progress")).to_have_text("Step 3 of 8")
    page.locator("#id_q_Q12").fill("1,200")
    axe.check(page)
    save_and_continue(page)

    expect(page.locator(".chk-progress")).to_have_text("Step 4 of 8")
    page.get_by_role("group", name=re.compile("^Q13\\.")).get_by_label(
        re.compile("above a set amount", re.I)
    ).check()
    expect(page.locator("#id_q_Q14")).to_be_visible()
    page.locator("#id_q_Q14").fill("8000")
    axe.check(page)
    save_and_continue(page)

    expect(page.locator(".chk-progress")).to_have_text("Step 5 of 8")
    axe.check(page)
    save_and_continue(page)
    expect(page.locator(".chk-progress")).to_have_text("Step 6 of 8")
    page.get_by_role("group", name=re.compile("^Q22\\.")).get_by_label(
        "Six months (as proposed)"
    ).check()
    page.locator("#id_q_Q26").fill("Please publish guidance early. 請盡早公布指引。")
    axe.check(page)
    save_and_continue(page)

    expect(page.locator(".chk-progress")).to_have_text("Step 7 of 8")
    page.locator("#id_file").set_input_files(str(pdf_file))
    page.locator("button[name=upload]").click()
    expect(page.get_by_role("link", name="position-paper.pdf")).to_be_visible()
    axe.check(page)
    save_and_continue(page)

    expect(page.locator(".chk-progress")).to_have_text("Step 8 of 8")
    review = page.locator("main")
    expect(review).to_contain_text("Harbour Digital Ltd")
    expect(review).to_contain_text("Mobile apps and websites")
    expect(review).to_contain_text("No more than one business day.")
    expect(review).to_contain_text("1200")
    expect(review).to_contain_text("position-paper.pdf")
    axe.check(page)

    # Change an answer from the review page and come back to it.
    page.get_by_role("link", name="Change your answer to Q12").click()
    page.locator("#id_q_Q12").fill("15")
    save_and_continue(page)
    expect(page.locator(".chk-progress")).to_have_text("Step 8 of 8")

    page.get_by_role("button", name="Submit your response").click()
    expect(page.get_by_role("heading", name="Response submitted")).to_be_visible()
    expect(page.locator("#reference")).to_have_text("OTC-000001")
    axe.check(page)
    page.get_by_role("link", name="View or change your response").click()
    axe.check(page)
    page.get_by_role("link", name="Withdraw your response").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("OTC-000001")
    axe.check(page)
    page.get_by_role("link", name="No, keep my response").click()
    page.get_by_role("button", name="Change your response").click()
    expect(page.locator("main")).to_contain_text("You are changing your submitted response")
    axe.check(page)

    submission = Submission.objects.get()
    assert submission.state == SubmissionState.SUBMITTED
    assert submission.contact_name == "陳大文 Chan Tai Man"
    assert journey_selectors.submission_answers(submission=submission) == {
        "Q1": "agree",
        "Q2": ["shop", "app_or_website"],
        "Q4": "yes",
        "Q5": "No more than one business day.\r\nThen return the assets.",
        "Q7": "sfc",
        "Q12": 15,
        "Q13": "above_amount",
        "Q14": 8000,
        "Q22": "six_months",
        "Q26": "Please publish guidance early. 請盡早公布指引。",
    }
    assert submission.attachments.get().original_name == "position-paper.pdf"
    receipt = sent()[-1]
    assert "OTC-000001" in receipt.subject
    assert "HKT" in receipt.body
    axe.assert_clean(at_least=15)


def test_complete_custody_consultation_in_chinese(page, live_server, demo, axe, sent):
    page.goto(f"{live_server.url}/consultations/va-custody/")
    page.get_by_role("button", name="繁體中文").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(demo["va-custody"].title_zh)
    axe.check(page)
    page.get_by_role("link", name="提交逾期回應").click()
    expect(page.locator(".chk-progress")).to_have_text("第 1 步，共 9 步")
    expect(page.locator("main")).to_contain_text("收集個人資料聲明")
    save_and_continue(page)
    expect(page.locator("#error-summary")).to_contain_text("請輸入你的全名。")
    axe.check(page)
    about_you(page, organisation=None, email="wong@example.com", consent_index=2)
    save_and_continue(page)

    expect(page.locator("main")).to_contain_text("逾期")
    page.get_by_role("group", name=re.compile("^Q1\\.")).get_by_label("過窄").check()
    page.locator("#id_q_Q2").fill("應涵蓋只提供密鑰管理技術的服務商。")
    page.get_by_role("group", name=re.compile("^Q6\\.")).get_by_label("銀行（認可機構）").check()
    axe.check(page)
    save_and_continue(page)
    save_and_continue(page)  # licensing: nothing required
    page.get_by_role("group", name=re.compile("^Q11\\.")).get_by_label("非常同意").check()
    axe.check(page)
    save_and_continue(page)
    save_and_continue(page)  # technology
    save_and_continue(page)  # capital and outsourcing
    page.get_by_role("group", name=re.compile("^Q22\\.")).get_by_label("十二個月").check()
    save_and_continue(page)
    expect(page.locator(".chk-progress")).to_have_text("第 8 步，共 9 步")
    save_and_continue(page)  # no position paper
    expect(page.get_by_role("heading", level=1)).to_have_text("提交前請檢查你的答案")
    axe.check(page)
    page.get_by_role("button", name="提交你的回應").click()
    expect(page.get_by_role("heading", name="回應已提交")).to_be_visible()
    expect(page.locator("main")).to_contain_text("逾期回應")
    axe.check(page)

    submission = Submission.objects.get()
    assert submission.is_late is True
    assert submission.language == "zh-hant"
    answers = journey_selectors.submission_answers(submission=submission)
    assert answers["Q2"] == "應涵蓋只提供密鑰管理技術的服務商。"
    assert answers["Q6"] == ["banks"]
    receipt = sent()[-1]
    assert submission.reference in receipt.subject
    assert "香港時間" in receipt.body
    assert "應涵蓋只提供密鑰管理技術的服務商。" in receipt.body
    axe.assert_clean(at_least=6)


def start_otc(page, live_server, email="chan@example.com"):
    page.goto(f"{live_server.url}/consultations/va-otc-dealing/respond/")
    about_you(page, organisation=None, email=email)
    save_and_continue(page)


def test_conditional_question_appears_and_disappears_without_reload(page, live_server, demo, axe):
    start_otc(page, live_server)
    q5 = page.locator("#id_q_Q5")
    expect(q5).to_be_hidden()
    page.evaluate("() => { window.noReload = true; }")
    q4 = page.get_by_role("group", name=re.compile("^Q4\\."))
    q4.get_by_label("Yes", exact=True).check()
    expect(q5).to_be_visible()
    q5.fill("Typed before changing my mind")
    axe.check(page)
    q4.get_by_label("No", exact=True).check()
    expect(q5).to_be_hidden()
    q4.get_by_label("Yes", exact=True).check()
    expect(q5).to_have_value("Typed before changing my mind")  # nothing typed is lost
    assert page.evaluate("() => window.noReload") is True
    q4.get_by_label("No", exact=True).check()
    page.get_by_role("group", name=re.compile("^Q1\\.")).get_by_label("Agree", exact=True).check()
    page.get_by_role("group", name=re.compile("^Q7\\.")).get_by_label("No preference").check()
    save_and_continue(page)
    # The server decides: the hidden question's text was sent but not kept.
    answers = journey_selectors.submission_answers(submission=Submission.objects.get())
    assert answers == {"Q1": "agree", "Q4": "no", "Q7": "no_preference"}
    axe.assert_clean(at_least=1)


def test_none_of_these_unticks_the_other_options_and_they_untick_it(page, live_server, demo):
    start_otc(page, live_server)
    q2 = page.get_by_role("group", name=re.compile("^Q2\\."))
    shops = q2.get_by_label("Physical shops")
    none = q2.get_by_label("None of these")
    shops.check()
    q2.get_by_label("Mobile apps and websites").check()
    none.check()
    expect(none).to_be_checked()
    expect(shops).not_to_be_checked()
    expect(q2.get_by_label("Mobile apps and websites")).not_to_be_checked()
    shops.check()
    expect(none).not_to_be_checked()
    expect(shops).to_be_checked()
    page.get_by_role("group", name=re.compile("^Q1\\.")).get_by_label("Agree", exact=True).check()
    page.get_by_role("group", name=re.compile("^Q7\\.")).get_by_label("No preference").check()
    save_and_continue(page)
    answers = journey_selectors.submission_answers(submission=Submission.objects.get())
    assert answers["Q2"] == ["shop"]


def test_switching_language_keeps_what_was_typed_but_not_saved(page, live_server, demo):
    start_otc(page, live_server)
    page.get_by_role("group", name=re.compile("^Q4\\.")).get_by_label("Yes", exact=True).check()
    page.locator("#id_q_Q5").fill("Two business days, then back to the client.")
    page.get_by_label("Physical shops").check()
    page.get_by_role("button", name="繁體中文").click()
    page.wait_for_load_state()
    expect(page.locator(".chk-progress")).to_contain_text("第 2 步")
    # Nothing was saved, yet the page shows what the respondent had typed and picked.
    assert journey_selectors.submission_answers(submission=Submission.objects.get()) == {}
    expect(page.locator("#id_q_Q5")).to_be_visible()
    expect(page.locator("#id_q_Q5")).to_have_value("Two business days, then back to the client.")
    expect(page.locator("#id_q_Q2_0")).to_be_checked()
    expect(page.locator("#id_q_Q4_0")).to_be_checked()
    # Restored once: reloading shows the page as saved.
    page.reload()
    expect(page.locator("#id_q_Q5")).to_have_value("")


def test_form_works_with_javascript_off(browser, live_server, demo):
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    start_otc(page, live_server)
    # Without JavaScript the conditional question is shown with a hint, and still decided
    # by the server.
    expect(page.locator("#id_q_Q5")).to_be_visible()
    expect(page.locator("main")).to_contain_text("Answer this if you chose “Yes” in Q4.")
    page.locator("#id_q_Q4_1").check()  # No
    page.locator("#id_q_Q5").fill("Should not be kept")
    page.locator("#id_q_Q1_0").check()
    page.locator("#id_q_Q7_0").check()
    save_and_continue(page)
    expect(page.locator(".chk-progress")).to_have_text("Step 3 of 8")
    answers = journey_selectors.submission_answers(submission=Submission.objects.get())
    assert "Q5" not in answers and answers["Q4"] == "no"
    context.close()


def test_save_in_one_browser_and_resume_from_the_emailed_link_in_another(
    browser, page, live_server, demo, sent, axe
):
    start_otc(page, live_server, email="resume@example.com")
    page.get_by_role("group", name=re.compile("^Q1\\.")).get_by_label(
        "Disagree", exact=True
    ).check()
    page.get_by_role("group", name=re.compile("^Q7\\.")).get_by_label(
        "Customs and Excise Department"
    ).check()
    page.locator("button[name=later]").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Your answers have been saved")
    axe.check(page)
    page.get_by_role("link", name="Did not get the email? Send the link again").click()
    axe.check(page)
    link = re.search(r"https?://\S+/resume/\S+/", sent()[0].body).group(0)

    other = browser.new_context()
    resumed = other.new_page()
    resumed.goto(link)
    expect(resumed.locator(".chk-progress")).to_have_text("Step 3 of 8")
    assert "/resume/" not in resumed.url  # the token does not stay in the address bar
    resumed.get_by_role("link", name="Back").click()
    expect(
        resumed.get_by_role("group", name=re.compile("^Q1\\.")).get_by_label("Disagree", exact=True)
    ).to_be_checked()
    # A third browser without the link sees nothing of the draft.
    stranger = browser.new_context().new_page()
    stranger.goto(f"{live_server.url}/consultations/va-otc-dealing/respond/step/2/")
    expect(stranger.locator(".chk-progress")).to_have_text("Step 1 of 8")
    expect(stranger.locator("#id_email")).to_have_value("")
    other.close()
    axe.assert_clean(at_least=2)


def fill_required_otc(page):
    page.get_by_role("group", name=re.compile("^Q1\\.")).get_by_label("Agree", exact=True).check()
    page.get_by_role("group", name=re.compile("^Q7\\.")).get_by_label("No preference").check()
    save_and_continue(page)
    save_and_continue(page)
    page.get_by_role("group", name=re.compile("^Q13\\.")).get_by_label(
        re.compile("every trade|all trades", re.I)
    ).check()
    save_and_continue(page)
    save_and_continue(page)
    page.get_by_role("group", name=re.compile("^Q22\\.")).get_by_label(
        re.compile("No transition", re.I)
    ).check()
    save_and_continue(page)
    save_and_continue(page)


def test_double_submit_and_replay_store_one_submission(page, live_server, demo, sent):
    start_otc(page, live_server)
    fill_required_otc(page)
    submit = page.get_by_role("button", name="Submit your response")
    submit.dblclick()
    expect(page.locator("#reference")).to_have_text("OTC-000001")
    # The back button, then submit again; then a replay of the same request.
    page.go_back()
    page.wait_for_load_state()
    if page.get_by_role("button", name="Submit your response").count():
        page.get_by_role("button", name="Submit your response").click()
    token = page.context.cookies()
    csrf = next(c["value"] for c in token if c["name"] == "csrftoken")
    replay = page.context.request.post(
        f"{live_server.url}/consultations/va-otc-dealing/respond/submit/",
        form={"csrfmiddlewaretoken": csrf},
        headers={"Referer": live_server.url + "/"},
    )
    assert replay.ok
    assert Submission.objects.filter(state=SubmissionState.SUBMITTED).count() == 1
    assert Submission.objects.get().revisions.count() == 1
    assert sum("OTC-000001" in m.subject for m in sent()) == 1


def test_closed_consultation_refuses(page, live_server, demo, axe):
    now = timezone.now()
    closed = ConsultationFactory(
        slug="closed-one",
        opens_at=now - dt.timedelta(days=40),
        closes_at=now - dt.timedelta(days=1),
        accepts_late=False,
    )
    page.goto(f"{live_server.url}/consultations/{closed.slug}/")
    expect(page.locator("main")).to_contain_text("You can no longer respond")
    expect(page.get_by_role("link", name="Respond", exact=True)).to_have_count(0)
    axe.check(page)
    response = page.goto(f"{live_server.url}/consultations/{closed.slug}/respond/step/1/")
    assert response.status == 410
    expect(page.get_by_role("heading", level=1)).to_have_text("This consultation has closed")
    axe.check(page)

    # A draft started while open is refused on its next step once the closing time passes.
    start_otc(page, live_server)
    otc = demo["va-otc-dealing"]
    otc.opens_at = now - dt.timedelta(days=60)
    otc.closes_at = timezone.now() - dt.timedelta(seconds=1)
    otc.save()
    fill = page.get_by_role("group", name=re.compile("^Q1\\.")).get_by_label("Agree", exact=True)
    fill.check()
    save_and_continue(page)
    expect(page.get_by_role("heading", level=1)).to_have_text("This consultation has closed")
    assert not Submission.objects.filter(answers__isnull=False).exists()
    axe.check(page)
    axe.assert_clean(at_least=3)
