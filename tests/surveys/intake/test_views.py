"""Staff entry pages in the admin: who may use them, a whole entry through the pages, what the
list and the submission page show afterwards."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse
from django.utils import timezone

from surveys.models import ReviewEvent, Submission, SubmissionState
from tests.factories import SubmissionFactory, UserFactory
from tests.surveys.intake.entry_data import PDF_BYTES, letter_consultation, pdf_upload

pytestmark = pytest.mark.django_db
INDEX = reverse("admin:surveys_submission_enter")
LIST = reverse("admin:surveys_submission_changelist")


@pytest.fixture
def consultation():
    return letter_consultation(title_en="OTC dealing", title_zh="場外交易")


def details(**overrides):
    data = {
        "channel": "post",
        "received_date": timezone.localdate().isoformat(),
        "received_time": "00:00",
        "language": "en",
        "respondent_type": "organisation",
        "organisation_name": "Harbour Exchange Ltd",
        "category": "online_platform",
        "contact_name": "Chan Tai Man",
        "email": "",
        "consent": "response_only",
        "privacy_acknowledged": "on",
        "original": pdf_upload(),
    }
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


def step_url(submission, number):
    return reverse("admin:surveys_submission_enter_step", args=[submission.pk, number])


def test_staff_without_the_permission_get_403_and_see_no_button(client, consultation, editor):
    SubmissionFactory(consultation=consultation, submitted=True)
    client.force_login(editor)
    new = reverse("admin:surveys_submission_enter_new", args=[consultation.pk])
    assert client.get(INDEX).status_code == 403
    assert client.get(new).status_code == 403
    assert client.post(new, details()).status_code == 403
    assert not Submission.objects.filter(channel="post").exists()
    listing = client.get(LIST)
    assert listing.status_code == 200
    assert b"Enter a response received by email, post or fax" not in listing.content


def test_a_reviewer_sees_the_button_with_the_list_s_consultation(client, consultation, reviewer):
    client.force_login(reviewer)
    listing = client.get(LIST, {"consultation__id__exact": consultation.pk})
    assert f'href="{INDEX}?consultation={consultation.pk}"'.encode() in listing.content
    chosen = client.get(INDEX, {"consultation": consultation.pk})
    assert chosen.status_code == 302
    assert chosen["Location"] == reverse(
        "admin:surveys_submission_enter_new", args=[consultation.pk]
    )


def test_a_whole_posted_letter_entered_through_the_pages(
    client, consultation, reviewer, private_storage_tmp
):
    client.force_login(reviewer)
    new = reverse("admin:surveys_submission_enter_new", args=[consultation.pk])
    page = client.get(new)
    assert page.status_code == 200
    assert "Personal information collection statement" in page.content.decode()

    started = client.post(new, details())
    assert started.status_code == 302, started.context["form"].errors
    draft = Submission.objects.get(channel="post")
    assert started["Location"] == step_url(draft, 2)
    assert draft.state == SubmissionState.DRAFT
    assert draft.entered_by == reviewer

    # The respondent's own section form: the same validation.
    section = client.get(step_url(draft, 2))
    assert 'name="q_Q1"' in section.content.decode()
    refused = client.post(step_url(draft, 2), {"q_Q1": "maybe"})
    assert refused.status_code == 200
    assert "Select one of the options shown." in refused.content.decode()
    saved = client.post(step_url(draft, 2), {"q_Q1": "yes", "q_Q2": "Clients need protection."})
    assert saved["Location"] == step_url(draft, 3)
    bad_number = client.post(step_url(draft, 3), {"q_Q3": "lots"})
    assert "Enter a whole number" in bad_number.content.decode()
    assert client.post(step_url(draft, 3), {"q_Q3": "1,000,000"})["Location"] == step_url(draft, 4)
    comments = client.post(step_url(draft, 4), {"text": "Paragraph 7: please consult again."})
    assert comments["Location"] == step_url(draft, 5)

    review = client.get(step_url(draft, 5))
    text = review.content.decode()
    assert "Clients need protection." in text
    assert "Paragraph 7: please consult again." in text
    assert "letter.pdf" in text

    submit = reverse("admin:surveys_submission_enter_submit", args=[draft.pk])
    entered = client.post(submit)
    change = reverse("admin:surveys_submission_change", args=[draft.pk])
    assert entered["Location"] == change
    draft.refresh_from_db()
    assert draft.state == SubmissionState.SUBMITTED
    assert re.fullmatch(r"TST-\d{6}", draft.reference)
    # A second click on the button changes nothing and shows the same response.
    assert client.post(submit)["Location"] == change
    assert ReviewEvent.objects.filter(submission=draft, field="entered").count() == 1
    assert draft.revisions.count() == 1

    shown = client.get(change).content.decode()
    assert "Post" in shown
    assert "Paragraph 7: please consult again." in shown
    original = draft.original_documents.get()
    download = reverse("admin:surveys_submission_original", args=[draft.pk, original.pk])
    assert download in shown
    response = client.get(download)
    assert b"".join(response.streaming_content) == PDF_BYTES
    # The pages of the entry now lead to the entered response.
    assert client.get(step_url(draft, 2))["Location"] == change


def test_the_first_step_refuses_bad_details_with_reasons_and_stores_nothing(
    client, consultation, reviewer, private_storage_tmp
):
    client.force_login(reviewer)
    new = reverse("admin:surveys_submission_enter_new", args=[consultation.pk])
    tomorrow = (timezone.localdate() + timezone.timedelta(days=1)).isoformat()
    cases = [
        (details(channel="web"), "Choose how the response was received"),
        (details(received_date="31/02/2026"), "Enter the date received as a real date"),
        (details(received_date=tomorrow), "The date received cannot be in the future."),
        (details(received_date="0001-01-01"), "Enter a date received in 2000 or later."),
        (details(received_time="25:61"), "Enter the time received like 14:30."),
        (details(contact_name="x" * 201), "Ensure this value has at most 200 characters"),
        (details(category="\x00"), "Select a valid choice"),
        (details(original=None), "Upload the original letter, email or scan"),
        (
            details(original=pdf_upload("virus.exe", b"MZ\x90\x00")),
            "The original must be a PDF, a Word (DOCX) document",
        ),
        (details(channel="email"), "A response received by email needs the sender"),
        (details(respondent_type="organisation", organisation_name=""), "Enter the name of your"),
        (details(privacy_acknowledged=None), "Confirm that the respondent was given"),
    ]
    for data, message in cases:
        response = client.post(new, data)
        assert response.status_code == 200, message
        assert message in response.content.decode(), message
    assert not Submission.objects.exists()


def test_entering_with_questions_unanswered_lists_them_and_enters_nothing(
    client, consultation, reviewer, private_storage_tmp
):
    client.force_login(reviewer)
    new = reverse("admin:surveys_submission_enter_new", args=[consultation.pk])
    client.post(new, details())
    draft = Submission.objects.get()
    response = client.post(reverse("admin:surveys_submission_enter_submit", args=[draft.pk]))
    assert response.status_code == 400
    assert "Should OTC dealers be licensed?" in response.content.decode()
    draft.refresh_from_db()
    assert draft.state == SubmissionState.DRAFT


def test_an_entry_left_half_way_is_listed_to_continue(
    client, consultation, reviewer, private_storage_tmp
):
    client.force_login(reviewer)
    client.post(reverse("admin:surveys_submission_enter_new", args=[consultation.pk]), details())
    draft = Submission.objects.get()
    page = client.get(INDEX).content.decode()
    assert step_url(draft, 2) in page
    assert "Harbour Exchange Ltd" in page
    again = client.get(step_url(draft, 1)).content.decode()
    assert 'value="Harbour Exchange Ltd"' in again


def test_a_respondent_s_web_draft_is_not_reachable_as_an_entry(client, consultation, reviewer):
    web = SubmissionFactory(consultation=consultation)
    client.force_login(reviewer)
    assert client.get(step_url(web, 2)).status_code == 404
    submit = reverse("admin:surveys_submission_enter_submit", args=[web.pk])
    assert client.post(submit).status_code == 404


def test_originals_download_only_for_staff_who_read_papers(
    client, consultation, reviewer, editor, private_storage_tmp
):
    client.force_login(reviewer)
    client.post(reverse("admin:surveys_submission_enter_new", args=[consultation.pk]), details())
    draft = Submission.objects.get()
    for number, data in ((2, {"q_Q1": "no"}), (3, {}), (4, {})):
        client.post(step_url(draft, number), data)
    client.post(reverse("admin:surveys_submission_enter_submit", args=[draft.pk]))
    original = draft.original_documents.get()
    download = reverse("admin:surveys_submission_original", args=[draft.pk, original.pk])
    client.force_login(editor)
    assert client.get(download).status_code == 403
    page = client.get(reverse("admin:surveys_submission_change", args=[draft.pk]))
    assert download not in page.content.decode()


def test_the_list_shows_and_filters_by_channel(client, consultation, reviewer):
    SubmissionFactory(consultation=consultation, submitted=True, channel="fax")
    SubmissionFactory(consultation=consultation, submitted=True)
    client.force_login(reviewer)
    response = client.get(LIST, {"channel__exact": "fax"})
    assert response.context["cl"].result_count == 1
    assert "Fax" in response.content.decode()


def test_a_superuser_may_enter_without_a_role(client, consultation, private_storage_tmp):
    client.force_login(UserFactory(is_superuser=True))
    assert client.get(INDEX).status_code == 200


def test_the_entries_in_progress_page_reads_a_fixed_number_of_queries(
    client, consultation, reviewer, private_storage_tmp, django_assert_max_num_queries
):
    client.force_login(reviewer)
    new = reverse("admin:surveys_submission_enter_new", args=[consultation.pk])
    for _ in range(3):
        client.post(new, details())
    with django_assert_max_num_queries(6):
        client.get(INDEX)
    for _ in range(7):
        client.post(new, details())
    with django_assert_max_num_queries(6):
        page = client.get(INDEX)
    assert page.content.decode().count("Continue") == 10


@pytest.mark.parametrize("originals", [1, 4])
def test_an_entered_response_s_page_costs_the_same_queries_whatever_its_originals(
    client, consultation, reviewer, private_storage_tmp, django_assert_max_num_queries, originals
):
    client.force_login(reviewer)
    client.post(reverse("admin:surveys_submission_enter_new", args=[consultation.pk]), details())
    draft = Submission.objects.get()
    form = {k: v for k, v in details().items() if k != "original"}
    for number in range(2, originals + 1):
        client.post(step_url(draft, 1), {**form, "original": pdf_upload(f"page{number}.pdf")})
    client.post(step_url(draft, 2), {"q_Q1": "no"})
    client.post(reverse("admin:surveys_submission_enter_submit", args=[draft.pk]))
    assert draft.original_documents.count() == originals
    with django_assert_max_num_queries(21):
        page = client.get(reverse("admin:surveys_submission_change", args=[draft.pk]))
    assert page.content.decode().count("/originals/") == originals


def test_typed_text_is_shown_escaped_and_odd_steps_are_not_found(
    client, consultation, reviewer, private_storage_tmp
):
    client.force_login(reviewer)
    client.post(
        reverse("admin:surveys_submission_enter_new", args=[consultation.pk]),
        details(organisation_name="<b>Harbour</b>"),
    )
    draft = Submission.objects.get()
    assert client.get(step_url(draft, 0)).status_code == 404
    assert client.get(step_url(draft, 6)).status_code == 404
    client.post(step_url(draft, 2), {"q_Q1": "no"})
    client.post(step_url(draft, 4), {"text": "<script>alert(1)</script>"})
    review = client.get(step_url(draft, 5)).content.decode()
    assert "<script>alert(1)</script>" not in review
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in review
    client.post(reverse("admin:surveys_submission_enter_submit", args=[draft.pk]))
    page = client.get(reverse("admin:surveys_submission_change", args=[draft.pk])).content.decode()
    assert "<script>alert(1)</script>" not in page
    assert "&lt;b&gt;Harbour&lt;/b&gt;" in page
