"""Authoring rules for consultations that already have responses, and question set-up helpers.

Once anyone has started answering a consultation (a draft counts: its answers are stored), the
answers point at its questions and choices, and reports and exports identify them by question
code and choice value. From then on editors may still fix wording, add questions and add choices,
but may not delete questions, sections or choices, change a question's code or kind, or change a
choice's value: any of those would orphan or silently change the meaning of answers already given.
Each refusal says why.
"""

from __future__ import annotations

from django.db import transaction
from django.db.models import Model
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from surveys.models import Choice, Consultation, Question, Section, Submission
from surveys.scales import STANDARD_CHOICES
from surveys.signals import form_version_bump


def consultation_response_count(*, consultation_id: int | None) -> int:
    """Responses of any state (drafts included) the consultation has."""
    if consultation_id is None:
        return 0
    return Submission.objects.filter(consultation_id=consultation_id).count()


def _has(count: int) -> str:
    return ngettext(
        "This consultation already has %(count)s response.",
        "This consultation already has %(count)s responses.",
        count,
    ) % {"count": count}


def question_change_errors(*, question: Question, changed: set[str]) -> dict[str, str]:
    """Errors by field for changes to an existing question that responses forbid."""
    if not question.pk:
        return {}
    count = consultation_response_count(consultation_id=question.consultation_id)
    if not count:
        return {}
    errors = {}
    if "code" in changed:
        errors["code"] = " ".join(
            [
                _has(count),
                _(
                    "Reports and exports identify questions by code, so the code can no longer "
                    "change."
                ),
            ]
        )
    if "kind" in changed:
        errors["kind"] = " ".join(
            [
                _has(count),
                _(
                    "The answers already given were recorded for this kind of question and "
                    "would no longer fit another kind."
                ),
            ]
        )
    return errors


def choice_change_errors(*, choice: Choice, changed: set[str]) -> dict[str, str]:
    """Errors by field for changes to an existing choice that responses forbid."""
    if not choice.pk or "value" not in changed:
        return {}
    count = consultation_response_count(consultation_id=choice.question.consultation_id)
    if not count:
        return {}
    return {
        "value": " ".join(
            [
                _has(count),
                _(
                    "Answers record this choice and exports use its value, so the value can no "
                    "longer change; correct the label instead."
                ),
            ]
        )
    }


def _consultation_id(obj: Model) -> int | None:
    if isinstance(obj, Consultation):
        return obj.pk
    if isinstance(obj, Section | Question):
        return obj.consultation_id
    if isinstance(obj, Choice):
        return obj.question.consultation_id
    return None


def delete_blocked_reason(obj: Model) -> str | None:
    """Why ``obj`` (a consultation, section, question or choice) cannot be deleted, or None."""
    count = consultation_response_count(consultation_id=_consultation_id(obj))
    if not count:
        return None
    if isinstance(obj, Consultation):
        detail = _(
            "Responses are records of what respondents said and are kept; close the "
            "consultation or mark it as a draft instead of deleting it."
        )
    elif isinstance(obj, Section):
        detail = _(
            "Deleting the section would delete its questions and orphan the answers already "
            "given to them."
        )
    elif isinstance(obj, Question):
        detail = _(
            "Deleting the question would orphan the answers already given to it; leave it in "
            "place (it can be made optional) so those answers stay in reports."
        )
    else:
        detail = _(
            "Deleting the choice would orphan the answers that picked it and change the "
            "meaning of the others; correct its label instead."
        )
    return f"{_has(count)} {detail}"


@transaction.atomic
def question_standard_choices_ensure(*, question: Question) -> int:
    """Give an agree-scale or yes/no/unsure question its standard choices if it has none yet.

    Returns how many choices were created.
    """
    standard = STANDARD_CHOICES.get(question.kind)
    if standard is None or question.choices.exists():
        return 0
    Choice.objects.bulk_create(
        Choice(question=question, value=value, order=order, label_en=en, label_zh=zh)
        for order, (value, en, zh) in enumerate(standard, start=1)
    )
    # bulk_create sends no post_save: retire the cached form structure here.
    form_version_bump(consultation_id=question.consultation_id)
    return len(standard)
