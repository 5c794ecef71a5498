"""Free-text questions: how many answered and were coded with each staff theme, the terms and
phrases most used (``textkit``), and quotes (``reports.summary.quotes``).

Terms are counted over the answers outside groups of similar texts, confirmed campaigns and
suggested groups alike (a campaign's standard text would drown out every other view; it is
reported as a campaign), a deterministic sample of at most ``TERMS_POOL`` of them per question, so
that a report's time grows with the number of questions, not of responses. They are counted twice:
over all those answers (staff editions) and over those whose respondents allow publication
(``publishable``; public editions), since a term is itself a piece of an answer.

How many answered and were coded with each theme is also counted by respondent group
(``context.group_code``), for the figures by respondent type, outside confirmed campaigns and of
the late responses alone: counts, so every edition shows them; terms and quotes are not split.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any

import numpy as np
import pandas as pd

from reports.summary.closed import ClosedTables, answered_only
from reports.summary.context import (
    Context,
    group_count,
    rows_where,
    sample,
    split,
    weighted_bincount,
)
from reports.summary.inputs import QuestionMeta, Text
from reports.summary.quotes import QUOTABLE_CONSENTS, quote_pool, quotes_from_pool
from reports.summary.types import (
    QuestionSummary,
    SubsetFigures,
    TermCount,
    TextFigures,
    ThemeCount,
)
from textkit.ngrams import most_used, most_used_within

TOP_TERMS = 12
TOP_PHRASES = 10
TERMS_POOL = 20000


Terms = tuple[tuple[TermCount, ...], tuple[TermCount, ...]]


def top_terms(texts: Sequence[str]) -> Terms:
    """The terms and phrases used by the most answers (at least two), most used first."""
    return _terms(most_used(texts, terms=TOP_TERMS, phrases=TOP_PHRASES))


def _terms(found: tuple[list[tuple[str, int]], list[tuple[str, int]]]) -> Terms:
    terms, phrases = found
    return (
        tuple(TermCount(term=term, count=n) for term, n in terms),
        tuple(TermCount(term=phrase, count=n) for phrase, n in phrases),
    )


def _all_and_public_terms(
    term_rows: pd.DataFrame, public_term_rows: pd.DataFrame, public_within: np.ndarray | None
) -> tuple[Terms, Terms]:
    """The terms of all the answers and of those that may be published; with
    ``public_within`` (which of ``term_rows`` are the public ones), from one scan of the texts."""
    if public_within is None:
        return top_terms(term_rows["text"].tolist()), top_terms(public_term_rows["text"].tolist())
    everything = np.ones(len(term_rows), dtype=bool)
    found = most_used_within(
        term_rows["text"].tolist(),
        [everything, public_within],
        terms=TOP_TERMS,
        phrases=TOP_PHRASES,
    )
    return _terms(found[0]), _terms(found[1])


@dataclass(frozen=True)
class PreparedTexts:
    """The free-text answers a summary counts (``rows``, index 0..n-1: the loader's frame itself
    where it holds no other row) and each one's respondent ``position`` among the respondents."""

    rows: pd.DataFrame
    position: np.ndarray


def texts_prepared(
    context: Context, texts: pd.DataFrame, respondents: pd.DataFrame
) -> PreparedTexts:
    """Non-blank answers of counted submissions, each with its respondent's position among
    ``respondents`` (``context.positions``); ``question_texts`` adds the respondent's details to
    one question's answers at a time (at 1,000,000 submissions the details of all two million
    answers at once were 110 MB more at the summary's peak, and a column added to the loader's
    frame copied its other columns: 88 MB more)."""
    text_questions = [q.id for q in context.meta.questions if q.kind == "text"]
    keep = texts["question_id"].isin(text_questions).to_numpy(dtype=bool, copy=True)
    # A text the loader did not keep (None: ``reports.summary.text_kept``) was not blank.
    words = texts["text"].to_numpy(dtype=object)
    known = np.flatnonzero(keep & texts["text"].notna().to_numpy(dtype=bool))
    keep[known] = [str(text).strip() != "" for text in words[known].tolist()]
    position: np.ndarray = context.positions(texts["submission_id"].to_numpy(dtype=np.int64))
    keep &= position >= 0
    # One answer per submission and question (a database constraint; kept true here too): the
    # first of each pair, found by a stable sort (pandas' ``duplicated`` hashed the two million
    # pairs of 1,000,000 submissions in about 100 MB).
    kept = np.flatnonzero(keep)
    question = texts["question_id"].to_numpy(dtype=np.int64)[kept]
    submission = texts["submission_id"].to_numpy(dtype=np.int64)[kept]
    order = np.lexsort((submission, question))  # stable: the first of equal pairs first
    again = np.zeros(len(kept), dtype=bool)
    again[order[1:]] = (question[order[1:]] == question[order[:-1]]) & (
        submission[order[1:]] == submission[order[:-1]]
    )
    taken: np.ndarray = kept[~again]
    # Every row, as the loader reads them: the frame itself (no copy), not a taken copy.
    if len(taken) == len(texts):
        return PreparedTexts(rows=texts.reset_index(drop=True), position=position)
    return PreparedTexts(rows=texts.iloc[taken].reset_index(drop=True), position=position[taken])


def question_texts(
    context: Context, texts: PreparedTexts, respondents: pd.DataFrame, question_id: int
) -> pd.DataFrame:
    """One question's answers of ``texts_prepared`` (index 0..n-1), each with its respondent's
    category, consent, name, campaign group and respondent group (``context.group_code``) and
    weight."""
    mine = texts.rows["question_id"].to_numpy() == question_id
    rows = texts.rows[mine].reset_index(drop=True)
    position = texts.position[mine]

    def details(column: str) -> np.ndarray:
        values: np.ndarray = respondents[column].to_numpy()[position]
        return values

    answers: pd.DataFrame = rows.assign(
        category_code=context.category_codes[position],
        category=details("category"),
        consent=details("consent"),
        display_name=details("display_name"),
        campaign_group=details("campaign_group"),
        group=context.group_codes[position],
        weight=(
            np.ones(len(position), dtype=np.int64)
            if context.weights is None
            else context.weights[position]
        ),
    )
    return answers


def themes_by_id(themes: pd.DataFrame) -> dict[int, tuple[Text, Text | None]]:
    # Each field holds its column's values (pandas-stubs types a field as any scalar).
    rows: Iterator[Any] = themes.itertuples(index=False)
    names = {
        int(row.id): Text(en=str(row.name_en or ""), zh=str(row.name_zh or "")) for row in rows
    }
    result = {}
    again: Iterator[Any] = themes.itertuples(index=False)
    for row in again:
        parent = None if pd.isna(row.parent_id) else names.get(int(row.parent_id))
        result[int(row.id)] = (names[int(row.id)], parent)
    return result


def text_question(
    context: Context,
    question: QuestionMeta,
    closed: ClosedTables,
    rows: pd.DataFrame,
    themes: Mapping[int, tuple[Text, Text | None]],
) -> QuestionSummary:
    """The summary of a free-text question from its answers (``question_texts``)."""
    answered_by = weighted_bincount(
        rows["category_code"].to_numpy(dtype=np.int64),
        rows["weight"].to_numpy(dtype=np.int64),
        len(context.categories),
    )
    base = answered_only(context, question, answered_by, closed)
    theme_counts = text_theme_counts(rows)
    # The index holds the theme ids (pandas-stubs types an index label as any Hashable).
    counted: Iterable[tuple[Any, int]] = theme_counts.items()
    # A campaign's standard text would drown out every other view; it is reported as a campaign.
    # The terms and quotes read these columns only: the subsets copy no more (nor any row when
    # every answer is outside campaigns, or may be published).
    readable = rows[[column for column in _READ_BY_TERMS_AND_QUOTES if column in rows.columns]]
    outside_campaigns = rows_where(readable, rows["campaign_group"].isna().to_numpy(dtype=bool))
    public = publishable(outside_campaigns).to_numpy(dtype=bool)
    public_outside = rows_where(outside_campaigns, public)
    figures = text_figures(
        answered=int(answered_by.sum()),
        theme_counts={int(theme_id): int(n) for theme_id, n in counted},
        themes=themes,
        coded=text_coded(rows),
        outside_campaigns=len(outside_campaigns),
        term_rows=sample(outside_campaigns, TERMS_POOL),
        # The quote pool leaves campaigns out: the publishable answers outside them are its
        # rows (no copy of every publishable answer, 40 MB a question at 1,000,000).
        quote_pool=quote_pool(public_outside),
        quotable=int(publishable(rows).sum()),
        public_outside_campaigns=len(public_outside),
        public_term_rows=sample(public_outside, TERMS_POOL),
        # Neither sampled: the public answers are the publishable ones among all, and one scan
        # of the texts counts both.
        public_within=public if len(outside_campaigns) <= TERMS_POOL else None,
    )
    groups = text_groups(rows, group_count(context.meta))
    return replace(base, text=figures, **text_split(context, figures, groups))


# The columns of a question's answers that its terms, quote pool and quotes read (``units``
# where the loader measured it, ``reports.summary.text_kept``).
_READ_BY_TERMS_AND_QUOTES = (
    "submission_id",
    "text",
    "theme_ids",
    "units",
    "category",
    "consent",
    "display_name",
    "campaign_group",
)


def text_theme_counts(rows: pd.DataFrame) -> pd.Series:
    """Theme id -> answers coded with it, each with its respondent's weight."""
    exploded = rows[["theme_ids", "weight"]].explode("theme_ids").dropna()
    return exploded.groupby(exploded["theme_ids"].astype(np.int64))["weight"].sum()


def text_coded(rows: pd.DataFrame) -> int:
    """Answers coded with at least one theme, each with its respondent's weight."""
    if not len(rows):
        return 0
    return int(rows.loc[rows["theme_ids"].map(len).gt(0), "weight"].sum())


@dataclass(frozen=True)
class TextGroups:
    """A free-text question's answers by respondent group (``context.group_code``): how many
    answered, how many were coded with a theme, and theme id -> how many were coded with it.
    Each array has one count per group, so they add up over chunks."""

    answered: np.ndarray
    coded: np.ndarray
    themes: Mapping[int, np.ndarray]


def text_groups(rows: pd.DataFrame, n_groups: int) -> TextGroups:
    """The counts by group of one question's answers (``texts_prepared`` rows, index 0..n-1)."""
    groups = rows["group"].to_numpy(dtype=np.int64)
    coded = np.zeros(len(rows), dtype=bool)
    if len(rows):
        coded = rows["theme_ids"].map(len).gt(0).to_numpy(dtype=bool)
    exploded = rows["theme_ids"].explode().dropna()
    theme = exploded.to_numpy(dtype=np.int64)
    ids, column = np.unique(theme, return_inverse=True)
    weights = rows["weight"].to_numpy(dtype=np.int64)
    rows_of_themes = exploded.index.to_numpy(dtype=np.int64)
    by_theme = weighted_bincount(
        column.reshape(-1) * n_groups + groups[rows_of_themes],
        weights[rows_of_themes],
        len(ids) * n_groups,
    ).reshape(len(ids), n_groups)
    return TextGroups(
        answered=weighted_bincount(groups, weights, n_groups),
        coded=weighted_bincount(groups[coded], weights[coded], n_groups),
        themes={int(theme_id): by_theme[i] for i, theme_id in enumerate(ids)},
    )


def text_split(context: Context, figures: TextFigures, groups: TextGroups) -> dict[str, Any]:
    """The question's answered, coded and theme counts by respondent type, outside confirmed
    campaigns and of the late responses alone, for the themes its figures show."""
    empty = np.zeros(len(groups.answered), dtype=np.int64)

    def subset(mask: np.ndarray) -> SubsetFigures:
        return SubsetFigures(
            total=int(context.group_totals[mask].sum()),
            answered=int(groups.answered[mask].sum()),
            coded=int(groups.coded[mask].sum()),
            themes={
                theme.id: int(groups.themes.get(theme.id, empty)[mask].sum())
                for theme in figures.themes
            },
        )

    return split(context, subset)


def publishable(rows: pd.DataFrame) -> pd.Series:
    """Which answers' respondents allow publication of their response (the one rule for quotes
    and for the terms of a public edition)."""
    return rows["consent"].isin(QUOTABLE_CONSENTS)


def text_figures(
    *,
    answered: int,
    theme_counts: Mapping[int, int],
    themes: Mapping[int, tuple[Text, Text | None]],
    coded: int,
    outside_campaigns: int,
    term_rows: pd.DataFrame,
    quote_pool: pd.DataFrame,
    quotable: int,
    public_outside_campaigns: int,
    public_term_rows: pd.DataFrame,
    public_within: np.ndarray | None = None,
) -> TextFigures:
    """A free-text question's figures from its counts, the (sampled) answers whose terms are
    counted (all of them, and those that may be published), and the pool quotes are chosen from
    (``quote_pool``)."""
    theme_figures = sorted(
        (
            ThemeCount(id=theme_id, name=themes[theme_id][0], parent=themes[theme_id][1], count=n)
            for theme_id, n in theme_counts.items()
            if theme_id in themes and n
        ),
        key=lambda theme: (-theme.count, theme.name.en, theme.id),
    )
    (terms, phrases), (public_terms, public_phrases) = _all_and_public_terms(
        term_rows, public_term_rows, public_within
    )
    return TextFigures(
        answered=answered,
        terms=terms,
        phrases=phrases,
        terms_counted_over=len(term_rows),
        terms_sampled=len(term_rows) < outside_campaigns,
        themes=tuple(theme_figures),
        coded=coded,
        quotes=quotes_from_pool(quote_pool, theme_figures),
        quotable=quotable,
        public_terms=public_terms,
        public_phrases=public_phrases,
        public_terms_counted_over=len(public_term_rows),
        public_terms_sampled=len(public_term_rows) < public_outside_campaigns,
    )
