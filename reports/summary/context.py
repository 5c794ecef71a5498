"""What every table of a summary is counted against: the counted respondents, by category.

A :class:`Context` holds the consultation's questions and, in table order, its respondent
categories; each counted submission's position among them; and how many respondents each has.
The answer rows are mapped to integer codes once (``answer_arrays``), so every table is counted
with numpy over whole columns.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, TypeVar

import numpy as np
import pandas as pd

from reports.summary.inputs import (
    LICENCE_STATUSES,
    NOT_STATED,
    ConsultationMeta,
    ReportInputs,
    licence_statuses_filled,
    weighted,
)

# Respondent groups per type: licence status x late x in a confirmed campaign.
_PER_TYPE = len(LICENCE_STATUSES) * 4


def context_of(inputs: ReportInputs) -> tuple[Context, pd.DataFrame]:
    """The context of ``inputs``' respondents, and the respondents frame it was built from
    (sorted by submission id, one row each, blanks as ``NOT_STATED``)."""
    respondents = respondents_prepared(inputs.respondents)
    categories = category_order(inputs.meta, respondents["category"])
    codes = pd.Categorical(respondents["category"], categories=categories).codes.astype(np.int64)
    groups = group_codes(inputs.meta, respondents)
    weights = respondents["weight"].to_numpy(dtype=np.int64)
    context = Context(
        meta=inputs.meta,
        categories=tuple(categories),
        ids=respondents["submission_id"].to_numpy(dtype=np.int64),
        category_codes=codes,
        category_totals=weighted_bincount(codes, weights, len(categories)),
        group_codes=groups,
        group_totals=weighted_bincount(groups, weights, group_count(inputs.meta)),
        weights=weights,
    )
    return context, respondents


def weighted_bincount(codes: np.ndarray, weights: np.ndarray | None, length: int) -> np.ndarray:
    """How many respondents each code has, each counted with its weight (a petition record its
    signatories, every other submission 1), as int64. numpy sums weights as float64, exact for
    totals below 2**53."""
    if weights is None:
        return np.bincount(codes, minlength=length).astype(np.int64)
    counts = np.bincount(codes, weights=weights, minlength=length)
    return np.rint(counts).astype(np.int64)


def group_types(meta: ConsultationMeta) -> list[str]:
    """The respondent types a question's figures are split by: the form's, then "not stated"."""
    return [option.value for option in meta.respondent_types] + [NOT_STATED]


def group_count(meta: ConsultationMeta) -> int:
    return len(group_types(meta)) * _PER_TYPE


def group_code(type_index: int, *, late: bool, in_campaign: bool, licence: int = 0) -> int:
    """A respondent's group for the split figures: its type, its licence status (index in
    ``LICENCE_STATUSES``), whether it was late, and whether it is in a campaign a reviewer
    confirmed (suggested groups are not campaigns)."""
    return type_index * _PER_TYPE + licence * 4 + (2 if late else 0) + (1 if in_campaign else 0)


def group_parts(code: int) -> tuple[int, bool, bool]:
    """(type index, late, in a confirmed campaign) of a group code."""
    return code // _PER_TYPE, bool(code & 2), bool(code & 1)


def group_licence(code: int) -> int:
    """The licence status (index in ``LICENCE_STATUSES``) of a group code."""
    return (code % _PER_TYPE) // 4


def group_codes(meta: ConsultationMeta, respondents: pd.DataFrame) -> np.ndarray:
    """Each respondent's group (``group_code``), from a prepared respondents frame."""
    types = group_types(meta)
    type_index = pd.Categorical(
        respondents["respondent_type"].where(
            respondents["respondent_type"].isin(types), NOT_STATED
        ),
        categories=types,
    ).codes.astype(np.int64)
    confirmed = {label for label, ok in meta.campaigns_confirmed.items() if ok}
    in_campaign = respondents["campaign_group"].isin(confirmed).to_numpy(dtype=bool)
    late = respondents["is_late"].astype(bool).to_numpy()
    licence = pd.Categorical(
        licence_statuses_filled(respondents)["licence_status"], categories=LICENCE_STATUSES
    ).codes.astype(np.int64)
    return (
        type_index * _PER_TYPE
        + licence * 4
        + late.astype(np.int64) * 2
        + in_campaign.astype(np.int64)
    )


Figures = TypeVar("Figures")


def split(context: Context, figures: Callable[[np.ndarray], Figures]) -> dict[str, Any]:
    """A question's ``by_type``, ``outside_campaigns``, ``late_only`` and ``by_licence``
    figures: ``figures(mask)`` of the respondent groups (``group_code``) each subset takes in,
    for the types with respondents, outside confirmed campaigns when there is one, of the late
    responses when there are any (None otherwise), and for each licence status with
    respondents (``LICENCE_STATUSES`` order)."""
    totals = context.group_totals
    parts = [group_parts(code) for code in range(len(totals))]
    type_index = np.array([part[0] for part in parts], dtype=np.int64)
    late = np.array([part[1] for part in parts], dtype=bool)
    in_campaign = np.array([part[2] for part in parts], dtype=bool)
    licence = np.array([group_licence(code) for code in range(len(totals))], dtype=np.int64)
    by_type = {}
    for index, value in enumerate(group_types(context.meta)):
        mask = type_index == index
        if totals[mask].sum():
            by_type[value] = figures(mask)
    by_licence = {}
    for index, value in enumerate(LICENCE_STATUSES):
        mask = licence == index
        if totals[mask].sum():
            by_licence[value] = figures(mask)
    return {
        "by_type": by_type,
        "by_licence": by_licence,
        "outside_campaigns": figures(~in_campaign) if totals[in_campaign].sum() else None,
        "late_only": figures(late) if totals[late].sum() else None,
    }


@dataclass(frozen=True)
class Context:
    meta: ConsultationMeta
    categories: tuple[str, ...]  # category values, in table order
    ids: np.ndarray  # counted submission ids, ascending
    category_codes: np.ndarray  # each counted submission's position in ``categories``
    category_totals: np.ndarray  # respondents per category
    # Each counted submission's group (``group_code``) and respondents per group.
    group_codes: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    group_totals: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    # Set when the context is rebuilt from partial counts (reports.summary.partials), without
    # ``ids``: the respondents counted, each with its weight.
    count: int | None = None
    # Each counted submission's weight (``respondents["weight"]``): a petition record counts
    # its signatories, every other submission 1. None reads as 1 each.
    weights: np.ndarray | None = None

    @property
    def total(self) -> int:
        """Respondents counted, each with its weight: a petition's signatories are in it."""
        if self.count is not None:
            return self.count
        return len(self.ids) if self.weights is None else int(self.weights.sum())

    def weights_at(self, positions: np.ndarray) -> np.ndarray | None:
        """The weights of the respondents at ``positions`` (None when every weight is 1)."""
        return None if self.weights is None else self.weights[positions]

    def positions(self, submission_ids: np.ndarray) -> np.ndarray:
        """Index of each submission in ``ids``, or -1 for a submission that is not counted."""
        if len(self.ids) == 0:
            return np.full(len(submission_ids), -1, dtype=np.int64)
        positions = np.searchsorted(self.ids, submission_ids)
        clipped = np.minimum(positions, len(self.ids) - 1)
        return np.where(self.ids[clipped] == submission_ids, clipped, -1)


def respondents_prepared(frame: pd.DataFrame) -> pd.DataFrame:
    frame = weighted(frame)
    ids = frame["submission_id"].to_numpy()
    # As the loader reads them (ascending, once each), there is nothing to sort: a sorted copy
    # of the 1,000,000 rows cost about 90 MB of the summary's peak (bench/notes-groupby.md).
    if not (ids.ndim == 1 and bool(np.all(ids[1:] > ids[:-1]))):
        frame = frame.sort_values("submission_id", kind="stable").drop_duplicates("submission_id")
    frame = frame.reset_index(drop=True)
    for column in ("category", "respondent_type", "consent", "language"):
        values = frame[column].astype("object")
        frame[column] = values.where(values.notna() & (values != ""), NOT_STATED)
    return licence_statuses_filled(frame)


def category_order(meta: ConsultationMeta, present: pd.Series) -> list[str]:
    """The form's categories, then any other value found, then "not stated"."""
    order = [option.value for option in meta.categories]
    extra = sorted(set(present.unique()) - set(order) - {NOT_STATED})
    return order + extra + [NOT_STATED]


@dataclass(frozen=True)
class AnswerArrays:
    """The answer columns as numpy arrays, with each row's respondent looked up once."""

    question: np.ndarray
    choice: np.ndarray  # -1 where the row has no choice
    number: np.ndarray
    has_number: np.ndarray
    position: np.ndarray  # index of the respondent in the context, -1 if not counted


def answer_arrays(context: Context, answers: pd.DataFrame) -> AnswerArrays:
    choice = pd.array(  # type: ignore[call-overload]  # stubs: no Series overload for Int64
        answers["choice_id"], dtype="Int64"
    )
    number = pd.array(  # type: ignore[call-overload]  # stubs: no Series overload for Int64
        answers["number"], dtype="Int64"
    )
    return AnswerArrays(
        question=answers["question_id"].to_numpy(dtype=np.int64),
        choice=choice.to_numpy(dtype=np.int64, na_value=-1),
        number=number.to_numpy(dtype=np.int64, na_value=0),
        has_number=~number.isna(),
        position=context.positions(answers["submission_id"].to_numpy(dtype=np.int64)),
    )


def share(part: int, whole: int) -> float | None:
    return part / whole if whole else None


def present_categories(context: Context) -> list[int]:
    return [i for i, n in enumerate(context.category_totals) if n]


def rows_where(rows: pd.DataFrame, mask: np.ndarray) -> pd.DataFrame:
    """The rows of ``rows`` where ``mask`` holds; ``rows`` itself (not a copy) where it always
    does (a question's answers at 1,000,000 submissions are tens of megabytes a copy)."""
    return rows if bool(mask.all()) else rows[mask]


def sample(rows: pd.DataFrame, size: int) -> pd.DataFrame:
    """At most ``size`` rows, the same ones on every run: those whose mixed submission id is
    smallest (a multiplicative hash, so the sample is spread over the whole period)."""
    if len(rows) <= size:
        return rows
    ids = rows["submission_id"].to_numpy(dtype=np.uint64)
    mixed = (ids * np.uint64(2654435761)) % np.uint64(2**32)
    order = np.lexsort((ids, mixed))[:size]
    return rows.iloc[np.sort(order)]
