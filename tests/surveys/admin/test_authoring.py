"""Authoring in the admin: consultations with sections, questions and choices, their validation,
and what can no longer change once people have responded."""

import re

import pytest
from django.urls import reverse

from surveys.models import Choice, Consultation, Question, QuestionKind, Section
from tests.factories import (
    AnswerFactory,
    ChoiceFactory,
    QuestionFactory,
    SectionFactory,
    SubmissionFactory,
)

pytestmark = pytest.mark.django_db


def text(response) -> str:
    return re.sub(r"\s+", " ", response.content.decode())


def management(prefix, total, initial=0):
    return {
        f"{prefix}-TOTAL_FORMS": total,
        f"{prefix}-INITIAL_FORMS": initial,
        f"{prefix}-MIN_NUM_FORMS": 0,
        f"{prefix}-MAX_NUM_FORMS": 1000,
    }


PAPER = {
    "slug": "stablecoins",
    "reference_prefix": "STB",
    "is_draft": "on",
    "title_en": "Licensing stablecoin issuers",
    "title_zh": "穩定幣發行人發牌制度",
    "summary_en": "We propose a regime.",
    "summary_zh": "我們建議設立制度。",
    "body_en": "",
    "body_zh": "",
    "opens_at_0": "2026-12-01",
    "opens_at_1": "00:00:00",
    "closes_at_0": "2027-01-31",
    "closes_at_1": "23:59:00",
}


def consultation_form(consultation, sections=(), questions=(), new_questions=()):
    """POST data for the consultation page: its fields, sections and questions as they are, and
    ``new_questions`` (dicts) to add."""
    data = {**PAPER, "slug": consultation.slug, "reference_prefix": consultation.reference_prefix}
    data.update(management("sections", len(sections), len(sections)))
    for i, section in enumerate(sections):
        data.update(
            {
                f"sections-{i}-id": section.pk,
                f"sections-{i}-consultation": consultation.pk,
                f"sections-{i}-order": section.order,
                f"sections-{i}-title_en": section.title_en,
                f"sections-{i}-title_zh": section.title_zh,
            }
        )
    rows = [
        {
            "id": q.pk,
            "order": q.order,
            "code": q.code,
            "section": q.section_id,
            "kind": q.kind,
            "text_en": q.text_en,
            "text_zh": q.text_zh,
        }
        for q in questions
    ] + list(new_questions)
    data.update(management("questions", len(rows), len(questions)))
    for i, row in enumerate(rows):
        data.update({f"questions-{i}-{k}": v for k, v in row.items()})
        data[f"questions-{i}-consultation"] = consultation.pk
    data.update(management("documents", 0))
    return data


class TestAuthoring:
    def test_an_editor_writes_a_small_consultation(self, client, editor):
        client.force_login(editor)
        data = {**PAPER, **management("sections", 2), **management("questions", 0)}
        data.update(management("documents", 0))
        data.update(
            {
                "sections-0-order": 1,
                "sections-0-title_en": "Scope",
                "sections-0-title_zh": "範圍",
                "sections-1-order": 2,
                "sections-1-title_en": "Reserves",
                "sections-1-title_zh": "儲備",
                "_continue": "1",
            }
        )
        response = client.post(reverse("admin:surveys_consultation_add"), data)
        assert response.status_code == 302, text(response)
        consultation = Consultation.objects.get(slug="stablecoins")
        scope, reserves = consultation.sections.order_by("order")

        new = [
            {"order": 1, "code": "Q1", "section": scope.pk, "kind": "agree",
             "text_en": "Do you agree?", "text_zh": "你是否同意？", "required": "on"},
            {"order": 2, "code": "Q2", "section": reserves.pk, "kind": "text",
             "text_en": "Why?", "text_zh": "原因？"},
        ]  # fmt: skip
        response = client.post(
            reverse("admin:surveys_consultation_change", args=[consultation.pk]),
            consultation_form(consultation, [scope, reserves], new_questions=new),
        )
        assert response.status_code == 302, text(response)
        assert list(consultation.questions.order_by("order").values_list("code", "section")) == [
            ("Q1", scope.pk),
            ("Q2", reserves.pk),
        ]

    def test_question_codes_must_be_unique_in_a_consultation(self, client, editor):
        question = QuestionFactory(code="Q1", order=1)
        consultation = question.consultation
        client.force_login(editor)
        response = client.post(
            reverse("admin:surveys_consultation_change", args=[consultation.pk]),
            consultation_form(
                consultation,
                [question.section],
                [question],
                [
                    {
                        "order": 2,
                        "code": "Q1",
                        "section": question.section_id,
                        "kind": "text",
                        "text_en": "Again?",
                        "text_zh": "再次？",
                    }
                ],
            ),  # fmt: skip
        )
        assert response.status_code == 200
        assert "Please correct the" in text(response)
        assert consultation.questions.count() == 1

    def test_sections_of_another_consultation_are_not_offered(self, client, editor):
        question = QuestionFactory()
        foreign = SectionFactory()
        # Counted, not looked up by code: the factory's own sequence may also have made a "Q9".
        before = Question.objects.count()
        client.force_login(editor)
        response = client.post(
            reverse("admin:surveys_consultation_change", args=[question.consultation_id]),
            consultation_form(
                question.consultation,
                [question.section],
                [question],
                [
                    {
                        "order": 9,
                        "code": "Q9",
                        "section": foreign.pk,
                        "kind": "text",
                        "text_en": "?",
                        "text_zh": "？",
                    }
                ],
            ),  # fmt: skip
        )
        assert response.status_code == 200
        assert Question.objects.count() == before
        assert not foreign.questions.exists()

    def test_a_condition_must_point_at_an_earlier_question(self, client, editor):
        section = SectionFactory()
        later = QuestionFactory(section=section, code="Q5", order=5, kind=QuestionKind.SINGLE)
        choice = ChoiceFactory(question=later, value="yes")
        earlier = QuestionFactory(section=section, code="Q2", order=2, kind=QuestionKind.TEXT)
        client.force_login(editor)
        url = reverse("admin:surveys_question_change", args=[earlier.pk])
        data = {
            "section": section.pk,
            "code": "Q2",
            "order": 2,
            "kind": "text",
            "text_en": "Why?",
            "text_zh": "原因？",
            "max_length": 2000,
            "condition_question": later.pk,
            "condition_choice": choice.pk,
            **management("choices", 0),
        }
        response = client.post(url, data)
        assert response.status_code == 200
        assert "Select a valid choice" in text(response)
        earlier.refresh_from_db()
        assert earlier.condition_question is None

    def test_a_condition_on_an_earlier_question_is_saved(self, client, editor):
        section = SectionFactory()
        first = QuestionFactory(section=section, code="Q1", order=1, kind=QuestionKind.SINGLE)
        other = ChoiceFactory(question=first, value="other")
        follow = QuestionFactory(section=section, code="Q2", order=2, kind=QuestionKind.TEXT)
        client.force_login(editor)
        response = client.post(
            reverse("admin:surveys_question_change", args=[follow.pk]),
            {
                "section": section.pk,
                "code": "Q2",
                "order": 2,
                "kind": "text",
                "text_en": "Which?",
                "text_zh": "哪個？",
                "max_length": 2000,
                "condition_question": first.pk,
                "condition_choice": other.pk,
                **management("choices", 0),
            },
        )
        assert response.status_code == 302, text(response)
        follow.refresh_from_db()
        assert (follow.condition_question, follow.condition_choice) == (first, other)

    def test_a_condition_choice_must_belong_to_the_condition_question(self, client, editor):
        section = SectionFactory()
        first = QuestionFactory(section=section, code="Q1", order=1, kind=QuestionKind.SINGLE)
        second = QuestionFactory(section=section, code="Q2", order=2, kind=QuestionKind.SINGLE)
        wrong = ChoiceFactory(question=second, value="x")
        follow = QuestionFactory(section=section, code="Q3", order=3, kind=QuestionKind.TEXT)
        client.force_login(editor)
        response = client.post(
            reverse("admin:surveys_question_change", args=[follow.pk]),
            {
                "section": section.pk,
                "code": "Q3",
                "order": 3,
                "kind": "text",
                "text_en": "?",
                "text_zh": "？",
                "max_length": 2000,
                "condition_question": first.pk,
                "condition_choice": wrong.pk,
                **management("choices", 0),
            },
        )
        assert response.status_code == 200
        assert "The choice must belong to the condition" in text(response)

    def test_scale_questions_get_their_standard_choices(self, client, editor):
        section = SectionFactory()
        client.force_login(editor)
        response = client.post(
            reverse("admin:surveys_question_add"),
            {
                "consultation": section.consultation_id,
                "section": section.pk,
                "code": "Q1",
                "order": 1,
                "kind": "agree",
                "text_en": "Agree?",
                "text_zh": "同意？",
                "max_length": 2000,
                **management("choices", 0),
            },
        )
        assert response.status_code == 302, text(response)
        question = Question.objects.get(code="Q1")
        assert list(question.choices.values_list("value", flat=True)) == [
            "strongly_agree",
            "agree",
            "neutral",
            "disagree",
            "strongly_disagree",
        ]

    def test_view_as_respondent_links_to_the_public_page(self, client, editor):
        question = QuestionFactory()
        client.force_login(editor)
        public = reverse("surveys:detail", args=[question.consultation.slug])
        for url in (
            reverse("admin:surveys_consultation_change", args=[question.consultation_id]),
            reverse("admin:surveys_question_change", args=[question.pk]),
            reverse("admin:surveys_consultation_changelist"),
        ):
            assert f'href="{public}"' in client.get(url).content.decode(), url


@pytest.fixture
def answered():
    """A consultation with one response, which answered the single-choice question Q1."""
    question = QuestionFactory(code="Q1", order=1, kind=QuestionKind.SINGLE)
    yes = ChoiceFactory(question=question, value="yes", order=1, label_en="Yes")
    ChoiceFactory(question=question, value="no", order=2, label_en="No")
    submission = SubmissionFactory(consultation=question.consultation, submitted=True)
    AnswerFactory(submission=submission, question=question, choice=yes)
    return question


def question_form(question, choices, **changes):
    data = {
        "section": question.section_id,
        "code": question.code,
        "order": question.order,
        "kind": question.kind,
        "text_en": question.text_en,
        "text_zh": question.text_zh,
        "max_length": question.max_length,
        **management("choices", len(choices), len(choices)),
    }
    for i, choice in enumerate(choices):
        data.update(
            {
                f"choices-{i}-id": choice.pk,
                f"choices-{i}-question": question.pk,
                f"choices-{i}-order": choice.order,
                f"choices-{i}-value": choice.value,
                f"choices-{i}-label_en": choice.label_en,
                f"choices-{i}-label_zh": choice.label_zh,
            }
        )
    data.update(changes)
    return data


class TestOnceThereAreResponses:
    def test_the_pages_say_what_is_locked_and_why(self, client, editor, answered):
        client.force_login(editor)
        for url in (
            reverse("admin:surveys_consultation_change", args=[answered.consultation_id]),
            reverse("admin:surveys_question_change", args=[answered.pk]),
        ):
            page = text(client.get(url))
            assert "already has 1 response" in page
            assert "cannot be deleted" in page
            assert 'name="choices-0-DELETE"' not in page
            assert 'name="questions-0-DELETE"' not in page

    def test_a_choice_value_cannot_change_but_its_label_can(self, client, editor, answered):
        client.force_login(editor)
        url = reverse("admin:surveys_question_change", args=[answered.pk])
        choices = list(answered.choices.order_by("order"))
        response = client.post(url, question_form(answered, choices, **{"choices-0-value": "y"}))
        assert response.status_code == 200
        assert "exports use its value" in text(response)
        assert answered.choices.filter(value="yes").exists()
        response = client.post(
            url, question_form(answered, choices, **{"choices-0-label_en": "Yes, agreed"})
        )
        assert response.status_code == 302
        assert answered.choices.get(value="yes").label_en == "Yes, agreed"

    def test_a_choice_cannot_be_deleted_even_by_a_forged_form(self, client, editor, answered):
        client.force_login(editor)
        url = reverse("admin:surveys_question_change", args=[answered.pk])
        choices = list(answered.choices.order_by("order"))
        client.post(url, question_form(answered, choices, **{"choices-1-DELETE": "on"}))
        assert answered.choices.count() == 2

    def test_a_formset_that_still_offers_deletion_refuses_it(self, rf, superuser, answered):
        # A page opened before the first response arrived still has delete boxes; the choice
        # "no" has no answers itself, but deleting it changes what "yes" was chosen against.
        from django.contrib import admin

        from surveys.admin.authoring import ChoiceInline

        request = rf.get("/")
        request.user = superuser
        formset_class = ChoiceInline(Question, admin.site).get_formset(request, None)
        choices = list(answered.choices.order_by("order"))
        data = question_form(answered, choices, **{"choices-1-DELETE": "on"})
        formset = formset_class(data, instance=answered, prefix="choices")
        assert not formset.is_valid()
        assert "Deleting the choice would orphan" in " ".join(formset.non_form_errors())

    def test_new_choices_can_still_be_added(self, client, editor, answered):
        client.force_login(editor)
        choices = list(answered.choices.order_by("order"))
        data = question_form(answered, choices)
        data.update(
            {
                "choices-TOTAL_FORMS": 3,
                "choices-2-order": 3,
                "choices-2-value": "unsure",
                "choices-2-label_en": "Unsure",
                "choices-2-label_zh": "不確定",
            }
        )
        response = client.post(reverse("admin:surveys_question_change", args=[answered.pk]), data)
        assert response.status_code == 302, text(response)
        assert answered.choices.count() == 3

    def test_code_and_kind_cannot_change(self, client, editor, answered):
        client.force_login(editor)
        url = reverse("admin:surveys_question_change", args=[answered.pk])
        choices = list(answered.choices.order_by("order"))
        response = client.post(url, question_form(answered, choices, code="Q1A", kind="text"))
        assert response.status_code == 200
        page = text(response)
        assert "identify questions by code" in page
        assert "would no longer fit another kind" in page
        answered.refresh_from_db()
        assert (answered.code, answered.kind) == ("Q1", "single")

    def test_deleting_a_question_explains_why_not(self, client, editor, answered):
        client.force_login(editor)
        response = client.get(
            reverse("admin:surveys_question_delete", args=[answered.pk]), follow=True
        )
        assert "would orphan the answers already given" in text(response)
        response = client.post(
            reverse("admin:surveys_question_delete", args=[answered.pk]), {"post": "yes"}
        )
        assert response.status_code == 302
        assert Question.objects.filter(pk=answered.pk).exists()

    def test_bulk_delete_refuses_with_the_reason(self, client, editor, answered):
        client.force_login(editor)
        response = client.post(
            reverse("admin:surveys_question_changelist"),
            {"action": "delete_selected", "_selected_action": [answered.pk], "post": "yes"},
            follow=True,
        )
        assert "would orphan the answers already given" in text(response)
        assert Question.objects.filter(pk=answered.pk).exists()

    def test_deleting_a_section_with_answered_questions_is_refused(self, client, editor, answered):
        client.force_login(editor)
        client.post(
            reverse("admin:surveys_section_delete", args=[answered.section_id]), {"post": "yes"}
        )
        assert Section.objects.filter(pk=answered.section_id).exists()

    def test_a_consultation_without_responses_can_still_be_edited_freely(self, client, editor):
        question = QuestionFactory(kind=QuestionKind.SINGLE)
        choice = ChoiceFactory(question=question, value="yes")
        client.force_login(editor)
        response = client.post(
            reverse("admin:surveys_question_change", args=[question.pk]),
            question_form(question, [choice], code="Q77", **{"choices-0-value": "oui"}),
        )
        assert response.status_code == 302, text(response)
        assert Choice.objects.get(pk=choice.pk).value == "oui"
        assert (
            client.post(
                reverse("admin:surveys_question_delete", args=[question.pk]), {"post": "yes"}
            ).status_code
            == 302
        )
        assert not Question.objects.filter(pk=question.pk).exists()


@pytest.mark.parametrize("questions", [2, 12])
def test_the_consultation_page_costs_the_same_queries_whatever_its_length(
    client, editor, django_assert_max_num_queries, questions
):
    section = SectionFactory()
    for order in range(1, questions + 1):
        ChoiceFactory(question=QuestionFactory(section=section, order=order))
    client.force_login(editor)
    with django_assert_max_num_queries(16):
        response = client.get(
            reverse("admin:surveys_consultation_change", args=[section.consultation_id])
        )
    assert text(response).count('class="field-code"') >= questions
