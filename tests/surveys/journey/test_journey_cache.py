"""The respondent pages' speed-ups keep their meaning: the cached form structure follows every
change to the questions, and saving a page rewrites only the answer rows that changed."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from surveys.journey import selectors as journey_selectors
from surveys.journey import services
from surveys.journey import structure as journey_structure
from surveys.models import Answer, Consultation, Submission
from surveys.signals import form_version_bump
from tests.factories import ChoiceFactory, ConsultationFactory, QuestionFactory, SectionFactory

pytestmark = pytest.mark.django_db


def draft(consultation: Consultation) -> Submission:
    submission, _ = services.draft_start(
        consultation=consultation,
        respondent={
            "respondent_type": "individual",
            "category": "public",
            "contact_name": "Lee",
            "email": "lee@example.com",
            "consent": "response_only",
            "privacy_acknowledged": True,
        },
        language="en",
    )
    return submission


def save_page(submission: Submission, journey, number: int, answers: dict, **extra) -> Submission:
    """Save step ``number``'s answers the way the form page does."""
    return services.draft_save(
        submission=submission,
        journey=journey,
        section=journey.step(number).section,
        answers=answers,
        step=number,
        language="en",
        **extra,
    )


def fresh(consultation: Consultation) -> Consultation:
    return Consultation.objects.get(pk=consultation.pk)


@pytest.fixture
def small():
    consultation = ConsultationFactory()
    section = SectionFactory(consultation=consultation, order=1)
    question = QuestionFactory(
        consultation=consultation, section=section, code="Q1", order=1, kind="single"
    )
    ChoiceFactory(question=question, value="yes", order=1, label_en="Yes")
    return consultation, section, question


def test_a_cached_structure_is_reused_without_queries(small):
    consultation, _, _ = small
    journey_structure.journey_cached(consultation=fresh(consultation))
    current = fresh(consultation)
    with CaptureQueriesContext(connection) as queries:
        journey = journey_structure.journey_cached(consultation=current)
    assert len(queries) == 0
    assert [q.code for q in journey.questions] == ["Q1"]
    assert journey.consultation is current


def test_a_cleared_cache_reads_the_structure_again(small):
    consultation, _, _ = small
    journey_structure.journey_cached(consultation=fresh(consultation))
    journey_structure.journey_cache_clear()
    current = fresh(consultation)
    with CaptureQueriesContext(connection) as queries:
        journey = journey_structure.journey_cached(consultation=current)
    assert len(queries) > 0
    assert [q.code for q in journey.questions] == ["Q1"]


@pytest.mark.parametrize(
    "change",
    ["add question", "edit question", "delete question", "add choice", "edit choice", "section"],
)
def test_every_change_to_the_questions_retires_the_cached_structure(small, change):
    consultation, section, question = small
    before = journey_structure.journey_cached(consultation=fresh(consultation))
    if change == "add question":
        QuestionFactory(consultation=consultation, section=section, code="Q2", order=2)
    elif change == "edit question":
        question.text_en = "Reworded?"
        question.save()
    elif change == "delete question":
        question.choices.all().delete()
        question.delete()
    elif change == "add choice":
        ChoiceFactory(question=question, value="no", order=2, label_en="No")
    elif change == "edit choice":
        choice = question.choices.get()
        choice.label_en = "Yes, indeed"
        choice.save()
    else:
        section.title_en = "Renamed"
        section.save()
    after = journey_structure.journey_cached(consultation=fresh(consultation))
    assert fresh(consultation).form_version != before.consultation.form_version
    loaded = journey_structure.journey_load(consultation=fresh(consultation))
    assert [(q.code, q.text_en) for q in after.questions] == [
        (q.code, q.text_en) for q in loaded.questions
    ]
    assert [s.title_en for s in after.sections] == [s.title_en for s in loaded.sections]
    assert [[c.label_en for c in q.choices.all()] for q in after.questions] == [
        [c.label_en for c in q.choices.all()] for q in loaded.questions
    ]


def test_a_bulk_write_can_retire_the_structure_explicitly(small):
    consultation, _, question = small
    journey_structure.journey_cached(consultation=fresh(consultation))
    # A queryset update bypasses the signals: code that writes in bulk calls the bump itself.
    type(question).objects.filter(pk=question.pk).update(text_en="Bulk edit?")
    form_version_bump(consultation_id=consultation.pk)
    journey = journey_structure.journey_cached(consultation=fresh(consultation))
    assert journey.questions[0].text_en == "Bulk edit?"


def test_standard_choices_added_by_authoring_retire_the_structure(small):
    from surveys.authoring import question_standard_choices_ensure

    consultation, section, _ = small
    agree = QuestionFactory(
        consultation=consultation, section=section, code="Q2", order=2, kind="agree"
    )
    journey_structure.journey_cached(consultation=fresh(consultation))
    assert question_standard_choices_ensure(question=agree) == 5
    journey = journey_structure.journey_cached(consultation=fresh(consultation))
    assert len(journey.by_code["Q2"].choices.all()) == 5


def test_saving_a_page_again_keeps_unchanged_rows_and_replaces_changed_ones(demo_consultations):
    consultation = demo_consultations["va-otc-dealing"]
    journey = journey_structure.journey_load(consultation=consultation)
    submission = draft(consultation)

    def save(answers):
        save_page(submission, journey, 2, answers)
        return dict(
            Answer.objects.filter(submission=submission).values_list("pk", "question__code")
        )

    first = save({"Q1": "agree", "Q2": ["shop", "atm"], "Q4": "yes", "Q5": "Two days"})
    second = save({"Q1": "agree", "Q2": ["atm", "mixed"], "Q4": "yes", "Q5": "Three days"})
    kept = set(first) & set(second)
    # Q1, Q4 and the "atm" row are unchanged and stay; "shop" and the old Q5 text are replaced.
    assert sorted(first[pk] for pk in kept) == ["Q1", "Q2", "Q4"]
    assert journey_selectors.submission_answers(submission=submission) == {
        "Q1": "agree",
        "Q2": ["atm", "mixed"],
        "Q4": "yes",
        "Q5": "Three days",
    }
    # A single-choice change replaces the row (the one-row-per-question constraint holds).
    save({"Q1": "disagree"})
    assert journey_selectors.submission_answers(submission=submission, journey=journey) == {
        "Q1": "disagree"
    }
    assert Answer.objects.filter(submission=submission).count() == 1


def test_rows_read_before_the_lock_are_not_trusted_once_the_response_changed(demo_consultations):
    consultation = demo_consultations["va-otc-dealing"]
    journey = journey_structure.journey_load(consultation=consultation)
    submission = draft(consultation)
    # This tab reads the response (no answers yet) ...
    this_tab = Submission.objects.get(pk=submission.pk)
    rows_read = journey_selectors.submission_answer_rows(submission=this_tab)
    # ... another tab saves pages 2 and 3 meanwhile ...
    for number, answers in ((2, {"Q1": "agree"}), (3, {"Q9": "disagree"})):
        save_page(Submission.objects.get(pk=submission.pk), journey, number, answers)
    # ... and this tab's save of page 3 replaces that tab's Q9 (one row per question) and keeps
    # page 2's answer: its own stale reading would have added a second Q9 row.
    save_page(this_tab, journey, 3, {"Q9": "agree"}, rows_read=rows_read)
    assert journey_selectors.submission_answers(submission=submission) == {
        "Q1": "agree",
        "Q9": "agree",
    }


def test_a_save_from_an_older_reading_never_moves_the_furthest_step_back(demo_consultations):
    consultation = demo_consultations["va-otc-dealing"]
    journey = journey_structure.journey_load(consultation=consultation)
    submission = draft(consultation)
    # The furthest step moves on without this reading of the response knowing (as a write that
    # leaves updated_at alone would do) ...
    Submission.objects.filter(pk=submission.pk).update(current_step=journey.review_step)
    # ... and a save of page 2 from that reading keeps it, rather than writing back step 3.
    saved = save_page(submission, journey, 2, {"Q1": "agree"})
    stored = Submission.objects.get(pk=submission.pk)
    assert stored.current_step == saved.current_step == journey.review_step
    assert stored.updated_at == saved.updated_at
