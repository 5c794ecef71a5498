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

The grouping itself is ``textkit.nearjoin``: buckets of up to 48 texts are joined from pairs
estimated and checked for a whole band at once (numpy); larger buckets, a campaign's thousands
of copies, follow the reference's sequential rule, skipping in numpy the texts where it would do
nothing.
"""

from __future__ import annotations

from array import array
from collections.abc import Callable, Iterable
from itertools import chain

import numpy as np

from textkit.minhash import (
    _BASE,
    _EMPTY,
    _VALUE_BITS,
    _VALUE_MASK,
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
    word_pattern,
)
from textkit.nearjoin import BandJoin, ExactCheck, Labels, ranges

# Distinct texts hashed per block (numpy work on ~400,000 words at a time). Each block's hashing
# holds about 7 KB of temporary arrays per text: at 20,000 a block that was 100 MB above the
# index's own arrays, the peak of the whole detection at 1,000,000 (1,101 MiB; 991 MiB at 5,000,
# the same groups, for about a tenth more CPU time; bench/README.md, round 4).
BLOCK = 5_000
# Distinct paragraphs whose words are remembered (campaign and template paragraphs recur).
_PARAGRAPHS_KEPT = 10_000
# Distinct whitespace-separated pieces whose word ids are remembered.
_PIECES_KEPT = 200_000
Progress = Callable[[str, int, int], None]


def _fingerprints(signatures: np.ndarray) -> np.ndarray:
    """Each 64-bit slot folded to 16 bits (equal slots, equal fingerprints)."""
    folded = signatures ^ (signatures >> np.uint64(32))
    folded = folded ^ (folded >> np.uint64(16))
    prints: np.ndarray = (folded & np.uint64(0xFFFF)).astype(np.uint16)
    return prints


def _grown(values: np.ndarray, size: int, axis: int) -> np.ndarray:
    """``values`` with room for ``size`` along ``axis`` (the new room left uninitialised)."""
    shape = list(values.shape)
    shape[axis] = size
    grown = np.empty(shape, dtype=values.dtype)
    index = tuple(slice(0, n) for n in values.shape)
    grown[index] = values
    return grown


class _PieceLetters(dict[str, int]):
    """How many letters and digits the words of a whitespace-separated piece hold (computed
    when first asked). No token holds whitespace and none starts on it, so a paragraph's tokens
    are its pieces' tokens one after the other. Pieces repeat far more than paragraphs: the
    200,000 paragraphs of 100,000 texts (124,000 distinct) hold 47,000 distinct pieces."""

    def __missing__(self, piece: str) -> int:
        joined = "".join(word_pattern.findall(piece))
        letters = len(joined) - joined.count("'") - joined.count("-")
        if len(self) >= _PIECES_KEPT:
            self.clear()
        self[piece] = letters
        return letters


class _PieceIds(dict[str, list[int]]):
    """The word ids (+ 1) of a whitespace-separated piece, new words numbered in the order met
    (asked only for the texts long enough: the ids of numbering their tokens one by one)."""

    def __init__(self, vocabulary: dict[str, int]) -> None:
        super().__init__()
        self.vocabulary = vocabulary

    def __missing__(self, piece: str) -> list[int]:
        vocabulary = self.vocabulary
        ids = [
            vocabulary.setdefault(word, len(vocabulary) + 1) for word in word_pattern.findall(piece)
        ]
        if len(self) >= _PIECES_KEPT:
            self.clear()
        self[piece] = ids
        return ids


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
        # Hashes of the distinct docs' word ids (sorted) and each one's doc.
        self._known_keys = np.zeros(0, dtype=np.int64)
        self._known_docs = np.zeros(0, dtype=np.int64)
        self._doc_of = array("q")  # per text: its distinct doc, -1 when too short
        self._paragraphs: dict[str, tuple[list[str], int, bool]] = {}
        # Per whitespace-separated piece: its letters and digits, its word ids (+ 1).
        self._letters = _PieceLetters()
        self._ids = _PieceIds(self._vocabulary)
        # Word ids + 1 of the docs not hashed yet, one after the other, and where each ends.
        self._pending_words = array("q")
        self._pending_ends = array("q")
        self._pending_keys = array("q")  # per pending text: the hash of its word ids
        self._pending_texts = array("q")  # per pending text: its index
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
        """A paragraph's whitespace-separated pieces (NFKC, case-folded), how many letters and
        digits its words hold, and whether it is a signature."""
        known = self._paragraphs.get(paragraph)
        if known is None:
            from textkit.tokenise import comparable_form

            pieces = comparable_form(paragraph).lower().split()
            letters = sum(map(self._letters.__getitem__, pieces))
            known = (pieces, letters, _is_signature(paragraph))
            if len(self._paragraphs) >= _PARAGRAPHS_KEPT:
                self._paragraphs.clear()
            self._paragraphs[paragraph] = known
        return known

    def add(self, text: str) -> None:
        """The next text (its index is the number of texts added before it)."""
        paragraphs = PARAGRAPH_BREAK.split(text.strip())
        if len(paragraphs) == 1:
            pieces, letters, _signed = self._paragraph(text)
        else:
            pieces, letters = [], 0
            for paragraph in paragraphs:
                found, count, signed = self._paragraph(paragraph)
                if not signed:
                    pieces += found
                    letters += count
        if letters < self.min_chars:
            self._doc_of.append(-1)
            return
        ids = list(chain.from_iterable(map(self._ids.__getitem__, pieces)))
        # Equal id sequences, equal token lists. Exact copies are found per block (``_flush``).
        self._pending_keys.append(hash(tuple(ids)))
        self._pending_texts.append(len(self._doc_of))
        self._doc_of.append(-1)
        self._pending_words.extend(ids)
        if len(ids) < SHINGLE:
            self._pending_words.extend([0] * (SHINGLE - len(ids)))
        self._pending_ends.append(len(self._pending_words))
        if len(self._pending_ends) == BLOCK:
            self._flush()

    def extend(self, texts: Iterable[str]) -> None:
        for text in texts:
            self.add(text)

    def _flush(self) -> None:
        """Hash the pending docs: keep their word ids, band keys and slot fingerprints."""
        if not self._pending_ends:
            return
        words = np.frombuffer(self._pending_words, dtype=np.int64)
        ends = np.frombuffer(self._pending_ends, dtype=np.int64)
        new = self._distinct_docs(np.frombuffer(self._pending_keys, dtype=np.int64))
        lengths = np.diff(ends, prepend=0)[new]
        ids = words[ranges(ends[new] - lengths, lengths)].astype(np.uint64)
        del words, ends
        self._pending_words, self._pending_ends = array("q"), array("q")
        self._pending_keys, self._pending_texts = array("q"), array("q")
        if not new.size:
            return
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

    def _distinct_docs(self, keys: np.ndarray) -> np.ndarray:
        """Number the pending texts' docs (a text whose words were met before gets that doc) and
        return the positions of the texts that start a new doc. Sorted arrays rather than a dict
        of a million Python ints (about 100 MB)."""
        order = np.argsort(keys, kind="stable")
        ordered = keys[order]
        starts = np.r_[True, ordered[1:] != ordered[:-1]]
        distinct, first = ordered[starts], order[starts]  # first: where each key first comes
        which = np.cumsum(starts) - 1  # per sorted text: its key among ``distinct``
        where = np.searchsorted(self._known_keys, distinct)
        known = np.zeros(distinct.size, dtype=bool)
        inside = where < self._known_keys.size
        known[inside] = self._known_keys[where[inside]] == distinct[inside]
        docs = np.empty(distinct.size, dtype=np.int64)
        docs[known] = self._known_docs[where[known]]
        # New docs are numbered in the order their first text came.
        fresh = np.flatnonzero(~known)  # in key order: inserted so, the keys stay sorted
        by_arrival = fresh[np.argsort(first[fresh], kind="stable")]
        docs[by_arrival] = self.docs + np.arange(fresh.size)
        self.docs += fresh.size
        texts = np.frombuffer(self._pending_texts, dtype=np.int64)
        doc_of = np.frombuffer(self._doc_of, dtype=np.int64)
        doc_of[texts[order]] = docs[which]
        del doc_of  # a view of the array('q'): released before it grows again
        self._known_keys = np.insert(self._known_keys, where[fresh], distinct[fresh])
        self._known_docs = np.insert(self._known_docs, where[fresh], docs[fresh])
        return first[by_arrival]

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
        self._letters.clear()
        self._ids.clear()
        self._known_keys = self._known_docs = np.zeros(0, dtype=np.int64)
        doc_of = np.frombuffer(self._doc_of, dtype=np.int64)
        labels = Labels(self.docs)
        if self.docs > 1:
            self._join(doc_of, labels, progress)
        grouped = np.flatnonzero(doc_of >= 0)
        label = labels.of[doc_of[grouped]]
        by_label = np.argsort(label, kind="stable")  # indices ascending within a label
        label, grouped = label[by_label], grouped[by_label]
        starts = np.flatnonzero(np.r_[True, label[1:] != label[:-1]])
        sizes = np.diff(np.r_[starts, label.size])
        several = sizes > 1
        starts, sizes = starts[several], sizes[several]
        # Largest first; equal sizes by their first index.
        pick = np.lexsort((grouped[starts], -sizes))
        return [
            grouped[start : start + size].tolist()
            for start, size in zip(starts[pick].tolist(), sizes[pick].tolist(), strict=True)
        ]

    def _join(self, doc_of: np.ndarray, labels: Labels, progress: Progress | None) -> None:
        n = self.docs
        bands = SLOTS // self.rows
        offsets = np.concatenate([[0], np.frombuffer(self._ends, dtype=np.int64)])
        join = BandJoin(
            prints=self._prints_all[:n],
            copies=np.bincount(doc_of[doc_of >= 0], minlength=n),
            exact=ExactCheck(self._all_words, offsets, self.threshold),
            labels=labels,
            threshold=self.threshold,
        )
        for band in range(bands):
            join.band(self._keys[band, :n])
            if progress is not None:
                progress("compare", band + 1, bands)
