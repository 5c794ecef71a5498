"""Near-duplicate texts among many: MinHash signatures, banded locality-sensitive hashing, and
an exact check of the candidate pairs. Pure numpy; ``surveys.review.campaigns`` runs it over a
consultation's submissions to find standard-text campaigns.

Texts are compared as sets of word pairs (2-word shingles) of ``textkit.tokenise``'s tokens, where
each Chinese character is a word of its own (Chinese has no spaces, and one character carries
about as much as a short word). Short closing paragraphs without sentence punctuation, the
signer's name, are left out of the comparison: a campaign's copies differ in their signatures by
design.

Comparing every pair is quadratic; at 100,000 texts it is not an option. ``near_duplicate_groups``
(``textkit.nearduplicates.NearDuplicates``, which streams the texts and keeps compact arrays)
therefore:

1. splits the texts into words (NFKC, case-folded) and collapses exact copies;
2. hashes every shingle once (numpy) and gives each distinct text a 128-slot MinHash signature by
   one-permutation hashing: the hash's top bits pick a slot, the slot keeps its smallest value,
   empty slots are filled from the next full one ("rotation densification");
3. cuts the signatures into 16 bands of 8 slots (locality-sensitive hashing): texts that agree on
   a whole band share a bucket. Within a bucket, texts are compared (the most often sent first)
   by the share of equal signature slots, a cheap estimate, and the promising pairs by the exact
   Jaccard similarity of their shingle sets;
4. joins the pairs that pass with union-find.

A pair at similarity 0.9 shares a band with probability 0.9998, at 0.8 with 0.95 (the rest of a
campaign usually joins it through the standard text), at 0.5 with 0.06.

Texts shorter than ``MIN_CHARS`` letters and digits ("No comment.", "Agree") are left out:
identical short answers are common and are not a campaign.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

import numpy as np

from textkit.tokenise import _OTHER, HAN, WORD, comparable_form, tokens

SHINGLE = 2
SLOTS = 128
# Slots per band: 8 (16 bands) for thresholds from 0.75, 4 (32 bands) down to the lowest
# threshold offered, 0.5, where a pair at the threshold still shares a band 87 times in 100.
ROWS_HIGH, ROWS_LOW = 8, 4
LOWEST_THRESHOLD = 0.5
MIN_CHARS = 30
DEFAULT_THRESHOLD = 0.8
# In a bucket, each text is compared with the first text of up to this many groups, with the
# texts just before it, and gets at most a few exact checks.
_BUCKET_GROUPS = 8
_WINDOW = 16
# Buckets up to this size have every pair estimated.
_SMALL_BUCKET = 48
_EXACT_CHECKS = 4
# 128 slots estimate a similarity near 0.8 to about +-0.035 (one standard deviation); pairs
# estimated up to this far below the threshold still get the exact check.
_ESTIMATE_MARGIN = 0.15

_SLOT_BITS = 7  # 2**7 == SLOTS
_VALUE_BITS = 64 - _SLOT_BITS
_VALUE_MASK = np.uint64((1 << _VALUE_BITS) - 1)
_EMPTY = np.iinfo(np.uint64).max
_BASE = np.uint64(0x100000001B3)
_CHUNK_WORDS = 1_000_000
_SIGNATURE_CHARS = 40
_SIGNATURE_WORDS = 5
PARAGRAPH_BREAK = re.compile(r"\n\s*\n")
# ``textkit.tokenise.TOKEN`` without its clause ends: the tokens ``words`` keeps, in one scan.
word_pattern = re.compile(rf"[{HAN}]|{WORD}|{_OTHER}")


def _is_signature(paragraph: str) -> bool:
    """A short closing paragraph without sentence punctuation: a name, "Regards, Chan Tai Man"."""
    paragraph = paragraph.strip()
    return (
        0 < len(paragraph) <= _SIGNATURE_CHARS
        and len(paragraph.split()) <= _SIGNATURE_WORDS
        and paragraph[-1] not in ".。!！?？:：;；"
    )


def comparable(text: str) -> str:
    """``text`` without its signature paragraphs: a campaign's copies are compared on the words
    they share, not on the names of the people who signed them."""
    paragraphs = PARAGRAPH_BREAK.split(text.strip())
    if len(paragraphs) == 1:
        return text
    return "\n\n".join(p for p in paragraphs if not _is_signature(p))


def words(text: str) -> list[str]:
    """The tokens of ``text`` compared for near-duplicates: NFKC, case-folded, every word and
    number, each Han character a word of its own (``textkit.tokenise``)."""
    return [token for kind, token in tokens(comparable_form(text)) if kind != "end"]


def _letters(tokens_: Sequence[str]) -> int:
    """How many letters and digits ``tokens_`` hold (apostrophes and hyphens aside)."""
    return sum(map(len, tokens_)) - sum(t.count("'") + t.count("-") for t in tokens_)


def _mix(values: np.ndarray) -> np.ndarray:
    """splitmix64's finaliser: spreads every input bit over the whole word (wrapping uint64)."""
    values = values ^ (values >> np.uint64(30))
    values = values * np.uint64(0xBF58476D1CE4E5B9)
    values = values ^ (values >> np.uint64(27))
    values = values * np.uint64(0x94D049BB133111EB)
    mixed: np.ndarray = values ^ (values >> np.uint64(31))
    return mixed


def _densify(signatures: np.ndarray) -> np.ndarray:
    """Fill each empty slot from the next full slot to its right (circularly), marked by the
    distance so that borrowed values only match values borrowed the same way. In place, by
    blocks of rows to bound the temporary arrays."""
    width = signatures.shape[1]
    columns = np.arange(width)
    for start in range(0, signatures.shape[0], 8192):
        block = signatures[start : start + 8192]
        full = block != _EMPTY
        if full.all():
            continue
        # The column of the nearest full slot at or after each slot, circularly: a running
        # minimum from the right over the row written twice (on a contiguous copy: three times
        # faster than over a reversed view, measured on 20,000 rows).
        where = np.where(full, columns, 2 * width)
        doubled = np.concatenate([where, where + width], axis=1)[:, ::-1].copy()
        nearest = np.minimum.accumulate(doubled, axis=1)[:, ::-1][:, :width]
        distance = (nearest - columns).astype(np.uint64)
        rows = np.arange(block.shape[0])[:, None]
        block[:] = block[rows, nearest % width] + distance * np.uint64(1 << _VALUE_BITS)
    return signatures


def jaccard(a: str, b: str) -> float:
    """Jaccard similarity of two texts as the detection compares them: sets of word pairs,
    signatures left out."""
    first, second = (_word_pairs(text) for text in (a, b))
    common = len(first & second)
    return common / (len(first) + len(second) - common)


def _word_pairs(text: str) -> set[tuple[str, str]]:
    found = words(comparable(text))
    found += [""] * (SHINGLE - len(found))
    return set(zip(found, found[1:], strict=False))


class _UnionFind:
    def __init__(self, size: int) -> None:
        self.parent = list(range(size))

    def find(self, item: int) -> int:
        root = item
        while self.parent[root] != root:
            root = self.parent[root]
        while self.parent[item] != root:
            self.parent[item], item = root, self.parent[item]
        return root

    def union(self, a: int, b: int) -> None:
        root_a, root_b = self.find(a), self.find(b)
        if root_a != root_b:
            self.parent[max(root_a, root_b)] = min(root_a, root_b)


def near_duplicate_groups(
    texts: Sequence[str],
    *,
    threshold: float = DEFAULT_THRESHOLD,
    min_chars: int = MIN_CHARS,
    seed: int = 1,
) -> list[list[int]]:
    """Indices of ``texts`` in groups of two or more identical or nearly identical texts.

    Largest group first; within a group, indices ascend.
    """
    from textkit.nearduplicates import NearDuplicates  # it builds on this module

    index = NearDuplicates(threshold=threshold, min_chars=min_chars, seed=seed)
    index.extend(texts)
    return index.groups()
