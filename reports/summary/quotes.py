"""Quotes: representative answers that may be published, chosen deterministically.

Candidates are answers whose respondents allow publication, outside campaigns (their standard
text is reported as a campaign, not as a view), of a readable length. One quote for each of the
most used themes (the candidate closest to the centre of that theme's answers), then the
candidates closest to the centre of all answers, skipping near-duplicates of a quote already
chosen. Closeness is cosine similarity of TF-IDF vectors over ``textkit.ngrams`` features.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from reports.summary.context import rows_where, sample
from reports.summary.inputs import Text
from reports.summary.types import Quote, ThemeCount
from textkit.ngrams import FeatureLookup
from textkit.terms import units, units_each
from textkit.tokenise import HAN_RUN

# Consents that allow an answer to be quoted, and the one that also allows the name.
QUOTABLE_CONSENTS = frozenset({"name_and_response", "response_only"})
NAMED_CONSENT = "name_and_response"
MAX_QUOTES = 3
QUOTE_THEMES = 3
# Quote lengths in "units": a Latin character is one, a CJK character two (it carries more).
QUOTE_MIN_UNITS = 40
QUOTE_MAX_UNITS = 900
# The most answers scored for quotes per question; larger pools are sampled deterministically.
QUOTE_POOL = 4000
NEAR_DUPLICATE = 0.8


def shortened(text: str) -> tuple[str, bool]:
    """``text`` cut at a sentence or word end near ``QUOTE_MAX_UNITS``, with an ellipsis."""
    if units(text) <= QUOTE_MAX_UNITS:
        return text, False
    budget, cut = QUOTE_MAX_UNITS - 40, 0
    for index, char in enumerate(text):
        budget -= 2 if HAN_RUN.match(char) else 1
        if budget < 0:
            cut = index
            break
    head = text[:cut]
    ends = [head.rfind(mark) + 1 for mark in ("。", "！", "？", ". ", "! ", "? ", "；", "; ")]
    end = max(ends)
    if end < cut * 0.6:
        end = head.rfind(" ") if head.rfind(" ") > cut * 0.6 else cut
    return head[:end].rstrip() + "…", True


def quote_pool(rows: pd.DataFrame) -> pd.DataFrame:
    """The quotable answers quotes may be chosen from: outside campaigns (their standard text is
    reported as a campaign, not as a view), of a readable length, whitespace normalised, with
    their length in ``units``, in submission order. Decided row by row, so chunks can do it."""
    # No copy where every row is outside campaigns (``text_question`` passes only those).
    pool = rows_where(rows, rows["campaign_group"].isna().to_numpy(dtype=bool))
    if "units" in pool.columns:
        # Measured as the texts were read (``reports.summary.text_kept``), which kept the words
        # of the answers quotes can be chosen from only: the others are None.
        words = [None if text is None else _normalised(text) for text in pool["text"]]
        pool = pool.assign(text=pd.Series(words, index=pool.index, dtype=object))
    else:
        pool = pool.assign(text=pool["text"].map(_normalised))
        pool = pool.assign(units=units_each(pool["text"].tolist()))
    return pool[pool["units"] >= QUOTE_MIN_UNITS].sort_values("submission_id", kind="stable")


def _normalised(text: object) -> str:
    return " ".join(str(text).split())


def normalised_units(texts: Sequence[str]) -> np.ndarray:
    """``units`` of each text with its whitespace normalised, as ``quote_pool`` measures it."""
    return units_each([_normalised(text) for text in texts])


def quotes_from_pool(pool: pd.DataFrame, themes: Sequence[ThemeCount]) -> tuple[Quote, ...]:
    """Representative answers that may be published, chosen deterministically from ``pool``.

    Candidates: answers whose respondents allow publication, outside campaigns (their standard text
    is reported as a campaign, not as a view), of a readable length. One quote for each of the most
    used themes (the candidate closest to the centre of that theme's answers), then the candidates
    closest to the centre of all answers, skipping near-duplicates of a quote already chosen.
    Closeness is cosine similarity of TF-IDF vectors, scaled down for curt answers; ties go to the
    lower submission id. Large pools are sampled deterministically (``_sample``).
    """
    chosen: list[tuple[pd.Series, Text | None]] = []
    features = FeatureLookup()  # shared: the themes' pools overlap the whole pool
    # Each (answer position, theme) once, so a theme's answers are one comparison away.
    coded = pool["theme_ids"].reset_index(drop=True).explode().dropna()
    coded_positions = coded.index.to_numpy()
    coded_themes = coded.to_numpy(dtype=np.int64)
    for theme in themes[:QUOTE_THEMES]:
        if len(chosen) >= MAX_QUOTES:
            break
        members = pool.iloc[np.unique(coded_positions[coded_themes == theme.id])]
        chosen += [(row, theme.name) for row in most_central(members, chosen, features, limit=1)]
    if len(chosen) < MAX_QUOTES:
        chosen += [
            (row, None)
            for row in most_central(pool, chosen, features, limit=MAX_QUOTES - len(chosen))
        ]

    quotes = []
    for row, theme_name in chosen:
        text, truncated = shortened(row["text"])
        name = row["display_name"] if row["consent"] == NAMED_CONSENT else None
        quotes.append(
            Quote(
                submission_id=int(row["submission_id"]),
                text=text,
                truncated=truncated,
                name=name.strip() if isinstance(name, str) and name.strip() else None,
                category=str(row["category"]),
                theme=theme_name,
            )
        )
    return tuple(quotes)


def most_central(
    pool: pd.DataFrame,
    chosen: Sequence[tuple[pd.Series, Text | None]],
    features: FeatureLookup,
    *,
    limit: int,
) -> list[pd.Series]:
    """Up to ``limit`` rows of ``pool`` closest to its centre, not too close to ``chosen``."""
    taken = {int(row["submission_id"]) for row, _ in chosen}
    pool = sample(pool[~pool["submission_id"].isin(taken)], QUOTE_POOL).reset_index(drop=True)
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
