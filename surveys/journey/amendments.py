"""Amending a submitted response: a working copy kept in the respondent's session, stored in one
go by ``amendment_submit`` (through ``services.submission_amend``)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, cast

from django.db import transaction
from django.utils import timezone

from surveys.journey import confirmation, emails
from surveys.journey.errors import ConsultationClosed, SubmissionNotEditable
from surveys.journey.resume_links import resume_link_issue
from surveys.journey.rules import submission_can_change
from surveys.journey.selectors import (
    submission_answers,
    submission_attachments,
    submission_respondent,
)
from surveys.journey.services import SubmitResult, answers_merge_section, submission_amend
from surveys.journey.structure import Answers, Journey
from surveys.models import ConsultationStatus, Section, Submission, SubmissionRevision

# --- Amending a submitted response ----------------------------------------------------------------


@dataclass(frozen=True)
class Amendment:
    """The working copy of a submitted response while its respondent changes it: nothing is
    stored until ``amendment_submit``, so abandoning the changes leaves the response as it was.
    It lives in the respondent's session (``as_session`` / ``from_session``)."""

    respondent: Mapping[str, Any]
    answers: Answers

    def as_session(self) -> dict[str, Any]:
        return {"respondent": dict(self.respondent), "answers": dict(self.answers)}

    @classmethod
    def from_session(cls, data: Mapping[str, Any]) -> Amendment:
        return cls(respondent=dict(data["respondent"]), answers=dict(data["answers"]))


def amendment_start(
    *, submission: Submission, journey: Journey, now: dt.datetime | None = None
) -> Amendment:
    """A working copy of ``submission`` to change; SubmissionNotEditable (or ConsultationClosed)
    when it can no longer change."""
    now = now or timezone.now()
    if not submission_can_change(submission=submission, now=now):
        if submission.consultation.status_at(now) == ConsultationStatus.CLOSED:
            raise ConsultationClosed
        raise SubmissionNotEditable
    return Amendment(
        respondent=submission_respondent(submission=submission),
        answers=submission_answers(submission=submission, journey=journey),
    )


def amendment_respondent_set(*, amendment: Amendment, respondent: Mapping[str, Any]) -> Amendment:
    """The amendment with new "About you" details."""
    return Amendment(respondent=dict(respondent), answers=amendment.answers)


def amendment_section_set(
    *,
    amendment: Amendment,
    journey: Journey,
    section: Section,
    answers: Mapping[str, Any],
) -> Amendment:
    """The amendment with ``section``'s questions answered anew, as a draft's page save would."""
    merged = answers_merge_section(
        answers=amendment.answers, section=section, section_answers=answers, journey=journey
    )
    return Amendment(respondent=amendment.respondent, answers=merged)


@transaction.atomic
def amendment_submit(
    *,
    submission: Submission,
    journey: Journey,
    amendment: Amendment,
    language: str,
    now: dt.datetime | None = None,
    site_url: str | None = None,
) -> SubmitResult:
    """Store the amendment (``submission_amend``), issue a new resume link and, with
    ``site_url``, queue the receipt of the amended response."""
    amended = submission_amend(
        submission=submission,
        journey=journey,
        respondent=amendment.respondent,
        answers=amendment.answers,
        language=language,
        now=now,
    )
    token = resume_link_issue(submission=amended)
    confirm_token = confirmation.email_confirmation_after_amend(submission=amended)
    if site_url is not None:
        revision = amended.revisions.order_by("-number").first()
        emails.receipt_queue(
            submission=amended,
            revision=cast(SubmissionRevision, revision),  # submission_amend has just added one
            token=token,
            site_url=site_url,
            amended=True,
            confirm_token=confirm_token,
        )
    return SubmitResult(
        submission=amended,
        created=True,
        answers=submission_answers(submission=amended, journey=journey),
        attachments=submission_attachments(submission=amended),
        resume_token=token,
    )
