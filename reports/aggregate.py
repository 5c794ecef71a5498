"""Summarise one consultation's counted responses: pure pandas and numpy, no ORM, no Celery.

``summarise`` turns :class:`reports.inputs.ReportInputs` into a :class:`Summary`;
``summary_to_dict`` gives the structure of ``summary.json`` (documented in the README).

Counting is vectorised over whole columns: every answer row is mapped to integer codes (its choice's
position among all choices of the consultation, its respondent's category) and counted with one
``np.bincount`` per table, so the cost grows with the number of rows only through numpy, and the
Python loops run once per question, never once per answer. Free text cannot avoid looking at each
text, but it too is scanned once per question: regular expressions and numpy over the question's
answers joined into one string (``_document_features``); quotes are scored with scikit-learn's
TF-IDF.

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

import datetime as dt
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from functools import cache
from typing import Any

import numpy as np
import pandas as pd

from reports.inputs import (
    NOT_STATED,
    ConsultationMeta,
    QuestionMeta,
    ReportInputs,
    Text,
)
from reports.summary_types import (
    AgreeFigures,
    Campaign,
    NumberBand,
    NumberFigures,
    QuestionSummary,
    Quote,
    RespondentSummary,
    Summary,
    TermCount,
    TextFigures,
    ThemeCount,
)

# The agree scale's values (surveys.scales.STANDARD_CHOICES; a test keeps them in step).
AGREEING = ("strongly_agree", "agree")
NEUTRAL = ("neutral",)
DISAGREEING = ("disagree", "strongly_disagree")
# Consents that allow an answer to be quoted, and the one that also allows the name.
QUOTABLE_CONSENTS = frozenset({"name_and_response", "response_only"})
NAMED_CONSENT = "name_and_response"

TOP_TERMS = 12
TOP_PHRASES = 10
MAX_QUOTES = 3
QUOTE_THEMES = 3
# Quote lengths in "units": a Latin character is one, a CJK character two (it carries more).
QUOTE_MIN_UNITS = 40
QUOTE_MAX_UNITS = 900
# The most answers scored for quotes, and counted for terms, per question; larger pools are
# sampled deterministically, so that a report's time grows with the number of questions, not of
# responses.
QUOTE_POOL = 4000
TERMS_POOL = 20000
NEAR_DUPLICATE = 0.8


def summarise(
    inputs: ReportInputs,
    *,
    generated_at: dt.datetime | None = None,
    on_question: Callable[[int, int, str], None] | None = None,
) -> Summary:
    """The summary of ``inputs``. ``on_question(done, total, code)`` is told of each question."""
    meta = inputs.meta
    respondents = _respondents_prepared(inputs.respondents)
    categories = _category_order(meta, respondents["category"])
    category_codes = pd.Categorical(respondents["category"], categories=categories).codes.astype(
        np.int64
    )
    ids = respondents["submission_id"].to_numpy(dtype=np.int64)
    totals = np.bincount(category_codes, minlength=len(categories))
    context = _Context(
        meta=meta,
        categories=tuple(categories),
        ids=ids,
        category_codes=category_codes,
        category_totals=totals,
    )
    answers = _answer_arrays(context, inputs.answers)
    closed = _closed_tables(context, answers)
    numbers = _number_tables(context, answers)
    texts = _texts_prepared(context, inputs.texts, respondents)
    themes = _themes_by_id(inputs.themes)

    questions = []
    total_questions = len(meta.questions)
    for done, question in enumerate(meta.questions, start=1):
        if question.is_closed:
            summary = _closed_question(context, question, closed)
        elif question.kind == "number":
            summary = _number_question(context, question, closed, numbers)
        else:
            summary = _text_question(context, question, closed, texts, themes)
        questions.append(summary)
        if on_question is not None:
            on_question(done, total_questions, question.code)

    return Summary(
        meta=meta,
        generated_at=generated_at or dt.datetime.now(tz=dt.UTC),
        snapshot=inputs.snapshot,
        respondents=respondent_summary(context, respondent_groups(respondents)),
        questions=tuple(questions),
    )


def closed_and_number_tables(inputs: ReportInputs) -> int:
    """Count the choice and number answers of ``inputs`` (the tables every closed and number
    question's figures are read from); return how many answer rows were counted. The benchmark
    times this against the cost of reading the same rows (see bench/README.md)."""
    respondents = _respondents_prepared(inputs.respondents)
    categories = _category_order(inputs.meta, respondents["category"])
    codes = pd.Categorical(respondents["category"], categories=categories).codes.astype(np.int64)
    context = _Context(
        meta=inputs.meta,
        categories=tuple(categories),
        ids=respondents["submission_id"].to_numpy(dtype=np.int64),
        category_codes=codes,
        category_totals=np.bincount(codes, minlength=len(categories)),
    )
    answers = _answer_arrays(context, inputs.answers)
    _closed_tables(context, answers)
    _number_tables(context, answers)
    return len(inputs.answers)


# --- Preparing the frames ---------------------------------------------------------------------


@dataclass(frozen=True)
class _Context:
    meta: ConsultationMeta
    categories: tuple[str, ...]  # category values, in table order
    ids: np.ndarray  # counted submission ids, ascending
    category_codes: np.ndarray  # each counted submission's position in ``categories``
    category_totals: np.ndarray  # respondents per category
    # Set when the context is rebuilt from partial counts (reports.partials), without ``ids``.
    count: int | None = None

    @property
    def total(self) -> int:
        return len(self.ids) if self.count is None else self.count

    def positions(self, submission_ids: np.ndarray) -> np.ndarray:
        """Index of each submission in ``ids``, or -1 for a submission that is not counted."""
        if len(self.ids) == 0:
            return np.full(len(submission_ids), -1, dtype=np.int64)
        positions = np.searchsorted(self.ids, submission_ids)
        clipped = np.minimum(positions, len(self.ids) - 1)
        return np.where(self.ids[clipped] == submission_ids, clipped, -1)


def _respondents_prepared(frame: pd.DataFrame) -> pd.DataFrame:
    frame = frame.sort_values("submission_id", kind="stable").drop_duplicates("submission_id")
    frame = frame.reset_index(drop=True)
    for column in ("category", "respondent_type", "consent", "language"):
        values = frame[column].astype("object")
        frame[column] = values.where(values.notna() & (values != ""), NOT_STATED)
    return frame


def _category_order(meta: ConsultationMeta, present: pd.Series) -> list[str]:
    """The form's categories, then any other value found, then "not stated"."""
    order = [option.value for option in meta.categories]
    extra = sorted(set(present.unique()) - set(order) - {NOT_STATED})
    return order + extra + [NOT_STATED]


@dataclass(frozen=True)
class _ClosedTables:
    # choice id -> row in ``counts``; counts[row, category] = selections
    row_of_choice: Mapping[int, int]
    counts: np.ndarray
    # question id -> row in ``answered``; answered[row, category] = respondents who answered
    row_of_question: Mapping[int, int]
    answered: np.ndarray


@dataclass(frozen=True)
class _AnswerArrays:
    """The answer columns as numpy arrays, with each row's respondent looked up once."""

    question: np.ndarray
    choice: np.ndarray  # -1 where the row has no choice
    number: np.ndarray
    has_number: np.ndarray
    position: np.ndarray  # index of the respondent in the context, -1 if not counted


def _answer_arrays(context: _Context, answers: pd.DataFrame) -> _AnswerArrays:
    choice = pd.array(answers["choice_id"], dtype="Int64")
    number = pd.array(answers["number"], dtype="Int64")
    return _AnswerArrays(
        question=answers["question_id"].to_numpy(dtype=np.int64),
        choice=choice.to_numpy(dtype=np.int64, na_value=-1),
        number=number.to_numpy(dtype=np.int64, na_value=0),
        has_number=~number.isna(),
        position=context.positions(answers["submission_id"].to_numpy(dtype=np.int64)),
    )


def _closed_tables(context: _Context, answers: _AnswerArrays) -> _ClosedTables:
    """Selections per (choice, category) and respondents answering per (question, category)."""
    questions = [q for q in context.meta.questions if q.is_closed]
    choice_ids = [c.id for q in questions for c in q.choices]
    choice_questions = np.array([q.id for q in questions for _ in q.choices], dtype=np.int64)
    row_of_choice = {choice_id: row for row, choice_id in enumerate(choice_ids)}
    row_of_question = {q.id: row for row, q in enumerate(questions)}
    n_categories = len(context.categories)

    choice_row = pd.Index(choice_ids, dtype=np.int64).get_indexer(answers.choice)
    # Keep rows of counted submissions whose choice belongs to the question they answer.
    valid = (answers.position >= 0) & (choice_row >= 0)
    valid[valid] = choice_questions[choice_row[valid]] == answers.question[valid]
    choice_row, position = choice_row[valid], answers.position[valid]
    question_row = pd.Index(list(row_of_question), dtype=np.int64).get_indexer(
        choice_questions[choice_row]
    )
    category = context.category_codes[position]

    counts = np.bincount(
        choice_row * n_categories + category, minlength=len(choice_ids) * n_categories
    ).reshape(len(choice_ids), n_categories)

    # A respondent answered once however many options they picked: mark (question, respondent)
    # in a table of flags, then count the flags by category.
    answered_flags = np.zeros((len(questions), context.total), dtype=bool)
    answered_flags[question_row, position] = True
    answered = np.zeros((len(questions), n_categories), dtype=np.int64)
    for row in range(len(questions)):
        answered[row] = np.bincount(
            context.category_codes[answered_flags[row]], minlength=n_categories
        )
    return _ClosedTables(row_of_choice, counts, row_of_question, answered)


def _number_tables(context: _Context, answers: _AnswerArrays) -> pd.DataFrame:
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


def _texts_prepared(
    context: _Context, texts: pd.DataFrame, respondents: pd.DataFrame
) -> pd.DataFrame:
    """Non-blank answers of counted submissions with each respondent's consent, name, group."""
    text_questions = [q.id for q in context.meta.questions if q.kind == "text"]
    rows = texts[texts["question_id"].isin(text_questions)]
    rows = rows[rows["text"].astype(str).str.strip() != ""]
    position = context.positions(rows["submission_id"].to_numpy(dtype=np.int64))
    keep = position >= 0
    rows = rows[keep].reset_index(drop=True)
    position = position[keep]
    # One answer per submission and question (a database constraint; kept true here too).
    rows = rows.assign(_position=position).drop_duplicates(["question_id", "submission_id"])
    position = rows.pop("_position").to_numpy()
    details = respondents.iloc[position]
    return rows.assign(
        category_code=context.category_codes[position],
        category=details["category"].to_numpy(),
        consent=details["consent"].to_numpy(),
        display_name=details["display_name"].to_numpy(),
        campaign_group=details["campaign_group"].to_numpy(),
    ).reset_index(drop=True)


def _themes_by_id(themes: pd.DataFrame) -> dict[int, tuple[Text, Text | None]]:
    names = {
        int(row.id): Text(en=str(row.name_en or ""), zh=str(row.name_zh or ""))
        for row in themes.itertuples(index=False)
    }
    result = {}
    for row in themes.itertuples(index=False):
        parent = None if pd.isna(row.parent_id) else names.get(int(row.parent_id))
        result[int(row.id)] = (names[int(row.id)], parent)
    return result


# --- Respondents ------------------------------------------------------------------------------


# The columns a respondent summary counts by; ``respondent_groups`` counts each combination.
RESPONDENT_GROUP_COLUMNS = (
    "category",
    "respondent_type",
    "consent",
    "language",
    "is_late",
    "campaign_group",
)


def respondent_groups(respondents: pd.DataFrame) -> pd.DataFrame:
    """How many respondents share each combination of ``RESPONDENT_GROUP_COLUMNS`` (column ``n``).

    Counts are additive: the groups of two sets of respondents, concatenated and summed, are the
    groups of their union. That is what lets chunks of a large consultation be summarised apart.
    """
    columns = list(RESPONDENT_GROUP_COLUMNS)
    frame = respondents[columns].assign(
        is_late=respondents["is_late"].astype(bool),
        campaign_group=respondents["campaign_group"].astype("object").fillna(""),
    )
    return frame.groupby(columns, sort=True).size().rename("n").reset_index()


def _weighted_counts(groups: pd.DataFrame, column: str) -> pd.Series:
    counts = groups.groupby(column, sort=False)["n"].sum()
    return counts[counts > 0]


def respondent_summary(context: _Context, groups: pd.DataFrame) -> RespondentSummary:
    """The respondent tables from ``respondent_groups`` counts (of one pass or of merged chunks)."""
    meta = context.meta
    by_category = {
        value: int(n)
        for value, n in zip(context.categories, context.category_totals, strict=True)
        if n or value in {option.value for option in meta.categories}
    }
    types = [option.value for option in meta.respondent_types]
    groups = groups.assign(
        respondent_type=groups["respondent_type"].where(
            groups["respondent_type"].isin(types), NOT_STATED
        )
    )
    by_type = _ordered_counts(_weighted_counts(groups, "respondent_type"), types)
    table = groups.pivot_table(
        index="category", columns="respondent_type", values="n", aggfunc="sum", fill_value=0
    ).reindex(index=list(context.categories), columns=[*types, NOT_STATED], fill_value=0)
    by_category_type = {
        category: {
            kind: int(table.loc[category, kind])
            for kind in table.columns
            if kind != NOT_STATED or by_type.get(NOT_STATED)
        }
        for category in by_category
    }
    consents = [option.value for option in meta.consents]
    campaign_sizes = _weighted_counts(groups[groups["campaign_group"] != ""], "campaign_group")
    campaigns = tuple(
        sorted(
            (
                Campaign(
                    label=str(label),
                    size=int(size),
                    confirmed=bool(meta.campaigns_confirmed.get(str(label), False)),
                )
                for label, size in campaign_sizes.items()
            ),
            key=lambda campaign: (-campaign.size, campaign.label),
        )
    )
    return RespondentSummary(
        total=context.total,
        by_category=by_category,
        by_type=by_type,
        by_category_type=by_category_type,
        by_consent=_ordered_counts(_weighted_counts(groups, "consent"), consents),
        by_language=_ordered_counts(_weighted_counts(groups, "language"), ["en", "zh-hant"]),
        late=int(groups.loc[groups["is_late"].astype(bool), "n"].sum()),
        campaigns=campaigns,
        in_campaigns=int(campaign_sizes.sum()),
    )


def _ordered_counts(counts: pd.Series, order: Sequence[str]) -> dict[str, int]:
    """Counts (a series indexed by value) of each value in ``order``, zeros kept, then any
    other value found."""
    result = {value: int(counts.get(value, 0)) for value in order}
    for value in sorted(set(counts.index) - set(order)):
        result[str(value)] = int(counts[value])
    return result


# --- Closed questions -------------------------------------------------------------------------


def _share(part: int, whole: int) -> float | None:
    return part / whole if whole else None


def _present_categories(context: _Context) -> list[int]:
    return [i for i, n in enumerate(context.category_totals) if n]


def _closed_question(
    context: _Context, question: QuestionMeta, tables: _ClosedTables
) -> QuestionSummary:
    values = [choice.value for choice in question.choices]
    rows = [tables.row_of_choice[choice.id] for choice in question.choices]
    per_category = tables.counts[rows] if rows else np.zeros((0, len(context.categories)), int)
    answered_by = tables.answered[tables.row_of_question[question.id]]
    answered = int(answered_by.sum())
    counts = {value: int(n) for value, n in zip(values, per_category.sum(axis=1), strict=True)}
    present = _present_categories(context)
    by_category = {
        context.categories[i]: {value: int(per_category[j, i]) for j, value in enumerate(values)}
        for i in present
    }
    answered_by_category = {context.categories[i]: int(answered_by[i]) for i in present}
    agree = None
    if question.kind == "agree":
        agreeing = sum(counts.get(value, 0) for value in AGREEING)
        disagreeing = sum(counts.get(value, 0) for value in DISAGREEING)
        share_agreeing = _share(agreeing, answered)
        share_disagreeing = _share(disagreeing, answered)
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
    return QuestionSummary(
        meta=question,
        total=context.total,
        answered=answered,
        not_answered=context.total - answered,
        eligible=_eligible(context, question, tables),
        counts=counts,
        shares={value: _share(n, answered) for value, n in counts.items()},
        by_category=by_category,
        by_category_shares={
            category: {value: _share(n, answered_by_category[category]) for value, n in row.items()}
            for category, row in by_category.items()
        },
        answered_by_category=answered_by_category,
        total_by_category={context.categories[i]: int(context.category_totals[i]) for i in present},
        agree=agree,
    )


def _eligible(context: _Context, question: QuestionMeta, tables: _ClosedTables) -> int | None:
    """Respondents shown a conditional question: those who picked the choice it depends on."""
    if question.condition is None:
        return None
    row = tables.row_of_choice.get(question.condition.choice_id)
    return 0 if row is None else int(tables.counts[row].sum())


def _answered_only(
    context: _Context, question: QuestionMeta, answered_by: np.ndarray, tables: _ClosedTables
) -> QuestionSummary:
    """The figures every question has, for kinds without choices (numbers, free text)."""
    present = _present_categories(context)
    answered = int(answered_by.sum())
    return QuestionSummary(
        meta=question,
        total=context.total,
        answered=answered,
        not_answered=context.total - answered,
        eligible=_eligible(context, question, tables),
        counts={},
        shares={},
        by_category={},
        by_category_shares={},
        answered_by_category={context.categories[i]: int(answered_by[i]) for i in present},
        total_by_category={context.categories[i]: int(context.category_totals[i]) for i in present},
    )


# --- Number questions -------------------------------------------------------------------------


def _number_question(
    context: _Context, question: QuestionMeta, closed: _ClosedTables, numbers: pd.DataFrame
) -> QuestionSummary:
    rows = numbers[numbers["question_id"] == question.id]
    answered_by = np.bincount(
        rows["category"].to_numpy(dtype=np.int64), minlength=len(context.categories)
    )
    base = _answered_only(context, question, answered_by, closed)
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


# --- Free text --------------------------------------------------------------------------------


def _text_question(
    context: _Context,
    question: QuestionMeta,
    closed: _ClosedTables,
    texts: pd.DataFrame,
    themes: Mapping[int, tuple[Text, Text | None]],
) -> QuestionSummary:
    rows = texts[texts["question_id"] == question.id].reset_index(drop=True)
    answered_by = np.bincount(
        rows["category_code"].to_numpy(dtype=np.int64), minlength=len(context.categories)
    )
    base = _answered_only(context, question, answered_by, closed)
    theme_counts = rows["theme_ids"].explode().dropna().astype(np.int64).value_counts()
    # A campaign's standard text would drown out every other view; it is reported as a campaign.
    outside_campaigns = rows[rows["campaign_group"].isna()]
    quotable = rows[rows["consent"].isin(QUOTABLE_CONSENTS)]
    figures = text_figures(
        answered=len(rows),
        theme_counts={int(theme_id): int(n) for theme_id, n in theme_counts.items()},
        themes=themes,
        coded=int(rows["theme_ids"].map(len).gt(0).sum()) if len(rows) else 0,
        outside_campaigns=len(outside_campaigns),
        term_rows=_sample(outside_campaigns, TERMS_POOL),
        quote_pool=quote_pool(quotable),
        quotable=len(quotable),
    )
    return replace(base, text=figures)


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
) -> TextFigures:
    """A free-text question's figures from its counts, the (sampled) answers whose terms are
    counted, and the pool quotes are chosen from (``quote_pool``)."""
    theme_figures = sorted(
        (
            ThemeCount(id=theme_id, name=themes[theme_id][0], parent=themes[theme_id][1], count=n)
            for theme_id, n in theme_counts.items()
            if theme_id in themes and n
        ),
        key=lambda theme: (-theme.count, theme.name.en, theme.id),
    )
    terms, phrases = _top_terms(term_rows["text"].tolist())
    return TextFigures(
        answered=answered,
        terms=terms,
        phrases=phrases,
        terms_counted_over=len(term_rows),
        terms_sampled=len(term_rows) < outside_campaigns,
        themes=tuple(theme_figures),
        coded=coded,
        quotes=_quotes_from_pool(quote_pool, theme_figures),
        quotable=quotable,
    )


# Words that say nothing about a topic, added to scikit-learn's English list (see _english_stop).
_EXTRA_ENGLISH_STOP = (
    "also believe consider don doesn feel isn it's just like ll make makes need needed needs "
    "really regard shall should think ve view views way we're won would could"
)
# Characters and pairs too common in written Chinese to mark a topic.
_CHINESE_STOP_CHARS = frozenset(
    "的了是在和及與或也都而就這那其之我你他她們把被並很又因於向從由對將為所但則即亦若如"
)
_CHINESE_STOP_PAIRS = frozenset(
    re.findall(
        "..",
        "應該可以是否以及因為如果需要認為有關由於但是一個進行對於方面同時其他以上不過雖然"
        "所有相關有些一些如何為何可能應當能夠不會不能只是這樣那樣甚麼什麼本人作為希望我們",
    )
)
# Place names written as two words, kept together as one term.
_COMPOUNDS = (("hong kong", "hong-kong"),)
_CJK_RUN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0003134f]+")


@cache
def _english_stop() -> frozenset[str]:
    # scikit-learn takes a second to import: only report builds pay for it, not web processes.
    from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS

    return frozenset(ENGLISH_STOP_WORDS) | frozenset(_EXTRA_ENGLISH_STOP.split())


# One token of the free-text scan: a word, or a character that ends a clause (punctuation, line
# ends, "|" put in place of Chinese, and "\x00", which separates the answers in one scan). Phrases
# never span a clause end. "’" ends a clause, so it cannot occur inside a word. A word starts with a
# letter and ends with a letter or digit.
_CLAUSE_ENDS = '.,;:!?()\\[\\]{}"“”‘’\n\r\t/|、，。；：！？（）「」『』《》'
_TOKEN = re.compile(rf"[a-z][a-z0-9'-]*[a-z0-9]|[a-z]|[{_CLAUSE_ENDS}\x00]")
_CJK_RANGES = ((0x3400, 0x4DBF), (0x4E00, 0x9FFF), (0xF900, 0xFAFF), (0x20000, 0x3134F))
_CODE_BITS = 18  # every CJK code point is below 2**18, so a pair or triple packs into an int64
_CODE_MASK = (1 << _CODE_BITS) - 1


def _is_cjk(points: np.ndarray) -> np.ndarray:
    mask = np.zeros(len(points), dtype=bool)
    for low, high in _CJK_RANGES:
        mask |= (points >= low) & (points <= high)
    return mask


@dataclass(frozen=True)
class _DocumentFeatures:
    """The distinct terms ("t:") and phrases ("p:") of each of a list of texts, as pairs
    (``doc[i]``, ``feature[i]``) with each pair once; ``names[feature]`` is the feature's text."""

    doc: np.ndarray
    feature: np.ndarray
    names: np.ndarray  # object array of str

    def per_document(self, count: int) -> list[list[str]]:
        """Each of the ``count`` texts' features, sorted (what a vectoriser's analyser returns)."""
        ranks = np.empty(len(self.names), dtype=np.int64)
        ranks[sorted(range(len(self.names)), key=self.names.__getitem__)] = np.arange(
            len(self.names)
        )
        order = np.lexsort((ranks[self.feature], self.doc))
        names = self.names[self.feature[order]].tolist()
        ends = np.searchsorted(self.doc[order], np.arange(count + 1), side="left").tolist()
        return [names[ends[i] : ends[i + 1]] for i in range(count)]


class _FeatureLookup:
    """A vectoriser's analyser: each text's sorted features, computed in batches (``add``) by
    ``_document_features``, since one scan of many texts is far cheaper than one per text."""

    def __init__(self) -> None:
        self._known: dict[str, list[str]] = {}

    def add(self, texts: Iterable[str]) -> None:
        missing = list(dict.fromkeys(text for text in texts if text not in self._known))
        if missing:
            found = _document_features(missing).per_document(len(missing))
            self._known.update(zip(missing, found, strict=True))

    def __call__(self, text: str) -> list[str]:
        if text not in self._known:
            self.add([text])
        return self._known[text]


def _document_features(texts: Sequence[str]) -> _DocumentFeatures:
    """The features of every text in one scan of all of them (regular expressions and numpy over
    the joined texts, no Python loop per word), so that a question's 20,000 answers take a
    fraction of a second.

    English: words of three letters or more that are not stop words, and phrases of two or three
    such words in a row within one clause. Chinese: character pairs as terms (a dependable
    stand-in for words without a dictionary), three- and four-character sequences as phrases; no
    term or phrase contains a function character (``_CHINESE_STOP_CHARS``).
    """
    # "\x00" separates the texts; PostgreSQL text never holds it, and "\x01" is read the same way
    # (neither a word, clause-ending nor CJK character) should a text hold it anyway.
    joined = "\x00".join(str(text).replace("\x00", "\x01").lower() for text in texts)
    parts = [_latin_features(joined), _chinese_features(joined)]
    names = np.concatenate([part[2] for part in parts])
    offsets = np.cumsum([0] + [len(part[2]) for part in parts])
    doc = np.concatenate([part[0] for part in parts])
    feature = np.concatenate(
        [part[1] + offset for part, offset in zip(parts, offsets[:-1], strict=True)]
    )
    # Each (text, feature) once: a text counts once for a term however often it uses it.
    # Sorted, not np.unique: numpy 2's hashing unique is many times slower on these keys.
    pairs = np.sort(doc * max(len(names), 1) + feature)
    pairs = pairs[np.concatenate([[True], pairs[1:] != pairs[:-1]])] if len(pairs) else pairs
    return _DocumentFeatures(
        doc=pairs // max(len(names), 1), feature=pairs % max(len(names), 1), names=names
    )


def _latin_features(joined: str) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(doc, feature, names) of the English words and phrases of ``joined`` (pairs may repeat)."""
    latin = _CJK_RUN.sub(" | ", joined)
    for words, compound in _COMPOUNDS:
        latin = latin.replace(words, compound)
    codes, uniques = pd.factorize(pd.Series(_TOKEN.findall(latin), dtype=object))
    uniques = np.asarray(uniques, dtype=object)
    stop = _english_stop()
    # Per distinct token: kept as a term or not. Whatever is not kept (a clause end, the end of a
    # text, a stop word, a short word) breaks a phrase.
    kept_by_token = np.array(
        [len(token) >= 3 and "a" <= token[0] <= "z" and token not in stop for token in uniques],
        dtype=bool,
    )
    # Compared in Python: numpy would read "\x00" as an empty string.
    ends_by_token = np.array([item == "\x00" for item in uniques], dtype=bool)
    word = codes.astype(np.int64)
    kept = kept_by_token[word]
    doc = np.cumsum(ends_by_token[word])
    size = max(len(uniques), 1)

    term_at = np.flatnonzero(kept)
    pair_at = np.flatnonzero(kept[:-1] & kept[1:])
    triple_at = np.flatnonzero(kept[:-2] & kept[1:-1] & kept[2:])
    terms, term_ids = np.unique(word[term_at], return_inverse=True)
    pairs, pair_ids = np.unique(word[pair_at] * size + word[pair_at + 1], return_inverse=True)
    # A triple is a pair and a word: number the pairs first, so that the key fits in an int64.
    leading = np.searchsorted(pairs, word[triple_at] * size + word[triple_at + 1])
    triples, triple_ids = np.unique(leading * size + word[triple_at + 2], return_inverse=True)

    term_names = ["t:" + uniques[key] for key in terms.tolist()]
    pair_names = [f"p:{uniques[key // size]} {uniques[key % size]}" for key in pairs.tolist()]
    triple_names = [f"{pair_names[key // size]} {uniques[key % size]}" for key in triples.tolist()]
    feature = np.concatenate(
        [
            term_ids.ravel(),
            pair_ids.ravel() + len(term_names),
            triple_ids.ravel() + len(term_names) + len(pair_names),
        ]
    )
    return (
        np.concatenate([doc[term_at], doc[pair_at], doc[triple_at]]).astype(np.int64),
        feature.astype(np.int64),
        np.array(term_names + pair_names + triple_names, dtype=object),
    )


def _chinese_features(joined: str) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(doc, feature, names) of the Chinese character pairs and sequences of ``joined``."""
    points = np.frombuffer(joined.encode("utf-32-le"), dtype=np.uint32)
    separators = np.flatnonzero(points == 0)
    stop_points = np.array([ord(char) for char in _CHINESE_STOP_CHARS], dtype=np.int64)
    # Usable: a CJK character that is not a function character. Terms and phrases are windows of
    # usable characters (consecutive CJK characters always lie in one run).
    usable = _is_cjk(points) & ~np.isin(points, stop_points)
    n = len(points)
    pair_ok = usable[: max(n - 1, 0)] & usable[1:]
    triple_ok = pair_ok[: max(n - 2, 0)] & usable[2:]
    quad_ok = triple_ok[: max(n - 3, 0)] & usable[3:]

    def packed(at: np.ndarray, count: int) -> np.ndarray:
        key = points[at].astype(np.int64)
        for offset in range(1, count):
            key = (key << _CODE_BITS) | points[at + offset]
        return key

    def doc(at: np.ndarray) -> np.ndarray:
        # The text a position lies in: how many separators come before it (no array per
        # character: the joined texts may hold millions).
        return np.searchsorted(separators, at, side="right")

    def text(key: int, count: int) -> str:
        return "".join(
            chr((key >> (_CODE_BITS * (count - 1 - i))) & _CODE_MASK) for i in range(count)
        )

    stop_pairs = np.array(
        [(ord(pair[0]) << _CODE_BITS) | ord(pair[1]) for pair in _CHINESE_STOP_PAIRS],
        dtype=np.int64,
    )
    pair_at = np.flatnonzero(pair_ok)
    pair_keys = packed(pair_at, 2)
    term = ~np.isin(pair_keys, stop_pairs)
    term_at = pair_at[term]
    terms, term_ids = np.unique(pair_keys[term], return_inverse=True)
    triple_at = np.flatnonzero(triple_ok)
    triples, triple_ids = np.unique(packed(triple_at, 3), return_inverse=True)
    # Four characters do not fit in an int64: number the leading three first.
    quad_at = np.flatnonzero(quad_ok)
    leading = np.searchsorted(triples, packed(quad_at, 3))
    quads, quad_ids = np.unique(
        (leading << _CODE_BITS) | points[quad_at + 3].astype(np.int64), return_inverse=True
    )

    names = (
        ["t:" + text(key, 2) for key in terms.tolist()]
        + ["p:" + text(key, 3) for key in triples.tolist()]
        + [
            f"p:{text(int(triples[key >> _CODE_BITS]), 3)}{chr(key & _CODE_MASK)}"
            for key in quads.tolist()
        ]
    )
    feature = np.concatenate(
        [
            term_ids.ravel(),
            triple_ids.ravel() + len(terms),
            quad_ids.ravel() + len(terms) + len(triples),
        ]
    )
    return (
        np.concatenate([doc(term_at), doc(triple_at), doc(quad_at)]).astype(np.int64),
        feature.astype(np.int64),
        np.array(names, dtype=object),
    )


def _tokens(term: str) -> tuple[str, ...]:
    return tuple(term.split(" ")) if " " in term or term.isascii() else tuple(term)


def _overlaps(candidate: tuple[str, ...], listed: tuple[str, ...]) -> bool:
    """True if ``candidate`` lies inside ``listed``, or the two share at least half of
    ``candidate`` where one ends and the other begins (two windows on the same wording)."""
    size = len(candidate)
    if size <= len(listed) and any(
        listed[i : i + size] == candidate for i in range(len(listed) - size + 1)
    ):
        return True
    shared = range((size + 1) // 2, min(size, len(listed)))
    return any(candidate[:k] == listed[-k:] or candidate[-k:] == listed[:k] for k in shared)


def _top_terms(texts: Sequence[str]) -> tuple[tuple[TermCount, ...], tuple[TermCount, ...]]:
    """The terms and phrases used by the most answers (at least two), most used first.

    A phrase that lies inside, or is a one-word shift of, a phrase already listed for about as
    many answers is left out: it is the same wording seen through a different window.
    """
    if not texts:
        return (), ()
    found = _document_features(texts)
    counts = np.bincount(found.feature, minlength=len(found.names))
    # Features in name order before the (stable) ranking, so that ties keep one order.
    frequent = sorted((found.names[i], int(counts[i])) for i in np.flatnonzero(counts >= 2))
    ranked = sorted(
        ((n, feature[:2], _display(feature[2:])) for feature, n in frequent),
        key=lambda item: (-item[0], -len(_tokens(item[2])), item[2]),
    )
    terms: list[TermCount] = []
    phrases: list[TermCount] = []
    for n, kind, term in ranked:
        if kind == "t:" and len(terms) < TOP_TERMS:
            terms.append(TermCount(term=term, count=n))
        elif (
            kind == "p:"
            and len(phrases) < TOP_PHRASES
            and not any(
                _overlaps(_tokens(term), _tokens(listed.term)) and listed.count * 5 >= n * 4
                for listed in phrases
            )
        ):
            phrases.append(TermCount(term=term, count=n))
        if len(terms) >= TOP_TERMS and len(phrases) >= TOP_PHRASES:
            break
    return tuple(terms), tuple(phrases)


def _display(term: str) -> str:
    for words, joined in _COMPOUNDS:
        term = term.replace(joined, words)
    return term


def _units(text: str) -> int:
    """Length for quote limits: CJK characters count twice, as they carry about a word each."""
    return len(text) + sum(len(run) for run in _CJK_RUN.findall(text))


def _units_each(texts: Sequence[str]) -> np.ndarray:
    """``_units`` of each text, the CJK characters counted in one pass over all of them."""
    if not texts:
        return np.zeros(0, dtype=np.int64)
    joined = "\x00".join(text.replace("\x00", "\x01") for text in texts)
    points = np.frombuffer(joined.encode("utf-32-le"), dtype=np.uint32)
    cjk = np.flatnonzero(_is_cjk(points))
    doc = np.searchsorted(np.flatnonzero(points == 0), cjk, side="right")
    lengths = np.array([len(text) for text in texts], dtype=np.int64)
    return lengths + np.bincount(doc, minlength=len(texts))


def _shortened(text: str) -> tuple[str, bool]:
    """``text`` cut at a sentence or word end near ``QUOTE_MAX_UNITS``, with an ellipsis."""
    if _units(text) <= QUOTE_MAX_UNITS:
        return text, False
    budget, cut = QUOTE_MAX_UNITS - 40, 0
    for index, char in enumerate(text):
        budget -= 2 if _CJK_RUN.match(char) else 1
        if budget < 0:
            cut = index
            break
    head = text[:cut]
    ends = [head.rfind(mark) + 1 for mark in ("。", "！", "？", ". ", "! ", "? ", "；", "; ")]
    end = max(ends)
    if end < cut * 0.6:
        end = head.rfind(" ") if head.rfind(" ") > cut * 0.6 else cut
    return head[:end].rstrip() + "…", True


def _sample(rows: pd.DataFrame, size: int) -> pd.DataFrame:
    """At most ``size`` rows, the same ones on every run: those whose mixed submission id is
    smallest (a multiplicative hash, so the sample is spread over the whole period)."""
    if len(rows) <= size:
        return rows
    ids = rows["submission_id"].to_numpy(dtype=np.uint64)
    mixed = (ids * np.uint64(2654435761)) % np.uint64(2**32)
    order = np.lexsort((ids, mixed))[:size]
    return rows.iloc[np.sort(order)]


def quote_pool(rows: pd.DataFrame) -> pd.DataFrame:
    """The quotable answers quotes may be chosen from: outside campaigns (their standard text is
    reported as a campaign, not as a view), of a readable length, whitespace normalised, with
    their length in ``units``, in submission order. Decided row by row, so chunks can do it."""
    pool = rows[rows["campaign_group"].isna()]
    pool = pool.assign(text=pool["text"].map(lambda text: " ".join(str(text).split())))
    pool = pool.assign(units=_units_each(pool["text"].tolist()))
    return pool[pool["units"] >= QUOTE_MIN_UNITS].sort_values("submission_id", kind="stable")


def _quotes_from_pool(pool: pd.DataFrame, themes: Sequence[ThemeCount]) -> tuple[Quote, ...]:
    """Representative answers that may be published, chosen deterministically from ``pool``.

    Candidates: answers whose respondents allow publication, outside campaigns (their standard text
    is reported as a campaign, not as a view), of a readable length. One quote for each of the most
    used themes (the candidate closest to the centre of that theme's answers), then the candidates
    closest to the centre of all answers, skipping near-duplicates of a quote already chosen.
    Closeness is cosine similarity of TF-IDF vectors, scaled down for curt answers; ties go to the
    lower submission id. Large pools are sampled deterministically (``_sample``).
    """
    chosen: list[tuple[pd.Series, Text | None]] = []
    features = _FeatureLookup()  # shared: the themes' pools overlap the whole pool
    # Each (answer position, theme) once, so a theme's answers are one comparison away.
    coded = pool["theme_ids"].reset_index(drop=True).explode().dropna()
    coded_positions = coded.index.to_numpy()
    coded_themes = coded.to_numpy(dtype=np.int64)
    for theme in themes[:QUOTE_THEMES]:
        if len(chosen) >= MAX_QUOTES:
            break
        members = pool.iloc[np.unique(coded_positions[coded_themes == theme.id])]
        chosen += [(row, theme.name) for row in _most_central(members, chosen, features, limit=1)]
    if len(chosen) < MAX_QUOTES:
        chosen += [
            (row, None)
            for row in _most_central(pool, chosen, features, limit=MAX_QUOTES - len(chosen))
        ]

    quotes = []
    for row, theme in chosen:
        text, truncated = _shortened(row["text"])
        name = row["display_name"] if row["consent"] == NAMED_CONSENT else None
        quotes.append(
            Quote(
                submission_id=int(row["submission_id"]),
                text=text,
                truncated=truncated,
                name=name.strip() if isinstance(name, str) and name.strip() else None,
                category=str(row["category"]),
                theme=theme,
            )
        )
    return tuple(quotes)


def _most_central(
    pool: pd.DataFrame,
    chosen: Sequence[tuple[pd.Series, Text | None]],
    features: _FeatureLookup,
    *,
    limit: int,
) -> list[pd.Series]:
    """Up to ``limit`` rows of ``pool`` closest to its centre, not too close to ``chosen``."""
    taken = {int(row["submission_id"]) for row, _ in chosen}
    pool = _sample(pool[~pool["submission_id"].isin(taken)], QUOTE_POOL).reset_index(drop=True)
    if pool.empty:
        return []
    from sklearn.feature_extraction.text import TfidfVectorizer

    features.add(pool["text"])
    vectorizer = TfidfVectorizer(analyzer=features, sublinear_tf=True)
    try:
        vectors = vectorizer.fit_transform(pool["text"])
    except ValueError:  # no usable words at all: prefer the fullest answers
        vectors = None
    units = pool["units"].to_numpy(dtype=np.float64)
    if vectors is None:
        scores = units
    else:
        centre = np.asarray(vectors.mean(axis=0)).ravel()
        # Curt answers of the same content score lower than full ones.
        scores = (vectors @ centre) * np.sqrt(np.minimum(units / 160.0, 1.0))
    order = np.lexsort((pool["submission_id"].to_numpy(), -scores))
    picked: list[int] = []
    earlier = (
        vectorizer.transform([row["text"] for row, _ in chosen])
        if chosen and vectors is not None
        else None
    )
    for index in order:
        if vectors is not None:
            similar = [vectors[picked] @ vectors[index].T] if picked else []
            if earlier is not None:
                similar.append(earlier @ vectors[index].T)
            if any(matrix.toarray().max(initial=0.0) >= NEAR_DUPLICATE for matrix in similar):
                continue
        picked.append(int(index))
        if len(picked) >= limit:
            break
    return [pool.iloc[index] for index in picked]


# --- summary.json -----------------------------------------------------------------------------


def _text_dict(text: Text) -> dict[str, str]:
    return {"en": text.en, "zh-hant": text.zh}


def summary_to_dict(summary: Summary) -> dict[str, Any]:
    """The structure of ``summary.json``: stable values as keys, plain JSON types as values."""
    meta = summary.meta
    respondents = summary.respondents
    return {
        "schema_version": 1,
        "consultation": meta.slug,
        "title": _text_dict(meta.title),
        "reference_prefix": meta.reference_prefix,
        "opens_at": meta.opens_at.isoformat(),
        "closes_at": meta.closes_at.isoformat(),
        "generated_at": summary.generated_at.isoformat(),
        "snapshot": {
            "count": summary.snapshot.count,
            "sha256": summary.snapshot.sha256,
            "as_of": summary.snapshot.as_of.isoformat(),
            "excluded": dict(summary.snapshot.excluded),
        },
        "respondents": {
            "total": respondents.total,
            "by_category": dict(respondents.by_category),
            "by_type": dict(respondents.by_type),
            "by_category_type": {k: dict(v) for k, v in respondents.by_category_type.items()},
            "by_consent": dict(respondents.by_consent),
            "by_language": dict(respondents.by_language),
            "late": respondents.late,
            "in_campaigns": respondents.in_campaigns,
            "campaigns": [
                {"label": c.label, "size": c.size, "confirmed": c.confirmed}
                for c in respondents.campaigns
            ],
        },
        "questions": [_question_dict(question) for question in summary.questions],
    }


def _question_dict(question: QuestionSummary) -> dict[str, Any]:
    meta = question.meta
    data: dict[str, Any] = {
        "code": meta.code,
        "kind": meta.kind,
        "section": meta.section.order,
        "wording": _text_dict(meta.text),
        "choices": [
            {"value": choice.value, "label": _text_dict(choice.label)} for choice in meta.choices
        ],
        "condition": (
            None
            if meta.condition is None
            else {"question": meta.condition.question_code, "choice": meta.condition.choice_value}
        ),
        "eligible": question.eligible,
        "answered": question.answered,
        "not_answered": question.not_answered,
        "counts": dict(question.counts),
        "shares": dict(question.shares),
        "by_category": {k: dict(v) for k, v in question.by_category.items()},
        "by_category_shares": {k: dict(v) for k, v in question.by_category_shares.items()},
        "answered_by_category": dict(question.answered_by_category),
    }
    if question.agree is not None:
        agree = question.agree
        data["agree"] = {
            "agreeing": agree.agreeing,
            "neutral": agree.neutral,
            "disagreeing": agree.disagreeing,
            "share_agreeing": agree.share_agreeing,
            "share_disagreeing": agree.share_disagreeing,
            "net_score": agree.net_score,
        }
    if question.numbers is not None:
        numbers = question.numbers
        data["numbers"] = {
            "count": numbers.count,
            "mean": numbers.mean,
            "median": numbers.median,
            "q1": numbers.q1,
            "q3": numbers.q3,
            "min": numbers.minimum,
            "max": numbers.maximum,
            "bands": [
                {"from": band.lower, "to": band.upper, "count": band.count}
                for band in numbers.bands
            ],
        }
    if question.text is not None:
        text = question.text
        data["free_text"] = {
            "answered": text.answered,
            "coded": text.coded,
            "quotable": text.quotable,
            "terms_counted_over": text.terms_counted_over,
            "terms_sampled": text.terms_sampled,
            "terms": [{"term": t.term, "count": t.count} for t in text.terms],
            "phrases": [{"phrase": t.term, "count": t.count} for t in text.phrases],
            "themes": [
                {
                    "id": theme.id,
                    "name": _text_dict(theme.name),
                    "parent": None if theme.parent is None else _text_dict(theme.parent),
                    "count": theme.count,
                }
                for theme in text.themes
            ],
            "quotes": [
                {
                    "text": quote.text,
                    "truncated": quote.truncated,
                    "attribution": "name" if quote.name else "category",
                    "name": quote.name,
                    "category": quote.category,
                    "theme": None if quote.theme is None else _text_dict(quote.theme),
                }
                for quote in text.quotes
            ],
        }
    return data
