"""Closed questions (agree scales, yes / no / unsure, single and multiple choice): counts, shares,
cross-tabs by category and the agree scale's net score.

Definitions (also in the PDF's method note):

* A respondent *answered* a closed question if they picked at least one choice; everyone else
  counted in the report is *not answered* (including those a conditional question was not shown to).
* Shares are of those who answered the question (in a cross-tab: of those in the category who
  answered), so for single-choice kinds they add up to 100 %; for multiple choice, the share
  selecting each option, which may add up to more.
* Agree scales: share agreeing = (agree + strongly agree) / answered; net score = share agreeing
  minus share disagreeing (disagree + strongly disagree), from -1 to +1.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import Any

import numpy as np
import pandas as pd

from reports.summary.context import (
    AnswerArrays,
    Context,
    group_count,
    present_categories,
    share,
    split,
    weighted_bincount,
)
from reports.summary.inputs import QuestionMeta
from reports.summary.types import AgreeFigures, QuestionSummary, SubsetFigures

# The agree scale's values (surveys.scales.STANDARD_CHOICES; a test keeps them in step).
AGREEING = ("strongly_agree", "agree")
NEUTRAL = ("neutral",)
DISAGREEING = ("disagree", "strongly_disagree")


@dataclass(frozen=True)
class ClosedTables:
    # choice id -> row in ``counts``; counts[row, category] = selections
    row_of_choice: Mapping[int, int]
    counts: np.ndarray
    # question id -> row in ``answered``; answered[row, category] = respondents who answered
    row_of_question: Mapping[int, int]
    answered: np.ndarray
    # The same by respondent group (``context.group_code``): group_counts[row, group] and
    # group_answered[row, group].
    group_counts: np.ndarray | None = None
    group_answered: np.ndarray | None = None


def closed_tables(context: Context, answers: AnswerArrays) -> ClosedTables:
    """Selections per (choice, category) and respondents answering per (question, category)."""
    questions = [q for q in context.meta.questions if q.is_closed]
    choice_ids = [c.id for q in questions for c in q.choices]
    choice_questions = np.array([q.id for q in questions for _ in q.choices], dtype=np.int64)
    row_of_choice = {choice_id: row for row, choice_id in enumerate(choice_ids)}
    row_of_question = {q.id: row for row, q in enumerate(questions)}
    n_categories = len(context.categories)

    choice_row = pd.Index(choice_ids, dtype=np.int64).get_indexer(
        pd.Index(answers.choice, copy=False)
    )
    # Keep rows of counted submissions whose choice belongs to the question they answer.
    valid = (answers.position >= 0) & (choice_row >= 0)
    valid[valid] = choice_questions[choice_row[valid]] == answers.question[valid]
    choice_row, position = choice_row[valid], answers.position[valid]
    question_row = pd.Index(list(row_of_question), dtype=np.int64).get_indexer(
        pd.Index(choice_questions[choice_row], copy=False)
    )
    category = context.category_codes[position]

    # Each selection and each respondent answering counts with the respondent's weight (a
    # petition record its signatories).
    weights = context.weights_at(position)
    counts = weighted_bincount(
        choice_row * n_categories + category, weights, len(choice_ids) * n_categories
    ).reshape(len(choice_ids), n_categories)

    # A respondent answered once however many options they picked: mark (question, respondent)
    # in a table of flags, then count the flags by category.
    answered_flags = np.zeros((len(questions), len(context.ids)), dtype=bool)
    answered_flags[question_row, position] = True
    answered = np.zeros((len(questions), n_categories), dtype=np.int64)
    n_groups = group_count(context.meta)
    group = context.group_codes[position]
    group_counts = weighted_bincount(
        choice_row * n_groups + group, weights, len(choice_ids) * n_groups
    ).reshape(len(choice_ids), n_groups)
    group_answered = np.zeros((len(questions), n_groups), dtype=np.int64)
    for row in range(len(questions)):
        flagged = answered_flags[row]
        row_weights = None if context.weights is None else context.weights[flagged]
        answered[row] = weighted_bincount(
            context.category_codes[flagged], row_weights, n_categories
        )
        group_answered[row] = weighted_bincount(context.group_codes[flagged], row_weights, n_groups)
    return ClosedTables(
        row_of_choice, counts, row_of_question, answered, group_counts, group_answered
    )


def closed_question(
    context: Context, question: QuestionMeta, tables: ClosedTables
) -> QuestionSummary:
    values = [choice.value for choice in question.choices]
    rows = [tables.row_of_choice[choice.id] for choice in question.choices]
    per_category = tables.counts[rows] if rows else np.zeros((0, len(context.categories)), int)
    answered_by = tables.answered[tables.row_of_question[question.id]]
    answered = int(answered_by.sum())
    counts = {value: int(n) for value, n in zip(values, per_category.sum(axis=1), strict=True)}
    present = present_categories(context)
    by_category = {
        context.categories[i]: {value: int(per_category[j, i]) for j, value in enumerate(values)}
        for i in present
    }
    answered_by_category = {context.categories[i]: int(answered_by[i]) for i in present}
    agree = None
    if question.kind == "agree":
        agreeing = sum(counts.get(value, 0) for value in AGREEING)
        disagreeing = sum(counts.get(value, 0) for value in DISAGREEING)
        share_agreeing = share(agreeing, answered)
        share_disagreeing = share(disagreeing, answered)
        agree = AgreeFigures(
            agreeing=agreeing,
            neutral=sum(counts.get(value, 0) for value in NEUTRAL),
            disagreeing=disagreeing,
            share_agreeing=share_agreeing,
            share_disagreeing=share_disagreeing,
            net_score=(
                None
                if share_agreeing is None or share_disagreeing is None
                else share_agreeing - share_disagreeing
            ),
        )
    return replace(
        answered_only(context, question, answered_by, tables),
        counts=counts,
        shares={value: share(n, answered) for value, n in counts.items()},
        by_category=by_category,
        by_category_shares={
            category: {value: share(n, answered_by_category[category]) for value, n in row.items()}
            for category, row in by_category.items()
        },
        agree=agree,
        **split_figures(context, question, tables),
    )


def split_figures(context: Context, question: QuestionMeta, tables: ClosedTables) -> dict[str, Any]:
    """A closed question's figures by respondent type, outside confirmed campaigns and of late
    responses alone: sums over the respondent groups (``context.group_code``)."""
    if tables.group_counts is None or tables.group_answered is None:
        return {}
    rows = [tables.row_of_choice[choice.id] for choice in question.choices]
    counts = tables.group_counts[rows]
    answered = tables.group_answered[tables.row_of_question[question.id]]

    def subset(mask: np.ndarray) -> SubsetFigures:
        n_answered = int(answered[mask].sum())
        subset_counts = {
            choice.value: int(counts[j][mask].sum()) for j, choice in enumerate(question.choices)
        }
        return SubsetFigures(
            total=int(context.group_totals[mask].sum()),
            answered=n_answered,
            counts=subset_counts,
            shares={value: share(n, n_answered) for value, n in subset_counts.items()},
        )

    return split(context, subset)


def eligible(context: Context, question: QuestionMeta, tables: ClosedTables) -> int | None:
    """Respondents shown a conditional question: those who picked the choice it depends on."""
    if question.condition is None:
        return None
    row = tables.row_of_choice.get(question.condition.choice_id)
    return 0 if row is None else int(tables.counts[row].sum())


def answered_only(
    context: Context, question: QuestionMeta, answered_by: np.ndarray, tables: ClosedTables
) -> QuestionSummary:
    """The figures every question has, for kinds without choices (numbers, free text)."""
    present = present_categories(context)
    answered = int(answered_by.sum())
    return QuestionSummary(
        meta=question,
        total=context.total,
        answered=answered,
        not_answered=context.total - answered,
        eligible=eligible(context, question, tables),
        counts={},
        shares={},
        by_category={},
        by_category_shares={},
        answered_by_category={context.categories[i]: int(answered_by[i]) for i in present},
        total_by_category={context.categories[i]: int(context.category_totals[i]) for i in present},
    )
