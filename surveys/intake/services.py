"""Every write of a staff entry: start a draft from the letter's details, save its pages, keep
its originals and general comments, then enter it as a submitted response. One transaction each.

An entry is a draft ``Submission`` with a ``channel`` other than web and ``entered_by`` set, so
that nothing typed is lost if staff leave half way. It is never reached by a resume link (it has
none) and the consultation's status does not refuse it: a letter posted before the closing time
may be typed in after it. Lateness is judged from when the response was received, by the same
rule as the web form's (``rules.response_is_late``).
"""

from __future__ import annotations

import datetime as dt
import secrets
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from surveys.journey import attachments
from surveys.journey.errors import JourneyError, SubmissionIncomplete
from surveys.journey.rules import response_is_late
from surveys.journey.selectors import (
    answers_from_rows,
    submission_answer_rows,
    submission_answers,
    submission_attachments,
    submission_locked,
)
from surveys.journey.services import (
    DRAFT_REFERENCE_PREFIX,
    SubmitResult,
    _answers_replace,
    _reference_allocate,
    _respondent_values,
    _revision_add,
    answers_merge_section,
)
from surveys.journey.structure import Journey, answers_missing, answers_prune
from surveys.licensing.services import licence_status_of
from surveys.models import (
    Channel,
    Consultation,
    GeneralComment,
    OriginalDocument,
    ReviewEvent,
    Section,
    Submission,
    SubmissionState,
)
from surveys.review.services import FIELD_ENTERED

if TYPE_CHECKING:
    from django.contrib.auth.models import User

# The channels of a response entered by staff (web responses come through the form, imports in
# bulk).
ENTRY_CHANNELS = (Channel.EMAIL, Channel.POST, Channel.FAX)
MAX_ORIGINALS = 10
GENERAL_COMMENTS_MAX = 100_000

MESSAGES = {
    "channel": _("Choose how the response was received: email, post or fax."),
    "received_missing": _("Enter the date and time the response was received."),
    "received_future": _("The date received cannot be in the future."),
    "not_published": _("Responses can be entered only for a published consultation."),
    "original_missing": _("Upload the original letter, email or scan of the response."),
    "too_many_originals": _("An entry can keep at most 10 original documents."),
    "about_incomplete": _(
        "The respondent's details are incomplete: go back to the first step and complete them."
    ),
    "email_missing": _("A response received by email needs the sender's email address."),
    "comments_too_long": _("The general comments must be 100,000 characters or fewer."),
    "not_an_entry": _("This is not a staff entry in progress."),
}


class EntryRefused(JourneyError):
    """A staff entry that cannot be stored as given; ``message`` says why, for the page."""

    def __init__(self, code: str) -> None:
        super().__init__(code)
        self.code = code

    @property
    def message(self) -> str:
        return str(MESSAGES[self.code])


def _check_receipt(
    *, consultation: Consultation, channel: str, received_at: dt.datetime | None, now: dt.datetime
) -> dt.datetime:
    if consultation.is_draft:
        raise EntryRefused("not_published")
    if channel not in ENTRY_CHANNELS:
        raise EntryRefused("channel")
    if received_at is None:
        raise EntryRefused("received_missing")
    if received_at > now:
        raise EntryRefused("received_future")
    return received_at


def _check_respondent(respondent: Mapping[str, Any], channel: str) -> None:
    if channel == Channel.EMAIL and not respondent.get("email"):
        raise EntryRefused("email_missing")


def _require_entry_draft(submission: Submission) -> None:
    if submission.state != SubmissionState.DRAFT or not entry_is_staff(submission):
        raise EntryRefused("not_an_entry")


def _entry_locked(submission: Submission) -> Submission:
    locked = submission_locked(submission)
    _require_entry_draft(locked)
    return locked


def entry_is_staff(submission: Submission) -> bool:
    """Whether ``submission`` is a response entered by staff (not the respondent's own)."""
    return submission.entered_by_id is not None and submission.channel in ENTRY_CHANNELS


def _original_add(
    *, submission: Submission, upload: Any, checked: attachments.CheckedFile, actor: User, now: Any
) -> OriginalDocument:
    if submission.original_documents.count() >= MAX_ORIGINALS:
        raise EntryRefused("too_many_originals")
    document = OriginalDocument(
        submission=submission,
        original_name=checked.original_name,
        content_type=checked.content_type,
        size=checked.size,
        sha256=checked.sha256,
        uploaded_at=now,
        uploaded_by=actor,
    )
    document.file.save(f"{secrets.token_hex(12)}{checked.extension}", upload, save=False)
    document.save()
    return document


@transaction.atomic
def entry_start(
    *,
    consultation: Consultation,
    actor: User,
    channel: str,
    received_at: dt.datetime | None,
    respondent: Mapping[str, Any],
    language: str,
    upload: Any,
    checked: attachments.CheckedFile | None,
    now: dt.datetime | None = None,
) -> Submission:
    """Start a staff entry (a draft) from the letter's details and its original document."""
    now = now or timezone.now()
    received_at = _check_receipt(
        consultation=consultation, channel=channel, received_at=received_at, now=now
    )
    _check_respondent(respondent, channel)
    if upload is None or checked is None:
        raise EntryRefused("original_missing")
    submission = Submission.objects.create(
        consultation=consultation,
        reference=DRAFT_REFERENCE_PREFIX + secrets.token_hex(7),
        state=SubmissionState.DRAFT,
        language=language,
        current_step=2,
        created_at=now,
        updated_at=now,
        channel=channel,
        received_at=received_at,
        entered_by=actor,
        **_respondent_values(respondent),
    )
    _original_add(submission=submission, upload=upload, checked=checked, actor=actor, now=now)
    return submission


@transaction.atomic
def entry_details_save(
    *,
    submission: Submission,
    actor: User,
    channel: str,
    received_at: dt.datetime | None,
    respondent: Mapping[str, Any],
    language: str,
    upload: Any = None,
    checked: attachments.CheckedFile | None = None,
    now: dt.datetime | None = None,
) -> Submission:
    """Change the first step of an entry in progress; with ``upload``, keep one more original."""
    now = now or timezone.now()
    submission = _entry_locked(submission)
    received_at = _check_receipt(
        consultation=submission.consultation, channel=channel, received_at=received_at, now=now
    )
    _check_respondent(respondent, channel)
    for name, value in _respondent_values(respondent).items():
        setattr(submission, name, value)
    submission.channel = channel
    submission.received_at = received_at
    submission.language = language
    submission.current_step = max(submission.current_step, 2)
    submission.updated_at = now
    submission.save()
    if upload is not None and checked is not None:
        _original_add(submission=submission, upload=upload, checked=checked, actor=actor, now=now)
    return submission


@transaction.atomic
def entry_section_save(
    *,
    submission: Submission,
    journey: Journey,
    section: Section,
    answers: Mapping[str, Any],
    step: int,
    now: dt.datetime | None = None,
) -> Submission:
    """Replace the answers to ``section``'s questions, as a respondent's page save does
    (answers elsewhere whose condition no longer holds are discarded too)."""
    now = now or timezone.now()
    submission = _entry_locked(submission)
    stored = submission_answer_rows(submission=submission)
    merged = answers_merge_section(
        answers=answers_from_rows(rows=stored, journey=journey),
        section=section,
        section_answers=answers,
        journey=journey,
    )
    _answers_replace(submission, journey, merged, stored=stored)
    submission.current_step = max(submission.current_step, step + 1)
    submission.updated_at = now
    submission.save(update_fields=["current_step", "updated_at"])
    return submission


@transaction.atomic
def entry_comments_save(
    *,
    submission: Submission,
    actor: User,
    text: str,
    step: int,
    now: dt.datetime | None = None,
) -> Submission:
    """Keep the paragraphs of the letter that answer no question (blank removes them)."""
    now = now or timezone.now()
    submission = _entry_locked(submission)
    text = text.strip()
    if len(text) > GENERAL_COMMENTS_MAX:
        raise EntryRefused("comments_too_long")
    if text:
        GeneralComment.objects.update_or_create(
            submission=submission,
            defaults={"text": text, "updated_at": now, "updated_by": actor},
        )
    else:
        GeneralComment.objects.filter(submission=submission).delete()
    submission.current_step = max(submission.current_step, step + 1)
    submission.updated_at = now
    submission.save(update_fields=["current_step", "updated_at"])
    return submission


def _receipt_record(submission: Submission, actor: User, comments: str) -> dict[str, Any]:
    """How the response was received, for its revision: the frozen copy of what was entered."""
    return {
        "channel": submission.channel,
        "received_at": timezone.localtime(submission.received_at).isoformat()
        if submission.received_at
        else None,
        "entered_by": actor.get_username(),
        "general_comments": comments,
        "original_documents": [
            {"name": d.original_name, "sha256": d.sha256, "size": d.size}
            for d in submission.original_documents.order_by("uploaded_at", "pk")
        ],
    }


@transaction.atomic
def submission_enter(
    *,
    submission: Submission,
    journey: Journey,
    actor: User,
    now: dt.datetime | None = None,
) -> SubmitResult:
    """Enter a staff entry as a submitted response: allocate its reference like any other,
    mark it late if it was received after the closing time, freeze a revision and audit who
    entered it, how and when it was received.

    Safe to call twice (a double-posted page): the row lock makes the second call wait, find the
    response entered and return it unchanged (``created=False``). Refused with
    ``SubmissionIncomplete`` (required questions unanswered, or ``["about"]``) or
    ``EntryRefused``; then nothing changes.
    """
    now = now or timezone.now()
    submission = submission_locked(submission)
    if submission.state != SubmissionState.DRAFT and entry_is_staff(submission):
        return SubmitResult(submission=submission, created=False)
    _require_entry_draft(submission)
    received_at = _check_receipt(
        consultation=submission.consultation,
        channel=submission.channel,
        received_at=submission.received_at,
        now=now,
    )
    if not (
        submission.respondent_type
        and submission.category
        and submission.contact_name
        and submission.consent
        and submission.privacy_acknowledged
    ):
        raise SubmissionIncomplete(["about"])
    _check_respondent({"email": submission.email}, submission.channel)
    if not submission.original_documents.exists():
        raise EntryRefused("original_missing")
    answers = answers_prune(
        answers=submission_answers(submission=submission, journey=journey), journey=journey
    )
    missing = answers_missing(answers=answers, journey=journey)
    if missing:
        raise SubmissionIncomplete(missing)
    consultation = submission.consultation
    submission.reference = _reference_allocate(consultation)
    submission.state = SubmissionState.SUBMITTED
    submission.submitted_at = now
    submission.updated_at = now
    submission.is_late = response_is_late(consultation=consultation, received_at=received_at)
    submission.entered_by = actor
    # A licence number the letter gives is matched against the register, as a web response's is.
    submission.licence_status = licence_status_of(
        register=submission.licence_register, number=submission.licence_number
    )
    submission.save(
        update_fields=[
            "reference",
            "state",
            "submitted_at",
            "updated_at",
            "is_late",
            "entered_by",
            "licence_status",
        ]
    )
    comment = GeneralComment.objects.filter(submission=submission).first()
    _revision_add(
        submission,
        journey,
        answers,
        now,
        extra=_receipt_record(submission, actor, comment.text if comment else ""),
    )
    ReviewEvent.objects.create(
        submission=submission,
        actor=actor,
        at=now,
        field=FIELD_ENTERED,
        old_value="",
        new_value=submission.channel,
        reason=(
            f"Entered on the respondent's behalf; received by {submission.channel} on "
            f"{timezone.localtime(received_at):%Y-%m-%d %H:%M} HKT"
            + (" (late)." if submission.is_late else ".")
        ),
    )
    return SubmitResult(
        submission=submission,
        created=True,
        answers=answers,
        attachments=submission_attachments(submission=submission),
    )
