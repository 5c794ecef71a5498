"""What the public API reads: only through the product's one-rule functions.

- which consultations are public: ``Consultation.objects.published()``;
- which responses are public: ``reports.conclusions.public.published_submissions`` (those the
  live publication's frozen reports counted, still counted, with consent to publication);
- the name a response may show: ``SubmissionQuerySet.with_public_name`` (``surveys.names``);
- the figures: the published ``summary.json`` as stored (``publication_figures``), never
  recomputed, so the API gives the report's numbers and its snapshot hash.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, cast

from django.db.models import Exists, OuterRef, Prefetch, QuerySet
from django.urls import reverse
from django.utils import timezone

from reports.conclusions.public import (
    NotPublished,
    publication_figures,
    publication_file,
    publication_public,
    published_submissions,
)
from reports.models import Publication, PublicationFile
from surveys.models import Answer, Attachment, Consent, Consultation, Question, Submission
from surveys.querysets import SubmissionQuerySet

# Rows read per query by the bulk download: memory stays flat whatever the consultation's size.
BULK_BATCH = 1000


@dataclass(frozen=True)
class ResponseFilters:
    question: str = ""
    category: str = ""
    respondent_type: str = ""
    language: str = ""


def consultations_public() -> QuerySet[Consultation]:
    live = Publication.objects.filter(consultation=OuterRef("pk"), unpublished_at__isnull=True)
    return (
        Consultation.objects.published()
        .annotate(has_conclusions=Exists(live))
        .prefetch_related("documents")
    )


def consultation_public(*, slug: str) -> Consultation:
    consultation = (
        consultations_public()
        .prefetch_related(
            "sections",
            Prefetch(
                "questions",
                queryset=Question.objects.order_by("order").prefetch_related("choices"),
            ),
        )
        .filter(slug=slug)
        .first()
    )
    if consultation is None:
        raise NotPublished(slug)
    return consultation


def publication(*, slug: str) -> Publication:
    """The live publication of ``slug``, or ``NotPublished``."""
    return publication_public(slug=slug)


__all__ = ["NotPublished", "publication_file"]


def publication_files(*, publication: Publication) -> list[PublicationFile]:
    return list(PublicationFile.objects.filter(publication=publication).order_by("kind"))


def figures(*, publication: Publication, question: str = "") -> dict[str, Any]:
    """The published figures as stored; ``question`` keeps one question's (by code)."""
    data = publication_figures(publication=publication)
    if question:
        data["questions"] = [q for q in data.get("questions", []) if q.get("code") == question]
    return data


def responses_public(*, publication: Publication, filters: ResponseFilters) -> QuerySet[Submission]:
    """The published responses of ``publication``, filtered, with what a page of them needs in
    three queries (responses, answers, attachments), whatever the page's size."""
    # A QuerySet of SubmissionQuerySet's class: its rule methods (with_public_name) are there.
    submissions = cast(SubmissionQuerySet, published_submissions(publication=publication))
    if filters.question:
        submissions = submissions.filter(
            Exists(
                Answer.objects.filter(submission=OuterRef("pk"), question__code=filters.question)
            )
        )
    if filters.category:
        submissions = submissions.filter(category=filters.category)
    if filters.respondent_type:
        submissions = submissions.filter(respondent_type=filters.respondent_type)
    if filters.language:
        submissions = submissions.filter(language=filters.language)
    return submissions.with_public_name().order_by("pk")


def with_contents(submissions: QuerySet[Any]) -> QuerySet[Any]:
    """``submissions`` with their answers and (where the consent allows) attachments."""
    return submissions.only(
        "pk",
        "reference",
        "consent",
        "respondent_type",
        "category",
        "language",
        "submitted_at",
        "is_late",
    ).prefetch_related(
        Prefetch(
            "answers",
            queryset=Answer.objects.select_related("question", "choice")
            .only(
                "submission",
                "question",
                "choice",
                "question__code",
                "question__order",
                "question__kind",
                "choice__value",
                "choice__order",
                "text",
                "number",
            )
            .order_by("question__order", "choice__order", "pk"),
        ),
        # A position paper carries its author's name or letterhead: published only for a
        # respondent who agreed to be named (as on the public responses page).
        Prefetch(
            "attachments",
            queryset=Attachment.objects.filter(
                submission__consent=Consent.NAME_AND_RESPONSE
            ).order_by("uploaded_at", "pk"),
        ),
    )


def response_data(submission: Submission, *, slug: str) -> dict[str, Any]:
    """One published response as the API gives it: nothing its consent does not allow."""
    answers: dict[str, dict[str, Any]] = {}
    for answer in submission.answers.all():
        code = answer.question.code
        item = answers.setdefault(
            code, {"question": code, "choices": [], "text": "", "number": None}
        )
        if answer.choice_id is not None and answer.choice is not None:
            item["choices"].append(answer.choice.value)
            if answer.text.strip():
                item["text"] = answer.text.strip()
        elif answer.number is not None:
            item["number"] = answer.number
        else:
            item["text"] = answer.text.strip()
    return {
        "reference": submission.reference,
        "name": getattr(submission, "public_name", None),
        "respondent_type": submission.respondent_type,
        "category": submission.category,
        "language": submission.language,
        "submitted_at": iso(submission.submitted_at),
        "is_late": submission.is_late,
        "answers": list(answers.values()),
        "attachments": [
            {
                "name": attachment.original_name,
                "size": attachment.size,
                "url": reverse("conclusions:attachment", args=[slug, attachment.pk]),
            }
            for attachment in submission.attachments.all()
        ],
    }


def iso(moment: dt.datetime | None) -> str | None:
    """An aware datetime in Hong Kong time, ISO 8601 (as REST framework writes one)."""
    return timezone.localtime(moment).isoformat() if moment is not None else None


def bilingual(row: Any, name: str) -> dict[str, str]:
    """``{"en": ..., "zh": ...}`` from a bilingual row's ``<name>_en`` and ``<name>_zh``."""
    return {"en": getattr(row, f"{name}_en"), "zh": getattr(row, f"{name}_zh")}


def responses_batches(
    submissions: QuerySet[Any], *, batch: int = BULK_BATCH
) -> Iterator[Sequence[Submission]]:
    """``submissions`` (ordered by pk) in batches, each read by key (``pk > last``): no database
    cursor stays open while a slow client reads the download, and memory holds one batch."""
    last = 0
    while True:
        rows = list(with_contents(submissions.filter(pk__gt=last))[:batch])
        if not rows:
            return
        yield rows
        last = rows[-1].pk


def question_codes(*, consultation_id: int) -> list[str]:
    return list(
        Question.objects.filter(consultation_id=consultation_id)
        .order_by("order")
        .values_list("code", flat=True)
    )


def answer_cell(item: Mapping[str, Any] | None) -> str:
    """One answer in one CSV cell: choice values joined by ``;``, then the text or number."""
    if item is None:
        return ""
    parts = list(item["choices"])
    if item["number"] is not None:
        parts.append(str(item["number"]))
    if item["text"]:
        parts.append(item["text"])
    return "; ".join(parts)
