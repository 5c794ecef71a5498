"""The grouping half of ``textkit.nearduplicates``: the buckets of each band joined by the rules
of ``textkit.minhash`` (small buckets: every promising pair checked; large buckets: leaders and a
window, a few exact checks per text), with the exact check and the union-find it needs. Pure numpy.

Linear in the number of texts: per band one sort of the keys, then work per text in a bucket
that is bounded (at most 48 pair estimates in a small bucket, 24 in a large one). Two things keep
the constant small at a million texts:

* ``Labels`` keeps union-find as one label per doc in a numpy array, so the labels of a whole
  bucket are read at once;
* in a large bucket, a text whose leaders and window hold no candidate (none estimated close
  enough in another group) and that cannot become a leader changes nothing under the sequential
  rule. Such texts are found for a run of positions at once in numpy and skipped; only the rest
  go through the rule in Python. A join can only take candidates away, so a run's mask stays
  valid until a new leader is taken.
"""

from __future__ import annotations

import numpy as np

from textkit.minhash import (
    _BASE,
    _BUCKET_GROUPS,
    _ESTIMATE_MARGIN,
    _EXACT_CHECKS,
    _SMALL_BUCKET,
    _WINDOW,
    SLOTS,
)

# Candidate pairs checked exactly per numpy pass.
_PAIR_BATCH = 20_000
# Positions of a large bucket looked at per numpy pass (doubled while nothing changes).
_FIRST_RUN = 64
_LONGEST_RUN = 16_384
# Docs whose word-pair sets are kept for one-off checks (a bucket's leaders come back often).
_SETS_KEPT = 4096


def ranges(starts: np.ndarray, lengths: np.ndarray) -> np.ndarray:
    """The indices start..start+length of every (start, length), concatenated."""
    total = int(lengths.sum())
    if total == 0:
        return np.zeros(0, dtype=np.int64)
    shift = np.repeat(starts - np.concatenate([[0], np.cumsum(lengths)[:-1]]), lengths)
    return shift + np.arange(total, dtype=np.int64)


def distinct(values: np.ndarray) -> np.ndarray:
    """The distinct values, sorted: ``np.unique`` without its hashing, which numpy 2 uses for
    integers and which was 90 times slower than a sort on 3 million int64 here."""
    ordered = np.sort(values)
    if ordered.size < 2:
        return ordered
    kept: np.ndarray = ordered[np.r_[True, ordered[1:] != ordered[:-1]]]
    return kept


def agreement(first: np.ndarray, second: np.ndarray) -> np.ndarray:
    """How many of the slot fingerprints agree, per row (last axis). Summing the equal bytes as
    uint8 (at most 128 of them) is twice as fast as ``count_nonzero`` along an axis."""
    same = (first == second).view(np.uint8)
    counts: np.ndarray = np.add.reduce(same, axis=-1, dtype=np.uint8)
    return counts


class Labels:
    """Union-find as a label per doc: joining two groups relabels the smaller one (each doc is
    relabelled at most log2(n) times). Only the partition matters, not which label a group has."""

    def __init__(self, size: int) -> None:
        self.of = np.arange(size, dtype=np.int64)
        self._members: dict[int, list[int]] = {}

    def union(self, a: int, b: int) -> None:
        one, other = int(self.of[a]), int(self.of[b])
        if one == other:
            return
        kept = self._members.pop(one, None) or [one]
        moved = self._members.pop(other, None) or [other]
        if len(kept) < len(moved):
            one, kept, moved = other, moved, kept
        self.of[moved] = one
        kept += moved
        self._members[one] = kept


class ExactCheck:
    """Exact Jaccard similarity of the word-pair sets of docs, from their stored word ids.

    Pairs found below the threshold are remembered (a sorted array, merged once a band): they
    come back in later bands. Pairs above it need no record, because they are joined at once and
    a joined pair is never checked again.
    """

    def __init__(self, words: np.ndarray, offsets: np.ndarray, threshold: float) -> None:
        self.words, self.offsets, self.threshold = words, offsets, threshold
        self.n = np.int64(offsets.size - 1)
        self._failed = np.zeros(0, dtype=np.int64)
        self._fresh: list[np.ndarray] = []
        self._failed_once: set[int] = set()
        self._sets: dict[int, set[tuple[int, int]]] = {}

    def _keys(self, first: np.ndarray, second: np.ndarray) -> np.ndarray:
        low = np.minimum(first, second).astype(np.int64)
        keys: np.ndarray = low * self.n + np.maximum(first, second)
        return keys

    def _known_failures(self, keys: np.ndarray) -> np.ndarray:
        if not self._failed.size:
            return np.zeros(keys.size, dtype=bool)
        where = np.minimum(np.searchsorted(self._failed, keys), self._failed.size - 1)
        found: np.ndarray = self._failed[where] == keys
        return found

    def many(self, first: np.ndarray, second: np.ndarray) -> np.ndarray:
        """Whether each (first, second) pair reaches the threshold."""
        keys = self._keys(first, second)
        passed = np.zeros(keys.size, dtype=bool)
        todo = ~self._known_failures(keys)
        fresh, back = np.unique(keys[todo], return_inverse=True)
        if fresh.size:
            results = np.concatenate(
                [
                    self.similarities(part // self.n, part % self.n) >= self.threshold
                    for part in np.array_split(fresh, -(-fresh.size // _PAIR_BATCH))
                ]
            )
            passed[todo] = results[back]
            self._fresh.append(fresh[~results])
        return passed

    def one(self, a: int, b: int) -> bool:
        """Whether one pair reaches the threshold (Python sets: no numpy call per pair)."""
        key = min(a, b) * int(self.n) + max(a, b)
        if key in self._failed_once:
            return False
        if self._failed.size:
            where = min(int(np.searchsorted(self._failed, key)), self._failed.size - 1)
            if self._failed[where] == key:
                return False
        first, second = self._pairs(a), self._pairs(b)
        common = len(first & second)
        if common / (len(first) + len(second) - common) >= self.threshold:
            return True
        self._failed_once.add(key)
        return False

    def _pairs(self, doc: int) -> set[tuple[int, int]]:
        pairs = self._sets.get(doc)
        if pairs is None:
            ids = self.words[self.offsets[doc] : self.offsets[doc + 1]].tolist()
            pairs = set(zip(ids, ids[1:], strict=False))
            if len(self._sets) >= _SETS_KEPT:
                self._sets.clear()
            self._sets[doc] = pairs
        return pairs

    def remember(self) -> None:
        """Fold the failures found since the last call into the sorted record."""
        if self._failed_once:
            self._fresh.append(np.fromiter(self._failed_once, dtype=np.int64))
            self._failed_once = set()
        if self._fresh:
            self._failed = distinct(np.concatenate([self._failed, *self._fresh]))
            self._fresh = []

    def similarities(self, first: np.ndarray, second: np.ndarray) -> np.ndarray:
        """The exact Jaccard similarity of each (first, second) doc's word-pair set."""
        if self.words.dtype != np.uint16:
            return self._similarities_ranked(first, second)
        # Word ids below 2**16: (pair number, word pair, side) packs into one int64, and one
        # sort finds both the set sizes and the pairs the two sides share.
        codes = distinct(
            np.concatenate([self._pair_codes(first) << 1, (self._pair_codes(second) << 1) | 1])
        )
        owner = codes >> 33
        sizes = np.bincount(owner, minlength=first.size)
        values = codes >> 1
        common = np.bincount(owner[1:][values[1:] == values[:-1]], minlength=first.size)
        union_size = sizes - common
        return np.where(union_size > 0, common / np.maximum(union_size, 1), 0.0)

    def _pair_codes(self, docs: np.ndarray) -> np.ndarray:
        """(position in ``docs`` << 32 | word pair) of each word pair of each doc."""
        starts = self.offsets[docs]
        lengths = self.offsets[docs + 1] - starts
        words = self.words[ranges(starts, lengths)].astype(np.int64)
        owner = np.repeat(np.arange(docs.size, dtype=np.int64), lengths)
        same = owner[:-1] == owner[1:]
        codes: np.ndarray = ((owner[:-1] << 32) | (words[:-1] << 16) | words[1:])[same]
        return codes

    def _similarities_ranked(self, first: np.ndarray, second: np.ndarray) -> np.ndarray:
        """As ``similarities`` for vocabularies of 2**16 words or more: word pairs ranked."""
        docs, inverse = np.unique(np.concatenate([first, second]), return_inverse=True)
        starts = self.offsets[docs]
        lengths = self.offsets[docs + 1] - starts
        words = self.words[ranges(starts, lengths)].astype(np.uint64)
        owner = np.repeat(np.arange(docs.size), lengths)
        same = owner[:-1] == owner[1:]
        hashes = (words[:-1] * _BASE + words[1:])[same]
        owner = owner[:-1][same]
        values, ranks = np.unique(hashes, return_inverse=True)
        width = np.int64(max(values.size, 1))
        sets = distinct(owner.astype(np.int64) * width + ranks)
        bounds = np.searchsorted(sets // width, np.arange(docs.size + 1))
        set_sizes = np.diff(bounds)
        a, b = inverse[: first.size], inverse[first.size :]
        pairs = np.arange(first.size, dtype=np.int64)
        both = np.concatenate(
            [
                np.repeat(pairs, set_sizes[a]) * width
                + sets[ranges(bounds[a], set_sizes[a])] % width,
                np.repeat(pairs, set_sizes[b]) * width
                + sets[ranges(bounds[b], set_sizes[b])] % width,
            ]
        )
        both.sort()
        common = np.bincount(both[1:][both[1:] == both[:-1]] // width, minlength=first.size)
        union_size = set_sizes[a] + set_sizes[b] - common
        return np.where(union_size > 0, common / np.maximum(union_size, 1), 0.0)


class BandJoin:
    """Joins the buckets of each band into ``labels``, band after band, as the reference does."""

    def __init__(
        self,
        *,
        prints: np.ndarray,
        copies: np.ndarray,
        exact: ExactCheck,
        labels: Labels,
        threshold: float,
    ) -> None:
        self.prints, self.copies, self.exact, self.labels = prints, copies, exact, labels
        lowest = threshold - _ESTIMATE_MARGIN
        # The fewest equal slots whose share reaches ``lowest`` (the reference compares shares).
        self.need = next(c for c in range(SLOTS + 1) if c / SLOTS >= lowest)
        self.lowest = lowest

    def band(self, key: np.ndarray) -> None:
        """Join the buckets of one band (``key``: each doc's bucket key), in key order."""
        n = key.size
        order = np.argsort(key, kind="stable")
        ordered = key[order]
        starts = np.flatnonzero(np.r_[True, ordered[1:] != ordered[:-1]])
        sizes = np.diff(np.r_[starts, n])
        several = sizes > 1
        starts, sizes = starts[several], sizes[several]
        small = sizes <= _SMALL_BUCKET
        first, second, bucket = self._small_passes(order, starts, sizes, small)
        large = np.flatnonzero(~small).tolist()
        large.append(len(sizes))  # a sentinel: no bucket comes after it
        upcoming = 0
        union = self.labels.union
        # The pairs that pass, in buckets' order, between the large buckets around them.
        for begin in range(0, first.size, _PAIR_BATCH):
            end = begin + _PAIR_BATCH
            for one, other, at in zip(
                first[begin:end].tolist(),
                second[begin:end].tolist(),
                bucket[begin:end].tolist(),
                strict=True,
            ):
                while large[upcoming] < at:
                    self._large(order, starts, sizes, large[upcoming])
                    upcoming += 1
                union(one, other)
        for index in large[upcoming:-1]:
            self._large(order, starts, sizes, index)
        self.exact.remember()

    def _small_passes(
        self, order: np.ndarray, starts: np.ndarray, sizes: np.ndarray, small: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """The pairs of the small buckets estimated close, in different groups when the band
        starts and similar enough: (first, second, bucket), by bucket. In a small bucket every
        such pair is joined, so their order within it does not matter."""
        firsts, seconds, buckets = [], [], []
        prints = self.prints
        for size in np.unique(sizes[small]).tolist():
            chosen = np.flatnonzero(small & (sizes == size))
            docs = order[starts[chosen][:, None] + np.arange(size)]
            one, other = np.triu_indices(size, 1)
            step = max(1, 50_000 // len(one))
            for begin in range(0, len(chosen), step):
                part = docs[begin : begin + step]
                a, b = part[:, one], part[:, other]
                agree = agreement(prints[a], prints[b])
                keep = agree >= self.need
                rows = np.nonzero(keep)[0]
                # int32: a band of a million texts can keep tens of millions of pairs here.
                firsts.append(a[keep].astype(np.int32))
                seconds.append(b[keep].astype(np.int32))
                buckets.append(chosen[begin + rows].astype(np.int32))
        if not firsts:
            empty = np.zeros(0, dtype=np.int64)
            return empty, empty, empty
        first, second = np.concatenate(firsts), np.concatenate(seconds)
        bucket = np.concatenate(buckets)
        of = self.labels.of
        apart = of[first] != of[second]  # joined already: they stay joined
        first, second, bucket = first[apart], second[apart], bucket[apart]
        pick = np.argsort(bucket, kind="stable")
        first, second, bucket = first[pick], second[pick], bucket[pick]
        passes = self.exact.many(first, second)
        return first[passes], second[passes], bucket[passes]

    def _large(self, order: np.ndarray, starts: np.ndarray, sizes: np.ndarray, index: int) -> None:
        """A bucket of many texts, by the reference's sequential rule: each text is compared
        with the first text of each group met so far in the bucket (its leaders) and with the
        texts just before it, never with one already in its own group; the best few by estimate
        get the exact check."""
        start, size = int(starts[index]), int(sizes[index])
        bucket = order[start : start + size]
        bucket = bucket[np.argsort(-self.copies[bucket], kind="stable")]
        of = self.labels.of
        labels = of[bucket]
        if (labels == labels[0]).all():
            return  # joined already, through an earlier band
        _LargeBucket(self, bucket).run()


class _LargeBucket:
    """One large bucket's pass (see ``BandJoin._large``)."""

    def __init__(self, join: BandJoin, bucket: np.ndarray) -> None:
        self.join = join
        self.bucket = bucket
        self.docs: list[int] = bucket.tolist()
        self.prints = join.prints[bucket]
        self.leaders: list[int] = []  # positions in the bucket
        self.with_leader: list[np.ndarray] = []  # agreement of every text with each leader
        # near[i, k]: agreement of text i with text i - 1 - k; rows filled up to _near_done.
        self.near = np.zeros((bucket.size, _WINDOW), dtype=np.uint8)
        self._near_done = 0

    def _near_until(self, end: int) -> None:
        begin = self._near_done
        if end <= begin:
            return
        prints = self.prints
        for back in range(1, _WINDOW + 1):
            first = max(begin, back)
            if first >= end:
                break
            self.near[first:end, back - 1] = agreement(
                prints[first:end], prints[first - back : end - back]
            )
        self._near_done = end

    def _leader_mask(self, leader: int, agree: np.ndarray, begin: int, end: int) -> np.ndarray:
        """Positions begin..end estimated close to ``leader`` and not in its group."""
        of = self.join.labels.of
        mask = np.zeros(end - begin, dtype=bool)
        first = max(begin, leader + 1)
        if first < end:
            mask[first - begin :] = (agree[first:end] >= self.join.need) & (
                of[self.bucket[first:end]] != of[self.docs[leader]]
            )
        return mask

    def _may_lead(self, begin: int, end: int) -> np.ndarray:
        """Positions begin..end that would become leaders if nothing else happened."""
        if len(self.leaders) >= _BUCKET_GROUPS:
            return np.zeros(end - begin, dtype=bool)
        of = self.join.labels.of
        return ~np.isin(of[self.bucket[begin:end]], of[self.bucket[self.leaders]])

    def run(self) -> None:
        """The rule for every position that can change something. A position is skipped when
        no leader or window text is estimated close enough and in another group, and it cannot
        lead: the rule would do nothing there. Joins only remove candidates, so a mask computed
        for a run of positions stays a superset until a new leader comes."""
        size = len(self.docs)
        need = self.join.need
        of = self.join.labels.of
        position, run = 0, _FIRST_RUN
        while position < size:
            end = min(size, position + run)
            low = max(0, position - _WINDOW)
            labels = of[self.bucket[low:end]]
            leader_labels = of[self.bucket[self.leaders]]
            one_group = bool(self.leaders) and (labels == leader_labels[0]).all()
            if one_group and (leader_labels == leader_labels[0]).all():
                position, run = end, min(2 * run, _LONGEST_RUN)
                continue  # one group: no candidate, no new leader
            self._near_until(end)
            near = self.near[position:end]
            here = labels[position - low :]
            close = np.zeros(end - position, dtype=bool)
            for back in range(1, _WINDOW + 1):
                first = max(position, back)
                if first >= end:
                    break
                before = labels[first - back - low : end - back - low]
                close[first - position :] |= (near[first - position :, back - 1] >= need) & (
                    before != here[first - position :]
                )
            for leader, agree in zip(self.leaders, self.with_leader, strict=True):
                close |= self._leader_mask(leader, agree, position, end)
            lead = self._may_lead(position, end)
            todo = np.flatnonzero(close | lead).tolist()
            next_one = 0
            while next_one < len(todo):
                at = todo[next_one] + position
                next_one += 1
                if self._step(at, near[at - position].tolist()):
                    # A new leader: its candidates join the mask, and fewer texts may lead.
                    close[at + 1 - position :] |= self._leader_mask(
                        at, self.with_leader[-1], at + 1, end
                    )
                    lead[at + 1 - position :] = self._may_lead(at + 1, end)
                    rest = close[at + 1 - position :] | lead[at + 1 - position :]
                    todo = (np.flatnonzero(rest) + at + 1 - position).tolist()
                    next_one = 0
            position, run = end, min(2 * run, _LONGEST_RUN)

    def _step(self, position: int, near: list[int]) -> bool:
        """The rule for the text at ``position``; True when it became a leader."""
        of = self.join.labels.of
        docs = self.docs
        doc = docs[position]
        root = of[doc]
        agree: dict[int, int] = {}
        for leader, row in zip(self.leaders, self.with_leader, strict=True):
            agree[leader] = int(row[position])
        for back in range(min(_WINDOW, position), 0, -1):  # oldest first
            agree.setdefault(position - back, near[back - 1])
        candidates = [c for c in agree if of[docs[c]] != root]
        if candidates:
            # Best estimate first; equal ones in the order met (leaders, then nearest last).
            ranked = sorted(candidates, key=lambda c: -agree[c])
            checked = 0
            need, limit = self.join.need, _EXACT_CHECKS
            for candidate in ranked:
                if agree[candidate] < need or checked == limit:
                    break
                other = docs[candidate]
                if of[other] == of[doc]:
                    continue
                checked += 1
                if self.join.exact.one(doc, other):
                    self.join.labels.union(doc, other)
        root = of[doc]
        if len(self.leaders) < _BUCKET_GROUPS and all(
            of[docs[leader]] != root for leader in self.leaders
        ):
            self.leaders.append(position)
            self.with_leader.append(agreement(self.prints, self.prints[position]))
            return True
        return False
