"""The closed and number questions' tables from answer counts grouped by respondent profile.

On PostgreSQL the database counts the answer rows itself (``reports.grouped_read``: one GROUP BY
per table) instead of sending every row out: how many rows picked each (question, choice) and how
many distinct respondents answered each closed question, per respondent *profile*, and how many
rows gave each (question, number). A profile is every respondent attribute a figure splits by
(``PROFILE_COLUMNS``: category, respondent type, late, confirmed campaign, licence status, and
the weight, a petition record's signatories); each profile maps to the same category and
respondent group (``context.group_code``) as its respondents do in the one-pass path, through the
same functions.

The tables built here are the ones ``closed.closed_tables`` and ``numbers.number_tables`` build
from the answer rows, to the last count: a grouped row stands for ``rows`` answer rows of one
profile, so it counts ``rows * weight``, and number statistics are read off histograms either way
(``numbers.number_figures``). ``answers_grouped`` does the database's grouping in pandas, so that
the pure tests can compare the two paths on any hand-made or random data.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from reports.summary.closed import ClosedTables
from reports.summary.context import Context, group_codes, group_count, weighted_bincount
from reports.summary.inputs import (
    CLOSED_KINDS,
    NOT_STATED,
    ConsultationMeta,
    licence_statuses_filled,
    weighted,
)

# The respondent attributes every figure of a closed or number question is split by (the campaign:
# a confirmed one's label, else none).
PROFILE_COLUMNS: tuple[str, ...] = (
    "category",
    "respondent_type",
    "is_late",
    "campaign_group",
    "licence_status",
    "weight",
)
CHOICE_COLUMNS: tuple[str, ...] = ("question_id", "choice_id", *PROFILE_COLUMNS, "rows")
ANSWERED_COLUMNS: tuple[str, ...] = ("question_id", *PROFILE_COLUMNS, "respondents")
NUMBER_COLUMNS: tuple[str, ...] = ("question_id", "number", *PROFILE_COLUMNS, "rows")


@dataclass(frozen=True)
class GroupedAnswers:
    """Answer counts by respondent profile (``PROFILE_COLUMNS``).

    ``choices``: answer rows per (question, choice, profile), column ``rows``; only rows whose
    choice is one of its question's and whose question is closed count. ``answered``: distinct
    respondents with at least one such row per (question, profile), column ``respondents``.
    ``numbers``: number answers per (question of kind number, number, profile), column ``rows``.
    """

    choices: pd.DataFrame
    answered: pd.DataFrame
    numbers: pd.DataFrame


def grouped_frames(
    choices: list[tuple[object, ...]],
    answered: list[tuple[object, ...]],
    numbers: list[tuple[object, ...]],
) -> GroupedAnswers:
    """``GroupedAnswers`` from rows in the order of ``CHOICE_COLUMNS``, ``ANSWERED_COLUMNS`` and
    ``NUMBER_COLUMNS`` (what the database returns)."""

    def frame(rows: list[tuple[object, ...]], columns: tuple[str, ...]) -> pd.DataFrame:
        result = pd.DataFrame.from_records(rows, columns=list(columns))
        integers = {"question_id", "choice_id", "number", "weight", "rows", "respondents"}
        # Built column by column: a number above 2**53 must not pass through float64.
        for column in integers & set(columns):
            result[column] = np.array(
                [int(value) for value in result[column].tolist()], dtype=np.int64
            )
        return result

    return GroupedAnswers(
        choices=frame(choices, CHOICE_COLUMNS),
        answered=frame(answered, ANSWERED_COLUMNS),
        numbers=frame(numbers, NUMBER_COLUMNS),
    )


def answers_grouped(
    meta: ConsultationMeta, respondents: pd.DataFrame, answers: pd.DataFrame
) -> GroupedAnswers:
    """The database's grouping (``reports.grouped_read``) done in pandas, from the respondents
    and the answer rows ``report_inputs`` reads."""
    people = weighted(respondents).drop_duplicates("submission_id")
    people = licence_statuses_filled(people)
    rows = answers.merge(
        people[["submission_id", *PROFILE_COLUMNS]], on="submission_id", how="inner"
    )
    # The database keeps the label of a confirmed campaign only (``reports.grouped_read``).
    confirmed = [label for label, ok in meta.campaigns_confirmed.items() if ok]
    campaign = rows["campaign_group"].astype(object)
    rows = rows.assign(campaign_group=campaign.where(campaign.isin(confirmed), ""))
    closed_ids = [q.id for q in meta.questions if q.kind in CLOSED_KINDS]
    question_of_choice = {c.id: q.id for q in meta.questions for c in q.choices}
    choice_question = rows["choice_id"].map(question_of_choice)
    valid = (
        rows["choice_id"].notna()
        & rows["question_id"].isin(closed_ids)
        & (choice_question == rows["question_id"]).fillna(False).astype(bool)
    )
    picked = rows[valid]
    profile = list(PROFILE_COLUMNS)
    choices = (
        picked.groupby(["question_id", "choice_id", *profile], dropna=False)
        .size()
        .rename("rows")
        .reset_index()
    )
    answered = (
        picked.drop_duplicates(["question_id", "submission_id"])
        .groupby(["question_id", *profile], dropna=False)
        .size()
        .rename("respondents")
        .reset_index()
    )
    number_ids = [q.id for q in meta.questions if q.kind == "number"]
    given = rows[rows["number"].notna() & rows["question_id"].isin(number_ids)]
    numbers = (
        given.groupby(["question_id", "number", *profile], dropna=False)
        .size()
        .rename("rows")
        .reset_index()
    )

    def records(frame: pd.DataFrame, columns: tuple[str, ...]) -> list[tuple[object, ...]]:
        frame = frame.assign(
            campaign_group=frame["campaign_group"].where(frame["campaign_group"] != "", None)
        )
        return list(frame[list(columns)].itertuples(index=False, name=None))

    return grouped_frames(
        records(choices, CHOICE_COLUMNS),
        records(answered, ANSWERED_COLUMNS),
        records(numbers, NUMBER_COLUMNS),
    )


def _profile_codes(context: Context, frame: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    """Each grouped row's category code and respondent group, by the rules the respondents of
    the one-pass path go through (``context.respondents_prepared``, ``context.group_codes``)."""
    profiles = frame[list(PROFILE_COLUMNS)].copy()
    for column in ("category", "respondent_type"):
        values = profiles[column].astype("object")
        profiles[column] = values.where(values.notna() & (values != ""), NOT_STATED)
    profiles = licence_statuses_filled(profiles)
    profiles["campaign_group"] = profiles["campaign_group"].astype("object")
    categories = pd.Categorical(profiles["category"], categories=list(context.categories))
    codes = categories.codes.astype(np.int64)
    if (codes < 0).any():
        raise ValueError("grouped answers of a category no counted respondent has")
    return codes, group_codes(context.meta, profiles)


def grouped_tables(context: Context, grouped: GroupedAnswers) -> tuple[ClosedTables, pd.DataFrame]:
    """The closed questions' tables (``closed.closed_tables``) and the number answers
    (``numbers.number_tables``, one row per distinct number and profile, weighted by how many
    answers gave it) from grouped counts."""
    questions = [q for q in context.meta.questions if q.is_closed]
    choice_ids = [c.id for q in questions for c in q.choices]
    row_of_choice = {choice_id: row for row, choice_id in enumerate(choice_ids)}
    row_of_question = {q.id: row for row, q in enumerate(questions)}
    n_categories = len(context.categories)
    n_groups = group_count(context.meta)

    picked = grouped.choices
    choice_row = pd.Index(choice_ids, dtype=np.int64).get_indexer(
        pd.Index(picked["choice_id"].to_numpy(dtype=np.int64), copy=False)
    )
    choice_questions = np.array([q.id for q in questions for _ in q.choices], dtype=np.int64)
    valid = choice_row >= 0
    valid[valid] = (
        choice_questions[choice_row[valid]] == picked["question_id"].to_numpy(np.int64)[valid]
    )
    picked, choice_row = picked[valid], choice_row[valid]
    category, group = _profile_codes(context, picked)
    weights = picked["rows"].to_numpy(dtype=np.int64) * picked["weight"].to_numpy(dtype=np.int64)
    counts = weighted_bincount(
        choice_row * n_categories + category, weights, len(choice_ids) * n_categories
    ).reshape(len(choice_ids), n_categories)
    group_counts = weighted_bincount(
        choice_row * n_groups + group, weights, len(choice_ids) * n_groups
    ).reshape(len(choice_ids), n_groups)

    answered_rows = grouped.answered
    question_row = pd.Index(list(row_of_question), dtype=np.int64).get_indexer(
        pd.Index(answered_rows["question_id"].to_numpy(dtype=np.int64), copy=False)
    )
    answered_rows, question_row = answered_rows[question_row >= 0], question_row[question_row >= 0]
    category, group = _profile_codes(context, answered_rows)
    weights = answered_rows["respondents"].to_numpy(dtype=np.int64) * answered_rows[
        "weight"
    ].to_numpy(dtype=np.int64)
    answered = weighted_bincount(
        question_row * n_categories + category, weights, len(questions) * n_categories
    ).reshape(len(questions), n_categories)
    group_answered = weighted_bincount(
        question_row * n_groups + group, weights, len(questions) * n_groups
    ).reshape(len(questions), n_groups)
    closed = ClosedTables(
        row_of_choice, counts, row_of_question, answered, group_counts, group_answered
    )

    given = grouped.numbers
    category, group = _profile_codes(context, given)
    numbers = pd.DataFrame(
        {
            "question_id": given["question_id"].to_numpy(dtype=np.int64),
            "category": category,
            "group": group,
            "number": given["number"].to_numpy(dtype=np.int64),
            "weight": given["rows"].to_numpy(dtype=np.int64)
            * given["weight"].to_numpy(dtype=np.int64),
        }
    )
    return closed, numbers
