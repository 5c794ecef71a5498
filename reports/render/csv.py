"""The per-question counts as one tidy CSV table, for analysis in any tool.

One row per (question, category, choice), plus an "answered" and a "not_answered" row for each
(question, category); ``category`` is ``all`` for every respondent counted (each petition with
its signatories) and ``without_campaigns`` for the same figures without the confirmed campaigns'
responses (present when a campaign was confirmed). Labels are given in both
languages; ``share`` is the count over those who answered (empty on the answered / not answered
rows). UTF-8 with a byte-order mark, so that Excel shows the Chinese labels correctly.
"""

from __future__ import annotations

import csv
from collections.abc import Iterator, Mapping
from pathlib import Path

from consultation.spreadsheet import safe_cell
from reports.summary.types import QuestionSummary, Summary

COLUMNS = ("question", "kind", "category", "row", "value", "label_en", "label_zh", "count", "share")
ALL = "all"
WITHOUT_CAMPAIGNS = "without_campaigns"


def write_csv(*, summary: Summary, path: Path) -> None:
    with path.open("w", encoding="utf-8-sig", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(COLUMNS)
        for question in summary.questions:
            # Labels are staff-written text: a leading "=" must not become a formula.
            writer.writerows([safe_cell(v) for v in row] for row in _question_rows(question))


def _question_rows(question: QuestionSummary) -> Iterator[tuple[object, ...]]:
    yield from _block(question, ALL, question.counts, question.answered, question.total)
    outside = question.outside_campaigns
    if outside is not None:
        yield from _block(
            question, WITHOUT_CAMPAIGNS, outside.counts, outside.answered, outside.total
        )
    for category, counts in question.by_category.items():
        yield from _block(
            question,
            category,
            counts,
            question.answered_by_category.get(category, 0),
            question.total_by_category.get(category, 0),
        )
    if not question.meta.is_closed:
        # Numbers and free text have no choices: answered / not answered by category still help.
        for category, answered in question.answered_by_category.items():
            total = question.total_by_category.get(category, 0)
            yield from _block(question, category, {}, answered, total)


def _block(
    question: QuestionSummary,
    category: str,
    counts: Mapping[str, int],
    answered: int,
    total: int,
) -> Iterator[tuple[object, ...]]:
    code, kind = question.meta.code, question.meta.kind
    for choice in question.meta.choices:
        n = counts.get(choice.value, 0)
        share = f"{n / answered:.6f}" if answered else ""
        yield (
            code,
            kind,
            category,
            "choice",
            choice.value,
            choice.label.en,
            choice.label.zh,
            n,
            share,
        )
    yield (code, kind, category, "answered", "", "", "", answered, "")
    yield (code, kind, category, "not_answered", "", "", "", total - answered, "")
