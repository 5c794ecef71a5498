"""The respondent's pages through Django's test client: access, closing time, tampering, limits."""

import datetime as dt
import re

import pytest
from django.core.cache import cache
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from surveys.models import Answer, Submission, SubmissionRevision, SubmissionState
from tests.factories import ConsultationFactory

pytestmark = pytest.mark.django_db

SLUG = "va-otc-dealing"
ABOUT = {
    "respondent_type": "organisation",
    "organisation_name": "Harbour Digital Ltd",
    "category": "online_platform",
    "contact_name": "Chan Tai Man",
    "email": "chan@example.com",
    "consent": "response_only",
    "privacy_acknowledged": "on",
}
REQUIRED = {2: {"q_Q1": "agree", "q_Q7": "sfc"}, 4: {"q_Q13": "all_trades"}, 6: {"q_Q22": "none"}}
PDF_BYTES = b"%PDF-1.7\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"


@pytest.fixture(autouse=True)
def _fresh_rate_limits():
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def otc(demo_consultations):
    return demo_consultations[SLUG]


def step_url(number, slug=SLUG):
    return reverse("surveys:step", args=[slug, number])


def start(client, slug=SLUG, **about):
    response = client.post(step_url(1, slug), {**ABOUT, **about})
    assert response.status_code == 302, response.content.decode()[:2000]
    return Submission.objects.order_by("-pk").first()


def fill_required(client, slug=SLUG):
    for number in range(2, 8):
        response = client.post(step_url(number, slug), REQUIRED.get(number, {}))
        assert response.status_code == 302, response.content.decode()[:2000]


def resume_link(message):
    return re.search(r"http://testserver(/resume/[^/\s]+/)", message.body).group(1)


def test_detail_page_offers_respond_or_says_why_not(client, otc):
    page = client.get(reverse("surveys:detail", args=[SLUG])).content.decode()
    assert reverse("surveys:respond", args=[SLUG]) in page
    now = timezone.now()
    upcoming = ConsultationFactory(
        opens_at=now + dt.timedelta(days=2), closes_at=now + dt.timedelta(days=30)
    )
    page = client.get(reverse("surveys:detail", args=[upcoming.slug])).content.decode()
    assert "You cannot respond yet" in page
    assert reverse("surveys:respond", args=[upcoming.slug]) not in page
    closed = ConsultationFactory(
        opens_at=now - dt.timedelta(days=30), closes_at=now - dt.timedelta(days=1)
    )
    page = client.get(reverse("surveys:detail", args=[closed.slug])).content.decode()
    assert "You can no longer respond" in page


def test_detail_page_query_count(client, otc, django_assert_max_num_queries):
    with django_assert_max_num_queries(4):
        assert client.get(reverse("surveys:detail", args=[SLUG])).status_code == 200


def test_complete_journey_stores_one_submission_and_emails_a_receipt(client, otc, sent):
    assert client.get(reverse("surveys:respond", args=[SLUG])).url == step_url(1)
    page = client.get(step_url(1)).content.decode()
    assert "Step 1 of 8" in page
    assert "Personal information collection statement" in page
    submission = start(client)
    assert len(sent()) == 1
    assert "/resume/" in sent()[0].body
    assert sent()[0].alternatives[0][1] == "text/html"
    client.post(step_url(2), {**REQUIRED[2], "q_Q2": ["shop", "atm"], "q_Q4": "yes", "q_Q5": "1d"})
    for number in range(3, 8):
        client.post(step_url(number), REQUIRED.get(number, {}))
    review = client.get(step_url(8)).content.decode()
    assert "Step 8 of 8" in review
    assert "Physical shops" in review
    assert f'href="{step_url(2)}?change=1#id_q_Q5"' in review
    response = client.post(reverse("surveys:submit", args=[SLUG]))
    assert response.url == reverse("surveys:done", args=[SLUG])
    submission.refresh_from_db()
    assert submission.state == SubmissionState.SUBMITTED
    assert submission.reference == "OTC-000001"
    assert submission.client_address == "127.0.0.1"
    done = client.get(response.url).content.decode()
    assert "OTC-000001" in done
    receipt = sent()[-1]
    assert "OTC-000001" in receipt.subject
    assert "Physical shops" in receipt.body
    assert "HKT" in receipt.body
    assert len(sent()) == 2


def test_receipt_is_in_the_respondents_language(client, otc, sent):
    client.cookies["django_language"] = "zh-hant"
    submission = start(client)
    fill_required(client)
    client.post(reverse("surveys:submit", args=[SLUG]))
    submission.refresh_from_db()
    assert submission.language == "zh-hant"
    receipt = sent()[-1]
    assert "OTC-000001" in receipt.subject
    assert "你是否同意" in receipt.body  # the question in Chinese
    assert "證券及期貨事務監察委員會" in receipt.body  # the chosen answer's Chinese label
    assert "香港時間" in receipt.body


def test_double_and_replayed_submit_store_one_submission(client, otc, sent):
    submission = start(client)
    fill_required(client)
    url = reverse("surveys:submit", args=[SLUG])
    first = client.post(url)
    second = client.post(url)
    assert first.status_code == second.status_code == 302
    assert Submission.objects.filter(state=SubmissionState.SUBMITTED).count() == 1
    assert SubmissionRevision.objects.filter(submission=submission).count() == 1
    receipts = [m for m in sent() if "OTC-000001" in m.subject]
    assert len(receipts) == 1


def test_submit_with_missing_required_answers_lists_them(client, otc):
    start(client)
    client.post(step_url(2), REQUIRED[2])
    # A replayed or forged submit before the required answers are in.
    response = client.post(reverse("surveys:submit", args=[SLUG]))
    assert response.status_code == 200
    page = response.content.decode()
    assert 'id="error-summary"' in page
    assert "Answer question Q13." in page
    assert f'href="{step_url(4)}?change=1#id_q_Q13"' in page
    assert "Answer question Q1." not in page
    assert not Submission.objects.filter(state=SubmissionState.SUBMITTED).exists()


def test_required_question_keeps_the_respondent_on_the_page_with_everything_typed(client, otc):
    submission = start(client)
    response = client.post(step_url(2), {"q_Q2": ["shop"], "q_Q3": "unsure", "q_Q7": ""})
    assert response.status_code == 200
    page = response.content.decode()
    assert 'id="error-summary"' in page
    assert 'href="#id_q_Q1_0"' in page
    assert 'href="#id_q_Q7_0"' in page
    assert re.search(r'value="shop"[^>]*checked', page)
    assert re.search(r'value="unsure"[^>]*checked', page)
    assert "<title>Error:" in page
    assert not Answer.objects.filter(submission=submission).exists()


@pytest.mark.parametrize(
    "data",
    [
        {"q_Q1": "definitely", "q_Q7": "sfc"},
        {"q_Q1": "agree", "q_Q7": "sfc", "q_Q2": ["shop", "<script>"]},
        {"q_Q1": "agree", "q_Q7": "sfc", "q_Q4": "yes", "q_Q5": "x" * 2001},
        {"q_Q1": "agree", "q_Q7": "other", "q_Q8": "y" * 1001},
    ],
)
def test_tampered_section_posts_are_form_errors_and_change_nothing(client, otc, data):
    submission = start(client)
    client.post(step_url(2), {"q_Q1": "disagree", "q_Q7": "customs"})
    before = list(
        Answer.objects.filter(submission=submission).values_list("question__code", "choice__value")
    )
    response = client.post(step_url(2), data)
    assert response.status_code == 200
    assert 'id="error-summary"' in response.content.decode()
    after = list(
        Answer.objects.filter(submission=submission).values_list("question__code", "choice__value")
    )
    assert after == before


def test_an_oversized_request_is_a_400(client, otc, settings):
    start(client)
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 10_000
    response = client.post(step_url(2), {"q_Q1": "agree", "q_Q7": "sfc", "q_Q26": "x" * 20_000})
    assert response.status_code == 400
    assert not Answer.objects.exists()


def test_unknown_steps_and_skipping_ahead(client, otc):
    assert client.get(step_url(99)).status_code == 404
    assert client.get(step_url(0)).status_code == 404
    assert client.get(step_url(3)).url == step_url(1)  # no response yet
    start(client)
    assert client.get(step_url(5)).url == step_url(2)  # not reached yet


def test_another_browser_cannot_see_or_change_a_draft(client, otc, private_storage_tmp):
    submission = start(client)
    fill_required(client)
    client.post(step_url(7), {"upload": "1", "file": _pdf("mine.pdf")})
    attachment = submission.attachments.get()
    stranger = Client()
    assert stranger.get(step_url(2)).url == step_url(1)
    assert stranger.get(step_url(8)).url == step_url(1)
    download = reverse("surveys:attachment", args=[SLUG, attachment.pk])
    assert stranger.get(download).status_code == 404
    remove = reverse("surveys:attachment_remove", args=[SLUG, attachment.pk])
    assert stranger.post(remove).status_code == 404
    # The stranger's own draft cannot reach the first one's file by its id either.
    start(stranger, email="stranger@example.com")
    assert stranger.get(download).status_code == 404
    assert stranger.post(remove).status_code == 404
    assert submission.attachments.count() == 1
    assert client.get(download).status_code == 200


def test_staff_may_download_attachments(client, admin_client, otc, private_storage_tmp):
    submission = start(client)
    fill_required(client)
    client.post(step_url(7), {"upload": "1", "file": _pdf("paper.pdf")})
    attachment = submission.attachments.get()
    response = admin_client.get(reverse("surveys:attachment", args=[SLUG, attachment.pk]))
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == PDF_BYTES
    assert response["Content-Type"] == "application/pdf"
    assert "attachment" in response["Content-Disposition"]


def _pdf(name, data=PDF_BYTES):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile(name, data, content_type="application/pdf")


def test_attachments_are_checked_by_content(
    client, otc, private_storage_tmp, django_capture_on_commit_callbacks
):
    submission = start(client)
    for number in range(2, 7):
        client.post(step_url(number), REQUIRED.get(number, {}))
    fake = client.post(step_url(7), {"upload": "1", "file": _pdf("virus.pdf", b"MZ\x90 exe")})
    assert fake.status_code == 200
    assert "must be a PDF or a Word (DOCX) document" in fake.content.decode()
    assert not submission.attachments.exists()
    for number in range(3):
        ok = client.post(step_url(7), {"upload": "1", "file": _pdf(f"paper{number}.pdf")})
        assert ok.status_code == 302
    assert "most files allowed" in client.get(step_url(7)).content.decode()
    fourth = client.post(step_url(7), {"upload": "1", "file": _pdf("fourth.pdf")})
    assert "at most 3 files" in fourth.content.decode()
    assert submission.attachments.count() == 3
    first = submission.attachments.first()
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("surveys:attachment_remove", args=[SLUG, first.pk]))
    assert submission.attachments.count() == 2
    assert not first.file.storage.exists(first.file.name)


def test_resume_link_continues_the_draft_in_another_browser(client, otc, sent):
    submission = start(client)
    client.post(step_url(2), REQUIRED[2])
    client.post(step_url(3), {"q_Q12": "12"})
    other = Client()
    response = other.get(resume_link(sent()[0]))
    assert response.url == reverse("surveys:respond", args=[SLUG])
    assert other.get(response.url).url == step_url(4)
    page = other.get(step_url(3)).content.decode()
    assert 'value="12"' in page
    other.post(step_url(4), REQUIRED[4])
    submission.refresh_from_db()
    assert submission.current_step == 5


def test_a_wrong_or_replaced_token_is_refused(client, otc, sent):
    start(client)
    assert Client().get(reverse("surveys:resume", args=["not-a-token"])).status_code == 404
    old = resume_link(sent()[0])
    client.post(reverse("surveys:resume_request", args=[SLUG]), {"email": "chan@example.com"})
    new = resume_link(sent()[-1])
    assert new != old
    assert Client().get(old).status_code == 404
    assert Client().get(new).status_code == 302


def test_resume_request_says_the_same_for_unknown_addresses(client, otc, sent):
    response = client.post(
        reverse("surveys:resume_request", args=[SLUG]), {"email": "nobody@example.com"}
    )
    assert response.status_code == 200
    assert "Check your email" in response.content.decode()
    assert sent() == []


def test_steps_refuse_after_the_close_and_change_nothing(client, otc):
    submission = start(client)
    client.post(step_url(2), REQUIRED[2])
    otc.closes_at = timezone.now() - dt.timedelta(minutes=1)
    otc.opens_at = otc.closes_at - dt.timedelta(days=30)
    otc.save()
    for number in range(1, 9):
        response = client.get(step_url(number))
        assert response.status_code == 410
        assert "This consultation has closed" in response.content.decode()
    assert client.post(step_url(3), {"q_Q12": "5"}).status_code == 410
    assert client.post(reverse("surveys:submit", args=[SLUG])).status_code == 410
    assert client.post(step_url(1), ABOUT).status_code == 410
    submission.refresh_from_db()
    assert submission.state == SubmissionState.DRAFT
    assert not Answer.objects.filter(question__code="Q12").exists()


def test_a_new_respondent_is_refused_after_the_close(client):
    now = timezone.now()
    closed = ConsultationFactory(
        opens_at=now - dt.timedelta(days=30), closes_at=now - dt.timedelta(seconds=1)
    )
    assert client.get(reverse("surveys:respond", args=[closed.slug])).status_code == 410
    response = client.post(step_url(1, closed.slug), ABOUT)
    assert response.status_code == 410
    assert not Submission.objects.exists()


def test_upcoming_consultation_is_not_open(client):
    now = timezone.now()
    upcoming = ConsultationFactory(
        opens_at=now + dt.timedelta(days=1), closes_at=now + dt.timedelta(days=30)
    )
    assert client.get(step_url(1, upcoming.slug)).status_code == 403
    assert client.post(step_url(1, upcoming.slug), ABOUT).status_code == 403


def test_late_responses_are_stored_and_marked_late(client, demo_consultations):
    custody = demo_consultations["va-custody"]
    assert custody.accepts_late and custody.status == "closed"
    start(client, slug="va-custody")
    required = {2: {"q_Q1": "about_right"}, 4: {"q_Q11": "agree"}, 7: {"q_Q22": "none"}}
    for number in range(2, 9):
        assert (
            client.post(step_url(number, "va-custody"), required.get(number, {})).status_code == 302
        )
    client.post(reverse("surveys:submit", args=["va-custody"]))
    submission = Submission.objects.get(consultation=custody)
    assert submission.state == SubmissionState.SUBMITTED
    assert submission.is_late is True
    assert submission.reference == "CUS-000001" or submission.reference.endswith("000001")


def test_honeypot_refuses_and_stores_nothing(client, otc):
    response = client.post(step_url(1), {**ABOUT, "website": "http://spam.example"})
    assert response.status_code == 400
    assert not Submission.objects.exists()
    start(client)
    fill_required(client)
    response = client.post(reverse("surveys:submit", args=[SLUG]), {"website": "x"})
    assert response.status_code == 400
    assert not Submission.objects.filter(state=SubmissionState.SUBMITTED).exists()


def test_submit_is_rate_limited_per_address(client, otc, settings):
    settings.RATELIMIT_SUBMIT = "2/h"
    start(client)
    fill_required(client)
    url = reverse("surveys:submit", args=[SLUG])
    assert client.post(url).status_code == 302
    assert client.post(url).status_code == 302
    assert client.post(url).status_code == 429
    other_address = Client(REMOTE_ADDR="10.0.0.9")
    assert other_address.post(url).status_code == 302  # no response of its own: back to start


def test_resume_requests_are_rate_limited(client, otc, settings):
    settings.RATELIMIT_RESUME = "3/h"
    url = reverse("surveys:resume_request", args=[SLUG])
    codes = [client.post(url, {"email": "a@example.com"}).status_code for _ in range(4)]
    assert codes == [200, 200, 200, 429]


def test_language_switch_keeps_the_respondent_on_the_same_step(client, otc):
    start(client)
    response = client.post(reverse("set_language"), {"language": "zh-hant", "next": step_url(2)})
    assert response.url == step_url(2)
    page = client.get(step_url(2)).content.decode()
    assert "規管範圍" in page  # the section title in Chinese
    assert "第 2 步，共 8 步" in page


def test_amend_changes_answers_and_keeps_the_history(client, otc, sent):
    submission = start(client)
    fill_required(client)
    client.post(reverse("surveys:submit", args=[SLUG]))
    response = client.post(reverse("surveys:amend", args=[SLUG]))
    assert response.url == step_url(8)
    assert "You are changing your submitted response" in client.get(step_url(8)).content.decode()
    client.post(step_url(2), {"q_Q1": "strongly_disagree", "q_Q7": "hkma", "change": "1"})
    # Nothing changes until the amendment is submitted.
    assert services_answers(submission)["Q1"] == "agree"
    client.post(reverse("surveys:submit", args=[SLUG]))
    submission.refresh_from_db()
    assert services_answers(submission)["Q1"] == "strongly_disagree"
    assert submission.revisions.count() == 2
    assert submission.revisions.get(number=1).answers["Q1"] == "agree"
    assert "amended" in sent()[-1].subject.lower()
    assert submission.reference == "OTC-000001"


def test_cancelled_amendment_changes_nothing(client, otc):
    submission = start(client)
    fill_required(client)
    client.post(reverse("surveys:submit", args=[SLUG]))
    client.post(reverse("surveys:amend", args=[SLUG]))
    client.post(step_url(2), {"q_Q1": "disagree", "q_Q7": "sfc"})
    client.post(reverse("surveys:amend_cancel", args=[SLUG]))
    assert client.get(step_url(2)).url == reverse("surveys:your_response", args=[SLUG])
    assert services_answers(submission)["Q1"] == "agree"
    assert submission.revisions.count() == 1


def test_withdraw_through_the_emailed_link(client, otc, sent):
    submission = start(client)
    fill_required(client)
    client.post(reverse("surveys:submit", args=[SLUG]))
    other = Client()
    other.get(resume_link(sent()[-1]))  # the receipt's link
    assert other.get(reverse("surveys:respond", args=[SLUG])).url == reverse(
        "surveys:your_response", args=[SLUG]
    )
    other.post(reverse("surveys:withdraw", args=[SLUG]))
    submission.refresh_from_db()
    assert submission.state == SubmissionState.WITHDRAWN
    assert "withdrawn" in sent()[-1].subject


def services_answers(submission):
    from surveys.journey.selectors import submission_answers

    return submission_answers(submission=submission)


def test_after_withdrawing_a_new_response_can_be_started(client, otc):
    first = start(client)
    fill_required(client)
    client.post(reverse("surveys:submit", args=[SLUG]))
    client.post(reverse("surveys:withdraw", args=[SLUG]))
    page = client.get(reverse("surveys:your_response", args=[SLUG])).content.decode()
    assert "Start a new response" in page
    assert client.post(reverse("surveys:again", args=[SLUG])).url == reverse(
        "surveys:respond", args=[SLUG]
    )
    second = start(client, email="again@example.com")
    assert second.pk != first.pk
    first.refresh_from_db()
    assert first.state == SubmissionState.WITHDRAWN


def test_upload_without_a_file_is_a_form_error(client, otc):
    start(client)
    fill_required(client)
    response = client.post(step_url(7), {"upload": "1"})
    assert response.status_code == 200
    assert "Select a file to upload." in response.content.decode()


def test_the_kept_blank_forms_follow_the_language_and_never_stand_for_a_filled_one(client, otc):
    # The blank About you form is kept per process and language ({% cache %}): a visitor in
    # English first must not give a Chinese visitor English labels, nor the reverse.
    english = client.get(step_url(1)).content.decode()
    chinese_client = Client()
    chinese_client.cookies["django_language"] = "zh-hant"
    chinese = chinese_client.get(step_url(1)).content.decode()
    assert "Your full name" in english and "你的全名" not in english
    assert "你的全名" in chinese and "Your full name" not in chinese
    again = client.get(step_url(1)).content.decode()
    assert "你的全名" not in again
    # A returning respondent sees what they gave, not the kept blank form.
    start(client)
    returning = client.get(step_url(1)).content.decode()
    assert 'value="Chan Tai Man"' in returning
    # A form sent back with errors keeps what was typed and says what is wrong.
    other = Client()
    refused = other.post(step_url(1), {**ABOUT, "email": "not-an-address"}).content.decode()
    assert 'value="not-an-address"' in refused
    assert "is-invalid" in refused


def test_no_page_of_a_response_may_be_kept_by_a_browser_or_proxy(client, otc):
    first = client.get(step_url(1))
    submission = start(client)
    fill_required(client)
    pages = [first, client.get(reverse("surveys:respond", args=[SLUG]))]
    pages += [client.get(step_url(n)) for n in range(1, 9)]
    pages.append(client.post(reverse("surveys:submit", args=[SLUG])))
    for name in ("done", "your_response", "withdraw", "resume_request"):
        pages.append(client.get(reverse(f"surveys:{name}", args=[SLUG])))
    pages.append(client.get(reverse("surveys:resume", args=["no-such-token"])))
    assert submission.pk
    for response in pages:
        assert "no-store" in response.get("Cache-Control", ""), response.request["PATH_INFO"]
    # The public pages stay cacheable as before.
    assert "no-store" not in client.get(reverse("surveys:index")).get("Cache-Control", "")


@pytest.mark.parametrize("language", ["en", "zh-hant"])
@pytest.mark.parametrize(
    ("step", "hider", "hidden"),
    [(4, {"q_Q13": "all_trades"}, "q_Q14"), (5, {"q_Q20": "no"}, "q_Q21")],
)
def test_a_question_hidden_by_an_answer_on_its_page_never_blocks_it(
    client, otc, language, step, hider, hidden
):
    client.cookies["django_language"] = language
    submission = start(client)
    fill_required(client)
    # The respondent typed something the number box refuses, then chose the answer that hides it.
    response = client.post(step_url(step), {**REQUIRED.get(step, {}), **hider, hidden: "abc"})
    assert response.status_code == 302, response.content.decode()[:3000]
    assert hidden.removeprefix("q_") not in services_answers(submission)
    # While it is shown, the same value is refused as before.
    shown = {"q_Q13": "above_amount"} if step == 4 else {"q_Q20": "yes"}
    # (The page is shown again with the error; nothing of it is stored.)
    refused = client.post(step_url(step), {**REQUIRED.get(step, {}), **shown, hidden: "abc"})
    assert refused.status_code == 200
    assert hidden.removeprefix("q_") not in services_answers(submission)


def test_an_about_you_page_sent_again_after_a_lost_reply_starts_no_second_draft(client, sent, otc):
    page = client.get(step_url(1)).content.decode()
    key = re.search(r'name="start_key" value="([^"]+)"', page).group(1)
    body = {**ABOUT, "start_key": key}
    assert client.post(step_url(1), body).status_code == 302
    # The reply (with the session cookie) never arrived: the browser sends the same page again.
    retry = Client()
    retry.cookies["csrftoken"] = client.cookies["csrftoken"].value
    response = retry.post(step_url(1), body)
    assert response.status_code == 302 and response.url == step_url(2)
    (submission,) = Submission.objects.all()
    assert retry.get(step_url(2)).status_code == 200  # the same draft, now in this browser too
    assert [m.subject for m in sent()] == ["Your link to continue your response"]

    # Another page, another key: another response.
    other = Client()
    page = other.get(step_url(1)).content.decode()
    assert f'value="{key}"' not in page
    assert other.post(step_url(1), {**ABOUT, "start_key": "x" * 32}).status_code == 302
    assert Submission.objects.count() == 2
    # A key that is not one of ours is ignored: a draft of its own, not someone else's.
    assert Client().post(step_url(1), {**ABOUT, "start_key": "short"}).status_code == 302
    assert Submission.objects.count() == 3
    assert submission.start_key == key


@pytest.mark.parametrize(
    ("language", "message"),
    [
        ("en", "“None of these” cannot be chosen together with other answers."),
        ("zh-hant", "「以上皆不是」不能與其他答案一併選擇。"),
    ],
)
def test_an_exclusive_choice_cannot_be_ticked_with_others(client, otc, language, message):
    client.cookies["django_language"] = language
    submission = start(client)
    mixed = {**REQUIRED[2], "q_Q2": ["shop", "none"]}
    response = client.post(step_url(2), mixed)
    assert response.status_code == 200
    assert message in response.content.decode()
    assert "Q2" not in services_answers(submission)
    # Alone it is an answer like any other; so is any mix of the other choices.
    assert client.post(step_url(2), {**REQUIRED[2], "q_Q2": ["none"]}).status_code == 302
    assert services_answers(submission)["Q2"] == ["none"]
    assert client.post(step_url(2), {**REQUIRED[2], "q_Q2": ["shop", "atm"]}).status_code == 302
    assert services_answers(submission)["Q2"] == ["shop", "atm"]
