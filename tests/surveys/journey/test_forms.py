"""The respondent's forms: validation of every kind of question, conditions, tampered values."""

import pytest

from surveys.journey import structure as journey_structure
from surveys.journey.forms import AboutYouForm, SectionForm, section_initial
from surveys.journey.question_markup import section_fields_html

pytestmark = pytest.mark.django_db

ABOUT = {
    "respondent_type": "individual",
    "category": "public",
    "contact_name": "Wong Siu Ming",
    "email": "wong@example.com",
    "consent": "name_and_response",
    "privacy_acknowledged": "on",
}


@pytest.fixture
def journey(demo_consultations):
    return journey_structure.journey_load(consultation=demo_consultations["va-otc-dealing"])


def section_form(journey, number, data=None, prior=None, language="en"):
    section = journey.step(number).section
    return SectionForm(
        data,
        journey=journey,
        questions=journey.section_questions(section),
        prior_answers=prior or {},
        language=language,
    )


def test_about_you_accepts_a_complete_individual():
    form = AboutYouForm(ABOUT)
    assert form.is_valid(), form.errors
    assert form.respondent()["privacy_acknowledged"] is True
    assert not form.honeypot_filled()


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"respondent_type": "organisation"}, "organisation_name"),
        ({"category": "other"}, "category_other"),
        ({"privacy_acknowledged": ""}, "privacy_acknowledged"),
        ({"email": "not-an-email"}, "email"),
        ({"category": "hacker"}, "category"),
        ({"consent": "publish_everything"}, "consent"),
        ({"respondent_type": "robot"}, "respondent_type"),
        ({"contact_name": "x" * 201}, "contact_name"),
    ],
)
def test_about_you_errors_name_the_field(change, field):
    form = AboutYouForm({**ABOUT, **change})
    assert not form.is_valid()
    assert list(form.errors) == [field]


def test_about_you_honeypot_is_detected():
    assert AboutYouForm({**ABOUT, "website": "http://spam.example"}).honeypot_filled()


def test_section_form_has_one_field_per_question_of_the_right_kind(journey):
    form = section_form(journey, 2)
    assert list(form.fields) == [f"q_Q{n}" for n in range(1, 9)]
    assert form.fields["q_Q2"].widget.allow_multiple_selected
    assert form.fields["q_Q1"].required is True
    assert form.fields["q_Q5"].required is False
    assert "maxlength" not in form.fields["q_Q5"].widget.attrs  # counted, not truncated
    assert "2,000" in form.fields["q_Q5"].help_text


def test_chinese_labels_come_from_the_chinese_content(journey):
    form = section_form(journey, 2, language="zh-hant")
    assert form.fields["q_Q1"].label.startswith("Q1. 你是否同意")
    assert ("agree", "同意") in form.fields["q_Q1"].choices


def test_valid_answers_of_each_kind(journey):
    form = section_form(
        journey,
        2,
        {"q_Q1": "agree", "q_Q2": ["shop", "atm"], "q_Q4": "yes", "q_Q5": "A day", "q_Q7": "sfc"},
    )
    assert form.is_valid(), form.errors
    assert form.answers() == {
        "Q1": "agree",
        "Q2": ["shop", "atm"],
        "Q4": "yes",
        "Q5": "A day",
        "Q7": "sfc",
    }


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"q_Q1": "totally"}, "q_Q1"),  # unknown choice value
        ({"q_Q2": ["shop", "spaceship"]}, "q_Q2"),  # unknown value among the checkboxes
        ({"q_Q7": "sfc", "q_Q4": "yes", "q_Q5": "x" * 2001}, "q_Q5"),  # over the limit
        ({"q_Q1": ""}, "q_Q1"),  # required
    ],
)
def test_bad_values_are_form_errors(journey, data, field):
    form = section_form(journey, 2, {"q_Q1": "agree", "q_Q7": "sfc", **data})
    assert not form.is_valid()
    assert field in form.errors


def test_text_of_exactly_the_limit_is_accepted(journey):
    form = section_form(
        journey, 2, {"q_Q1": "agree", "q_Q7": "sfc", "q_Q4": "yes", "q_Q5": "字" * 2000}
    )
    assert form.is_valid(), form.errors


@pytest.mark.parametrize(
    ("typed", "expected"),
    [("25", 25), ("10,000", 10_000), ("1 000", 1000), (" 7 ", 7)],
)
def test_numbers_may_be_typed_with_separators(journey, typed, expected):
    form = section_form(journey, 3, {"q_Q12": typed})
    assert form.is_valid(), form.errors
    assert form.answers() == {"Q12": expected}


@pytest.mark.parametrize("typed", ["twelve", "1.5", "100,001", "9" * 40, "-" + "9" * 17, "1e5"])
def test_numbers_that_are_not_whole_or_too_big_are_form_errors(journey, typed):
    form = section_form(journey, 3, {"q_Q12": typed})
    assert not form.is_valid()
    assert "q_Q12" in form.errors


def test_answers_to_a_hidden_conditional_question_are_discarded(journey):
    form = section_form(
        journey, 2, {"q_Q1": "agree", "q_Q4": "no", "q_Q5": "should vanish", "q_Q7": "sfc"}
    )
    assert form.is_valid(), form.errors
    assert "Q5" not in form.answers()


def test_conditional_questions_on_the_same_page_are_rendered_for_no_javascript(journey):
    form = section_form(journey, 2)
    assert "q_Q5" in form.fields
    assert form.conditions[journey.by_code["Q5"].pk] == ("q_Q4", "yes")
    html = section_fields_html(form)
    assert (
        '<div class="chk-conditional" data-condition-field="q_Q4" data-condition-value="yes">'
        '<div id="div_id_q_Q5"' in html
    )


def test_a_required_conditional_question_is_required_only_when_shown(demo_consultations, journey):
    question = journey.by_code["Q8"]  # asked when Q7 is "other"
    question.required = True
    shown = section_form(journey, 2, {"q_Q1": "agree", "q_Q7": "other"})
    assert not shown.is_valid()
    assert "q_Q8" in shown.errors
    hidden = section_form(journey, 2, {"q_Q1": "agree", "q_Q7": "sfc"})
    assert hidden.is_valid(), hidden.errors


def test_initial_values_come_from_saved_answers(journey):
    questions = journey.section_questions(journey.step(2).section)
    initial = section_initial(questions, {"Q1": "agree", "Q2": ["atm"], "Q12": 3})
    assert initial == {"q_Q1": "agree", "q_Q2": ["atm"]}


def test_a_question_whose_condition_is_on_an_earlier_page_follows_the_saved_answer():
    from tests.factories import ChoiceFactory, QuestionFactory, SectionFactory

    first = SectionFactory(order=1)
    consultation = first.consultation
    second = SectionFactory(consultation=consultation, order=2)
    parent = QuestionFactory(section=first, code="P1", order=1, kind="yes_no_unsure")
    yes = ChoiceFactory(question=parent, value="yes", order=1)
    ChoiceFactory(question=parent, value="no", order=2)
    QuestionFactory(
        section=second,
        code="C1",
        order=2,
        kind="text",
        condition_question=parent,
        condition_choice=yes,
    )
    journey = journey_structure.journey_load(consultation=consultation)

    def form(prior, data=None):
        return SectionForm(
            data,
            journey=journey,
            questions=journey.section_questions(second),
            prior_answers=prior,
            language="en",
        )

    assert "q_C1" in form({"P1": "yes"}).fields
    assert "q_C1" not in form({"P1": "no"}).fields
    tampered = form({"P1": "no"}, {"q_C1": "sent anyway"})
    assert tampered.is_valid()
    assert tampered.answers() == {}
