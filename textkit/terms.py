"""What counts as a term: stop words in both languages, place names kept whole, term helpers.

The report's free-text figures (``textkit.ngrams``) and the theme suggestions (``words_and_pairs``)
leave out the same words: scikit-learn's English stop words and a few more that say nothing about
a topic, Chinese function characters, and common Chinese pairs.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from functools import cache

import numpy as np

from textkit.tokenise import HAN_RUN, TEXT_SEPARATOR, code_points, is_han, token_spans

# Words that say nothing about a topic, added to scikit-learn's English list (see english_stop).
_EXTRA_ENGLISH_STOP = (
    "also believe consider don doesn feel isn it's just like ll make makes need needed needs "
    "really regard shall should think ve view views way we're won would could"
)
# Characters and pairs too common in written Chinese to mark a topic.
CHINESE_STOP_CHARS = frozenset(
    "的了是在和及與或也都而就這那其之我你他她們把被並很又因於向從由對將為所但則即亦若如"
)
CHINESE_STOP_PAIRS = frozenset(
    re.findall(
        "..",
        "應該可以是否以及因為如果需要認為有關由於但是一個進行對於方面同時其他以上不過雖然"
        "所有相關有些一些如何為何可能應當能夠不會不能只是這樣那樣甚麼什麼本人作為希望我們",
    )
)
# Place names written as two words, kept together as one term.
COMPOUNDS = (("hong kong", "hong-kong"),)


@cache
def english_stop() -> frozenset[str]:
    # scikit-learn takes a second to import: only report builds and theme suggestions pay for
    # it, not web processes.
    from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS

    return frozenset(ENGLISH_STOP_WORDS) | frozenset(_EXTRA_ENGLISH_STOP.split())


def display(term: str) -> str:
    """A term as people write it (``hong-kong`` back to ``hong kong``)."""
    for words, joined in COMPOUNDS:
        term = term.replace(joined, words)
    return term


def term_tokens(term: str) -> tuple[str, ...]:
    """The words of an English term, or the characters of a Chinese one."""
    return tuple(term.split(" ")) if " " in term or term.isascii() else tuple(term)


def overlaps(candidate: tuple[str, ...], listed: tuple[str, ...]) -> bool:
    """True if ``candidate`` lies inside ``listed``, or the two share at least half of
    ``candidate`` where one ends and the other begins (two windows on the same wording)."""
    size = len(candidate)
    if size <= len(listed) and any(
        listed[i : i + size] == candidate for i in range(len(listed) - size + 1)
    ):
        return True
    shared = range((size + 1) // 2, min(size, len(listed)))
    return any(candidate[:k] == listed[-k:] or candidate[-k:] == listed[:k] for k in shared)


def words_and_pairs(
    text: str,
    *,
    extra_stop: frozenset[str] = frozenset(),
    extra_stop_pairs: frozenset[str] = frozenset(),
) -> list[str]:
    """English words (three letters or more, no apostrophe, not stop words) and pairs of them
    next to each other in a clause; Chinese character pairs (a lone character on its own) that
    hold no function character and are not common pairs. In the order found, repeats kept."""
    stop = english_stop() | extra_stop
    terms: list[str] = []
    previous: str | None = None
    run: list[str] = []

    def close_run() -> None:
        if len(run) == 1:
            terms.append(run[0])
        for first, second in zip(run, run[1:], strict=False):
            pair = first + second
            if (
                first not in CHINESE_STOP_CHARS
                and second not in CHINESE_STOP_CHARS
                and pair not in CHINESE_STOP_PAIRS
                and pair not in extra_stop_pairs
            ):
                terms.append(pair)
        run.clear()

    run_end = -1
    for kind, token, start, end in token_spans(text):
        if kind == "han":
            if start != run_end:
                close_run()  # a space or a symbol between: another run
            run.append(token)
            run_end, previous = end, None
            continue
        close_run()
        if kind != "word" or token in stop or len(token) < 3 or "'" in token:
            previous = None  # punctuation, a number or a dropped word: not a pair of words
            continue
        terms.append(token)
        if previous is not None:
            terms.append(f"{previous} {token}")
        previous = token
    close_run()
    return terms


def units(text: str) -> int:
    """Length for quote limits: Han characters count twice, as they carry about a word each."""
    return len(text) + sum(len(run) for run in HAN_RUN.findall(text))


def units_each(texts: Sequence[str]) -> np.ndarray:
    """``units`` of each text, the Han characters counted in one pass over all of them."""
    if not texts:
        return np.zeros(0, dtype=np.int64)
    joined = TEXT_SEPARATOR.join(text.replace(TEXT_SEPARATOR, "\x01") for text in texts)
    points = code_points(joined)
    han = np.flatnonzero(is_han(points))
    doc = np.searchsorted(np.flatnonzero(points == 0), han, side="right")
    lengths = np.array([len(text) for text in texts], dtype=np.int64)
    return lengths + np.bincount(doc, minlength=len(texts))
