"""Near-duplicate texts among a million, streamed: ``NearDuplicates`` takes the texts one at a
time and keeps only compact arrays per distinct text, then groups them as ``textkit.minhash``
describes (MinHash, banded LSH, candidate pairs checked exactly, union-find). Pure numpy.

What is kept per distinct text (about 0.4 KB at 80 words):

* its word ids (``uint16`` while the vocabulary fits, else ``uint32``): the exact check re-makes
  the word pairs of candidate texts from them, never from a list of Python objects;
* one ``uint64`` key per band (16 of them at the default threshold): the buckets;
* a 16-bit fingerprint of each of the 128 signature slots: the cheap estimate of similarity
  that orders and filters candidates in a bucket. Two slots that are equal have equal
  fingerprints; two that differ have equal ones once in 65,536. The estimate only chooses which
  pairs get the exact check (with a 0.15 margin below the threshold); the decision to join is
  always the exact Jaccard similarity of the word-pair sets.

Texts are processed in the order given, with the same word ids, signatures, bands, bucket order
and joining rules as before the streaming rewrite, so the groups are the same
(tests/textkit/test_nearduplicates.py compares them with the earlier implementation).

Buckets of up to 48 texts are joined from pairs estimated and checked for a whole band at once
(numpy); larger buckets, a campaign's thousands of copies, follow the sequential rule of
``_large_bucket_join``. Every pair's exact similarity is computed once, whatever the band.
"""

from __future__ import annotations

from array import array
from collections.abc import Callable, Iterable

import numpy as np

from textkit.minhash import (
    _BASE,
    _BUCKET_GROUPS,
    _EMPTY,
    _ESTIMATE_MARGIN,
    _EXACT_CHECKS,
    _SMALL_BUCKET,
    _VALUE_BITS,
    _VALUE_MASK,
    _WINDOW,
    DEFAULT_THRESHOLD,
    LOWEST_THRESHOLD,
    MIN_CHARS,
    PARAGRAPH_BREAK,
    ROWS_HIGH,
    ROWS_LOW,
    SHINGLE,
    SLOTS,
    _densify,
    _is_signature,
    _mix,
    _UnionFind,
    word_pattern,
)

# Distinct texts hashed per block (numpy work on ~1.6 million words at a time).
BLOCK = 20_000
# Distinct paragraphs whose words are remembered (campaign and template paragraphs recur).
_PARAGRAPHS_KEPT = 10_000
# Candidate pairs checked exactly per numpy pass.
_PAIR_BATCH = 20_000

Progress = Callable[[str, int, int], None]


def _fingerprints(signatures: np.ndarray) -> np.ndarray:
    """Each 64-bit slot folded to 16 bits (equal slots, equal fingerprints)."""
    folded = signatures ^ (signatures >> np.uint64(32))
    folded = folded ^ (folded >> np.uint64(16))
    prints: np.ndarray = (folded & np.uint64(0xFFFF)).astype(np.uint16)
    return prints


def _roots(union: _UnionFind) -> np.ndarray:
    """Every doc's root in ``union`` now (pointer jumping, no Python loop per doc)."""
    roots = np.array(union.parent, dtype=np.int64)
    while True:
        higher = roots[roots]
        if np.array_equal(higher, roots):
            return roots
        roots = higher


def _grown(values: np.ndarray, size: int, axis: int) -> np.ndarray:
    """``values`` with room for ``size`` along ``axis`` (the new room left uninitialised)."""
    shape = list(values.shape)
    shape[axis] = size
    grown = np.empty(shape, dtype=values.dtype)
    index = tuple(slice(0, n) for n in values.shape)
    grown[index] = values
    return grown


def _ranges(starts: np.ndarray, lengths: np.ndarray) -> np.ndarray:
    """The indices start..start+length of every (start, length), concatenated."""
    total = int(lengths.sum())
    if total == 0:
        return np.zeros(0, dtype=np.int64)
    shift = np.repeat(starts - np.concatenate([[0], np.cumsum(lengths)[:-1]]), lengths)
    return shift + np.arange(total, dtype=np.int64)


class NearDuplicates:
    """Feed texts with ``add``; ``groups`` then gives the indices of the near-identical ones.

    Same contract as ``textkit.minhash.near_duplicate_groups``.
    """

    def __init__(
        self,
        *,
        threshold: float = DEFAULT_THRESHOLD,
        min_chars: int = MIN_CHARS,
        seed: int = 1,
        expected: int = 0,
    ) -> None:
        """``expected``: about how many texts will come (room is made for them at once)."""
        if not LOWEST_THRESHOLD <= threshold <= 1:
            raise ValueError(f"threshold must be between {LOWEST_THRESHOLD} and 1")
        self.threshold = threshold
        self.min_chars = min_chars
        self.rows = ROWS_HIGH if threshold >= 0.75 else ROWS_LOW
        self._salt = _mix(np.array([seed], dtype=np.uint64))[0]
        self._vocabulary: dict[str, int] = {}
        self._distinct: dict[int, int] = {}  # hash of a text's words -> its distinct doc
        self._doc_of = array("q")  # per text: its distinct doc, -1 when too short
        self._paragraphs: dict[str, tuple[list[str], int, bool]] = {}
        self._pending: list[list[int]] = []  # word ids + 1 of docs not hashed yet
        # Grown in place (by doubling) rather than kept in blocks and joined at the end: freed
        # blocks of a few megabytes stay in the C heap, large arrays go back to the system.
        capacity = max(expected, BLOCK)
        self._keys = np.empty((SLOTS // self.rows, capacity), dtype=np.uint64)
        self._prints_all = np.empty((capacity, SLOTS), dtype=np.uint16)
        self._all_words = np.empty(capacity * 96, dtype=np.uint16)
        self._ends = array("q")  # where each doc's word ids end in _all_words
        self.docs = 0

    # --- Reading -------------------------------------------------------------------------------

    def _paragraph(self, paragraph: str) -> tuple[list[str], int, bool]:
        known = self._paragraphs.get(paragraph)
        if known is None:
            from textkit.tokenise import comparable_form

            found = word_pattern.findall(comparable_form(paragraph).lower())
            joined = "".join(found)
            letters = len(joined) - joined.count("'") - joined.count("-")
            known = (found, letters, _is_signature(paragraph))
            if len(self._paragraphs) >= _PARAGRAPHS_KEPT:
                self._paragraphs.clear()
            self._paragraphs[paragraph] = known
        return known

    def add(self, text: str) -> None:
        """The next text (its index is the number of texts added before it)."""
        paragraphs = PARAGRAPH_BREAK.split(text.strip())
        if len(paragraphs) == 1:
            tokens, letters, _signed = self._paragraph(text)
        else:
            tokens, letters = [], 0
            for paragraph in paragraphs:
                found, count, signed = self._paragraph(paragraph)
                if not signed:
                    tokens += found
                    letters += count
        if letters < self.min_chars:
            self._doc_of.append(-1)
            return
        key = hash("\x1f".join(tokens))
        doc = self._distinct.get(key)
        if doc is None:
            doc = self._distinct[key] = self.docs
            self.docs += 1
            vocabulary = self._vocabulary
            known = list(map(vocabulary.get, tokens))
            if None in known:  # new words get the next ids, in the order met
                known = [vocabulary.setdefault(token, len(vocabulary)) for token in tokens]
            ids = [word + 1 for word in known]  # type: ignore[operator]
            self._pending.append(ids + [0] * (SHINGLE - len(ids)))
            if len(self._pending) == BLOCK:
                self._flush()
        self._doc_of.append(doc)

    def extend(self, texts: Iterable[str]) -> None:
        for text in texts:
            self.add(text)

    def _flush(self) -> None:
        """Hash the pending docs: keep their word ids, band keys and slot fingerprints."""
        if not self._pending:
            return
        docs, self._pending = self._pending, []
        lengths = np.fromiter(map(len, docs), dtype=np.int64, count=len(docs))
        ids = np.fromiter(
            (word for doc in docs for word in doc), dtype=np.uint64, count=int(lengths.sum())
        )
        del docs
        signatures = self._signatures(ids, lengths)
        bands = SLOTS // self.rows
        keys = np.empty((bands, len(lengths)), dtype=np.uint64)
        for band in range(bands):
            key = np.zeros(len(lengths), dtype=np.uint64)
            for column in range(band * self.rows, (band + 1) * self.rows):
                key = _mix(key ^ signatures[:, column])
            keys[band] = key
        first, size = len(self._ends), len(lengths)
        if first + size > self._keys.shape[1]:
            room = max(2 * self._keys.shape[1], first + size)
            self._keys = _grown(self._keys, room, axis=1)
            self._prints_all = _grown(self._prints_all, room, axis=0)
        self._keys[:, first : first + size] = keys
        self._prints_all[first : first + size] = _fingerprints(signatures)
        start = self._ends[-1] if self._ends else 0
        if start + ids.size > self._all_words.size:
            self._all_words = _grown(
                self._all_words, max(2 * self._all_words.size, start + ids.size), axis=0
            )
        if int(ids.max()) >= (1 << 16) and self._all_words.dtype == np.uint16:
            self._all_words = self._all_words.astype(np.uint32)
        self._all_words[start : start + ids.size] = ids
        self._ends.extend((start + np.cumsum(lengths)).tolist())

    def _signatures(self, ids: np.ndarray, lengths: np.ndarray) -> np.ndarray:
        """One-permutation MinHash of each doc (word ids + 1, concatenated), densified."""
        signatures = np.full((len(lengths), SLOTS), _EMPTY, dtype=np.uint64)
        ends = np.cumsum(lengths)
        count = ids.size - SHINGLE + 1
        hashes = ids[:count] * _BASE + ids[1 : count + 1]
        owner = np.repeat(np.arange(len(lengths)), lengths)[:count]
        # A shingle that runs over the end of its text into the next one is not a shingle.
        keep = np.arange(count) + SHINGLE <= ends[owner]
        hashes = _mix(hashes[keep] ^ self._salt)
        owner = owner[keep]
        slots = (hashes >> np.uint64(_VALUE_BITS)).astype(np.intp)
        np.minimum.at(signatures, (owner, slots), hashes & _VALUE_MASK)
        return _densify(signatures)

    # --- Grouping ------------------------------------------------------------------------------

    def groups(self, progress: Progress | None = None) -> list[list[int]]:
        """Indices of the texts added, in groups of two or more near-identical texts: largest
        group first, indices ascending within a group."""
        self._flush()
        self._paragraphs.clear()
        self._distinct.clear()
        doc_of = np.frombuffer(self._doc_of, dtype=np.int64)
        union = _UnionFind(self.docs)
        if self.docs > 1:
            self._join(doc_of, union, progress)
        members: dict[int, list[int]] = {}
        roots = np.array([union.find(d) for d in range(self.docs)], dtype=np.int64)
        grouped = np.flatnonzero(doc_of >= 0)
        for index, root in zip(grouped.tolist(), roots[doc_of[grouped]].tolist(), strict=True):
            members.setdefault(root, []).append(index)
        found = [group for group in members.values() if len(group) > 1]
        found.sort(key=lambda group: (-len(group), group[0]))
        return found

    def _join(self, doc_of: np.ndarray, union: _UnionFind, progress: Progress | None) -> None:
        n = self.docs
        bands = SLOTS // self.rows
        keys = self._keys
        self._offsets = np.concatenate([[0], np.frombuffer(self._ends, dtype=np.int64)])
        copies = np.bincount(doc_of[doc_of >= 0], minlength=n)
        self._known_keys = np.zeros(0, dtype=np.int64)
        self._known_pass = np.zeros(0, dtype=bool)
        self._fresh_keys: list[np.ndarray] = []
        self._fresh_pass: list[np.ndarray] = []
        self._singles: dict[tuple[int, int], bool] = {}
        for band in range(bands):
            key = keys[band, :n]
            order = np.argsort(key, kind="stable")
            ordered = key[order]
            starts = np.flatnonzero(np.r_[True, ordered[1:] != ordered[:-1]])
            sizes = np.diff(np.r_[starts, n])
            several = sizes > 1
            self._roots = _roots(union)
            self._band_join(order, starts[several], sizes[several], copies, union)
            self._remember()
            if progress is not None:
                progress("compare", band + 1, bands)

    def _band_join(
        self,
        order: np.ndarray,
        starts: np.ndarray,
        sizes: np.ndarray,
        copies: np.ndarray,
        union: _UnionFind,
    ) -> None:
        """Join the texts of every bucket of one band, in the buckets' key order."""
        threshold = self.threshold
        lowest = threshold - _ESTIMATE_MARGIN
        small = sizes <= _SMALL_BUCKET
        # Every pair of each small bucket (texts most often sent first), estimated at once.
        firsts, seconds, buckets, agrees = [], [], [], []
        for size in np.unique(sizes[small]).tolist():
            chosen = np.flatnonzero(small & (sizes == size))
            docs = order[starts[chosen][:, None] + np.arange(size)]
            by_copies = np.argsort(-copies[docs], axis=1, kind="stable")
            docs = np.take_along_axis(docs, by_copies, axis=1)
            one, other = np.triu_indices(size, 1)
            for begin in range(0, len(chosen), max(1, 50_000 // len(one))):
                part = docs[begin : begin + max(1, 50_000 // len(one))]
                a, b = part[:, one], part[:, other]
                agree = (self._prints_all[a] == self._prints_all[b]).sum(axis=2) / SLOTS
                keep = agree >= lowest
                rows = np.nonzero(keep)[0]
                firsts.append(a[keep].astype(np.int32))
                seconds.append(b[keep].astype(np.int32))
                buckets.append((chosen[begin + rows]).astype(np.int32))
                agrees.append(agree[keep].astype(np.float32))
        if firsts:
            first, second = np.concatenate(firsts), np.concatenate(seconds)
            bucket, agree = np.concatenate(buckets), np.concatenate(agrees)
            # By bucket, then best estimate first; equal estimates in pair order.
            pick = np.lexsort((-agree, bucket))
            first, second, bucket = first[pick], second[pick], bucket[pick]
            # Pairs joined already stay joined: they need no check.
            apart = self._roots[first] != self._roots[second]
            first, second, bucket = first[apart], second[apart], bucket[apart]
            passes = self._checked(first, second)
        else:
            first = second = bucket = np.zeros(0, dtype=np.int64)
            passes = np.zeros(0, dtype=bool)
        large = np.flatnonzero(~small).tolist()
        self._large_prepare(order, starts, sizes, large, copies)
        large.append(len(sizes))  # a sentinel: no bucket comes after it
        upcoming = 0
        find, join = union.find, union.union
        # Only the pairs that pass can join anything; in buckets' order, a slice at a time.
        first, second, bucket = first[passes], second[passes], bucket[passes]
        for begin in range(0, first.size, _PAIR_BATCH):
            end = begin + _PAIR_BATCH
            for one, other, at in zip(
                first[begin:end].tolist(),
                second[begin:end].tolist(),
                bucket[begin:end].tolist(),
                strict=True,
            ):
                while large[upcoming] < at:
                    self._large_join(order, starts, sizes, large[upcoming], copies, union)
                    upcoming += 1
                if find(one) != find(other):
                    join(one, other)
        for index in large[upcoming:-1]:
            self._large_join(order, starts, sizes, index, copies, union)

    def _large_join(
        self,
        order: np.ndarray,
        starts: np.ndarray,
        sizes: np.ndarray,
        index: int,
        copies: np.ndarray,
        union: _UnionFind,
    ) -> None:
        """A bucket of many texts: each is compared with the first text of each group met so
        far in the bucket and with the texts just before it, never with one already in its own
        group; the best few by estimate get the exact check."""
        start, size = int(starts[index]), int(sizes[index])
        bucket = order[start : start + size]
        bucket = bucket[np.argsort(-copies[bucket], kind="stable")]
        docs = bucket.tolist()
        find = union.find
        first = find(docs[0])
        if all(find(doc) == first for doc in docs):
            return  # joined already, through an earlier band
        prints = self._prints_all[bucket]
        # Agreement of each text with the texts just before it: near[i, k] with text i - 1 - k.
        near = np.zeros((size, _WINDOW), dtype=np.int64)
        for back in range(1, min(_WINDOW, size - 1) + 1):
            near[back:, back - 1] = (prints[back:] == prints[:-back]).sum(axis=1)
        near_rows = near.tolist()
        lowest = (self.threshold - _ESTIMATE_MARGIN) * SLOTS
        leaders: list[int] = []  # positions in the bucket
        with_leader: list[list[int]] = []  # agreement of every text with each leader
        for position, doc in enumerate(docs):
            root = find(doc)
            agree: dict[int, int] = {}
            for number, leader in enumerate(leaders):
                agree.setdefault(leader, with_leader[number][position])
            row = near_rows[position]
            for back in range(min(_WINDOW, position), 0, -1):  # oldest first
                agree.setdefault(position - back, row[back - 1])
            candidates = [c for c in agree if find(docs[c]) != root]
            if candidates:
                # Best estimate first; equal ones in the order met (leaders, then nearest last).
                ranked = sorted(candidates, key=lambda c: -agree[c])
                checked = 0
                for candidate in ranked:
                    if agree[candidate] < lowest or checked == _EXACT_CHECKS:
                        break
                    other = docs[candidate]
                    if find(other) == find(doc):
                        continue
                    checked += 1
                    if self._check_one(doc, other):
                        union.union(doc, other)
            root = find(doc)
            if len(leaders) < _BUCKET_GROUPS and all(
                find(docs[leader]) != root for leader in leaders
            ):
                leaders.append(position)
                with_leader.append((prints == prints[position]).sum(axis=1).tolist())

    def _large_prepare(
        self,
        order: np.ndarray,
        starts: np.ndarray,
        sizes: np.ndarray,
        large: list[int],
        copies: np.ndarray,
    ) -> None:
        """Check at once the pairs the large buckets of a band will most likely ask about:
        each text with the texts just before it and with the bucket's first text."""
        firsts, seconds = [], []
        lowest = (self.threshold - _ESTIMATE_MARGIN) * SLOTS
        for index in large:
            start, size = int(starts[index]), int(sizes[index])
            bucket = order[start : start + size]
            bucket = bucket[np.argsort(-copies[bucket], kind="stable")]
            prints = self._prints_all[bucket]
            for back in range(1, min(_WINDOW, size - 1) + 1):
                agree = (prints[back:] == prints[:-back]).sum(axis=1)
                keep = np.flatnonzero(agree >= lowest)
                firsts.append(bucket[back:][keep])
                seconds.append(bucket[:-back][keep])
            agree = (prints[1:] == prints[0]).sum(axis=1)
            keep = np.flatnonzero(agree >= lowest)
            firsts.append(bucket[1:][keep])
            seconds.append(np.full(keep.size, bucket[0]))
        if firsts:
            first, second = np.concatenate(firsts), np.concatenate(seconds)
            apart = self._roots[first] != self._roots[second]
            if apart.any():
                self._checked(first[apart], second[apart])
                self._remember()

    # --- The exact check -----------------------------------------------------------------------

    def _checked(self, first: np.ndarray, second: np.ndarray) -> np.ndarray:
        """Whether each pair's exact Jaccard similarity reaches the threshold; each pair is
        computed once a run (its answer is remembered for the other bands)."""
        n = np.int64(self.docs)
        low, high = np.minimum(first, second), np.maximum(first, second)
        pair_keys = low.astype(np.int64) * n + high
        known = np.zeros(pair_keys.size, dtype=bool)
        passed = np.zeros(pair_keys.size, dtype=bool)
        if self._known_keys.size:
            where = np.minimum(
                np.searchsorted(self._known_keys, pair_keys), self._known_keys.size - 1
            )
            known = self._known_keys[where] == pair_keys
            passed[known] = self._known_pass[where[known]]
        fresh, back = np.unique(pair_keys[~known], return_inverse=True)
        if fresh.size:
            results = np.concatenate(
                [
                    self.jaccards(part // n, part % n) >= self.threshold
                    for part in np.array_split(fresh, -(-fresh.size // _PAIR_BATCH))
                ]
            )
            passed[~known] = results[back]
            self._fresh_keys.append(fresh)
            self._fresh_pass.append(results)
        return passed

    def _remember(self) -> None:
        """Fold the pairs checked since into the sorted record of checked pairs."""
        if self._fresh_keys:
            merged = np.concatenate([self._known_keys, *self._fresh_keys])
            by_key = np.argsort(merged, kind="stable")
            self._known_keys = merged[by_key]
            self._known_pass = np.concatenate([self._known_pass, *self._fresh_pass])[by_key]
            self._fresh_keys, self._fresh_pass = [], []

    def _check_one(self, one: int, other: int) -> bool:
        key = (min(one, other), max(one, other))
        result = self._singles.get(key)
        if result is None and self._known_keys.size:
            pair = key[0] * self.docs + key[1]
            where = min(int(np.searchsorted(self._known_keys, pair)), self._known_keys.size - 1)
            if self._known_keys[where] == pair:
                return bool(self._known_pass[where])
        if result is None:
            fresh = len(self._fresh_keys)
            result = self._singles[key] = bool(self._checked(np.array([one]), np.array([other]))[0])
            del self._fresh_keys[fresh:], self._fresh_pass[fresh:]  # kept in _singles instead
        return result

    def jaccards(self, first: np.ndarray, second: np.ndarray) -> np.ndarray:
        """The exact Jaccard similarity of the word-pair sets of each (first, second) doc."""
        docs, inverse = np.unique(np.concatenate([first, second]), return_inverse=True)
        starts = self._offsets[docs]
        lengths = self._offsets[docs + 1] - starts
        words = self._all_words[_ranges(starts, lengths)].astype(np.uint64)
        owner = np.repeat(np.arange(docs.size), lengths)
        same = owner[:-1] == owner[1:]
        hashes = (words[:-1] * _BASE + words[1:])[same]
        owner = owner[:-1][same]
        # Each distinct word pair gets its rank: (doc, rank) packs into one sortable integer.
        distinct, ranks = np.unique(hashes, return_inverse=True)
        width = np.int64(max(distinct.size, 1))
        sets = np.unique(owner.astype(np.int64) * width + ranks)
        set_owner = sets // width
        bounds = np.searchsorted(set_owner, np.arange(docs.size + 1))
        set_sizes = np.diff(bounds)
        a, b = inverse[: first.size], inverse[first.size :]
        pairs = np.arange(first.size, dtype=np.int64)
        both = np.concatenate(
            [
                np.repeat(pairs, set_sizes[a]) * width
                + sets[_ranges(bounds[a], set_sizes[a])] % width,
                np.repeat(pairs, set_sizes[b]) * width
                + sets[_ranges(bounds[b], set_sizes[b])] % width,
            ]
        )
        both.sort()
        repeated = both[1:][both[1:] == both[:-1]] // width
        common = np.bincount(repeated, minlength=first.size)
        union_size = set_sizes[a] + set_sizes[b] - common
        return np.where(union_size > 0, common / np.maximum(union_size, 1), 0.0)
