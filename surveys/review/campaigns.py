"""Campaign and duplicate detection: submissions whose free text is identical or nearly so.

A standard-text campaign sends the same words many times, lightly edited and often signed; a
respondent may also send the same response twice. Conclusions count such submissions as their own
group, so this job groups the sent submissions of a consultation whose concatenated free-text
answers have a Jaccard similarity of at least 0.8 (``textkit.minhash``: MinHash with banded
locality-sensitive hashing, candidate pairs checked exactly), and keeps the groups' labels and
confirmations from one run to the next. Every change of a submission's group is audited.
"""

from __future__ import annotations

import time
from array import array
from collections import Counter
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, cast

from django.core.exceptions import ValidationError
from django.db import transaction
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
from surveys.review.petitions import petition_group_ids
from surveys.review.services import FIELD_CAMPAIGN, events_record
from textkit.minhash import (
    DEFAULT_THRESHOLD,
    LOWEST_THRESHOLD,
    MIN_CHARS,
    PARAGRAPH_BREAK,
)
from textkit.nearduplicates import NearDuplicates, Progress

if TYPE_CHECKING:
    from django.contrib.auth.models import User

REPRESENTATIVE_CHARS = 2000
# Members assigned to their group per UPDATE (SQLite allows 32,766 parameters a statement).
_ASSIGN_BATCH = 5000
# Progress is reported every so many submissions read.
_PROGRESS_EVERY = 20_000


# --- The job over a consultation ---------------------------------------------------------------


@dataclass(frozen=True)
class CampaignDetection:
    submissions: int  # sent submissions with free text
    grouped: int  # of which in a group
    groups: int
    kept: int  # groups of an earlier run found again (label and confirmation kept)
    removed: int  # groups of an earlier run not found again
    seconds: float


def _campaign_texts(
    consultation: Consultation, only: list[int] | None = None
) -> Iterator[tuple[int, int | None, str]]:
    """(submission id, current group id, concatenated free text) of each sent submission with
    free text (of the submissions ``only``, when given), streamed from one query in question
    order."""
    answers = Answer.objects.filter(
        consultation=consultation,
        question__kind=QuestionKind.TEXT,
        submission__state=SubmissionState.SUBMITTED,
    )
    if only is not None:
        answers = answers.filter(submission_id__in=only)
    rows = (
        answers.exclude(text="")
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


@dataclass(frozen=True)
class _Found:
    """What detection found: each text's submission and earlier group, and the groups as
    indices into them, with the index of each group's representative (the text most members
    sent, as they wrote it)."""

    ids: array[int]
    previous: array[int]  # earlier group id, 0 for none
    groups: list[list[int]]
    representatives: list[int]


def _find(
    consultation: Consultation, threshold: float, min_chars: int, progress: Progress | None
) -> _Found:
    """Stream the texts into the near-duplicate index, then group them. Only compact arrays
    are kept per submission: its id, earlier group and a hash of its text."""
    total = (
        Submission.objects.filter(consultation=consultation, state=SubmissionState.SUBMITTED)
        .order_by()
        .count()
    )
    index = NearDuplicates(threshold=threshold, min_chars=min_chars, expected=total)
    ids, previous, hashes = array("q"), array("q"), array("q")
    for submission_id, group_id, text in _campaign_texts(consultation):
        ids.append(submission_id)
        previous.append(group_id or 0)
        hashes.append(hash(text))
        index.add(text)
        if progress is not None and len(ids) % _PROGRESS_EVERY == 0:
            progress("read", len(ids), max(total, len(ids)))
    if progress is not None:
        progress("read", len(ids), len(ids))
    groups = index.groups(progress)
    del index
    # Most often sent first; among texts sent as often, the one sent first (Counter's order).
    representatives = []
    for indices in groups:
        counts = Counter(hashes[i] for i in indices)
        best = counts.most_common(1)[0][0]
        representatives.append(next(i for i in indices if hashes[i] == best))
    return _Found(ids, previous, groups, representatives)


def _texts_of(consultation: Consultation, submission_ids: list[int]) -> dict[int, str]:
    """The concatenated free text of a few submissions, as ``_campaign_texts`` makes it."""
    texts: dict[int, str] = {}
    for start in range(0, len(submission_ids), _ASSIGN_BATCH):
        chosen = submission_ids[start : start + _ASSIGN_BATCH]
        for submission_id, _group, text in _campaign_texts(consultation, chosen):
            texts[submission_id] = text
    return texts


def _representative(text: str) -> str:
    """A group's most sent text, each paragraph once: a campaign's text pasted into several
    questions is shown one time."""
    paragraphs = dict.fromkeys(p.strip() for p in PARAGRAPH_BREAK.split(text) if p.strip())
    return "\n\n".join(paragraphs)[:REPRESENTATIVE_CHARS]


def _label_number(label: str) -> int:
    digits = label[1:] if label[:1] == "C" else ""
    return int(digits) if digits.isdigit() else 0


def _assign(
    consultation: Consultation, pairs: list[tuple[int, int]], petitions: Sequence[int]
) -> None:
    """Point each (submission id, group id) at its group; all others of the consultation at none
    (but a petition's record, whose group staff entered: ``petitions``).

    One UPDATE per group and batch of members: a campaign of 40,000 copies is 8 statements.
    """
    Submission.objects.filter(consultation=consultation, campaign_group__isnull=False).exclude(
        campaign_group__in=petitions
    ).update(campaign_group=None)
    by_group: dict[int, list[int]] = {}
    for submission_id, group_id in pairs:
        by_group.setdefault(group_id, []).append(submission_id)
    for group_id, ids in by_group.items():
        for start in range(0, len(ids), _ASSIGN_BATCH):
            Submission.objects.filter(pk__in=ids[start : start + _ASSIGN_BATCH]).update(
                campaign_group_id=group_id
            )


def campaign_detect(
    *,
    consultation: Consultation,
    threshold: float = DEFAULT_THRESHOLD,
    min_chars: int = MIN_CHARS,
    actor: User | None = None,
    progress: Progress | None = None,
) -> CampaignDetection:
    """Group the consultation's sent submissions by near-identical free text.

    Membership is computed afresh each run. A group found again (most of its members were in
    the same earlier group) keeps that group's label and confirmation; earlier groups not found
    again are deleted. Drafts and withdrawn submissions are not grouped. Every submission whose
    group changes gets an audit event, by ``actor`` (None: the system, as the command runs).
    ``progress(stage, done, total)`` hears how far it is: "read", "compare", "write".
    """
    started = time.perf_counter()
    if not LOWEST_THRESHOLD <= threshold <= 1:
        raise ValidationError(
            _("The similarity threshold must be between %(lowest)s and 1.")
            % {"lowest": LOWEST_THRESHOLD}
        )
    found = _find(consultation, threshold, min_chars, progress)
    if progress is not None:
        progress("write", 0, len(found.groups))
    texts = _texts_of(consultation, [found.ids[i] for i in found.representatives])
    with transaction.atomic():
        kept, removed, grouped = _write(consultation, found, texts, threshold, actor)
    if progress is not None:
        progress("write", len(found.groups), len(found.groups))
    return CampaignDetection(
        submissions=len(found.ids),
        grouped=grouped,
        groups=len(found.groups),
        kept=kept,
        removed=removed,
        seconds=time.perf_counter() - started,
    )


def _write(
    consultation: Consultation,
    found: _Found,
    texts: dict[int, str],
    threshold: float,
    actor: User | None,
) -> tuple[int, int, int]:
    """Label, size and assign the groups found; audit every change; drop vanished groups.
    Returns (groups kept, groups removed, submissions grouped)."""
    ids, previous = found.ids, found.previous
    # A petition's group was entered by staff with its standard text: detection leaves it be.
    petitions = petition_group_ids(consultation)
    existing = {
        group.pk: group
        for group in CampaignGroup.objects.select_for_update()
        .filter(consultation=consultation)
        .exclude(pk__in=petitions)
    }
    next_number = max((_label_number(g.label) for g in existing.values()), default=0)
    now = timezone.now()
    reused: dict[int, CampaignGroup] = {}
    created: list[CampaignGroup] = []
    members: list[tuple[CampaignGroup, list[int]]] = []
    for indices, representative in zip(found.groups, found.representatives, strict=True):
        earlier = Counter(previous[i] for i in indices if previous[i] in existing)
        match = next((pk for pk, _n in earlier.most_common() if pk not in reused), None)
        if match is not None:
            group = reused[match] = existing[match]
        else:
            next_number += 1
            group = CampaignGroup(consultation=consultation, label=f"C{next_number}")
            created.append(group)
        group.size = len(indices)
        group.representative_text = _representative(texts.get(ids[representative], ""))
        group.detected_at = now
        members.append((group, indices))
    CampaignGroup.objects.bulk_create(created, batch_size=1000)
    CampaignGroup.objects.bulk_update(
        reused.values(), ["size", "representative_text", "detected_at"], batch_size=500
    )
    pairs = [(ids[i], group.pk) for group, indices in members for i in indices]
    before = dict(
        Submission.objects.filter(consultation=consultation, campaign_group__isnull=False)
        .exclude(campaign_group__in=petitions)
        .order_by()
        .values_list("pk", "campaign_group_id")
    )
    _assign(consultation, pairs, petitions)
    # Looked up with None too: a submission in no group before or after has none.
    groups = cast(
        "dict[int | None, CampaignGroup]",
        {**existing, **{group.pk: group for group, _indices in members}},
    )
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
    return len(reused), len(stale), len(pairs)


def _group_state(group: CampaignGroup | None) -> str:
    if group is None:
        return ""
    state = _("confirmed") if group.confirmed else _("detected")
    return f"{group.label} ({state})"


@transaction.atomic
def campaign_groups_confirm(
    *, groups: QuerySet[CampaignGroup], actor: User | None, confirmed: bool = True, note: str = ""
) -> int:
    """Mark groups as confirmed campaigns (or back to merely detected); audits every member.

    Returns how many groups changed.
    """
    changing = list(groups.select_for_update().exclude(confirmed=confirmed))
    at = timezone.now()
    events: list[ReviewEvent] = []
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
    *, submission: Submission, group: CampaignGroup | None, actor: User | None, note: str = ""
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
