"""Campaign and duplicate detection: submissions whose free text is identical or nearly so.

A standard-text campaign sends the same words many times, lightly edited and often signed; a
respondent may also send the same response twice. Conclusions count such submissions as their own
group, so this job groups the sent submissions of a consultation whose concatenated free-text
answers have a Jaccard similarity of at least 0.8, and joins chains of such pairs into one group.

Texts are compared as sets of word pairs (2-word shingles), where a "word" is a run of letters or
digits in alphabetic scripts and a single character in Chinese (which has no spaces, and where one
character carries about as much as a short word). Short closing paragraphs without sentence
punctuation, the signer's name, are left out of the comparison: a campaign's copies differ in
their signatures by design.

Comparing every pair is quadratic; at 100,000 submissions it is not an option. The job therefore:

1. reads (submission, text) rows in one streamed query and joins each submission's texts;
2. splits them into words (NFKC, case-folded) and collapses exact copies;
3. hashes every shingle once (numpy) and gives each distinct text a 128-slot MinHash signature by
   one-permutation hashing: the hash's top bits pick a slot, the slot keeps its smallest value,
   empty slots are filled from the next full one ("rotation densification");
4. cuts the signatures into 16 bands of 8 slots (locality-sensitive hashing): texts that agree on
   a whole band share a bucket. Within a bucket, texts are compared (the most often sent first)
   by the share of equal signature slots, a cheap estimate, and the promising pairs by the exact
   Jaccard similarity of their shingle sets;
5. joins the pairs that pass with union-find.

A pair at similarity 0.9 shares a band with probability 0.9998, at 0.8 with 0.95 (the rest of a
campaign usually joins it through the standard text), at 0.5 with 0.06.

Texts shorter than ``MIN_CHARS`` letters and digits ("No comment.", "Agree") are left out:
identical short answers are common and are not a campaign.
"""

from __future__ import annotations

import re
import time
import unicodedata
from collections import Counter
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

import numpy as np
from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from surveys.models import (
    Answer,
    CampaignGroup,
    Consultation,
    QuestionKind,
    ReviewEvent,
    Submission,
    SubmissionState,
)
from surveys.review import FIELD_CAMPAIGN, events_record

SHINGLE = 2
SLOTS = 128
# Slots per band: 8 (16 bands) for thresholds from 0.75, 4 (32 bands) down to the lowest
# threshold offered, 0.5, where a pair at the threshold still shares a band 87 times in 100.
ROWS_HIGH, ROWS_LOW = 8, 4
LOWEST_THRESHOLD = 0.5
MIN_CHARS = 30
DEFAULT_THRESHOLD = 0.8
REPRESENTATIVE_CHARS = 2000
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
_PARAGRAPH = re.compile(r"\n\s*\n")
_CJK = "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0003134f"
_WORD = re.compile(rf"[{_CJK}]|[^\W_{_CJK}]+")


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
    paragraphs = _PARAGRAPH.split(text.strip())
    if len(paragraphs) == 1:
        return text
    return "\n\n".join(p for p in paragraphs if not _is_signature(p))


def words(text: str) -> list[str]:
    """Case-folded words of ``text``; each Chinese character is a word of its own."""
    return _WORD.findall(unicodedata.normalize("NFKC", text).casefold())


def _mix(values: np.ndarray) -> np.ndarray:
    """splitmix64's finaliser: spreads every input bit over the whole word (wrapping uint64)."""
    values = values ^ (values >> np.uint64(30))
    values = values * np.uint64(0xBF58476D1CE4E5B9)
    values = values ^ (values >> np.uint64(27))
    values = values * np.uint64(0x94D049BB133111EB)
    return values ^ (values >> np.uint64(31))


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
        if sum(map(len, tokens)) < min_chars:
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
    for index, doc in enumerate(doc_of):
        if doc >= 0:
            members.setdefault(union.find(doc), []).append(index)
    groups = [group for group in members.values() if len(group) > 1]
    groups.sort(key=lambda group: (-len(group), group[0]))
    return groups


# --- The job over a consultation ---------------------------------------------------------------


@dataclass(frozen=True)
class CampaignDetection:
    submissions: int  # sent submissions with free text
    grouped: int  # of which in a group
    groups: int
    kept: int  # groups of an earlier run found again (label and confirmation kept)
    removed: int  # groups of an earlier run not found again
    seconds: float


def _campaign_texts(consultation: Consultation) -> Iterator[tuple[int, int | None, str]]:
    """(submission id, current group id, concatenated free text) of each sent submission with
    free text, streamed from one query in question order."""
    rows = (
        Answer.objects.filter(
            consultation=consultation,
            question__kind=QuestionKind.TEXT,
            submission__state=SubmissionState.SUBMITTED,
        )
        .exclude(text="")
        .order_by("submission_id", "question__order")
        .values_list("submission_id", "submission__campaign_group_id", "text")
        .iterator(chunk_size=20_000)
    )
    current: int | None = None
    group: int | None = None
    parts: list[str] = []
    for submission_id, group_id, text in rows:
        if submission_id != current:
            if current is not None:
                yield current, group, "\n\n".join(parts)
            current, group, parts = submission_id, group_id, []
        parts.append(text)
    if current is not None:
        yield current, group, "\n\n".join(parts)


def _representative(texts: list[str]) -> str:
    """The text most members sent, as they wrote it, each paragraph once: a campaign's text
    pasted into several questions is shown one time."""
    text = Counter(texts).most_common(1)[0][0]
    paragraphs = dict.fromkeys(p.strip() for p in _PARAGRAPH.split(text) if p.strip())
    return "\n\n".join(paragraphs)[:REPRESENTATIVE_CHARS]


def _label_number(label: str) -> int:
    digits = label[1:] if label[:1] == "C" else ""
    return int(digits) if digits.isdigit() else 0


def _assign(consultation: Consultation, pairs: list[tuple[int, int]]) -> None:
    """Point each (submission id, group id) at its group; all others of the consultation at none."""
    Submission.objects.filter(consultation=consultation, campaign_group__isnull=False).update(
        campaign_group=None
    )
    if not pairs:
        return
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(
                "UPDATE surveys_submission AS s SET campaign_group_id = v.group_id "
                "FROM unnest(%s::bigint[], %s::bigint[]) AS v(id, group_id) WHERE s.id = v.id",
                [[s for s, _g in pairs], [g for _s, g in pairs]],
            )
        return
    by_group: dict[int, list[int]] = {}
    for submission_id, group_id in pairs:
        by_group.setdefault(group_id, []).append(submission_id)
    for group_id, ids in by_group.items():
        for start in range(0, len(ids), 500):
            Submission.objects.filter(pk__in=ids[start : start + 500]).update(
                campaign_group_id=group_id
            )


@transaction.atomic
def campaign_detect(
    *,
    consultation: Consultation,
    threshold: float = DEFAULT_THRESHOLD,
    min_chars: int = MIN_CHARS,
    actor: object = None,
) -> CampaignDetection:
    """Group the consultation's sent submissions by near-identical free text.

    Membership is computed afresh each run. A group found again (most of its members were in
    the same earlier group) keeps that group's label and confirmation; earlier groups not found
    again are deleted. Drafts and withdrawn submissions are not grouped. Every submission whose
    group changes gets an audit event, by ``actor`` (None: the system, as the command runs).
    """
    started = time.perf_counter()
    if not LOWEST_THRESHOLD <= threshold <= 1:
        raise ValidationError(
            _("The similarity threshold must be between %(lowest)s and 1.")
            % {"lowest": LOWEST_THRESHOLD}
        )
    ids: list[int] = []
    previous: list[int | None] = []
    texts: list[str] = []
    for submission_id, group_id, text in _campaign_texts(consultation):
        ids.append(submission_id)
        previous.append(group_id)
        texts.append(text)
    found = near_duplicate_groups(texts, threshold=threshold, min_chars=min_chars)

    existing = {
        group.pk: group
        for group in CampaignGroup.objects.select_for_update().filter(consultation=consultation)
    }
    next_number = max((_label_number(g.label) for g in existing.values()), default=0)
    now = timezone.now()
    reused: dict[int, CampaignGroup] = {}
    created: list[CampaignGroup] = []
    members: list[tuple[CampaignGroup, list[int]]] = []
    for indices in found:
        earlier = Counter(previous[i] for i in indices if previous[i] in existing)
        match = next((pk for pk, _n in earlier.most_common() if pk not in reused), None)
        if match is not None:
            group = reused[match] = existing[match]
        else:
            next_number += 1
            group = CampaignGroup(consultation=consultation, label=f"C{next_number}")
            created.append(group)
        group.size = len(indices)
        group.representative_text = _representative([texts[i] for i in indices])

        group.detected_at = now
        members.append((group, indices))
    CampaignGroup.objects.bulk_create(created, batch_size=1000)
    CampaignGroup.objects.bulk_update(
        reused.values(), ["size", "representative_text", "detected_at"], batch_size=500
    )
    pairs = [(ids[i], group.pk) for group, indices in members for i in indices]
    before = dict(
        Submission.objects.filter(consultation=consultation, campaign_group__isnull=False)
        .order_by()
        .values_list("pk", "campaign_group_id")
    )
    _assign(consultation, pairs)
    groups = {**existing, **{group.pk: group for group, _indices in members}}
    after = dict(pairs)
    note = _("Campaign detection (similarity %(threshold)s)") % {"threshold": threshold}
    events_record(
        ReviewEvent(
            submission_id=pk,
            actor=actor,
            at=now,
            field=FIELD_CAMPAIGN,
            old_value=_group_state(groups.get(before.get(pk))),
            new_value=_group_state(groups.get(after.get(pk))),
            reason=note,
        )
        for pk in sorted(before.keys() | after.keys())
        if before.get(pk) != after.get(pk)
    )
    stale = [pk for pk in existing if pk not in reused]
    CampaignGroup.objects.filter(pk__in=stale).delete()
    return CampaignDetection(
        submissions=len(ids),
        grouped=len(pairs),
        groups=len(found),
        kept=len(reused),
        removed=len(stale),
        seconds=time.perf_counter() - started,
    )


def _group_state(group: CampaignGroup | None) -> str:
    if group is None:
        return ""
    state = _("confirmed") if group.confirmed else _("detected")
    return f"{group.label} ({state})"


@transaction.atomic
def campaign_groups_confirm(
    *, groups: QuerySet[CampaignGroup], actor: object, confirmed: bool = True, note: str = ""
) -> int:
    """Mark groups as confirmed campaigns (or back to merely detected); audits every member.

    Returns how many groups changed.
    """
    changing = list(groups.select_for_update().exclude(confirmed=confirmed))
    at = timezone.now()
    events = []
    for group in changing:
        before = _group_state(group)
        group.confirmed = confirmed
        after = _group_state(group)
        events.extend(
            ReviewEvent(
                submission_id=submission_id,
                actor=actor,
                at=at,
                field=FIELD_CAMPAIGN,
                old_value=before,
                new_value=after,
                reason=note.strip(),
            )
            for submission_id in group.submissions.values_list("pk", flat=True).iterator()
        )
    CampaignGroup.objects.filter(pk__in=[g.pk for g in changing]).update(confirmed=confirmed)
    events_record(events)
    return len(changing)


@transaction.atomic
def submission_campaign_set(
    *, submission: Submission, group: CampaignGroup | None, actor: object, note: str = ""
) -> bool:
    """Move one submission into ``group`` (or out of any group); sizes follow."""
    locked = (
        Submission.objects.select_for_update(of=("self",))
        .select_related("campaign_group")
        .get(pk=submission.pk)
    )
    if group is not None and group.consultation_id != locked.consultation_id:
        raise ValidationError(_("The campaign group belongs to another consultation."))
    old = locked.campaign_group
    if (old.pk if old else None) == (group.pk if group else None):
        return False
    Submission.objects.filter(pk=locked.pk).update(campaign_group=group)
    for changed in (old, group):
        if changed is not None:
            CampaignGroup.objects.filter(pk=changed.pk).update(
                size=Submission.objects.filter(campaign_group=changed).count()
            )
    ReviewEvent.objects.create(
        submission_id=locked.pk,
        actor=actor,
        field=FIELD_CAMPAIGN,
        old_value=_group_state(old),
        new_value=_group_state(group),
        reason=note.strip(),
    )
    submission.campaign_group = group
    return True
