"""When a respondent may write: the consultation's status, in Hong Kong time, decides.

The services enforce these rules; the views ask them too, to show a clear page instead of a form
that would be refused.
"""

from __future__ import annotations

import datetime as dt

from surveys.journey.errors import ConsultationClosed, ConsultationNotOpen, SubmissionNotEditable
from surveys.models import Consultation, ConsultationStatus, Submission, SubmissionState


def consultation_accepts_responses(*, consultation: Consultation, now: dt.datetime) -> bool:
    """Open, or closed but accepting late responses."""
    status = consultation.status_at(now)
    return status == ConsultationStatus.OPEN or (
        status == ConsultationStatus.CLOSED and consultation.accepts_late
    )


def response_is_late(*, consultation: Consultation, received_at: dt.datetime) -> bool:
    """A response is late when it reached us at or after the closing time: the web form's submit
    and staff entry of a letter both mark lateness by this one rule."""
    return received_at >= consultation.closes_at


def submission_can_change(*, submission: Submission, now: dt.datetime) -> bool:
    """A submitted response may be amended or withdrawn until the consultation closes."""
    return (
        submission.state == SubmissionState.SUBMITTED
        and submission.consultation.status_at(now) == ConsultationStatus.OPEN
    )


def resume_link_valid(*, submission: Submission, now: dt.datetime) -> bool:
    """A link works until the consultation closes (for drafts of late-accepting ones, after too)."""
    if submission.state == SubmissionState.DRAFT:
        return consultation_accepts_responses(consultation=submission.consultation, now=now)
    return submission.consultation.status_at(now) == ConsultationStatus.OPEN


def require_accepting(consultation: Consultation, now: dt.datetime) -> None:
    """ConsultationNotOpen or ConsultationClosed unless ``consultation`` takes responses now."""
    status = consultation.status_at(now)
    if status in (ConsultationStatus.DRAFT, ConsultationStatus.UPCOMING):
        raise ConsultationNotOpen
    if status == ConsultationStatus.CLOSED and not consultation.accepts_late:
        raise ConsultationClosed


def require_draft_editable(submission: Submission, now: dt.datetime) -> None:
    """SubmissionNotEditable unless ``submission`` is a draft; then as ``require_accepting``."""
    if submission.state != SubmissionState.DRAFT:
        raise SubmissionNotEditable
    require_accepting(submission.consultation, now)
