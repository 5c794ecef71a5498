"""Near-duplicate texts among many: MinHash signatures, banded locality-sensitive hashing, and
an exact check of the candidate pairs. Pure numpy; ``surveys.review.campaigns`` runs it over a
consultation's submissions to find standard-text campaigns.

Texts are compared as sets of word pairs (2-word shingles) of ``textkit.tokenise``'s tokens, where
each Chinese character is a word of its own (Chinese has no spaces, and one character carries
about as much as a short word). Short closing paragraphs without sentence punctuation, the
signer's name, are left out of the comparison: a campaign's copies differ in their signatures by
design.

Comparing every pair is quadratic; at 100,000 texts it is not an option. ``near_duplicate_groups``
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
from collections.abc import Iterator, Sequence

import numpy as np

from textkit.tokenise import comparable_form, tokens

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


def _shingle_sets(docs: Sequence[list[int]], seed: int) -> tuple[np.ndarray, list[np.ndarray]]:
    """MinHash signatures (len(docs) x SLOTS) and the sorted distinct shingle hashes of each doc.

    ``docs`` are word-id lists at least SHINGLE long.
    """
    signatures = np.full((len(docs), SLOTS), _EMPTY, dtype=np.uint64)
    shingles: list[np.ndarray] = []
    salt = _mix(np.array([seed], dtype=np.uint64))[0]
    start = 0
    while start < len(docs):
        stop, size = start, 0
        while stop < len(docs) and (size < _CHUNK_WORDS or stop == start):
            size += len(docs[stop])
            stop += 1
        chunk = docs[start:stop]
        ids = np.fromiter((word + 1 for doc in chunk for word in doc), dtype=np.uint64, count=size)
        lengths = np.fromiter((len(doc) for doc in chunk), dtype=np.int64, count=len(chunk))
        ends = np.cumsum(lengths)
        count = ids.size - SHINGLE + 1
        hashes = np.zeros(count, dtype=np.uint64)
        for offset in range(SHINGLE):
            hashes = hashes * _BASE + ids[offset : offset + count]
        owner = np.repeat(np.arange(len(chunk)), lengths)[:count]
        # A shingle that runs over the end of its text into the next one is not a shingle.
        keep = np.arange(count) + SHINGLE <= ends[owner]
        hashes = _mix(hashes[keep] ^ salt)
        owner = owner[keep]
        slots = (hashes >> np.uint64(_VALUE_BITS)).astype(np.intp)
        np.minimum.at(signatures, (owner + start, slots), hashes & _VALUE_MASK)
        bounds = np.searchsorted(owner, np.arange(len(chunk) + 1))
        shingles.extend(np.unique(hashes[bounds[i] : bounds[i + 1]]) for i in range(len(chunk)))
        start = stop
    return _densify(signatures), shingles


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
        doubled = np.concatenate([block, block], axis=1)
        positions = np.where(np.concatenate([full, full], axis=1), np.arange(2 * width), 2 * width)
        nearest = np.minimum.accumulate(positions[:, ::-1], axis=1)[:, ::-1][:, :width]
        distance = (nearest - columns).astype(np.uint64)
        rows = np.arange(block.shape[0])[:, None]
        block[:] = doubled[rows, nearest] + distance * np.uint64(1 << _VALUE_BITS)
    return signatures


def _buckets(signatures: np.ndarray, rows: int) -> Iterator[np.ndarray]:
    """Per band of ``rows`` slots, the doc indices (ascending) of each bucket of several docs."""
    n = signatures.shape[0]
    for band in range(SLOTS // rows):
        key = np.zeros(n, dtype=np.uint64)
        for column in range(band * rows, (band + 1) * rows):
            key = _mix(key ^ signatures[:, column])
        order = np.argsort(key, kind="stable")
        ordered = key[order]
        starts = np.flatnonzero(np.r_[True, ordered[1:] != ordered[:-1]])
        sizes = np.diff(np.r_[starts, n])
        for first, size in zip(starts[sizes > 1].tolist(), sizes[sizes > 1].tolist(), strict=True):
            yield order[first : first + size]


def _jaccard(first: np.ndarray, second: np.ndarray) -> float:
    common = np.intersect1d(first, second, assume_unique=True).size
    return common / (first.size + second.size - common)


def jaccard(a: str, b: str) -> float:
    """Jaccard similarity of two texts as the detection compares them: sets of word pairs,
    signatures left out."""
    vocabulary: dict[str, int] = {}
    docs = [
        [vocabulary.setdefault(w, len(vocabulary)) for w in words(comparable(t))] for t in (a, b)
    ]
    docs = [doc + [-1] * (SHINGLE - len(doc)) for doc in docs]
    _signatures, (first, second) = _shingle_sets(docs, seed=1)
    return _jaccard(first, second)


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


def _bucket_join(
    bucket: np.ndarray,
    signatures: np.ndarray,
    shingles: Sequence[np.ndarray],
    union: _UnionFind,
    threshold: float,
) -> None:
    """Join the texts of one bucket that are similar enough.

    Each text is compared with the first text of each group met so far in the bucket and with
    the texts just before it, but never with one already in its own group: a text close to two
    groups is the bridge that joins them. Candidates go by the signatures' estimate first; only
    the most promising few get the exact check, so a bucket of 40,000 copies stays linear.
    """
    docs = bucket.tolist()
    first = union.find(docs[0])
    if all(union.find(doc) == first for doc in docs):
        return  # joined already, through an earlier band
    if len(docs) <= _SMALL_BUCKET:
        # Few texts: estimate every pair at once and check the promising ones, best first.
        block = signatures[bucket]
        agree = (block[:, None, :] == block[None, :, :]).sum(axis=2) / SLOTS
        first_index, second_index = np.nonzero(np.triu(agree >= threshold - _ESTIMATE_MARGIN, 1))
        order = np.argsort(-agree[first_index, second_index], kind="stable")
        for a, b in zip(first_index[order].tolist(), second_index[order].tolist(), strict=True):
            one, other = docs[a], docs[b]
            if union.find(one) != union.find(other) and (
                _jaccard(shingles[one], shingles[other]) >= threshold
            ):
                union.union(one, other)
        return
    leaders: list[int] = []
    for position, doc in enumerate(docs):
        nearby = docs[max(0, position - _WINDOW) : position]
        candidates = [
            c for c in dict.fromkeys(leaders + nearby) if union.find(c) != union.find(doc)
        ]
        if candidates:
            agree = (signatures[candidates] == signatures[doc]).sum(axis=1) / SLOTS
            checked = 0
            for index in np.argsort(-agree, kind="stable").tolist():
                if agree[index] < threshold - _ESTIMATE_MARGIN or checked == _EXACT_CHECKS:
                    break
                other = candidates[index]
                if union.find(other) == union.find(doc):
                    continue
                checked += 1
                if _jaccard(shingles[doc], shingles[other]) >= threshold:
                    union.union(doc, other)
        root = union.find(doc)
        if len(leaders) < _BUCKET_GROUPS and all(union.find(leader) != root for leader in leaders):
            leaders.append(doc)


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
    if not LOWEST_THRESHOLD <= threshold <= 1:
        raise ValueError(f"threshold must be between {LOWEST_THRESHOLD} and 1")
    vocabulary: dict[str, int] = {}
    distinct: dict[str, int] = {}
    docs: list[list[int]] = []
    doc_of: list[int] = []  # the distinct doc of each input text, -1 when too short
    for text in texts:
        tokens = words(comparable(text))
        if _letters(tokens) < min_chars:
            doc_of.append(-1)
            continue
        key = "\x1f".join(tokens)
        index = distinct.get(key)
        if index is None:
            index = distinct[key] = len(docs)
            doc = [vocabulary.setdefault(token, len(vocabulary)) for token in tokens]
            docs.append(doc + [-1] * (SHINGLE - len(doc)))
        doc_of.append(index)
    union = _UnionFind(len(docs))
    if len(docs) > 1:
        signatures, shingles = _shingle_sets(docs, seed)
        # The texts sent most often come first in each bucket: in a campaign that is the
        # standard text, which signed or lightly edited copies resemble most.
        copies = np.bincount(np.array([d for d in doc_of if d >= 0]), minlength=len(docs))
        rows = ROWS_HIGH if threshold >= 0.75 else ROWS_LOW
        for bucket in _buckets(signatures, rows):
            ordered = bucket[np.argsort(-copies[bucket], kind="stable")]
            _bucket_join(ordered, signatures, shingles, union, threshold)
    members: dict[int, list[int]] = {}
    for index, doc_index in enumerate(doc_of):
        if doc_index >= 0:
            members.setdefault(union.find(doc_index), []).append(index)
    groups = [group for group in members.values() if len(group) > 1]
    groups.sort(key=lambda group: (-len(group), group[0]))
    return groups
