"""The free-text answers of a whole consultation, added a batch of submissions at a time, with the
words kept only of the answers a summary can read them from.

A summary reads every free-text answer's question, submission and themes (counts), but the words
of few of them: the terms are counted over a deterministic sample (``TERMS_POOL`` answers per
question with the smallest ``sample`` keys, of all answers outside campaigns and of the publishable
ones among them), and quotes are picked among the ``QUOTE_POOL`` smallest keys of a pool (the
publishable answers outside campaigns of a readable length) and of each theme's part of it. So the
smallest keys of each of these sets, a few more for the quotes taken out of the pool before the
next is picked (the reasoning of ``reports.summary.partials``), are all the words a summary
needs. An answer that is not among them once is never among them again, whatever is added later:
the answers that beat it stay. So the words are dropped as the batches come, and at 1,000,000
submissions (about two million answers) memory holds the samples' words, not every answer's.

Each answer's length for the quote pool (``units`` of its normalised text) is measured before its
words go, and ``quote_pool`` reads it from the ``units`` column. The summary of the frame this
gives equals the summary of all the words (the tests in ``tests/reports/summary`` check it).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from reports.summary.context import sample
from reports.summary.inputs import TEXT_COLUMNS, texts_frame
from reports.summary.quotes import (
    MAX_QUOTES,
    QUOTABLE_CONSENTS,
    QUOTE_MIN_UNITS,
    QUOTE_POOL,
    normalised_units,
)
from reports.summary.text import TERMS_POOL

# Enough for every quote chosen before the last one to be taken out of the pool and the sample
# still to be complete (``reports.summary.partials`` keeps as many).
_QUOTE_CANDIDATES = QUOTE_POOL + MAX_QUOTES


class TextsKept:
    """Collects ``texts`` frames of successive batches of submissions (``add``); ``frame`` gives
    every answer added, its ``text`` None where no figure of a summary reads it, with ``units``.

    ``respondents``: the counted respondents (a ``respondents`` frame), whose consent and
    campaign group decide which samples an answer belongs to."""

    def __init__(self, respondents: pd.DataFrame) -> None:
        order = np.argsort(respondents["submission_id"].to_numpy(dtype=np.int64), kind="stable")
        self._ids = respondents["submission_id"].to_numpy(dtype=np.int64)[order]
        self._public = respondents["consent"].isin(QUOTABLE_CONSENTS).to_numpy(dtype=bool)[order]
        self._outside = respondents["campaign_group"].isna().to_numpy(dtype=bool)[order]
        self._parts: list[pd.DataFrame] = []
        # The answers whose words are still kept: part, row in it, and what sampling reads.
        self._live = pd.DataFrame(
            {
                "submission_id": np.zeros(0, dtype=np.int64),
                "question_id": np.zeros(0, dtype=np.int64),
                "theme_ids": np.zeros(0, dtype=object),
                "units": np.zeros(0, dtype=np.int64),
                "outside": np.zeros(0, dtype=bool),
                "public": np.zeros(0, dtype=bool),
                "part": np.zeros(0, dtype=np.int64),
                "row": np.zeros(0, dtype=np.int64),
            }
        )

    def add(self, texts: pd.DataFrame) -> None:
        """Add a batch's ``texts`` frame (answers of counted respondents only)."""
        texts = texts.reset_index(drop=True)
        submission = texts["submission_id"].to_numpy(dtype=np.int64)
        position = np.searchsorted(self._ids, submission)
        if len(self._ids):
            found = self._ids[np.minimum(position, len(self._ids) - 1)] == submission
        else:
            found = np.zeros(len(submission), dtype=bool)
        position = np.where(found, position, 0)
        outside = found & self._outside[position] if len(self._ids) else found
        public = outside & self._public[position] if len(self._ids) else found
        units = np.zeros(len(texts), dtype=np.int64)
        measured = np.flatnonzero(public)
        units[measured] = normalised_units(texts["text"].to_numpy(dtype=object)[measured].tolist())
        part = len(self._parts)
        self._parts.append(texts.assign(units=units))
        added = pd.DataFrame(
            {
                "submission_id": submission,
                "question_id": texts["question_id"].to_numpy(dtype=np.int64),
                "theme_ids": texts["theme_ids"].to_numpy(dtype=object),
                "units": units,
                "outside": outside,
                "public": public,
                "part": np.full(len(texts), part, dtype=np.int64),
                "row": np.arange(len(texts), dtype=np.int64),
            }
        )
        live = pd.concat([self._live, added], ignore_index=True)
        keep = _needed(live)
        dropped = live[~keep]
        dropped_parts = dropped["part"].to_numpy(dtype=np.int64)
        dropped_rows = dropped["row"].to_numpy(dtype=np.int64)
        for index in np.unique(dropped_parts).tolist():
            frame = self._parts[index]
            words = frame["text"].to_numpy(dtype=object, copy=True)
            words[dropped_rows[dropped_parts == index]] = None
            self._parts[index] = frame.assign(text=words)
        self._live = live[keep].reset_index(drop=True)

    def frame(self) -> pd.DataFrame:
        """Every answer added, in the order added: ``TEXT_COLUMNS`` and ``units``."""
        if not self._parts:
            return texts_frame([]).assign(units=np.zeros(0, dtype=np.int64))
        frame = pd.concat(self._parts, ignore_index=True)
        return frame[[*TEXT_COLUMNS, "units"]]


def _needed(rows: pd.DataFrame) -> np.ndarray:
    """Which of ``rows`` (index 0..n-1) are among the smallest sample keys of a set a summary
    samples: per question, the answers outside campaigns, the publishable ones among them, their
    quote pool and each theme's part of the pool."""
    keep = np.zeros(len(rows), dtype=bool)
    for _question, answers in rows.groupby("question_id", sort=False):
        outside = answers[answers["outside"].to_numpy(dtype=bool)]
        keep[sample(outside, TERMS_POOL).index.to_numpy()] = True
        public = outside[outside["public"].to_numpy(dtype=bool)]
        keep[sample(public, TERMS_POOL).index.to_numpy()] = True
        pool = public[public["units"].to_numpy(dtype=np.int64) >= QUOTE_MIN_UNITS]
        keep[sample(pool, _QUOTE_CANDIDATES).index.to_numpy()] = True
        coded = pool["theme_ids"].explode().dropna()
        if len(coded):
            themes = coded.to_numpy(dtype=np.int64)
            labels = coded.index.to_numpy()
            for theme in np.unique(themes):
                members = pool.loc[np.unique(labels[themes == theme])]
                keep[sample(members, _QUOTE_CANDIDATES).index.to_numpy()] = True
    return keep
