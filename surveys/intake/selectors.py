"""What the staff entry pages and the submission page read about entered responses."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet

from surveys.intake.services import ENTRY_CHANNELS
from surveys.models import (
    Channel,
    Consultation,
    GeneralComment,
    OriginalDocument,
    Submission,
    SubmissionState,
)


def entries_in_progress() -> QuerySet[Submission]:
    """Staff entries started and not yet entered, most recently changed first."""
    return (
        Submission.objects.filter(
            state=SubmissionState.DRAFT,
            entered_by__isnull=False,
            channel__in=ENTRY_CHANNELS,
        )
        .select_related("consultation", "entered_by")
        .order_by("-updated_at", "-pk")
    )


def entry_draft(*, submission_id: int) -> Submission | None:
    """The staff entry in progress ``submission_id`` with its consultation, or None."""
    return entries_in_progress().filter(pk=submission_id).first()


def consultations_for_entry() -> QuerySet[Consultation]:
    """The consultations a response can be entered for: published ones, newest first."""
    return Consultation.objects.published().order_by("-opens_at", "pk")


def entry_originals(*, submission: Submission) -> list[OriginalDocument]:
    return list(
        OriginalDocument.objects.filter(submission=submission).order_by("uploaded_at", "pk")
    )


def entry_comments(*, submission: Submission) -> str:
    comment = GeneralComment.objects.filter(submission=submission).only("text").first()
    return comment.text if comment else ""


def submission_intake(*, submission: Submission, papers: bool) -> dict[str, Any]:
    """How ``submission`` reached us, for its admin page: channel, when received, who entered
    it, the general comments and (for staff who may read papers) the original documents.

    A web response has neither general comments nor originals: its page reads nothing more
    (two queries more for a response that came another way)."""
    details: dict[str, Any] = {
        "intake_channel": submission.get_channel_display(),
        "intake_received_at": submission.received_at,
        "intake_entered_by": submission.entered_by.get_username() if submission.entered_by else "",
        "general_comments": "",
        "originals": [],
        "originals_count": 0,
    }
    if submission.channel == Channel.WEB:
        return details
    details["general_comments"] = entry_comments(submission=submission)
    if papers:
        details["originals"] = entry_originals(submission=submission)
        details["originals_count"] = len(details["originals"])
    else:
        details["originals_count"] = OriginalDocument.objects.filter(submission=submission).count()
    return details
