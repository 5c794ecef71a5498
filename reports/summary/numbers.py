"""Number questions: exact count, mean, median, quartiles and bands by order of magnitude, from
a histogram of the answers (which adds up over chunks, so merged figures are exact too).

The histogram is kept by respondent group (``context.group_code``): the figures of each subset
(by respondent type, outside confirmed campaigns, late responses alone) are read off the sum of
its groups' rows, as exactly as the question's own.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import numpy as np
import pandas as pd

from reports.summary.closed import ClosedTables, answered_only
from reports.summary.context import (
    AnswerArrays,
    Context,
    group_count,
    split,
    weighted_bincount,
)
from reports.summary.inputs import QuestionMeta
from reports.summary.types import NumberBand, NumberFigures, QuestionSummary, SubsetFigures


def number_tables(context: Context, answers: AnswerArrays) -> pd.DataFrame:
    """Number answers of counted submissions: question id, category code, respondent group
    (``context.group_code``), number, and the respondent's weight (a petition record's answer
    counts once per signatory)."""
    number_questions = [q.id for q in context.meta.questions if q.kind == "number"]
    keep = (
        answers.has_number & np.isin(answers.question, number_questions) & (answers.position >= 0)
    )
    return pd.DataFrame(
        {
            "question_id": answers.question[keep],
            "category": context.category_codes[answers.position[keep]],
            "group": context.group_codes[answers.position[keep]],
            "number": answers.number[keep],
            "weight": (
                np.ones(int(keep.sum()), dtype=np.int64)
                if context.weights is None
                else context.weights[answers.position[keep]]
            ),
        }
    )


def number_question(
    context: Context, question: QuestionMeta, closed: ClosedTables, numbers: pd.DataFrame
) -> QuestionSummary:
    rows = numbers[numbers["question_id"] == question.id]
    weights = rows["weight"].to_numpy(dtype=np.int64)
    answered_by = weighted_bincount(
        rows["category"].to_numpy(dtype=np.int64), weights, len(context.categories)
    )
    base = answered_only(context, question, answered_by, closed)
    values, by_group = group_histogram(
        rows["number"].to_numpy(dtype=np.int64),
        rows["group"].to_numpy(dtype=np.int64),
        group_count(context.meta),
        weights,
    )
    return replace(
        base,
        numbers=number_figures(values, by_group.sum(axis=0)),
        **number_split(context, values, by_group),
    )


def group_histogram(
    values: np.ndarray, groups: np.ndarray, n_groups: int, counts: np.ndarray | None = None
) -> tuple[np.ndarray, np.ndarray]:
    """The distinct ``values`` ascending, and ``by_group[group, i]``: how many answers of each
    respondent group gave ``distinct[i]`` (``counts[j]`` answers gave ``values[j]`` in
    ``groups[j]``; one each without ``counts``)."""
    distinct, inverse = np.unique(values, return_inverse=True)
    cells = groups * len(distinct) + inverse.reshape(-1)
    # float weights are exact for counts below 2**53.
    by_group = np.bincount(cells, weights=counts, minlength=n_groups * len(distinct))
    return distinct, by_group.astype(np.int64).reshape(n_groups, len(distinct))


def number_split(context: Context, values: np.ndarray, by_group: np.ndarray) -> dict[str, Any]:
    """The question's figures by respondent type, outside confirmed campaigns and of the late
    responses alone, from its histogram by group (``group_histogram``)."""

    def subset(mask: np.ndarray) -> SubsetFigures:
        counts = by_group[mask].sum(axis=0)
        present = counts > 0
        figures = number_figures(values[present], counts[present])
        return SubsetFigures(
            total=int(context.group_totals[mask].sum()), answered=figures.count, numbers=figures
        )

    return split(context, subset)


def number_figures(values: np.ndarray, counts: np.ndarray) -> NumberFigures:
    """Figures of number answers given as a histogram: distinct ``values`` ascending and how many
    answers gave each. Exact: the mean is the integer total over the count, quartiles interpolate
    linearly between order statistics (pandas' and numpy's default), bands add up the counts."""
    total = int(counts.sum())
    if total == 0:
        return NumberFigures(0, None, None, None, None, None, None)
    ends = np.cumsum(counts)  # the order statistic at sorted position i is values[ends > i]

    def order_statistic(index: int) -> float:
        return float(values[int(np.searchsorted(ends, index, side="right"))])

    def quantile(share: float) -> float:
        position = (total - 1) * share
        below = int(np.floor(position))
        fraction = position - below
        low = order_statistic(below)
        high = order_statistic(min(below + 1, total - 1))
        # numpy's lerp: from the nearer end, so that the result stays within [low, high].
        if fraction >= 0.5:
            return high - (high - low) * (1 - fraction)
        return low + (high - low) * fraction

    largest = max(abs(int(values[0])), abs(int(values[-1])))
    if largest * total < 2**63:
        # No product nor partial sum can overflow int64: numpy's sum is the exact one.
        exact_sum = int(np.dot(values.astype(np.int64), counts.astype(np.int64)))
    else:
        exact_sum = sum(int(value) * int(n) for value, n in zip(values, counts, strict=True))
    return NumberFigures(
        count=total,
        mean=exact_sum / total,
        median=quantile(0.5),
        q1=quantile(0.25),
        q3=quantile(0.75),
        minimum=int(values[0]),
        maximum=int(values[-1]),
        bands=_bands(values, counts),
    )


_POWERS_OF_TEN = np.array([10**k for k in range(1, 19)], dtype=np.int64)


def _bands(values: np.ndarray, counts: np.ndarray) -> tuple[NumberBand, ...]:
    """How many answers fall below 0, in 0-9, 10-99, 100-999 ... up to the largest value's band
    (``counts[i]`` answers gave ``values[i]``)."""
    bands = []
    negative = int(counts[values < 0].sum())
    if negative:
        bands.append(NumberBand(lower=None, upper=0, count=negative))
    positive = values >= 0
    if positive.any():
        magnitude = np.searchsorted(_POWERS_OF_TEN, values[positive], side="right")
        for k, n in enumerate(np.bincount(magnitude, weights=counts[positive]).astype(np.int64)):
            bands.append(
                NumberBand(
                    lower=0 if k == 0 else 10**k,
                    upper=10 ** (k + 1) if k < len(_POWERS_OF_TEN) else None,
                    count=int(n),
                )
            )
    return tuple(bands)
