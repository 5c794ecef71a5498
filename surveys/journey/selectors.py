"""The respondent pages' reads: published consultations, a browser's own response, its answers
and files, and the answers as the review page, the "your response" page and the receipt show them.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any, cast

from django.utils import timezone

from surveys.journey import sql
from surveys.journey.sql import AnswerRow
from surveys.journey.structure import (
    RESPONDENT_FIELDS,
    Answers,
    AnswerValue,
    Journey,
    Step,
    journey_load,
    question_is_shown,
)
from surveys.models import (
    Attachment,
    Consultation,
    ConsultationDocument,
    Question,
    QuestionKind,
    Submission,
)


def consultation_list(*, now: dt.datetime | None = None) -> dict[str, list[Consultation]]:
    """Published consultations grouped as open, upcoming and closed (soonest first within each)."""
    now = now or timezone.now()
    grouped: dict[str, list[Consultation]] = {"open": [], "upcoming": [], "closed": []}
    for consultation in Consultation.objects.published().order_by("closes_at"):
        grouped[consultation.status_at(now)].append(consultation)
    grouped["closed"].reverse()  # most recently closed first
    return grouped


def consultation_published(*, slug: str) -> Consultation:
    """A published consultation (one query), or Consultation.DoesNotExist. The paper's text,
    shown on its own page only, is not read."""
    consultation = sql.consultation_published(slug)
    if consultation is None:
        raise Consultation.DoesNotExist
    return consultation


def session_submission_published(*, submission_ids: list[int], slug: str) -> Submission | None:
    """The one of ``submission_ids`` (a browser's own responses, one per consultation) that
    answers the published consultation ``slug``, with that consultation, in one query.

    Selected by primary key alone and matched to the consultation here: a browser holds one or
    two ids, and leaving the join's conditions out of the SQL takes a third off the query's cost
    on the pages every respondent loads (bench/README.md, "Restructure")."""
    if not submission_ids:
        return None
    for submission in sql.submissions_with_consultation(submission_ids):
        if submission.consultation.slug == slug and not submission.consultation.is_draft:
            return submission
    return None


def consultation_public_detail(*, slug: str) -> tuple[Consultation, list[ConsultationDocument]]:
    """A published consultation and its documents in order, or Consultation.DoesNotExist."""
    consultation = Consultation.objects.published().order_by().get(slug=slug)
    documents = list(
        ConsultationDocument.objects.filter(consultation=consultation).order_by("order", "pk")
    )
    return consultation, documents


def token_hash(token: str) -> str:
    """What is stored of a resume link's token: its SHA-256."""
    return hashlib.sha256(token.encode()).hexdigest()


def submission_answers(*, submission: Submission, journey: Journey | None = None) -> Answers:
    """The stored answers of ``submission`` as a dict by question code.

    One query with the consultation's ``journey``; without it the journey is loaded too.
    """
    if journey is None:
        journey = journey_load(consultation=submission.consultation)
    return answers_from_rows(rows=submission_answer_rows(submission=submission), journey=journey)


def submission_answer_rows(*, submission: Submission) -> list[AnswerRow]:
    """The submission's answer rows as stored (one query, no joins: ``answers_from_rows`` puts
    them in form order)."""
    return sql.answer_rows(submission.pk)


def submission_attachments(*, submission: Submission) -> list[Attachment]:
    """The response's files, oldest first."""
    return sql.attachments_of(submission.pk)


def answers_from_rows(*, rows: Iterable[AnswerRow], journey: Journey) -> Answers:
    """Rows as answers, in form order and, for multiple choice, in choice order."""
    by_question: dict[int, list[AnswerRow]] = {}
    for row in rows:
        by_question.setdefault(row[1], []).append(row)
    answers: Answers = {}
    for question in journey.questions:
        found = by_question.get(question.pk)
        if not found:
            continue
        # The rows of a choice question name a choice; those of a number question hold one.
        if question.kind == QuestionKind.MULTIPLE:
            picked = sorted(
                (journey.choice_by_id[cast(int, r[2])] for r in found), key=lambda c: c.order
            )
            answers[question.code] = [c.value for c in picked]
        elif question.is_closed:
            answers[question.code] = journey.choice_by_id[cast(int, found[0][2])].value
        elif question.kind == QuestionKind.NUMBER:
            answers[question.code] = cast(int, found[0][3])
        else:
            answers[question.code] = found[0][4]
    return answers


def submission_respondent(*, submission: Submission) -> dict[str, Any]:
    return {name: getattr(submission, name) for name in RESPONDENT_FIELDS}


def submission_by_token(*, token: str) -> Submission | None:
    """The submission whose resume link carries ``token``, or None. Compares hashes only."""
    if not token or len(token) > 128:
        return None
    return (
        Submission.objects.select_related("consultation")
        .filter(resume_token_hash=token_hash(token))
        .first()
    )


def answer_labels(*, question: Question, value: AnswerValue | None, language: str) -> list[str]:
    """What the respondent chose or typed, as display strings in ``language``."""
    if value in (None, "", []):
        return []
    if question.is_closed:
        labels = {c.value: c.localized("label", language) for c in question.choices.all()}
        values: Iterable[Any] = value if isinstance(value, list) else [value]
        return [labels.get(str(v), str(v)) for v in values]
    return [str(value)]


@dataclass(frozen=True)
class ShownAnswer:
    question: Question
    labels: list[str]


@dataclass(frozen=True)
class ShownSection:
    step: Step
    title: str
    answers: list[ShownAnswer]


def answers_display(
    *, journey: Journey, answers: Mapping[str, Any], language: str
) -> list[ShownSection]:
    """Each section's shown questions with the answer labels, for the review page and receipts."""
    shown = []
    for step in journey.steps:
        if step.section is None:
            continue
        rows = [
            ShownAnswer(
                question=q,
                labels=answer_labels(question=q, value=answers.get(q.code), language=language),
            )
            for q in journey.section_questions(step.section)
            if question_is_shown(q, answers, journey)
        ]
        title = step.section.localized("title", language)
        shown.append(ShownSection(step=step, title=title, answers=rows))
    return shown


def submission_locked(submission: Submission) -> Submission:
    """``submission`` read again under a row lock (inside a transaction), so that concurrent
    requests on one response queue up."""
    locked = sql.submission_locked(submission.pk)
    if locked is None:
        raise Submission.DoesNotExist
    # The consultation the caller read with the response (moments ago) serves for the checks; the
    # lock covers the response only, so other respondents keep writing to the consultation.
    locked.consultation = submission.consultation
    return locked


def session_submission(*, submission_id: int, consultation: Consultation) -> Submission | None:
    """The response ``submission_id`` (from the browser's session) if it answers
    ``consultation``, with the consultation already read attached."""
    submission = Submission.objects.filter(pk=submission_id, consultation=consultation).first()
    if submission is not None:
        submission.consultation = consultation  # already read: no second copy through a join
    return submission


def consultation_attachment(*, consultation: Consultation, pk: int) -> Attachment | None:
    """The attachment ``pk`` of a response to ``consultation`` (with its submission), or None."""
    return (
        Attachment.objects.select_related("submission")
        .filter(pk=pk, submission__consultation=consultation)
        .first()
    )
