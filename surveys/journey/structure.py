"""The shape of a consultation's form: its pages and questions in order, and which apply.

A :class:`Journey` is one request's view of a consultation's :class:`FormStructure` (sections,
questions with their choices, steps, lookups), which is built once per ``form_version`` and
shared by the requests of a process (``journey_cached``). Answers travel as plain dicts keyed by
question code: a choice value for agree / yes-no-unsure / single choice, a list of choice values
for multiple choice, a string for free text and an int for numbers; a missing key means "not
answered". The server alone decides which questions apply: answers to questions whose condition
does not hold are discarded (``answers_prune``).
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, cast

from django.db.models import Prefetch

from surveys.models import Choice, Consultation, Question, QuestionKind, Section

AnswerValue = str | int | list[str]
Answers = dict[str, AnswerValue]

# The "About you" fields a respondent fills in at step 1, in the order a receipt lists them.
RESPONDENT_FIELDS = (
    "respondent_type",
    "category",
    "category_other",
    "organisation_name",
    "licence_register",
    "licence_number",
    "contact_name",
    "email",
    "consent",
    "privacy_acknowledged",
)


@dataclass(frozen=True)
class Step:
    """One page of the form. ``number`` starts at 1 ("About you")."""

    number: int
    kind: str  # "about", "section", "attachments" or "review"
    section: Section | None = None


@dataclass(frozen=True, eq=False)  # compared and hashed by identity: a cache key
class FormStructure:
    """A consultation's sections, questions (choices prefetched) and steps, with lookups.

    Built once per ``form_version`` and shared by every request of a process (``journey_cached``),
    so nothing may modify it or the model instances it holds.
    """

    sections: list[Section]
    questions: list[Question]
    steps: list[Step]
    by_code: dict[str, Question]
    # Also looked up by a question's condition_question_id: None (no condition) finds nothing.
    by_id: dict[int | None, Question]
    choice_by_id: dict[int, Choice]
    # A question's choice ids by value: the answer rows of a choice (``answer_row_values``).
    choice_ids: dict[str, dict[str, int]]
    questions_by_section: dict[int, list[Question]]

    @classmethod
    def build(cls, sections: list[Section], questions: list[Question]) -> FormStructure:
        steps = [Step(1, "about")]
        steps += [Step(i + 2, "section", s) for i, s in enumerate(sections)]
        steps.append(Step(len(steps) + 1, "attachments"))
        steps.append(Step(len(steps) + 1, "review"))
        by_section: dict[int, list[Question]] = {s.pk: [] for s in sections}
        for question in questions:
            by_section.setdefault(question.section_id, []).append(question)
        return cls(
            sections=sections,
            questions=questions,
            steps=steps,
            by_code={q.code: q for q in questions},
            by_id={q.pk: q for q in questions},
            choice_by_id={c.pk: c for q in questions for c in q.choices.all()},
            choice_ids={q.code: {c.value: c.pk for c in q.choices.all()} for q in questions},
            questions_by_section=by_section,
        )


@dataclass(frozen=True)
class Journey:
    """A consultation's pages and questions, in form order, for one request."""

    consultation: Consultation
    structure: FormStructure

    @property
    def sections(self) -> list[Section]:
        return self.structure.sections

    @property
    def questions(self) -> list[Question]:
        return self.structure.questions

    @property
    def steps(self) -> list[Step]:
        return self.structure.steps

    @property
    def by_code(self) -> dict[str, Question]:
        return self.structure.by_code

    @property
    def by_id(self) -> dict[int | None, Question]:
        return self.structure.by_id

    @property
    def choice_by_id(self) -> dict[int, Choice]:
        return self.structure.choice_by_id

    @property
    def choice_ids(self) -> dict[str, dict[str, int]]:
        return self.structure.choice_ids

    @property
    def total(self) -> int:
        return len(self.structure.steps)

    @property
    def review_step(self) -> int:
        return self.total

    def step(self, number: int) -> Step | None:
        return self.steps[number - 1] if 1 <= number <= self.total else None

    def section_questions(self, section: Section) -> list[Question]:
        """The section's questions in order (a new list: the cached one is shared)."""
        return list(self.structure.questions_by_section.get(section.pk, ()))


def _structure_load(consultation: Consultation) -> tuple[list[Section], list[Question]]:
    sections = list(consultation.sections.order_by("order"))
    questions = list(
        consultation.questions.order_by("order")
        .select_related("condition_choice")
        .prefetch_related(Prefetch("choices", queryset=Choice.objects.order_by("order")))
    )
    return sections, questions


def journey_load(*, consultation: Consultation) -> Journey:
    """The sections, questions and choices of ``consultation`` in form order (three queries)."""
    structure = FormStructure.build(*_structure_load(consultation))
    return Journey(consultation=consultation, structure=structure)


# Per process: consultation pk -> (form_version, structure). One entry per consultation; a new
# form_version (surveys.signals) replaces it.
_STRUCTURES: dict[int, tuple[uuid.UUID, FormStructure]] = {}


def journey_cached(*, consultation: Consultation) -> Journey:
    """``journey_load`` without queries when this process has already loaded the consultation's
    current ``form_version``. ``consultation`` must be freshly read (its version current): the
    respondent pages read it on every request."""
    cached = _STRUCTURES.get(consultation.pk)
    if cached is None or cached[0] != consultation.form_version:
        cached = (consultation.form_version, FormStructure.build(*_structure_load(consultation)))
        _STRUCTURES[consultation.pk] = cached
    return Journey(consultation=consultation, structure=cached[1])


def journey_cache_clear() -> None:
    """Forget every structure this process keeps (``journey_cached``): for a process whose
    database rows were replaced under it, as a test rolling back to shared rows does."""
    _STRUCTURES.clear()


def exclusive_mixed(question: Question, value: Any) -> Choice | None:
    """The exclusive choice ("None of these") ticked with others in ``value``, or None: such an
    answer is refused by the form and by the services alike."""
    if question.kind != QuestionKind.MULTIPLE or not isinstance(value, list) or len(value) < 2:
        return None
    return next((c for c in question.choices.all() if c.exclusive and c.value in value), None)


def question_is_shown(question: Question, answers: Mapping[str, Any], journey: Journey) -> bool:
    """Whether ``question`` applies given ``answers``: its condition (and its parent's) holds."""
    if not question.is_conditional:
        return True
    parent = journey.by_id.get(question.condition_question_id)
    if parent is None or not question_is_shown(parent, answers, journey):
        return False
    given = answers.get(parent.code)
    # A condition names a choice too (the question_condition_complete constraint).
    wanted = cast(Choice, question.condition_choice).value
    if isinstance(given, list):
        return wanted in given
    return given == wanted


def answers_prune(*, answers: Mapping[str, Any], journey: Journey) -> Answers:
    """``answers`` without unknown codes, empty values and answers to questions not shown."""
    kept: Answers = {}
    for question in journey.questions:  # in order, so conditions see their parents first
        value = answers.get(question.code)
        if value in (None, "", []):
            continue
        if question_is_shown(question, kept, journey):
            kept[question.code] = value
    return kept


def answers_missing(*, answers: Mapping[str, Any], journey: Journey) -> list[str]:
    """Codes of required questions that are shown and unanswered."""
    return [
        q.code
        for q in journey.questions
        if q.required
        and question_is_shown(q, answers, journey)
        and answers.get(q.code) in (None, "", [])
    ]
