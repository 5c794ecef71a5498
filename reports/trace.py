"""Which responses are behind a figure of a report: the references a count was made of.

A figure is named the way the summary names it (``Figure``): a choice of a question, optionally
in one respondent category (a cell of the cross-tab); a respondent category or type; a campaign
group; a reason for leaving submissions out. ``figure_references`` reads the record with the
report's own rules (``reports.loading``: what counts, as of the report's cut-off, which answers
count, why a submission is left out), so the list has exactly the figure's count unless the
record changed after the report was built; the page says so when the two differ.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from django.db.models import Q

from reports import loading
from reports.models import Report
from reports.summary.inputs import EXCLUSION_REASONS, NOT_STATED
from surveys.models import Choice, Question, RespondentType, Submission

KINDS = ("choice", "category", "type", "campaign", "left_out")
# The longest value a figure's part may have (codes, choice values, labels are all shorter).
_MAX_PART = 100


@dataclass(frozen=True)
class Figure:
    kind: str
    value: str
    question: str = ""  # a question's code, for "choice"
    category: str = ""  # a respondent category, for one cell of a question's cross-tab

    def query(self) -> dict[str, str]:
        """The figure as the trace page's query string."""
        parts = {"kind": self.kind, "value": self.value}
        if self.question:
            parts["question"] = self.question
        if self.category:
            parts["category"] = self.category
        return parts


class FigureUnknown(ValueError):
    """The query names no figure a report has."""


def figure_from_query(params: Mapping[str, str]) -> Figure:
    kind = params.get("kind", "")
    value = params.get("value", "")
    question = params.get("question", "")
    category = params.get("category", "")
    if kind not in KINDS or not value:
        raise FigureUnknown("kind and value are required")
    if any(len(part) > _MAX_PART for part in (value, question, category)):
        raise FigureUnknown("too long")
    if kind == "choice" and not question:
        raise FigureUnknown("a choice needs its question")
    if kind != "choice" and (question or category):
        raise FigureUnknown("only a choice has a question and a category")
    if kind == "left_out" and value not in EXCLUSION_REASONS:
        raise FigureUnknown("no such reason")
    return Figure(kind=kind, value=value, question=question, category=category)


def figure_count(summary: Mapping[str, Any], figure: Figure) -> int | None:
    """The figure's count as the report printed it (from its ``summary.json``), or None when
    the report has no such figure."""
    respondents = summary.get("respondents", {})
    if figure.kind == "left_out":
        return _int(summary.get("snapshot", {}).get("excluded", {}).get(figure.value))
    if figure.kind == "category":
        return _int(respondents.get("by_category", {}).get(figure.value))
    if figure.kind == "type":
        return _int(respondents.get("by_type", {}).get(figure.value))
    if figure.kind == "campaign":
        for campaign in respondents.get("campaigns", []):
            if campaign.get("label") == figure.value:
                return _int(campaign.get("size"))
        return None
    for question in summary.get("questions", []):
        if question.get("code") != figure.question:
            continue
        if figure.category:
            return _int(question.get("by_category", {}).get(figure.category, {}).get(figure.value))
        return _int(question.get("counts", {}).get(figure.value))
    return None


def _int(value: object) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def figure_references(*, report: Report, figure: Figure) -> list[tuple[int, str]]:
    """``(submission id, reference)`` of each response behind ``figure`` in ``report``, in
    reference order. Two queries at most, whatever the figure."""
    consultation = report.consultation
    as_of = report.snapshot_as_of
    if as_of is None:
        return []
    if figure.kind == "left_out":
        submissions = (
            Submission.objects.filter(consultation=consultation)
            .annotate(left_out=loading.left_out_reason(as_of))
            .filter(left_out=figure.value)
        )
    else:
        counted = loading.report_counted(consultation=consultation, as_of=as_of)
        submissions = counted.filter(_respondent_filter(figure))
        if figure.kind == "choice":
            answers = loading.report_answers(consultation=consultation, counted=counted).filter(
                question__code=figure.question, choice__value=figure.value
            )
            submissions = submissions.filter(pk__in=answers.values("submission_id"))
    return list(submissions.order_by("reference", "pk").values_list("pk", "reference"))


def _respondent_filter(figure: Figure) -> Q:
    """What the figure asks of a counted respondent, with the summary's "not stated" rule."""
    if figure.kind == "campaign":
        return Q(campaign_group__label=figure.value)
    if figure.kind == "type":
        if figure.value == NOT_STATED:
            return ~Q(respondent_type__in=RespondentType.values)
        return Q(respondent_type=figure.value)
    category = figure.value if figure.kind == "category" else figure.category
    if not category:
        return Q()
    if category == NOT_STATED:
        return Q(category="")
    return Q(category=category)


def figure_labels(*, report: Report, figure: Figure, language: str) -> dict[str, str]:
    """The question's code and wording and the choice's label, for the page's heading."""
    if figure.kind != "choice":
        return {}
    question = (
        Question.objects.filter(consultation=report.consultation, code=figure.question)
        .only("code", "text_en", "text_zh")
        .first()
    )
    if question is None:
        return {}
    choice = (
        Choice.objects.filter(question=question, value=figure.value)
        .only("label_en", "label_zh")
        .first()
    )
    return {
        "question": question.localized("text", language),
        "choice": choice.localized("label", language) if choice is not None else figure.value,
    }
