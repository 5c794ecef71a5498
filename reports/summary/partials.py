"""Chunked summaries: additive partial counts of one chunk of submissions, and their exact merge.

A large consultation's report is split by submission id into chunks; ``partial_compute`` turns one
chunk's :class:`ReportInputs` into a partial of plain JSON data, and a :class:`PartialMerge` adds
partials up and builds the :class:`Summary`. Pure pandas and numpy, like the rest of
``reports.summary``, whose helpers it reuses: the merged summary equals ``compute.summarise`` of
all the chunks' rows read at once, figure for figure (the partials tests check it).

What a partial holds, and why each part merges exactly:

* counts (respondents per category, choices per category, respondents answering per question and
  category, respondent groups, themes, coded and quotable answers) add up;
* number answers as a histogram of their integer values, also by respondent group: counts add
  up, and the median and quartiles (of all answers and of each subset of respondents) are then
  read off the merged histogram exactly (``number_figures``);
* free text: the summary counts terms over a deterministic sample (the ``TERMS_POOL`` answers with
  the smallest hashed submission id) and picks quotes among the ``QUOTE_POOL`` smallest of a pool.
  A chunk keeps its own smallest candidates, a superset's worth: the global smallest are among the
  union of each chunk's smallest. The merge keeps trimming to that many, so it holds at most two
  chunks' candidates at a time, and counts terms and picks quotes once, over the same answers the
  one-pass summary uses;
* the fingerprint (``reports.summary.fingerprint``): a chunk sends the digest line of each of
  its counted records and the digest of the form it read; the merge checks the form is the one it
  read too and feeds the lines, chunk after chunk in id order, into one counted section, which is
  the same however the submissions were cut into chunks.
"""

from __future__ import annotations

import datetime as dt
import gzip
import hashlib
import json
from collections import Counter
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import replace
from typing import Any

import numpy as np
import pandas as pd

from reports.summary import quotes, text
from reports.summary.chunks import ChunkSpec, PartialMismatch
from reports.summary.closed import ClosedTables, answered_only, closed_question, closed_tables
from reports.summary.context import (
    Context,
    answer_arrays,
    category_order,
    context_of,
    group_count,
    sample,
)
from reports.summary.fingerprint import fingerprint_sha256, header_digest
from reports.summary.inputs import ConsultationMeta, ReportInputs, Snapshot
from reports.summary.numbers import group_histogram, number_figures, number_split
from reports.summary.quotes import MAX_QUOTES, quote_pool
from reports.summary.respondents import (
    RESPONDENT_GROUP_COLUMNS,
    RESPONDENT_GROUP_COUNTS,
    respondent_groups,
    respondent_summary,
)
from reports.summary.text import (
    TextGroups,
    question_texts,
    text_coded,
    text_figures,
    text_groups,
    text_split,
    text_theme_counts,
    texts_prepared,
    themes_by_id,
)
from reports.summary.types import QuestionSummary, Summary

QUOTE_COLUMNS = (
    "submission_id",
    "text",
    "units",
    "category",
    "consent",
    "display_name",
    "theme_ids",
)


def _pairs(counter: Mapping[Any, int]) -> list[list[Any]]:
    return [[*key, n] if isinstance(key, tuple) else [key, n] for key, n in counter.items() if n]


def partial_compute(inputs: ReportInputs) -> dict[str, Any]:
    """The additive counts of one chunk's inputs, as plain JSON data (see the module docstring)."""
    if inputs.grouped is not None:
        raise ValueError("a chunk's partial is counted from its answer rows, not grouped counts")
    meta = inputs.meta
    context, respondents = context_of(inputs)
    categories = list(context.categories)
    category_codes = context.category_codes
    answers = answer_arrays(context, inputs.answers)
    closed = closed_tables(context, answers)
    choice_ids = list(closed.row_of_choice)
    choices: Counter[tuple[int, str]] = Counter()
    for row, col in zip(*np.nonzero(closed.counts), strict=True):
        choices[(choice_ids[row], categories[col])] = int(closed.counts[row, col])
    question_ids = list(closed.row_of_question)
    answered: Counter[tuple[int, str]] = Counter()
    for row, col in zip(*np.nonzero(closed.answered), strict=True):
        answered[(question_ids[row], categories[col])] = int(closed.answered[row, col])
    # The same by respondent group (context.group_code): group codes are the same in every
    # chunk, since they depend only on the consultation's metadata.
    group_choices: Counter[tuple[int, int]] = Counter()
    group_answered: Counter[tuple[int, int]] = Counter()
    if closed.group_counts is not None and closed.group_answered is not None:
        for row, col in zip(*np.nonzero(closed.group_counts), strict=True):
            group_choices[(choice_ids[row], int(col))] = int(closed.group_counts[row, col])
        for row, col in zip(*np.nonzero(closed.group_answered), strict=True):
            group_answered[(question_ids[row], int(col))] = int(closed.group_answered[row, col])

    numbers: dict[str, Any] = {}
    weights = respondents["weight"].to_numpy(dtype=np.int64)
    number_questions = [q.id for q in meta.questions if q.kind == "number"]
    keep = (
        answers.has_number & np.isin(answers.question, number_questions) & (answers.position >= 0)
    )
    frame = pd.DataFrame(
        {
            "question_id": answers.question[keep],
            "category": np.asarray(categories, dtype=object)[
                category_codes[answers.position[keep]]
            ],
            "group": context.group_codes[answers.position[keep]],
            "number": answers.number[keep],
            "weight": weights[answers.position[keep]],
        }
    )
    n_groups = group_count(meta)
    for question_id, rows in frame.groupby("question_id", sort=True):
        values, by_group = group_histogram(
            rows["number"].to_numpy(dtype=np.int64),
            rows["group"].to_numpy(dtype=np.int64),
            n_groups,
            rows["weight"].to_numpy(dtype=np.int64),
        )
        counts = by_group.sum(axis=0)
        group, column = np.nonzero(by_group)
        numbers[str(question_id)] = {
            "answered": _weighted_pairs(rows),
            "values": np.column_stack([values, counts]).tolist(),
            # [group, value, n]: the histogram by respondent group (context.group_code).
            "groups": np.column_stack([group, values[column], by_group[group, column]]).tolist(),
        }

    texts = texts_prepared(context, inputs.texts, respondents)
    free_text: dict[str, Any] = {}
    for question in meta.questions:
        if question.kind != "text":
            continue
        rows = question_texts(context, texts, respondents, question.id)
        outside = rows[rows["campaign_group"].isna()]
        quotable = rows[text.publishable(rows)]
        public_outside = outside[text.publishable(outside)]
        counted = text_groups(rows, n_groups)
        free_text[str(question.id)] = {
            "answered": _weighted_pairs(rows),
            "themes": _pairs(Counter(text_theme_counts(rows).to_dict())),
            "coded": text_coded(rows),
            "quotable": len(quotable),
            "outside_campaigns": len(outside),
            "public_outside_campaigns": len(public_outside),
            "term_rows": _term_records(outside),
            "public_term_rows": _term_records(public_outside),
            "quote_rows": _quote_records(_quote_candidates(quote_pool(quotable))),
            # One count per respondent group (context.group_code).
            "group_answered": counted.answered.tolist(),
            "group_coded": counted.coded.tolist(),
            "group_themes": [[t, *n.tolist()] for t, n in counted.themes.items()],
        }

    groups = respondent_groups(respondents)
    fingerprint: dict[str, str] = {}
    if inputs.fingerprint is not None:
        # The chunk's records, for the merge to feed into the report's fingerprint in id order.
        fingerprint = {
            "header": inputs.fingerprint.header,
            "records": inputs.fingerprint.counted.decode("ascii"),
        }
    return {
        **fingerprint,
        # Submissions (what the plan counted) and respondents (each with its weight).
        "count": len(context.ids),
        "weighted_count": context.total,
        "sha256": inputs.snapshot.sha256,
        "categories": {
            c: int(n) for c, n in zip(categories, context.category_totals, strict=True) if n
        },
        "respondent_groups": [
            [str(c), str(t), str(k), str(lang), bool(late), str(group), str(way), int(n), int(r)]
            for c, t, k, lang, late, group, way, n, r in groups[
                [*RESPONDENT_GROUP_COLUMNS, *RESPONDENT_GROUP_COUNTS]
            ].itertuples(index=False)
        ],
        "choices": _pairs(choices),
        "answered": _pairs(answered),
        "group_totals": _pairs(Counter(dict(enumerate(int(n) for n in context.group_totals)))),
        "group_choices": _pairs(group_choices),
        "group_answered": _pairs(group_answered),
        "numbers": numbers,
        "texts": free_text,
    }


def _weighted_pairs(rows: pd.DataFrame) -> list[list[Any]]:
    """[category, respondents] of ``rows``, each with its weight."""
    return _pairs(
        Counter({str(c): int(n) for c, n in rows.groupby("category")["weight"].sum().items()})
    )


def _term_records(rows: pd.DataFrame) -> list[list[Any]]:
    return [
        [int(i), str(answer)]
        for i, answer in _term_candidates(rows[["submission_id", "text"]]).itertuples(index=False)
    ]


def _term_candidates(rows: pd.DataFrame) -> pd.DataFrame:
    return sample(rows.sort_values("submission_id", kind="stable"), text.TERMS_POOL)


def _quote_candidates(pool: pd.DataFrame) -> pd.DataFrame:
    """The rows of a quote pool any choice of quotes can need: the smallest sample keys of the
    whole pool and of each theme's part of it (``_quotes_from_pool`` samples both)."""
    # Enough for every quote chosen before the last one to be taken out of the pool and the
    # sample still to be complete.
    size = quotes.QUOTE_POOL + MAX_QUOTES
    keep = set(sample(pool, size)["submission_id"].tolist())
    theme_ids = {int(i) for ids in pool["theme_ids"] for i in ids}
    for theme_id in theme_ids:
        members = pool[pool["theme_ids"].map(lambda ids, t=theme_id: t in ids)]
        keep.update(sample(members, size)["submission_id"].tolist())
    return pool[pool["submission_id"].isin(keep)]


def _quote_records(pool: pd.DataFrame) -> list[list[Any]]:
    # Each field holds its column's values (pandas-stubs types a field as any scalar).
    rows: Iterator[Any] = pool.itertuples(index=False)
    return [
        [
            int(row.submission_id),
            str(row.text),
            int(row.units),
            str(row.category),
            str(row.consent),
            row.display_name if isinstance(row.display_name, str) else None,
            [int(i) for i in row.theme_ids],
        ]
        for row in rows
    ]


def _quote_frame(records: Iterable[list[Any]]) -> pd.DataFrame:
    frame = pd.DataFrame.from_records(list(records), columns=list(QUOTE_COLUMNS))
    frame = frame.astype({"submission_id": "int64", "units": "int64"})
    frame["theme_ids"] = [tuple(ids) for ids in frame["theme_ids"]]
    frame["display_name"] = frame["display_name"].astype("object")
    frame["campaign_group"] = None
    return frame.sort_values("submission_id", kind="stable").reset_index(drop=True)


def partial_dumps(partial: Mapping[str, Any]) -> bytes:
    """A partial as gzip-compressed JSON, the form it is stored in between tasks."""
    text = json.dumps(partial, ensure_ascii=False, separators=(",", ":"))
    return gzip.compress(text.encode(), compresslevel=3)


def partial_loads(data: bytes) -> dict[str, Any]:
    partial: dict[str, Any] = json.loads(gzip.decompress(data))
    return partial


class PartialMerge:
    """Adds partials up one at a time, then builds the summary (``summary``).

    Text candidates are trimmed after each partial, so memory holds the counts (small) and at
    most two partials' text candidates.
    """

    def __init__(self, *, meta: ConsultationMeta, themes: pd.DataFrame) -> None:
        self.meta = meta
        self.themes = themes_by_id(themes)
        self.count = 0
        self.merged = 0
        self.categories: Counter[str] = Counter()
        self.groups: list[pd.DataFrame] = []
        self.choices: Counter[tuple[int, str]] = Counter()
        self.answered: Counter[tuple[int, str]] = Counter()
        self.group_totals: Counter[int] = Counter()
        # False once a partial written before the split figures existed is added: the merge
        # then leaves them out rather than count only some chunks.
        self.has_groups = True
        self.group_choices: Counter[tuple[int, int]] = Counter()
        self.group_answered: Counter[tuple[int, int]] = Counter()
        self.number_answered: dict[int, Counter[str]] = {}
        self.number_values: dict[int, Counter[int]] = {}
        # By respondent group, like the closed questions' (and left out the same way when a
        # partial from before them is added).
        self.number_groups: dict[int, Counter[tuple[int, int]]] = {}
        self.has_number_groups = True
        self.text_groups: dict[int, TextGroups] = {}
        self.has_text_groups = True
        self.text_answered: dict[int, Counter[str]] = {}
        self.text_themes: dict[int, Counter[int]] = {}
        self.text_totals: dict[int, Counter[str]] = {}
        self.term_rows: dict[int, pd.DataFrame] = {}
        self.public_term_rows: dict[int, pd.DataFrame] = {}
        self.quote_rows: dict[int, pd.DataFrame] = {}
        # The fingerprint's counted section, fed chunk by chunk in id order.
        self.header = header_digest(meta, themes)
        self._counted = hashlib.sha256()
        self._fingerprinted = True

    def add(self, partial: Mapping[str, Any], *, expected: ChunkSpec | None = None) -> None:
        """Add one chunk's partial; with ``expected``, first check it counted what the plan
        said (the same number of submissions, the same versions of them)."""
        if expected is not None and (
            partial["count"] != expected.count or partial["sha256"] != expected.sha256
        ):
            raise PartialMismatch(
                f"chunk {expected.index} counted {partial['count']} submissions, "
                f"the plan {expected.count}"
            )
        if expected is not None and expected.index != self.merged:
            raise ValueError(f"chunk {expected.index} merged out of order (expected {self.merged})")
        if "header" in partial and partial["header"] != self.header:
            # The form or the themes changed between the chunk's read and the merge's.
            raise PartialMismatch(f"chunk {self.merged} read another version of the form")
        if "records" in partial:
            self._counted.update(str(partial["records"]).encode("ascii"))
        else:
            self._fingerprinted = False
        self.merged += 1
        self.count += int(partial.get("weighted_count", partial["count"]))
        self.categories.update({str(k): int(n) for k, n in partial["categories"].items()})
        group_rows = partial["respondent_groups"]
        if group_rows:
            self.groups = [
                _groups_sum(
                    [
                        *self.groups,
                        pd.DataFrame(
                            group_rows,
                            columns=[*RESPONDENT_GROUP_COLUMNS, *RESPONDENT_GROUP_COUNTS],
                        ),
                    ]
                )
            ]
        self.choices.update({(int(c), str(k)): int(n) for c, k, n in partial["choices"]})
        self.answered.update({(int(q), str(k)): int(n) for q, k, n in partial["answered"]})
        self.has_groups = self.has_groups and "group_totals" in partial
        self.group_totals.update({int(g): int(n) for g, n in partial.get("group_totals", [])})
        self.group_choices.update(
            {(int(c), int(g)): int(n) for c, g, n in partial.get("group_choices", [])}
        )
        self.group_answered.update(
            {(int(q), int(g)): int(n) for q, g, n in partial.get("group_answered", [])}
        )
        for key, data in partial["numbers"].items():
            question_id = int(key)
            self.number_answered.setdefault(question_id, Counter()).update(
                {str(k): int(n) for k, n in data["answered"]}
            )
            self.number_values.setdefault(question_id, Counter()).update(
                {int(v): int(n) for v, n in data["values"]}
            )
            self.has_number_groups = self.has_number_groups and "groups" in data
            self.number_groups.setdefault(question_id, Counter()).update(
                {(int(g), int(v)): int(n) for g, v, n in data.get("groups", [])}
            )
        for key, data in partial["texts"].items():
            question_id = int(key)
            self.text_answered.setdefault(question_id, Counter()).update(
                {str(k): int(n) for k, n in data["answered"]}
            )
            self.text_themes.setdefault(question_id, Counter()).update(
                {int(t): int(n) for t, n in data["themes"]}
            )
            self.text_totals.setdefault(question_id, Counter()).update(
                {
                    name: int(data[name])
                    for name in (
                        "coded",
                        "quotable",
                        "outside_campaigns",
                        "public_outside_campaigns",
                    )
                }
            )
            self.has_text_groups = self.has_text_groups and "group_answered" in data
            if "group_answered" in data:
                self.text_groups[question_id] = _text_groups_add(
                    self.text_groups.get(question_id), data
                )
            _terms_merge(self.term_rows, question_id, data["term_rows"])
            _terms_merge(self.public_term_rows, question_id, data["public_term_rows"])
            quotes = _quote_frame(data["quote_rows"])
            if question_id in self.quote_rows:
                quotes = pd.concat([self.quote_rows[question_id], quotes], ignore_index=True)
                quotes = quotes.sort_values("submission_id", kind="stable")
            self.quote_rows[question_id] = _quote_candidates(quotes).reset_index(drop=True)

    def fingerprint(self, *, left_out: str | None) -> str:
        """The report's fingerprint: this merge's header, the chunks' records in the order they
        were added, and the plan's left-out section (``left_out``)."""
        if not self._fingerprinted or left_out is None:
            # A partial or a plan from before the fingerprint (queued across an upgrade).
            raise PartialMismatch("a chunk or the plan carries no fingerprint records")
        return fingerprint_sha256(
            header=self.header, counted=self._counted.hexdigest(), left_out=left_out
        )

    def summary(self, *, snapshot: Snapshot, generated_at: dt.datetime | None = None) -> Summary:
        """The summary of every partial added, with ``snapshot`` (the plan's, with the
        fingerprint from ``fingerprint``)."""
        meta = self.meta
        categories = category_order(meta, pd.Series(list(self.categories), dtype=object))
        index = {category: i for i, category in enumerate(categories)}
        totals = np.array([self.categories.get(c, 0) for c in categories], dtype=np.int64)
        context = Context(
            meta=meta,
            categories=tuple(categories),
            ids=np.zeros(0, dtype=np.int64),
            category_codes=np.zeros(0, dtype=np.int64),
            category_totals=totals,
            group_totals=np.array(
                [self.group_totals.get(g, 0) for g in range(group_count(meta))], dtype=np.int64
            ),
            count=self.count,
        )
        closed = self._closed_tables(context, index)
        questions: list[QuestionSummary] = []
        for question in meta.questions:
            if question.is_closed:
                questions.append(closed_question(context, question, closed))
            elif question.kind == "number":
                questions.append(self._number_question(context, question, closed, index))
            else:
                questions.append(self._text_question(context, question, closed, index))
        groups = (
            self.groups[0]
            if self.groups
            else pd.DataFrame(columns=[*RESPONDENT_GROUP_COLUMNS, *RESPONDENT_GROUP_COUNTS])
        )
        return Summary(
            meta=meta,
            generated_at=generated_at or dt.datetime.now(tz=dt.UTC),
            snapshot=snapshot,
            respondents=respondent_summary(context, groups),
            questions=tuple(questions),
        )

    def _closed_tables(self, context: Context, index: Mapping[str, int]) -> ClosedTables:
        questions = [q for q in self.meta.questions if q.is_closed]
        row_of_choice = {
            choice.id: row for row, choice in enumerate(c for q in questions for c in q.choices)
        }
        row_of_question = {q.id: row for row, q in enumerate(questions)}
        counts = np.zeros((len(row_of_choice), len(index)), dtype=np.int64)
        for (choice_id, category), n in self.choices.items():
            if choice_id in row_of_choice:
                counts[row_of_choice[choice_id], index[category]] += n
        answered = np.zeros((len(questions), len(index)), dtype=np.int64)
        for (question_id, category), n in self.answered.items():
            if question_id in row_of_question:
                answered[row_of_question[question_id], index[category]] += n
        if not self.has_groups:
            return ClosedTables(row_of_choice, counts, row_of_question, answered)
        n_groups = group_count(self.meta)
        group_counts = np.zeros((len(row_of_choice), n_groups), dtype=np.int64)
        for (choice_id, group), n in self.group_choices.items():
            if choice_id in row_of_choice:
                group_counts[row_of_choice[choice_id], group] += n
        group_answered = np.zeros((len(questions), n_groups), dtype=np.int64)
        for (question_id, group), n in self.group_answered.items():
            if question_id in row_of_question:
                group_answered[row_of_question[question_id], group] += n
        return ClosedTables(
            row_of_choice, counts, row_of_question, answered, group_counts, group_answered
        )

    def _number_question(
        self,
        context: Context,
        question: Any,
        closed: ClosedTables,
        index: Mapping[str, int],
    ) -> QuestionSummary:
        answered_by = _by_category(self.number_answered.get(question.id), index)
        values = self.number_values.get(question.id, Counter())
        ordered = sorted(values)
        figures = number_figures(
            np.array(ordered, dtype=np.int64),
            np.array([values[v] for v in ordered], dtype=np.int64),
        )
        base = replace(answered_only(context, question, answered_by, closed), numbers=figures)
        if not (self.has_groups and self.has_number_groups):
            return base
        cells = self.number_groups.get(question.id, Counter())
        keys = np.array(list(cells), dtype=np.int64).reshape(-1, 2)
        distinct, by_group = group_histogram(
            keys[:, 1],
            keys[:, 0],
            group_count(self.meta),
            np.array(list(cells.values()), dtype=np.int64),
        )
        return replace(base, **number_split(context, distinct, by_group))

    def _text_question(
        self,
        context: Context,
        question: Any,
        closed: ClosedTables,
        index: Mapping[str, int],
    ) -> QuestionSummary:
        answered_by = _by_category(self.text_answered.get(question.id), index)
        base = answered_only(context, question, answered_by, closed)
        totals = self.text_totals.get(question.id, Counter())
        empty_quotes = _quote_frame([])
        no_terms = pd.DataFrame({"submission_id": [], "text": []})
        figures = text_figures(
            answered=int(answered_by.sum()),
            theme_counts=dict(self.text_themes.get(question.id, Counter())),
            themes=self.themes,
            coded=totals["coded"],
            outside_campaigns=totals["outside_campaigns"],
            term_rows=self.term_rows.get(question.id, no_terms),
            quote_pool=self.quote_rows.get(question.id, empty_quotes),
            quotable=totals["quotable"],
            public_outside_campaigns=totals["public_outside_campaigns"],
            public_term_rows=self.public_term_rows.get(question.id, no_terms),
        )
        base = replace(base, text=figures)
        if not (self.has_groups and self.has_text_groups):
            return base
        groups = self.text_groups.get(question.id)
        if groups is None:  # no partial had this question's counts (none were added)
            nobody = np.zeros(group_count(self.meta), dtype=np.int64)
            groups = TextGroups(answered=nobody, coded=nobody, themes={})
        return replace(base, **text_split(context, figures, groups))


def _terms_merge(kept: dict[int, pd.DataFrame], question_id: int, records: list[Any]) -> None:
    """Add one partial's term candidates of a question to ``kept``, trimmed to the sample."""
    terms = pd.DataFrame(records, columns=["submission_id", "text"]).astype(
        {"submission_id": "int64"}
    )
    if question_id in kept:
        terms = pd.concat([kept[question_id], terms], ignore_index=True)
    kept[question_id] = _term_candidates(terms).reset_index(drop=True)


def _text_groups_add(kept: TextGroups | None, data: Mapping[str, Any]) -> TextGroups:
    """``kept`` plus one partial's counts by group of a free-text question."""
    added = TextGroups(
        answered=np.array(data["group_answered"], dtype=np.int64),
        coded=np.array(data["group_coded"], dtype=np.int64),
        themes={int(t): np.array(n, dtype=np.int64) for t, *n in data["group_themes"]},
    )
    if kept is None:
        return added
    themes = dict(kept.themes)
    for theme_id, counts in added.themes.items():
        themes[theme_id] = themes[theme_id] + counts if theme_id in themes else counts
    return TextGroups(
        answered=kept.answered + added.answered, coded=kept.coded + added.coded, themes=themes
    )


def _groups_sum(frames: Sequence[pd.DataFrame]) -> pd.DataFrame:
    frame = pd.concat(frames, ignore_index=True)
    frame["is_late"] = frame["is_late"].astype(bool)
    counts = list(RESPONDENT_GROUP_COUNTS)
    frame[counts] = frame[counts].astype(np.int64)
    columns = list(RESPONDENT_GROUP_COLUMNS)
    return frame.groupby(columns, sort=True)[counts].sum().reset_index()


def _by_category(counter: Counter[str] | None, index: Mapping[str, int]) -> np.ndarray:
    result = np.zeros(len(index), dtype=np.int64)
    for category, n in (counter or {}).items():
        result[index[category]] += n
    return result
