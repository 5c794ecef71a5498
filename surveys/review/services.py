"""Review services: a submission's review status, exclusion reason and staff notes.

Every change writes a ``ReviewEvent`` (who, when, which field, from, to, why) in the same
transaction, so the audit trail and the data cannot disagree. Staff never change what a
respondent said; these services touch the review fields only.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from surveys.models import (
    ExclusionReason,
    ReviewEvent,
    ReviewStatus,
    Submission,
    SubmissionState,
)

if TYPE_CHECKING:
    import datetime as dt

    from django.contrib.auth.models import User

# ReviewEvent.field values written by the review, theme and campaign services.
FIELD_STATUS = "review_status"
FIELD_REASON = "exclusion_reason"
FIELD_NOTES = "reviewer_notes"
FIELD_THEMES = "themes"
FIELD_CAMPAIGN = "campaign_group"
FIELD_ENTERED = "entered"  # a response received by email, post or fax entered by staff

_BATCH = 2000


@dataclass(frozen=True)
class BulkReviewResult:
    changed: int
    unchanged: int
    skipped_drafts: int


def review_decision_check(*, status: str, reason: str, note: str) -> tuple[str, str]:
    """The (status, exclusion reason) to store, or ValidationError for an incomplete decision."""
    if status not in ReviewStatus.values:
        raise ValidationError(
            _("Unknown review status “%(status)s”."), code="status", params={"status": status}
        )
    if status != ReviewStatus.EXCLUDED:
        if reason:
            raise ValidationError(
                _("An exclusion reason applies only when a submission is excluded."),
                code="reason_not_excluded",
            )
        return status, ""
    if not reason:
        raise ValidationError(
            _("Give the reason for excluding: duplicate, spam, out of scope, withdrawn or other."),
            code="reason_required",
        )
    if reason not in ExclusionReason.values:
        raise ValidationError(
            _("Unknown exclusion reason “%(reason)s”."), code="reason", params={"reason": reason}
        )
    if reason == ExclusionReason.OTHER and not note.strip():
        raise ValidationError(
            _("Excluding for another reason needs a note saying what it is."),
            code="note_required",
        )
    return status, reason


def _events(
    submission_id: int,
    old: tuple[str, str],
    new: tuple[str, str],
    actor: User | None,
    note: str,
    at: dt.datetime,
) -> list[ReviewEvent]:
    events = []
    for field, before, after in (
        (FIELD_STATUS, old[0], new[0]),
        (FIELD_REASON, old[1], new[1]),
    ):
        if before != after:
            events.append(
                ReviewEvent(
                    submission_id=submission_id,
                    actor=actor,
                    at=at,
                    field=field,
                    old_value=before,
                    new_value=after,
                    reason=note,
                )
            )
    return events


@transaction.atomic
def review_set(
    *,
    submission: Submission,
    status: str,
    actor: User | None,
    reason: str = "",
    note: str = "",
) -> bool:
    """Set a submission's review status; ``reason`` is required when excluding.

    ``note`` says why, and is stored with the audit events. Returns False (and writes nothing)
    when the submission already has that status and reason. Drafts cannot be reviewed.
    """
    note = note.strip()
    status, reason = review_decision_check(status=status, reason=reason, note=note)
    locked = Submission.objects.select_for_update().get(pk=submission.pk)
    if locked.state == SubmissionState.DRAFT:
        raise ValidationError(
            _("%(reference)s is an unfinished draft; only sent submissions are reviewed."),
            code="draft",
            params={"reference": locked.reference},
        )
    old = (locked.review_status, locked.exclusion_reason)
    if old == (status, reason):
        return False
    Submission.objects.filter(pk=locked.pk).update(review_status=status, exclusion_reason=reason)
    ReviewEvent.objects.bulk_create(
        _events(locked.pk, old, (status, reason), actor, note, timezone.now())
    )
    submission.review_status, submission.exclusion_reason = status, reason
    return True


@transaction.atomic
def review_set_bulk(
    *,
    submissions: QuerySet[Submission],
    status: str,
    actor: User | None,
    reason: str = "",
    note: str = "",
) -> BulkReviewResult:
    """``review_set`` for many submissions at once: one audit event per changed field and row.

    Drafts in the selection are left alone and counted in ``skipped_drafts``.
    """
    note = note.strip()
    status, reason = review_decision_check(status=status, reason=reason, note=note)
    # Re-selected by primary key: the caller's queryset may carry DISTINCT or joins, which
    # cannot be locked FOR UPDATE.
    rows = list(
        Submission.objects.filter(pk__in=submissions.order_by().values("pk"))
        .select_for_update()
        .order_by("pk")
        .values_list("pk", "state", "review_status", "exclusion_reason")
    )
    skipped = sum(1 for _pk, state, _s, _r in rows if state == SubmissionState.DRAFT)
    changing = [
        (pk, (old_status, old_reason))
        for pk, state, old_status, old_reason in rows
        if state != SubmissionState.DRAFT and (old_status, old_reason) != (status, reason)
    ]
    at = timezone.now()
    for start in range(0, len(changing), _BATCH):
        batch = changing[start : start + _BATCH]
        Submission.objects.filter(pk__in=[pk for pk, _old in batch]).update(
            review_status=status, exclusion_reason=reason
        )
        events: list[ReviewEvent] = []
        for pk, old in batch:
            events.extend(_events(pk, old, (status, reason), actor, note, at))
        ReviewEvent.objects.bulk_create(events)
    return BulkReviewResult(
        changed=len(changing), unchanged=len(rows) - len(changing) - skipped, skipped_drafts=skipped
    )


@transaction.atomic
def notes_set(*, submission: Submission, notes: str, actor: User | None) -> bool:
    """Replace the reviewers' notes on a submission; the audit keeps the previous text."""
    notes = notes.strip()
    locked = Submission.objects.select_for_update().get(pk=submission.pk)
    if locked.reviewer_notes == notes:
        return False
    Submission.objects.filter(pk=locked.pk).update(reviewer_notes=notes)
    ReviewEvent.objects.create(
        submission_id=locked.pk,
        actor=actor,
        field=FIELD_NOTES,
        old_value=locked.reviewer_notes,
        new_value=notes,
    )
    submission.reviewer_notes = notes
    return True


def events_record(events: Iterable[ReviewEvent]) -> int:
    """Store audit events written by other staff services (themes, campaigns) in batches."""
    batch: list[ReviewEvent] = []
    count = 0
    for event in events:
        batch.append(event)
        if len(batch) >= _BATCH:
            ReviewEvent.objects.bulk_create(batch)
            count += len(batch)
            batch = []
    if batch:
        ReviewEvent.objects.bulk_create(batch)
        count += len(batch)
    return count
