"""Database constraints and derived state of the consultation model."""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from surveys.models import Answer, ConsultationStatus, QuestionKind
from tests.factories import (
    AnswerFactory,
    ChoiceFactory,
    ConsultationFactory,
    QuestionFactory,
    SectionFactory,
    SubmissionFactory,
)

HKT = ZoneInfo("Asia/Hong_Kong")
pytestmark = pytest.mark.django_db


def _closing_at_2359_hkt():
    return ConsultationFactory.build(
        opens_at=dt.datetime(2025, 6, 27, 0, 0, tzinfo=HKT),
        closes_at=dt.datetime(2025, 8, 29, 23, 59, tzinfo=HKT),
    )


class TestStatus:
    def test_open_one_second_before_closing_in_hkt(self):
        consultation = _closing_at_2359_hkt()
        moment = dt.datetime(2025, 8, 29, 23, 58, 59, tzinfo=HKT)
        assert consultation.status_at(moment) == ConsultationStatus.OPEN

    def test_closed_at_the_closing_minute_in_hkt(self):
        consultation = _closing_at_2359_hkt()
        assert consultation.status_at(dt.datetime(2025, 8, 29, 23, 59, tzinfo=HKT)) == "closed"

    def test_closing_is_compared_in_absolute_time_not_server_local_time(self):
        consultation = _closing_at_2359_hkt()
        # 15:58 UTC is 23:58 HKT: still open, though the UTC calendar day is the same.
        assert consultation.status_at(dt.datetime(2025, 8, 29, 15, 58, tzinfo=dt.UTC)) == "open"
        assert consultation.status_at(dt.datetime(2025, 8, 29, 15, 59, tzinfo=dt.UTC)) == "closed"

    def test_upcoming_before_opening(self):
        consultation = _closing_at_2359_hkt()
        moment = dt.datetime(2025, 6, 26, 23, 59, 59, tzinfo=HKT)
        assert consultation.status_at(moment) == ConsultationStatus.UPCOMING

    def test_draft_flag_overrides_dates(self):
        consultation = _closing_at_2359_hkt()
        consultation.is_draft = True
        moment = dt.datetime(2025, 7, 1, tzinfo=HKT)
        assert consultation.status_at(moment) == ConsultationStatus.DRAFT

    def test_open_queryset_agrees_with_status(self):
        now = dt.datetime(2025, 7, 1, 12, tzinfo=HKT)
        open_one = ConsultationFactory(
            opens_at=now - dt.timedelta(days=1), closes_at=now + dt.timedelta(days=1)
        )
        ConsultationFactory(opens_at=now - dt.timedelta(days=3), closes_at=now)  # closes now
        ConsultationFactory(
            opens_at=now - dt.timedelta(days=1), closes_at=now + dt.timedelta(days=1), is_draft=True
        )
        assert list(open_one.__class__.objects.open_at(now)) == [open_one]


class TestConsultationConstraints:
    def test_closing_must_follow_opening(self):
        moment = dt.datetime(2025, 7, 1, tzinfo=HKT)
        with pytest.raises(IntegrityError):
            ConsultationFactory(opens_at=moment, closes_at=moment)

    def test_clean_explains_the_closing_error(self):
        moment = dt.datetime(2025, 7, 1, tzinfo=HKT)
        consultation = ConsultationFactory.build(opens_at=moment, closes_at=moment)
        with pytest.raises(ValidationError) as excinfo:
            consultation.clean()
        assert "closes_at" in excinfo.value.message_dict

    def test_slug_is_unique(self):
        ConsultationFactory(slug="va-otc-dealing")
        with pytest.raises(IntegrityError):
            ConsultationFactory(slug="va-otc-dealing")


class TestQuestionConstraints:
    def test_code_unique_within_a_consultation(self):
        question = QuestionFactory(code="Q1")
        with pytest.raises(IntegrityError):
            QuestionFactory(code="Q1", section=question.section)

    def test_same_code_allowed_in_another_consultation(self):
        QuestionFactory(code="Q1")
        assert QuestionFactory(code="Q1").code == "Q1"

    def test_condition_needs_both_question_and_choice(self):
        first = QuestionFactory()
        with pytest.raises(IntegrityError):
            QuestionFactory(section=first.section, condition_question=first)

    def test_condition_must_point_to_an_earlier_question(self):
        section = SectionFactory()
        later = QuestionFactory(section=section, order=5)
        choice = ChoiceFactory(question=later)
        earlier = QuestionFactory.build(
            section=section,
            consultation=section.consultation,
            order=2,
            condition_question=later,
            condition_choice=choice,
        )
        with pytest.raises(ValidationError) as excinfo:
            earlier.clean()
        assert "condition_question" in excinfo.value.message_dict

    def test_condition_choice_must_belong_to_the_condition_question(self):
        section = SectionFactory()
        first = QuestionFactory(section=section, order=1)
        other = QuestionFactory(section=section, order=2)
        stray_choice = ChoiceFactory(question=other)
        dependant = QuestionFactory.build(
            section=section,
            consultation=section.consultation,
            order=3,
            condition_question=first,
            condition_choice=stray_choice,
        )
        with pytest.raises(ValidationError) as excinfo:
            dependant.clean()
        assert "condition_choice" in excinfo.value.message_dict

    def test_condition_on_another_consultation_is_rejected(self):
        foreign = QuestionFactory(order=1)
        choice = ChoiceFactory(question=foreign)
        section = SectionFactory()
        dependant = QuestionFactory.build(
            section=section,
            consultation=section.consultation,
            order=3,
            condition_question=foreign,
            condition_choice=choice,
        )
        with pytest.raises(ValidationError):
            dependant.clean()

    def test_choice_values_unique_within_a_question(self):
        choice = ChoiceFactory(value="yes")
        with pytest.raises(IntegrityError):
            ChoiceFactory(question=choice.question, value="yes")


class TestAnswerConstraints:
    def test_one_answer_per_single_choice_question(self):
        answer = AnswerFactory(question__kind=QuestionKind.SINGLE)
        first, second = ChoiceFactory.create_batch(2, question=answer.question)
        answer.choice = first
        answer.save()
        with pytest.raises(IntegrityError):
            AnswerFactory(submission=answer.submission, question=answer.question, choice=second)

    def test_one_row_per_selected_choice_for_multiple_choice(self):
        question = QuestionFactory(kind=QuestionKind.MULTIPLE)
        first, second = ChoiceFactory.create_batch(2, question=question)
        submission = SubmissionFactory(consultation=question.consultation)
        for choice in (first, second):
            AnswerFactory(submission=submission, question=question, choice=choice, multiple=True)
        assert Answer.objects.filter(submission=submission).count() == 2
        with pytest.raises(IntegrityError), transaction.atomic():
            AnswerFactory(submission=submission, question=question, choice=first, multiple=True)

    def test_multiple_choice_rows_need_a_choice(self):
        question = QuestionFactory(kind=QuestionKind.MULTIPLE)
        submission = SubmissionFactory(consultation=question.consultation)
        with pytest.raises(IntegrityError):
            AnswerFactory(submission=submission, question=question, multiple=True)


class TestSubmissionConstraints:
    def test_reference_is_unique(self):
        SubmissionFactory(reference="OTC-000001")
        with pytest.raises(IntegrityError):
            SubmissionFactory(reference="OTC-000001")

    def test_submitted_state_needs_a_submission_time(self):
        with pytest.raises(IntegrityError):
            SubmissionFactory(state="submitted", submitted_at=None)

    def test_exclusion_needs_a_reason(self):
        with pytest.raises(IntegrityError):
            SubmissionFactory(review_status="excluded", exclusion_reason="")

    def test_counted_leaves_out_drafts_withdrawn_and_excluded(self):
        consultation = ConsultationFactory()
        counted = SubmissionFactory(consultation=consultation, submitted=True)
        SubmissionFactory(consultation=consultation)  # draft
        SubmissionFactory(consultation=consultation, state="withdrawn")
        SubmissionFactory(
            consultation=consultation,
            submitted=True,
            review_status="excluded",
            exclusion_reason="spam",
        )
        assert list(consultation.submissions.counted()) == [counted]
