"""What the public sees of a consultation's conclusions, and only after they are published.

Every read here starts from the live publication of a published consultation: before the
publish step, and after unpublishing, there is nothing to read. Published responses are those
the frozen reports counted (submitted by the reports' snapshot time, not withdrawn, not excluded),
still counted now, whose respondent agreed to publication; they reach the templates as plain
:class:`PublishedResponse` values carrying only what the respondent's consent allows:

- confidential responses never appear;
- the name appears only with ``name_and_response`` (and until personal data is erased);
- attachments appear only with ``name_and_response``: a position paper usually carries the
  respondent's name or letterhead, so publishing it for someone who asked to stay anonymous
  would reveal what they asked to withhold.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, cast

from django.core.paginator import Page, Paginator
from django.db.models import Exists, OuterRef, Q, QuerySet

from reports.models import Publication, PublicationFile, PublicationFileKind
from reports.render import labels
from surveys.models import (
    Answer,
    Attachment,
    Choice,
    Consent,
    Consultation,
    Question,
    QuestionKind,
    RespondentCategory,
    RespondentType,
    Submission,
)
from surveys.names import public_name

RESPONSES_PER_PAGE = 20
MAX_QUERY = 200


class NotPublished(Exception):
    """The consultation does not exist, is not public, or has no live publication."""


def publication_public(*, slug: str) -> Publication:
    """The live publication of the public consultation ``slug``, or ``NotPublished``."""
    publication = (
        Publication.objects.filter(
            consultation__slug=slug,
            consultation__is_draft=False,
            unpublished_at__isnull=True,
        )
        .select_related("consultation", "draft", "report_en", "report_zh")
        .first()
    )
    if publication is None:
        raise NotPublished(slug)
    return publication


def publication_for_consultation(*, consultation: Consultation) -> Publication | None:
    """The live publication of ``consultation`` if it is public (for its page's block)."""
    # Publishing stamps conclusions_published_at in the same transaction: a consultation never
    # published (every open one) needs no query.
    if consultation.is_draft or consultation.conclusions_published_at is None:
        return None
    return (
        Publication.objects.filter(consultation=consultation, unpublished_at__isnull=True)
        .select_related("report_en")
        .first()
    )


def publication_file(*, publication: Publication, kind: str) -> PublicationFile:
    """One public file of a live publication, or ``NotPublished``."""
    if kind not in PublicationFileKind.values or not publication.is_live:
        raise NotPublished(kind)
    public_file = PublicationFile.objects.filter(publication=publication, kind=kind).first()
    if public_file is None:
        raise NotPublished(kind)
    return public_file


def publication_figures(*, publication: Publication) -> dict[str, Any]:
    """The published ``summary.json`` (figures and conclusions text, nothing personal)."""
    public_file = publication_file(publication=publication, kind=PublicationFileKind.JSON)
    with public_file.file.open("rb") as handle:
        figures: dict[str, Any] = json.loads(handle.read().decode("utf-8"))
        return figures


# --- Figures for display -------------------------------------------------------------------------


@dataclass
class FigureRow:
    label: str
    count: int
    count_text: str
    share: float | None = None
    share_text: str = ""
    width: float = 0.0  # of the bar, in percent of the chart's width


@dataclass
class QuestionFigures:
    code: str
    kind: str
    text: str
    section: int
    answered: int
    not_answered: int
    answered_text: str
    not_answered_text: str
    rows: list[FigureRow] = field(default_factory=list)
    rows_are_shares: bool = True
    statistics: list[tuple[str, str]] = field(default_factory=list)
    views_summary: str = ""
    response: str = ""


def figures_for_display(data: Mapping[str, Any], language: str) -> list[QuestionFigures]:
    """Each question's figures from a ``summary.json``, labelled in ``language``.

    Call it inside ``translation.override(language)``: the fixed words come from gettext.
    """
    return [_question_figures(question, language) for question in data.get("questions", [])]


def respondent_figures(data: Mapping[str, Any], language: str) -> list[FigureRow]:
    """The respondents by category, largest first, for the chart and its table."""
    respondents = data.get("respondents", {})
    total = int(respondents.get("total") or 0)
    names = dict(RespondentCategory.choices)
    rows = [
        _row(str(names.get(category, category)), int(n), n / total if total else None)
        for category, n in respondents.get("by_category", {}).items()
        if n
    ]
    rows.sort(key=lambda row: -row.count)
    return _scaled(rows, by_share=False)


def _pick(text: Mapping[str, str] | None, language: str) -> str:
    text = text or {}
    if labels.is_chinese(language):
        return text.get("zh-hant") or text.get("en") or ""
    return text.get("en") or text.get("zh-hant") or ""


def _row(label: str, count: int, share: float | None) -> FigureRow:
    return FigureRow(
        label=label,
        count=count,
        count_text=labels.count_text(count),
        share=share,
        share_text=labels.percent_text(share) if share is not None else "",
    )


def _scaled(rows: list[FigureRow], *, by_share: bool) -> list[FigureRow]:
    if by_share:
        for row in rows:
            row.width = round((row.share or 0.0) * 100, 1)
        return rows
    largest = max((row.count for row in rows), default=0)
    for row in rows:
        row.width = round(row.count * 100 / largest, 1) if largest else 0.0
    return rows


def _question_figures(question: Mapping[str, Any], language: str) -> QuestionFigures:
    from django.utils.translation import gettext

    answered = int(question.get("answered") or 0)
    not_answered = int(question.get("not_answered") or 0)
    conclusions = question.get("conclusions") or {}
    figures = QuestionFigures(
        code=str(question.get("code", "")),
        kind=str(question.get("kind", "")),
        text=_pick(question.get("wording"), language),
        section=int(question.get("section") or 0),
        answered=answered,
        not_answered=not_answered,
        answered_text=labels.count_text(answered),
        not_answered_text=labels.count_text(not_answered),
        views_summary=_pick(conclusions.get("views_summary"), language),
        response=_pick(conclusions.get("response"), language),
    )
    counts = question.get("counts") or {}
    shares = question.get("shares") or {}
    if question.get("choices"):
        figures.rows = _scaled(
            [
                _row(
                    _pick(choice.get("label"), language),
                    int(counts.get(choice["value"], 0)),
                    shares.get(choice["value"]),
                )
                for choice in question["choices"]
            ],
            by_share=True,
        )
    agree = question.get("agree")
    if agree:
        figures.statistics = [
            (gettext("Agreeing"), labels.percent_text(agree.get("share_agreeing"))),
            (gettext("Disagreeing"), labels.percent_text(agree.get("share_disagreeing"))),
            (gettext("Net score"), labels.net_text(agree.get("net_score"))),
        ]
    numbers = question.get("numbers")
    if numbers:
        figures.statistics = [
            (gettext("Mean"), labels.number_text(numbers.get("mean"))),
            (gettext("Median"), labels.number_text(numbers.get("median"))),
            (gettext("Lowest"), labels.number_text(numbers.get("min"))),
            (gettext("Highest"), labels.number_text(numbers.get("max"))),
        ]
    free_text = question.get("free_text")
    if free_text and free_text.get("themes"):
        coded = int(free_text.get("answered") or 0)
        figures.rows_are_shares = False
        figures.rows = _scaled(
            [
                _row(
                    _pick(theme.get("name"), language),
                    int(theme.get("count") or 0),
                    int(theme.get("count") or 0) / coded if coded else None,
                )
                for theme in free_text["themes"][:12]
            ],
            by_share=False,
        )
    return figures


# --- Published responses -------------------------------------------------------------------------


@dataclass(frozen=True)
class PublishedAnswer:
    code: str
    question: str
    answer: str


@dataclass(frozen=True)
class PublishedAttachment:
    pk: int
    name: str
    size: int


@dataclass(frozen=True)
class PublishedResponse:
    """A published response, holding only what its respondent's consent allows."""

    reference: str
    name: str | None
    respondent_type: str
    category: str
    submitted_at: dt.datetime | None
    is_late: bool
    answers: tuple[PublishedAnswer, ...]
    attachments: tuple[PublishedAttachment, ...]


def published_submissions(*, publication: Publication) -> QuerySet[Submission]:
    """The submissions whose responses the live ``publication`` may show."""
    if not publication.is_live or publication.report_en.snapshot_as_of is None:
        return Submission.objects.none()
    return (
        Submission.objects.filter(
            consultation_id=publication.consultation_id,
            submitted_at__lte=publication.report_en.snapshot_as_of,
        )
        .counted()
        .filter(consent__in=[Consent.NAME_AND_RESPONSE, Consent.RESPONSE_ONLY])
    )


def search_query(raw: str) -> str:
    """A search as typed, cleaned: no control characters (PostgreSQL refuses NUL), spaces
    collapsed, at most ``MAX_QUERY`` characters."""
    printable = "".join(ch if ch.isprintable() else " " for ch in raw or "")
    return " ".join(printable.split())[:MAX_QUERY]


def published_responses_page(
    *, publication: Publication, query: str = "", page: int | str = 1, language: str = "en"
) -> Page[PublishedResponse]:
    """One page of published responses, searched by ``query``; the page's objects are
    :class:`PublishedResponse` values. An out-of-range page number gives the last page."""
    submissions = published_submissions(publication=publication)
    query = search_query(query)
    if query:
        in_answers = Answer.objects.filter(submission=OuterRef("pk"), text__icontains=query)
        # Only the name that is shown may be searched: an organisation's contact person is not.
        organisation = Q(respondent_type=RespondentType.ORGANISATION) & ~Q(organisation_name="")
        named = Q(consent=Consent.NAME_AND_RESPONSE, personal_data_erased_at__isnull=True) & (
            (organisation & Q(organisation_name__icontains=query))
            | (~organisation & Q(contact_name__icontains=query))
        )
        submissions = submissions.filter(Q(Exists(in_answers)) | named | Q(reference__iexact=query))
    ids = submissions.order_by("submitted_at", "pk").values_list("pk", flat=True)
    paginator = Paginator(ids, RESPONSES_PER_PAGE)
    result = paginator.get_page(page)
    # The page of ids becomes the page of the responses they are.
    responses = cast("Page[PublishedResponse]", result)
    responses.object_list = _responses(list(result.object_list), language)
    return responses


def _responses(ids: Sequence[int], language: str) -> list[PublishedResponse]:
    if not ids:
        return []
    submissions = list(
        Submission.objects.filter(pk__in=ids).only(
            "pk",
            "reference",
            "consent",
            "respondent_type",
            "organisation_name",
            "contact_name",
            "category",
            "submitted_at",
            "is_late",
            "personal_data_erased_at",
        )
    )
    answers: dict[int, dict[int, list[str]]] = {}
    questions: dict[int, Question] = {}
    for answer in (
        Answer.objects.filter(submission_id__in=ids)
        .select_related("question", "choice")
        .order_by("submission_id", "question__order", "choice__order", "pk")
    ):
        questions[answer.question_id] = answer.question
        value = _answer_text(answer, language)
        if value:
            answers.setdefault(answer.submission_id, {}).setdefault(answer.question_id, []).append(
                value
            )
    attachments: dict[int, list[PublishedAttachment]] = {}
    for attachment in Attachment.objects.filter(
        submission_id__in=ids, submission__consent=Consent.NAME_AND_RESPONSE
    ).order_by("submission_id", "uploaded_at", "pk"):
        attachments.setdefault(attachment.submission_id, []).append(
            PublishedAttachment(
                pk=attachment.pk, name=attachment.original_name, size=attachment.size
            )
        )
    categories = dict(RespondentCategory.choices)
    types = dict(RespondentType.choices)
    by_id = {submission.pk: submission for submission in submissions}
    result = []
    for pk in ids:
        submission = by_id[pk]
        given = answers.get(pk, {})
        result.append(
            PublishedResponse(
                reference=submission.reference,
                name=_public_name(submission),
                respondent_type=str(types.get(submission.respondent_type, "")),
                category=str(categories.get(submission.category, "")),
                submitted_at=submission.submitted_at,
                is_late=submission.is_late,
                answers=tuple(
                    PublishedAnswer(
                        code=questions[question_id].code,
                        question=questions[question_id].localized("text", language),
                        answer="; ".join(values),
                    )
                    for question_id, values in sorted(
                        given.items(), key=lambda item: questions[item[0]].order
                    )
                ),
                attachments=tuple(attachments.get(pk, ())),
            )
        )
    return result


def _public_name(submission: Submission) -> str | None:
    return public_name(
        consent=submission.consent,
        respondent_type=submission.respondent_type,
        organisation_name=submission.organisation_name,
        contact_name=submission.contact_name,
        personal_data_erased_at=submission.personal_data_erased_at,
    )


def _answer_text(answer: Answer, language: str) -> str:
    if answer.choice_id is not None:
        label = cast(Choice, answer.choice).localized("label", language)  # set with its id
        comment = answer.text.strip()
        return f"{label}: {comment}" if comment else label
    if answer.question.kind == QuestionKind.NUMBER and answer.number is not None:
        return labels.count_text(answer.number)
    return answer.text.strip()


def published_attachment(*, publication: Publication, pk: int) -> Attachment:
    """An attachment the live ``publication`` may show, or ``NotPublished``."""
    attachment = (
        Attachment.objects.filter(
            pk=pk,
            submission__in=published_submissions(publication=publication).filter(
                consent=Consent.NAME_AND_RESPONSE
            ),
        )
        .select_related("submission")
        .first()
    )
    if attachment is None:
        raise NotPublished(pk)
    return attachment
