"""The submissions list and the submission page: columns, privacy, search, filters, queries,
the review form, theme tags and the bulk actions."""

import datetime as dt
import re
from zoneinfo import ZoneInfo

import pytest
from django.contrib.admin import helpers
from django.urls import reverse

from surveys.admin.submissions import SubmissionAdmin
from surveys.models import CampaignGroup, QuestionKind, ReviewEvent, Submission
from tests.factories import (
    AnswerFactory,
    CampaignGroupFactory,
    ChoiceFactory,
    ConsultationFactory,
    QuestionFactory,
    SectionFactory,
    SubmissionFactory,
    ThemeFactory,
)

pytestmark = pytest.mark.django_db
HKT = ZoneInfo("Asia/Hong_Kong")
LIST = reverse("admin:surveys_submission_changelist")


@pytest.fixture
def otc():
    consultation = ConsultationFactory(slug="otc", title_en="OTC dealing")
    section = SectionFactory(consultation=consultation, title_en="Scope", title_zh="範圍")
    consultation.q1 = QuestionFactory(
        section=section, code="Q1", order=1, kind=QuestionKind.SINGLE, text_en="Regulator?"
    )
    consultation.sfc = ChoiceFactory(question=consultation.q1, value="sfc", label_en="The SFC")
    consultation.q2 = QuestionFactory(
        section=section, code="Q2", order=2, kind=QuestionKind.TEXT, text_en="Why?"
    )
    consultation.q3 = QuestionFactory(
        section=section,
        code="Q3",
        order=3,
        kind=QuestionKind.TEXT,
        text_en="Which other regulator?",
        condition_question=consultation.q1,
        condition_choice=ChoiceFactory(question=consultation.q1, value="other"),
    )
    return consultation


def sent(consultation, text="", **fields):
    submission = SubmissionFactory(consultation=consultation, submitted=True, **fields)
    if text:
        AnswerFactory(submission=submission, question=consultation.q2, text=text)
    return submission


def page_text(response) -> str:
    return re.sub(r"\s+", " ", response.content.decode())


class TestList:
    def test_columns_show_review_time_in_hkt_late_consent_and_campaign(
        self, client, otc, superuser
    ):
        group = CampaignGroupFactory(
            consultation=otc, label="C3", size=41, representative_text="Standard text"
        )
        sent(
            otc,
            reference="OTC-000007",
            respondent_type="organisation",
            organisation_name="Jade Coin Ltd",
            submitted_at=dt.datetime(2026, 3, 1, 15, 59, tzinfo=dt.UTC),
            is_late=True,
            consent="confidential",
            review_status="excluded",
            exclusion_reason="spam",
            campaign_group=group,
        )
        client.force_login(superuser)
        text = page_text(client.get(LIST))
        assert "OTC-000007" in text
        assert "Jade Coin Ltd" in text
        assert "2026-03-01 23:59" in text  # 15:59 UTC is 23:59 HKT
        assert "Excluded: Spam" in text
        assert "Confidential" in text
        assert "C3 · 41" in text
        assert 'title="Standard text"' in text
        assert ">late<" in text

    def test_names_and_emails_are_withheld_without_the_right(
        self, client, otc, reviewer, personal_reviewer
    ):
        sent(otc, contact_name="Lee Siu Ming", email="lee@example.com")
        sent(otc, respondent_type="organisation", organisation_name="Jade Coin Ltd")
        client.force_login(reviewer)
        text = page_text(client.get(LIST))
        assert "Lee Siu Ming" not in text and "lee@example.com" not in text
        assert "withheld" in text
        assert "Jade Coin Ltd" in text  # an organisation's name is not personal data
        client.force_login(personal_reviewer)
        text = page_text(client.get(LIST))
        assert "Lee Siu Ming" in text and "withheld" not in text

    def test_drafts_are_hidden_unless_asked_for(self, client, otc, superuser):
        sent(otc, reference="OTC-000001")
        SubmissionFactory(consultation=otc, reference="OTC-000002")
        client.force_login(superuser)
        assert "OTC-000002" not in page_text(client.get(LIST))
        assert "OTC-000002" in page_text(client.get(LIST, {"state": "all"}))
        assert "OTC-000001" not in page_text(client.get(LIST, {"state": "draft"}))

    def test_filters_by_campaign_group_theme_review_status_and_consent(
        self, client, otc, superuser
    ):
        group = CampaignGroupFactory(consultation=otc, label="C1")
        theme = ThemeFactory(consultation=otc, name_en="Cost")
        grouped = sent(otc, "Same words", reference="OTC-000011", campaign_group=group)
        tagged = sent(otc, "Too costly", reference="OTC-000012", consent="confidential")
        tagged.answers.get().themes.add(theme)
        sent(otc, "Uncoded", reference="OTC-000013", review_status="accepted")
        client.force_login(superuser)

        def references(**params):
            text = page_text(client.get(LIST, {"consultation__id__exact": otc.pk, **params}))
            return set(re.findall(r"OTC-0000\d\d", text))

        assert references(campaign=group.pk) == {grouped.reference}
        assert references(campaign="none") == {"OTC-000012", "OTC-000013"}
        assert references(theme=theme.pk) == {"OTC-000012"}
        assert references(theme="none") == {"OTC-000011", "OTC-000013"}
        assert references(review_status__exact="accepted") == {"OTC-000013"}
        assert references(consent__exact="confidential") == {"OTC-000012"}

    def test_search_finds_a_phrase_in_a_free_text_answer(self, client, otc, superuser):
        sent(otc, "The capital requirement would close small shops.", reference="OTC-000021")
        sent(otc, "Small shops are fine.", reference="OTC-000022")
        client.force_login(superuser)
        text = page_text(client.get(LIST, {"q": "close small shops"}))
        assert "OTC-000021" in text and "OTC-000022" not in text
        text = page_text(client.get(LIST, {"q": '"CAPITAL requirement"'}))
        assert "OTC-000021" in text

    def test_search_by_email_reveals_nothing_without_the_right(
        self, client, otc, reviewer, personal_reviewer
    ):
        sent(otc, reference="OTC-000031", email="whistle@example.com")
        client.force_login(reviewer)
        assert "OTC-000031" not in page_text(client.get(LIST, {"q": "whistle@example"}))
        client.force_login(personal_reviewer)
        assert "OTC-000031" in page_text(client.get(LIST, {"q": "whistle@example"}))

    def test_search_by_reference_and_organisation(self, client, otc, reviewer):
        sent(otc, reference="OTC-000041", respondent_type="organisation", organisation_name="Jade")
        sent(otc, reference="OTC-000042", organisation_name="Secret employer")
        client.force_login(reviewer)
        assert "OTC-000041" in page_text(client.get(LIST, {"q": "jade"}))
        assert "OTC-000042" not in page_text(client.get(LIST, {"q": "secret employer"}))
        assert "OTC-000042" in page_text(client.get(LIST, {"q": "OTC-000042"}))

    @pytest.mark.parametrize("rows", [20, 100])
    def test_a_page_costs_the_same_queries_whatever_its_size(
        self, client, otc, personal_reviewer, django_assert_max_num_queries, monkeypatch, rows
    ):
        group = CampaignGroupFactory(consultation=otc)
        ThemeFactory(consultation=otc)
        for i in range(rows):
            sent(otc, f"Text {i}", campaign_group=group if i % 3 == 0 else None)
        monkeypatch.setattr(SubmissionAdmin, "list_per_page", rows)
        client.force_login(personal_reviewer)
        with django_assert_max_num_queries(16):
            response = client.get(LIST, {"consultation__id__exact": otc.pk, "q": "Text"})
        assert len(response.context["cl"].result_list) == rows


class TestSubmissionPage:
    def url(self, submission):
        return reverse("admin:surveys_submission_change", args=[submission.pk])

    def test_answers_in_question_order_with_consent_and_without_personal_data(
        self, client, otc, reviewer
    ):
        submission = sent(
            otc,
            "Because it already licenses platforms.",
            contact_name="Lee Siu Ming",
            email="lee@example.com",
            client_address="203.0.113.5",
            consent="confidential",
        )
        AnswerFactory(submission=submission, question=otc.q1, choice=otc.sfc)
        client.force_login(reviewer)
        text = page_text(client.get(self.url(submission)))
        assert text.index("Regulator?") < text.index("The SFC") < text.index("Why?")
        assert text.index("Why?") < text.index("Because it already licenses platforms.")
        assert "Not asked (depends on the answer to Q1)" in text
        assert "Do not publish my response (confidential)" in text
        assert "Lee Siu Ming" not in text
        assert "lee@example.com" not in text
        assert "203.0.113.5" not in text
        assert "withheld" in text

    @pytest.mark.parametrize("texts", [1, 8])
    def test_the_page_costs_the_same_queries_whatever_the_answers(
        self, client, otc, reviewer, django_assert_max_num_queries, texts
    ):
        submission = sent(otc)
        for order in range(10, 10 + texts):
            question = QuestionFactory(section=otc.q1.section, order=order, kind=QuestionKind.TEXT)
            AnswerFactory(submission=submission, question=question, text=f"Answer {order}")
        ThemeFactory.create_batch(3, consultation=otc)
        client.force_login(reviewer)
        # 18, and the colleagues who drafted it and their changes (surveys.admin.drafting).
        with django_assert_max_num_queries(20):
            response = client.get(self.url(submission))
        assert page_text(response).count('type="checkbox"') >= 3 * texts

    def test_personal_details_for_those_allowed(self, client, otc, personal_reviewer):
        submission = sent(otc, contact_name="Lee Siu Ming", email="lee@example.com")
        client.force_login(personal_reviewer)
        text = page_text(client.get(self.url(submission)))
        assert "Lee Siu Ming" in text and "lee@example.com" in text

    def test_answers_cannot_be_changed_from_the_page(self, client, otc, reviewer):
        submission = sent(otc, "Original words.", contact_name="Original")
        client.force_login(reviewer)
        response = client.post(
            self.url(submission),
            {
                "review_status": "new",
                "contact_name": "Forged",
                "email": "forged@example.com",
                "answers-TOTAL_FORMS": 0,
                "answers-INITIAL_FORMS": 0,
            },
        )
        assert response.status_code == 302
        submission.refresh_from_db()
        assert (submission.contact_name, submission.email) != ("Forged", "forged@example.com")
        assert submission.answers.get().text == "Original words."

    def test_excluding_needs_a_reason_and_is_audited(self, client, otc, reviewer):
        submission = sent(otc)
        client.force_login(reviewer)
        base = {"answers-TOTAL_FORMS": 0, "answers-INITIAL_FORMS": 0, "reviewer_notes": ""}
        response = client.post(self.url(submission), {**base, "review_status": "excluded"})
        assert response.status_code == 200
        assert "Give the reason for excluding" in page_text(response)
        response = client.post(
            self.url(submission),
            {
                **base,
                "review_status": "excluded",
                "exclusion_reason": "duplicate",
                "review_note": "Same as OTC-000001",
                "reviewer_notes": "Check with the association.",
            },
        )
        assert response.status_code == 302
        submission.refresh_from_db()
        assert (submission.review_status, submission.exclusion_reason) == ("excluded", "duplicate")
        assert submission.reviewer_notes == "Check with the association."
        assert set(
            ReviewEvent.objects.values_list("field", "new_value", "reason", "actor__username")
        ) == {
            ("review_status", "excluded", "Same as OTC-000001", "reviewer"),
            ("exclusion_reason", "duplicate", "Same as OTC-000001", "reviewer"),
            ("reviewer_notes", "Check with the association.", "", "reviewer"),
        }
        text = page_text(client.get(self.url(submission)))
        assert "Review history" in text and "Same as OTC-000001" in text

    def test_tagging_a_free_text_answer_from_the_page(self, client, otc, reviewer):
        submission = sent(otc, "Too costly for small shops.")
        answer = submission.answers.get()
        cost = ThemeFactory(consultation=otc, name_en="Cost")
        ThemeFactory(consultation=ConsultationFactory(), name_en="Elsewhere")
        client.force_login(reviewer)
        page = page_text(client.get(self.url(submission)))
        assert "Cost" in page and "Elsewhere" not in page
        response = client.post(
            self.url(submission),
            {
                "review_status": "new",
                "reviewer_notes": "",
                "answers-TOTAL_FORMS": 1,
                "answers-INITIAL_FORMS": 1,
                "answers-0-id": answer.pk,
                "answers-0-submission": submission.pk,
                "answers-0-themes": [cost.pk],
            },
        )
        assert response.status_code == 302
        assert list(answer.themes.all()) == [cost]
        event = ReviewEvent.objects.get(field="themes")
        assert (event.old_value, event.new_value) == ("Q2: ", "Q2: Cost")

    def test_moving_to_a_campaign_group_of_this_consultation_only(self, client, otc, reviewer):
        submission = sent(otc)
        mine = CampaignGroupFactory(consultation=otc, label="C1")
        other = CampaignGroupFactory(label="C9")
        client.force_login(reviewer)
        base = {"review_status": "new", "answers-TOTAL_FORMS": 0, "answers-INITIAL_FORMS": 0}
        response = client.post(self.url(submission), {**base, "campaign_group": other.pk})
        assert response.status_code == 200  # not a valid choice
        response = client.post(self.url(submission), {**base, "campaign_group": mine.pk})
        assert response.status_code == 302
        mine.refresh_from_db()
        assert mine.size == 1
        assert ReviewEvent.objects.get(field="campaign_group").new_value == "C1 (detected)"

    def test_drafts_are_read_only(self, client, otc, reviewer):
        draft = SubmissionFactory(consultation=otc)
        client.force_login(reviewer)
        response = client.get(self.url(draft))
        assert response.status_code == 200
        assert 'name="review_status"' not in response.content.decode()

    def test_attachments_are_listed_and_served_to_staff(
        self, client, otc, reviewer, private_storage_tmp
    ):
        from django.core.files.base import ContentFile

        from surveys.models import Attachment

        submission = sent(otc)
        attachment = Attachment.objects.create(
            submission=submission,
            file=ContentFile(b"%PDF-1.7 position paper", name="paper.pdf"),
            original_name="Position paper.pdf",
            content_type="application/pdf",
            size=23,
            sha256="a" * 64,
        )
        client.force_login(reviewer)
        assert "Position paper.pdf" in page_text(client.get(self.url(submission)))
        url = reverse("admin:surveys_submission_attachment", args=[submission.pk, attachment.pk])
        response = client.get(url)
        assert response.status_code == 200
        assert b"".join(response.streaming_content) == b"%PDF-1.7 position paper"
        assert "Position paper.pdf" in response["Content-Disposition"]
        other = sent(otc)
        wrong = reverse("admin:surveys_submission_attachment", args=[other.pk, attachment.pk])
        assert client.get(wrong).status_code == 404

    def test_editors_see_the_answers_but_never_the_position_papers(
        self, client, otc, editor, private_storage_tmp
    ):
        from django.core.files.base import ContentFile

        from surveys.models import Attachment

        submission = sent(otc)
        attachment = Attachment.objects.create(
            submission=submission,
            file=ContentFile(b"%PDF-1.7 by Chan Tai Man", name="paper.pdf"),
            original_name="Chan Tai Man position paper.pdf",
            content_type="application/pdf",
            size=24,
            sha256="b" * 64,
        )
        client.force_login(editor)
        page = page_text(client.get(self.url(submission)))
        assert "Attachments are shown to reviewers only" in page
        assert "Chan Tai Man position paper.pdf" not in page
        url = reverse("admin:surveys_submission_attachment", args=[submission.pk, attachment.pk])
        assert client.get(url).status_code == 403
        public = reverse("surveys:attachment", args=[otc.slug, attachment.pk])
        assert client.get(public).status_code == 404


def act(client, action, submissions, follow=False, **extra):
    return client.post(
        LIST,
        {
            "action": action,
            helpers.ACTION_CHECKBOX_NAME: [s.pk for s in submissions],
            "index": 0,
            **extra,
        },
        follow=follow,
    )


class TestBulkActions:
    def test_accept_selected(self, client, otc, reviewer):
        rows = [sent(otc) for _ in range(3)]
        client.force_login(reviewer)
        act(client, "accept_selected", rows[:2])
        assert list(Submission.objects.order_by("pk").values_list("review_status", flat=True)) == [
            "accepted",
            "accepted",
            "new",
        ]
        assert ReviewEvent.objects.filter(actor__username="reviewer").count() == 2

    def test_exclude_asks_for_the_reason_first(self, client, otc, reviewer):
        rows = [sent(otc) for _ in range(2)]
        client.force_login(reviewer)
        response = act(client, "exclude_selected", rows)
        assert response.status_code == 200
        assert "This applies to 2 selected submissions" in page_text(response)
        assert not Submission.objects.filter(review_status="excluded").exists()
        response = act(client, "exclude_selected", rows, apply=1, reason="other", note="")
        assert response.status_code == 200  # "other" needs a note
        act(client, "exclude_selected", rows, apply=1, reason="duplicate", note="Copies")
        assert (
            Submission.objects.filter(
                review_status="excluded", exclusion_reason="duplicate"
            ).count()
            == 2
        )

    def test_exclude_across_all_filtered_rows(self, client, otc, reviewer):
        for _ in range(3):
            sent(otc)
        client.force_login(reviewer)
        client.post(
            LIST + f"?consultation__id__exact={otc.pk}",
            {
                "action": "exclude_selected",
                "select_across": 1,
                "index": 0,
                "apply": 1,
                "reason": "spam",
                helpers.ACTION_CHECKBOX_NAME: [Submission.objects.first().pk],
            },
        )
        assert Submission.objects.filter(review_status="excluded").count() == 3

    def test_tag_selected_answers_with_a_theme(self, client, otc, reviewer):
        rows = [sent(otc, f"Text {i}") for i in range(3)]
        theme = ThemeFactory(consultation=otc, name_en="Scope")
        client.force_login(reviewer)
        response = act(client, "tag_selected", rows[:2])
        assert response.status_code == 200
        act(client, "tag_selected", rows[:2], apply=1, theme=theme.pk, question=otc.q2.pk)
        assert set(theme.answers.values_list("submission_id", flat=True)) == {
            rows[0].pk,
            rows[1].pk,
        }
        act(client, "tag_selected", rows[:1], apply=1, theme=theme.pk, remove="on")
        assert theme.answers.count() == 1

    def test_tagging_needs_one_consultation(self, client, otc, reviewer):
        elsewhere = SubmissionFactory(submitted=True)
        client.force_login(reviewer)
        response = act(client, "tag_selected", [sent(otc), elsewhere], follow=True)
        assert "Select submissions of one consultation" in page_text(response)

    def test_tagging_without_themes_says_to_add_one_first(self, client, otc, reviewer):
        rows = [sent(otc, f"Text {i}") for i in range(2)]
        client.force_login(reviewer)
        response = act(client, "tag_selected", rows, follow=True)
        text = page_text(response)
        assert "has no themes yet" in text
        assert "This field is required" not in text
        assert 'id="id_theme"' not in response.content.decode()
        html = response.content.decode()
        assert reverse("admin:surveys_theme_add") + f"?consultation={otc.pk}" in html

    def test_confirming_campaigns_outside_any_group_says_to_detect_first(
        self, client, otc, reviewer
    ):
        rows = [sent(otc) for _ in range(2)]
        client.force_login(reviewer)
        response = act(client, "confirm_campaigns", rows, follow=True)
        assert "None of the selected submissions is in a campaign group" in page_text(response)
        assert "campaign groups confirmed" not in page_text(response)
        assert reverse("admin:surveys_campaigngroup_detect") in response.content.decode()

    def test_confirm_campaign_groups_of_the_selection(self, client, otc, reviewer):
        group = CampaignGroupFactory(consultation=otc)
        rows = [sent(otc, campaign_group=group) for _ in range(2)]
        client.force_login(reviewer)
        act(client, "confirm_campaigns", rows[:1])
        group.refresh_from_db()
        assert group.confirmed
        assert ReviewEvent.objects.filter(field="campaign_group").count() == 2

    def test_export_selected(self, client, otc, reviewer):
        rows = [sent(otc, f"Text {i}") for i in range(3)]
        client.force_login(reviewer)
        response = act(client, "export_csv", rows[:2])
        body = b"".join(response.streaming_content).decode("utf-8-sig")
        assert body.count("\n") == 3
        assert rows[2].reference not in body


class TestCampaignGroupList:
    def test_groups_show_size_text_and_a_link_to_their_submissions(self, client, otc, reviewer):
        group = CampaignGroupFactory(
            consultation=otc, label="C1", size=2, representative_text="We strongly oppose"
        )
        client.force_login(reviewer)
        text = page_text(client.get(reverse("admin:surveys_campaigngroup_changelist")))
        assert "We strongly oppose" in text
        assert f"campaign={group.pk}" in text
        client.post(
            reverse("admin:surveys_campaigngroup_changelist"),
            {"action": "confirm_groups", helpers.ACTION_CHECKBOX_NAME: [group.pk], "index": 0},
        )
        assert CampaignGroup.objects.get().confirmed


def test_review_events_are_listed_for_reviewers(client, otc, reviewer):
    submission = sent(otc)
    ReviewEvent.objects.create(
        submission=submission,
        actor=reviewer,
        field="review_status",
        old_value="new",
        new_value="accepted",
        reason="Checked",
    )
    client.force_login(reviewer)
    text = page_text(client.get(reverse("admin:surveys_reviewevent_changelist")))
    assert submission.reference in text and "Checked" in text and "Review status" in text
