"""Staff review in a real browser (Debian's chromium): a reviewer reviews and tags submissions,
finds a phrase, groups a campaign and exports; an editor writes a small consultation."""

import io
import random
import re

import pandas as pd
import pytest
from django.urls import reverse
from playwright.sync_api import expect

from consultation.celery import app
from surveys.models import CampaignGroup, QuestionKind, ReviewEvent, Submission
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

TOPICS = [
    "The capital requirement is too high for small shops.",
    "Cash limits at shops would push clients to unlicensed dealers.",
    "The transition period should be twelve months, not six.",
    "Wallet verification is hard for clients who use exchanges.",
]
CAMPAIGN = (
    "As a member of the public, I {strongly} support licensing every business that trades "
    "virtual assets with the public. Too many people have lost their savings to unlicensed "
    "dealers. I urge the Government to introduce the regime without delay."
)


VOCABULARY = [
    *("licence", "capital", "custody", "wallet", "client", "shop", "cash", "risk", "fee"),
    *("regulator", "customs", "hkma", "month", "penalty", "business", "cost", "staff", "audit"),
    *("compliance", "record", "identity", "token", "stablecoin", "platform", "exchange"),
    *("broker", "dealer", "market", "investor", "protection", "travel", "rule", "bank"),
]


def own_words(number: int) -> str:
    """A topic sentence and a dozen words of the respondent's own: no two texts alike."""
    words = random.Random(number).sample(VOCABULARY, 12)
    return f"{TOPICS[number % 4]} {' '.join(words).capitalize()}."


def sign_in(page, live_server, username):
    page.goto(live_server.url + reverse("admin:login"))
    page.locator("#id_username").fill(username)
    page.locator("#id_password").fill(STAFF_PASSWORD)
    page.locator("input[type=submit]").click()
    expect(page.locator("#site-name")).to_contain_text("Consult HK staff")


@pytest.fixture
def paper(transactional_db):
    consultation = ConsultationFactory(slug="otc", title_en="OTC dealing")
    section = SectionFactory(consultation=consultation, title_en="Scope", title_zh="範圍")
    question = QuestionFactory(
        section=section, code="Q25", kind=QuestionKind.TEXT, text_en="Expected cost?"
    )
    for i in range(20):
        submission = SubmissionFactory(
            consultation=consultation,
            submitted=True,
            reference=f"OTC-{i + 1:06d}",
            contact_name=f"Person {i}",
            email=f"person{i}@example.com",
        )
        AnswerFactory(submission=submission, question=question, text=own_words(i))
    ThemeFactory(consultation=consultation, name_en="Capital level", name_zh="資本水平")
    return consultation


def test_a_reviewer_reviews_tags_and_searches_20_submissions(page, live_server, paper):
    UserFactory(username="rita", roles=["Reviewers"])
    sign_in(page, live_server, "rita")
    page.goto(
        live_server.url
        + reverse("admin:surveys_submission_changelist")
        + f"?consultation__id__exact={paper.pk}"
    )
    expect(page.locator("#result_list tbody tr")).to_have_count(20)
    expect(page.locator("#result_list")).to_contain_text("withheld")
    expect(page.locator("#result_list")).not_to_contain_text("@example.com")

    # Accept all 20 at once, then tag their free text with a theme.
    page.locator("#action-toggle").check()
    page.locator("select[name=action]").select_option("accept_selected")
    page.locator("button[name=index]").click()
    expect(page.locator(".messagelist")).to_contain_text("20 changed")
    page.locator("#action-toggle").check()
    page.locator("select[name=action]").select_option("tag_selected")
    page.locator("button[name=index]").click()
    expect(page.locator("h1")).to_contain_text("Tag free-text answers")
    page.locator("#id_theme").select_option(label="Capital level")
    page.locator("input[type=submit][value=Apply]").click()
    expect(page.locator(".messagelist")).to_contain_text("20 answers changed")

    # The search finds a phrase from one free-text answer.
    page.locator("#searchbar").fill("push clients to unlicensed")
    page.locator("#changelist-search input[type=submit]").click()
    expect(page.locator("#result_list tbody tr")).to_have_count(5)

    # One submission: read it, exclude it as a duplicate, untag it, and see the history.
    page.get_by_role("link", name="OTC-000002").click()
    expect(page.locator("#consent")).to_contain_text("Publish my response without my name")
    expect(page.locator("#answers")).to_contain_text("Cash limits at shops")
    expect(page.locator("body")).not_to_contain_text("person1@example.com")
    page.locator("#id_review_status").select_option("excluded")
    page.locator("#id_exclusion_reason").select_option("duplicate")
    page.locator("#id_review_note").fill("Same as OTC-000006")
    page.get_by_label("Capital level").uncheck()
    page.locator("input[name=_continue]").click()
    expect(page.locator(".messagelist")).to_contain_text("was changed successfully")
    history = page.locator("#review-history")
    expect(history).to_contain_text("Same as OTC-000006")
    expect(history).to_contain_text("Exclusion reason")
    expect(history).to_contain_text("Q25: Capital level")
    expect(history.locator("tbody tr")).to_have_count(5)  # accepted, tagged, excluded x2, untagged

    submission = Submission.objects.get(reference="OTC-000002")
    assert (submission.review_status, submission.exclusion_reason) == ("excluded", "duplicate")
    assert Submission.objects.filter(review_status="accepted").count() == 19
    assert ReviewEvent.objects.filter(actor__username="rita").count() == 20 + 20 + 3


def test_a_reviewer_finds_a_campaign_and_exports_without_email(page, live_server, paper):
    question = paper.questions.get()
    for i, strongly in enumerate(["strongly", "fully", "wholeheartedly"] * 5):
        submission = SubmissionFactory(
            consultation=paper, submitted=True, reference=f"OTC-1{i:05d}"
        )
        AnswerFactory(
            submission=submission,
            question=question,
            text=CAMPAIGN.format(strongly=strongly) + (f"\n\nSigner {i}" if i % 2 else ""),
        )
    UserFactory(username="rita", roles=["Reviewers"])
    sign_in(page, live_server, "rita")
    page.goto(live_server.url + reverse("admin:surveys_campaigngroup_detect"))
    page.locator("#id_consultation").select_option(label=str(paper))
    before = app.conf.task_always_eager
    app.conf.task_always_eager = True  # the detection task runs in the server's thread
    try:
        page.locator("input[type=submit]").click()
        expect(page.locator("[role=status]")).to_contain_text("1 campaign group covering 15 of 35")
    finally:
        app.conf.task_always_eager = before
    page.get_by_role("link", name="See the groups").click()
    row = page.locator("#result_list tbody tr")
    expect(row).to_have_count(1)
    expect(row).to_contain_text("As a member of the public")
    assert CampaignGroup.objects.get().size == 15

    page.goto(
        live_server.url
        + reverse("admin:surveys_submission_changelist")
        + f"?consultation__id__exact={paper.pk}&campaign=any"
    )
    expect(page.locator("#result_list tbody tr")).to_have_count(15)
    with page.expect_download() as download:
        page.get_by_role("link", name=re.compile("Export consultation \\(CSV\\)", re.I)).click()
    frame = pd.read_csv(io.BytesIO(download.value.path().read_bytes()), dtype=str)
    assert len(frame) == 35
    assert "email" not in frame.columns
    assert (frame["campaign_group"] == "C1").sum() == 15
    assert not frame.apply(lambda column: column.str.contains("@example.com", na=False)).any().any()


def test_an_editor_writes_a_small_consultation(page, live_server, transactional_db):
    UserFactory(username="eddie", roles=["Consultation editors"])
    sign_in(page, live_server, "eddie")
    page.goto(live_server.url + reverse("admin:surveys_consultation_add"))
    page.locator("#id_title_en").fill("Licensing stablecoin issuers")  # the slug follows
    page.locator("#id_reference_prefix").fill("STB")
    page.locator("#id_title_zh").fill("穩定幣發行人發牌制度")
    page.locator("#id_summary_en").fill("We propose a licensing regime for stablecoin issuers.")
    page.locator("#id_summary_zh").fill("我們建議為穩定幣發行人設立發牌制度。")
    page.locator("#id_opens_at_0").fill("2026-12-01")
    page.locator("#id_opens_at_1").fill("00:00:00")
    page.locator("#id_closes_at_0").fill("2027-01-31")
    page.locator("#id_closes_at_1").fill("23:59:00")
    page.locator("#sections-group .add-row a").click()
    page.locator("#id_sections-0-order").fill("1")
    page.locator("#id_sections-0-title_en").fill("Reserves")
    page.locator("#id_sections-0-title_zh").fill("儲備資產")
    page.locator("input[name=_continue]").click()
    expect(page.locator(".messagelist")).to_contain_text("was added successfully")

    page.locator("#questions-group .add-row a").click()
    page.locator("#id_questions-0-order").fill("1")
    page.locator("#id_questions-0-code").fill("Q1")
    page.locator("#id_questions-0-section").select_option(label="Reserves")
    page.locator("#id_questions-0-kind").select_option("agree")
    page.locator("#id_questions-0-text_en").fill("Should reserves be held in Hong Kong?")
    page.locator("#id_questions-0-text_zh").fill("儲備資產是否應存放於香港？")
    page.locator("input[name=_continue]").click()
    expect(page.locator(".messagelist")).to_contain_text("was changed successfully")
    expect(page.get_by_role("link", name="View as respondent")).to_have_attribute(
        "href", reverse("surveys:detail", args=["licensing-stablecoin-issuers"])
    )

    page.locator("#questions-group").get_by_role("link", name="Change").first.click()
    expect(page.locator("#choices-group tbody tr.has_original")).to_have_count(0)
    page.locator("input[name=_continue]").click()
    expect(page.locator(".messagelist")).to_contain_text("standard choices")
    expect(page.locator("#choices-group tbody tr.has_original")).to_have_count(5)
    expect(page.locator("#id_text_zh")).to_have_value("儲備資產是否應存放於香港？")
