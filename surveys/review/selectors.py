"""Staff review's reads: a submission as the review page shows it."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from surveys.models import Answer, Consent, Question, QuestionKind, RespondentType, Submission
from surveys.review.labels import event_value, field_label, hkt


def submission_review(
    *,
    submission: Submission,
    personal: bool,
    theme_forms: Mapping[int, Any],
    papers: bool = True,
) -> dict[str, Any]:
    """What the submission page shows beside the review form: details, answers in question
    order, attachments, revisions and review history (five queries, whatever the number of
    answers). Personal details only when ``personal`` (the reader may see them), attachments only
    when ``papers`` (``roles.can_read_attachments``); each free-text
    answer with its theme-tagging form from ``theme_forms`` (answer id to form)."""
    questions = list(
        Question.objects.filter(consultation=submission.consultation_id)
        .select_related("section", "condition_question")
        .order_by("order")
    )
    given: dict[int, list[Answer]] = {}
    for answer in (
        Answer.objects.filter(submission=submission)
        .select_related("choice")
        .prefetch_related("themes")
        .order_by("question__order", "choice__order")
    ):
        given.setdefault(answer.question_id, []).append(answer)
    chosen = {answer.choice_id for answers in given.values() for answer in answers}
    rows = []
    section = None
    for question in questions:
        answers = given.get(question.pk, [])
        rows.append(
            {
                "question": question,
                # A conditional question the respondent was never shown is not "unanswered".
                "not_asked": bool(
                    not answers
                    and question.condition_choice_id
                    and question.condition_choice_id not in chosen
                ),
                "new_section": question.section if question.section_id != section else None,
                "answers": answers,
                "display": _answer_display(question, answers),
                "theme_form": theme_forms.get(answers[0].pk)
                if answers and question.kind == QuestionKind.TEXT
                else None,
                "theme_names": [t.name_en for t in answers[0].themes.all()]
                if answers and question.kind == QuestionKind.TEXT
                else [],
            }
        )
        section = question.section_id
    organisation_visible = personal or submission.respondent_type == RespondentType.ORGANISATION
    return {
        "submission": submission,
        "personal": personal,
        "organisation_visible": organisation_visible,
        "answer_rows": rows,
        "answered": sum(1 for row in rows if row["answers"]),
        "papers": papers,
        "attachments": list(submission.attachments.all()) if papers else [],
        "revisions": list(submission.revisions.order_by("-number")),
        "events": [
            {
                "event": event,
                "field_label": field_label(event.field),
                "at": hkt(event.at),
                "old": event_value(event.field, event.old_value),
                "new": event_value(event.field, event.new_value),
            }
            for event in submission.review_events.select_related("actor")
        ],
        "submitted_hkt": hkt(submission.submitted_at),
        "withdrawn_hkt": hkt(submission.withdrawn_at),
        "consent_confidential": submission.consent == Consent.CONFIDENTIAL,
    }


def _answer_display(question: Question, answers: list[Answer]) -> list[str]:
    if not answers:
        return []
    if question.kind == QuestionKind.TEXT:
        return [answers[0].text]
    if question.kind == QuestionKind.NUMBER:
        return [f"{answers[0].number:,}" if answers[0].number is not None else ""]
    return [answer.choice.localized("label") for answer in answers if answer.choice is not None]
