"""Number questions: exact count, mean, median, quartiles and bands by order of magnitude, from
a histogram of the answers (which adds up over chunks, so merged figures are exact too)."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pandas as pd

from reports.summary.closed import ClosedTables, answered_only
from reports.summary.context import AnswerArrays, Context
from reports.summary.inputs import QuestionMeta
from reports.summary.types import NumberBand, NumberFigures, QuestionSummary


def number_tables(context: Context, answers: AnswerArrays) -> pd.DataFrame:
    """Number answers of counted submissions: question id, category code, number."""
    number_questions = [q.id for q in context.meta.questions if q.kind == "number"]
    keep = (
        answers.has_number & np.isin(answers.question, number_questions) & (answers.position >= 0)
    )
    return pd.DataFrame(
        {
            "question_id": answers.question[keep],
            "category": context.category_codes[answers.position[keep]],
            "number": answers.number[keep],
        }
    )


def number_question(
    context: Context, question: QuestionMeta, closed: ClosedTables, numbers: pd.DataFrame
) -> QuestionSummary:
    rows = numbers[numbers["question_id"] == question.id]
    answered_by = np.bincount(
        rows["category"].to_numpy(dtype=np.int64), minlength=len(context.categories)
    )
    base = answered_only(context, question, answered_by, closed)
    values, counts = np.unique(rows["number"].to_numpy(dtype=np.int64), return_counts=True)
    return replace(base, numbers=number_figures(values, counts))


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
