"""The private link that continues a response in any browser: issuing a new one (earlier links
stop working) and sending it again to a respondent who asks for it by email address."""

from __future__ import annotations

import datetime as dt
import secrets

from django.db import transaction
from django.utils import timezone

from surveys.journey import emails
from surveys.journey.rules import resume_link_valid
from surveys.journey.selectors import token_hash
from surveys.models import Consultation, Submission, SubmissionState


@transaction.atomic
def resume_link_issue(*, submission: Submission) -> str:
    """A new resume token for ``submission`` (any earlier link stops working)."""
    token = secrets.token_urlsafe(32)
    Submission.objects.filter(pk=submission.pk).update(resume_token_hash=token_hash(token))
    submission.resume_token_hash = token_hash(token)
    return token


@transaction.atomic
def resume_link_request(
    *,
    consultation: Consultation,
    email: str,
    now: dt.datetime | None = None,
    site_url: str | None = None,
) -> tuple[Submission, str] | None:
    """A fresh resume token for the respondent's latest live response, when there is one, and
    with ``site_url`` its email queued.

    Returns None when no draft or changeable response uses ``email``; the page says the same
    thing either way, so that it does not reveal who has responded.
    """
    now = now or timezone.now()
    submission = (
        Submission.objects.select_related("consultation")
        .filter(
            consultation=consultation,
            email__iexact=email.strip(),
            state__in=[SubmissionState.DRAFT, SubmissionState.SUBMITTED],
        )
        .order_by("-updated_at")
        .first()
    )
    if submission is None or not resume_link_valid(submission=submission, now=now):
        return None
    token = resume_link_issue(submission=submission)
    if site_url is not None:
        emails.resume_link_queue(submission=submission, token=token, site_url=site_url)
    return submission, token
