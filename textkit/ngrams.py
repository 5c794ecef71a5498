"""Terms and phrases of many texts in one scan: the features a report counts and scores quotes by.

``document_features(texts)`` finds, for every text, its distinct

* English terms (``t:``): words of three letters or more that are not stop words;
* English phrases (``p:``): two or three such words in a row within one clause;
* Chinese terms: pairs of Han characters (a dependable stand-in for words without a
  dictionary), and Chinese phrases: runs of three or four, none of them a function character.

It scans all texts at once (regular expressions and numpy over the texts joined into one string,
no Python loop per word), so that a question's 20,000 answers take a fraction of a second.
``FeatureLookup`` serves the same features text by text, as scikit-learn's vectorisers expect.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from textkit.terms import (
    CHINESE_STOP_CHARS,
    CHINESE_STOP_PAIRS,
    COMPOUNDS,
    display,
    english_stop,
    overlaps,
    term_tokens,
)
from textkit.tokenise import HAN_RUN, LATIN_TOKEN, TEXT_SEPARATOR, code_points, is_han

_CODE_BITS = 18  # every Han code point is below 2**18, so a pair or triple packs into an int64
_CODE_MASK = (1 << _CODE_BITS) - 1


@dataclass(frozen=True)
class DocumentFeatures:
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


class FeatureLookup:
    """A vectoriser's analyser: each text's sorted features, computed in batches (``add``) by
    ``document_features``, since one scan of many texts is far cheaper than one per text."""

    def __init__(self) -> None:
        self._known: dict[str, list[str]] = {}

    def add(self, texts: Iterable[str]) -> None:
        missing = list(dict.fromkeys(text for text in texts if text not in self._known))
        if missing:
            found = document_features(missing).per_document(len(missing))
            self._known.update(zip(missing, found, strict=True))

    def __call__(self, text: str) -> list[str]:
        if text not in self._known:
            self.add([text])
        return self._known[text]


def document_features(texts: Sequence[str]) -> DocumentFeatures:
    """The features of every text in one scan of all of them (regular expressions and numpy over
    the joined texts, no Python loop per word), so that a question's 20,000 answers take a
    fraction of a second.

    English: words of three letters or more that are not stop words, and phrases of two or three
    such words in a row within one clause. Chinese: character pairs as terms (a dependable
    stand-in for words without a dictionary), three- and four-character sequences as phrases; no
    term or phrase contains a function character (``CHINESE_STOP_CHARS``).
    """
    # "\x00" separates the texts; PostgreSQL text never holds it, and "\x01" is read the same way
    # (neither a word, clause-ending nor CJK character) should a text hold it anyway.
    joined = TEXT_SEPARATOR.join(
        str(text).replace(TEXT_SEPARATOR, "\x01").lower() for text in texts
    )
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
    return DocumentFeatures(
        doc=pairs // max(len(names), 1), feature=pairs % max(len(names), 1), names=names
    )


def _latin_features(joined: str) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(doc, feature, names) of the English words and phrases of ``joined`` (pairs may repeat)."""
    latin = HAN_RUN.sub(" | ", joined)
    for words, compound in COMPOUNDS:
        latin = latin.replace(words, compound)
    codes, unique_tokens = pd.factorize(pd.Series(LATIN_TOKEN.findall(latin), dtype=object))
    uniques = np.asarray(unique_tokens, dtype=object)
    stop = english_stop()
    # Per distinct token: kept as a term or not. Whatever is not kept (a clause end, the end of a
    # text, a stop word, a short word) breaks a phrase.
    kept_by_token = np.array(
        [len(token) >= 3 and "a" <= token[0] <= "z" and token not in stop for token in uniques],
        dtype=bool,
    )
    # Compared in Python: numpy would read "\x00" as an empty string.
    ends_by_token = np.array([item == TEXT_SEPARATOR for item in uniques], dtype=bool)
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
    points = code_points(joined)
    separators = np.flatnonzero(points == 0)
    stop_points = np.array([ord(char) for char in CHINESE_STOP_CHARS], dtype=np.int64)
    # Usable: a CJK character that is not a function character. Terms and phrases are windows of
    # usable characters (consecutive CJK characters always lie in one run).
    usable = is_han(points) & ~np.isin(points, stop_points)
    n = len(points)
    pair_ok = usable[: max(n - 1, 0)] & usable[1:]
    triple_ok = pair_ok[: max(n - 2, 0)] & usable[2:]
    quad_ok = triple_ok[: max(n - 3, 0)] & usable[3:]

    def packed(at: np.ndarray, count: int) -> np.ndarray:
        key: np.ndarray = points[at].astype(np.int64)
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
        [(ord(pair[0]) << _CODE_BITS) | ord(pair[1]) for pair in CHINESE_STOP_PAIRS],
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


def most_used(
    texts: Sequence[str], *, terms: int, phrases: int
) -> tuple[list[tuple[str, int]], list[tuple[str, int]]]:
    """The ``terms`` terms and ``phrases`` phrases used by the most texts (at least two), most
    used first, each with the number of texts using it.

    A phrase that lies inside, or is a one-word shift of, a phrase already listed for about as
    many texts is left out: it is the same wording seen through a different window.
    """
    return most_used_within(texts, [np.ones(len(texts), dtype=bool)], terms=terms, phrases=phrases)[
        0
    ]


def most_used_within(
    texts: Sequence[str], subsets: Sequence[np.ndarray], *, terms: int, phrases: int
) -> list[tuple[list[tuple[str, int]], list[tuple[str, int]]]]:
    """``most_used`` of each subset of ``texts`` (a boolean mask over them), from one scan of
    the texts: the same as ``most_used`` of the texts each mask selects, for a fraction of the
    cost when the subsets overlap."""
    if not texts:
        return [([], []) for _ in subsets]
    found = document_features(texts)
    results = []
    for subset in subsets:
        kept = np.asarray(subset, dtype=bool)[found.doc]
        counts = np.bincount(found.feature[kept], minlength=len(found.names))
        results.append(_ranked(found.names, counts, terms=terms, phrases=phrases))
    return results


def _ranked(
    names: np.ndarray, counts: np.ndarray, *, terms: int, phrases: int
) -> tuple[list[tuple[str, int]], list[tuple[str, int]]]:
    # Features in name order before the (stable) ranking, so that ties keep one order.
    frequent = sorted((names[i], int(counts[i])) for i in np.flatnonzero(counts >= 2))
    ranked = sorted(
        ((n, feature[:2], display(feature[2:])) for feature, n in frequent),
        key=lambda item: (-item[0], -len(term_tokens(item[2])), item[2]),
    )
    top_terms: list[tuple[str, int]] = []
    top_phrases: list[tuple[str, int]] = []
    for n, kind, term in ranked:
        if kind == "t:" and len(top_terms) < terms:
            top_terms.append((term, n))
        elif (
            kind == "p:"
            and len(top_phrases) < phrases
            and not any(
                overlaps(term_tokens(term), term_tokens(listed)) and count * 5 >= n * 4
                for listed, count in top_phrases
            )
        ):
            top_phrases.append((term, n))
        if len(top_terms) >= terms and len(top_phrases) >= phrases:
            break
    return top_terms, top_phrases
