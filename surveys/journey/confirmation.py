"""Email confirmation: a consultation may count a web response only once its respondent has
opened the link sent in the receipt (``Consultation.requires_email_confirmation``).

The link carries a signed, single-purpose token (``django.core.signing`` with its own salt, valid
``LINK_MAX_AGE``) naming the response; only its SHA-256 is stored, as for the resume link, so a
token works only while it is the latest one issued for that response: sending the link again
replaces it. Opening it confirms once and records who and when in the audit trail
(``ReviewEvent``); opening it again changes nothing.

Who needs to confirm: web responses only. A response staff entered or imported (channel email,
post, fax, import) came from an address or a document staff handled themselves, so it counts
without a link (``surveys.querysets.awaiting_confirmation_condition``, the one rule).

Amendments: a confirmation stays with the address it confirmed. An amendment that keeps the
email address keeps the confirmation; one that changes it clears the confirmation, and the
amended response's receipt carries a new link to the new address.
"""

from __future__ import annotations

import datetime as dt
import enum
import secrets
from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.core import signing
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.crypto import constant_time_compare

from surveys.journey import emails
from surveys.journey.selectors import token_hash
from surveys.models import Channel, ReviewEvent, Submission, SubmissionState

if TYPE_CHECKING:
    from django.contrib.auth.models import User

SALT = "surveys.email_confirmation"
# Long enough for a respondent back from two weeks away after a two-month consultation closed;
# staff can send a fresh link from the admin after that.
LINK_MAX_AGE = dt.timedelta(days=60)

# ReviewEvent.field values written here.
FIELD_CONFIRMED = "email_confirmed_at"
FIELD_LINK_SENT = "email_confirmation_sent"


class Outcome(enum.Enum):
    CONFIRMED = "confirmed"  # confirmed now
    ALREADY = "already"  # confirmed earlier: nothing changed
    EXPIRED = "expired"  # a genuine link, older than LINK_MAX_AGE
    WITHDRAWN = "withdrawn"  # the response was withdrawn
    INVALID = "invalid"  # not a link we issued, altered, or replaced by a newer one


@dataclass(frozen=True)
class ConfirmResult:
    outcome: Outcome
    submission: Submission | None = None


@dataclass(frozen=True)
class ResendResult:
    sent: int
    skipped: int  # confirmed already, not a web response, not required, or not submitted


def confirmation_needed(*, submission: Submission) -> bool:
    """Whether ``submission`` waits for its email to be confirmed before it counts: the rule of
    ``surveys.querysets.awaiting_confirmation_condition``, for one row already read."""
    return (
        submission.consultation.requires_email_confirmation
        and submission.channel == Channel.WEB
        and submission.email_confirmed_at is None
    )


def email_confirmation_issue(*, submission: Submission) -> str | None:
    """A new confirmation token for ``submission`` when it needs one (earlier links stop
    working), else None. One UPDATE: no transaction of its own (the submit's holds it; a
    savepoint here cost every submit two queries, needed or not)."""
    if not (confirmation_needed(submission=submission) and submission.email):
        return None
    token = signing.dumps({"s": submission.pk, "n": secrets.token_urlsafe(9)}, salt=SALT)
    submission.email_confirmation_hash = token_hash(token)
    Submission.objects.filter(pk=submission.pk).update(
        email_confirmation_hash=submission.email_confirmation_hash
    )
    return token


@transaction.atomic
def email_confirmation_after_amend(*, submission: Submission) -> str | None:
    """Apply the amendment rule to ``submission`` just amended: a changed email address clears
    the confirmation. Returns the token for the amended receipt when one is still needed."""
    emails_by_revision = list(
        submission.revisions.order_by("-number").values_list("respondent__email", flat=True)[:2]
    )
    changed = len(emails_by_revision) == 2 and (
        str(emails_by_revision[0] or "").strip().lower()
        != str(emails_by_revision[1] or "").strip().lower()
    )
    if changed and submission.email_confirmed_at is not None:
        previous = submission.email_confirmed_at
        submission.email_confirmed_at = None
        Submission.objects.filter(pk=submission.pk).update(email_confirmed_at=None)
        ReviewEvent.objects.create(
            submission=submission,
            actor=None,
            field=FIELD_CONFIRMED,
            old_value=previous.isoformat(),
            new_value="",
            reason="The respondent changed the email address in an amendment.",
        )
    return email_confirmation_issue(submission=submission)


def _submission_of(token: str) -> Outcome | int:
    """The id of the response a genuine, unexpired link names, or why there is none."""
    try:
        payload = signing.loads(token, salt=SALT, max_age=LINK_MAX_AGE)
    except signing.SignatureExpired:
        return Outcome.EXPIRED
    except (signing.BadSignature, ValueError, TypeError):
        return Outcome.INVALID
    submission_id = payload.get("s") if isinstance(payload, dict) else None
    if not isinstance(submission_id, int) or isinstance(submission_id, bool):
        return Outcome.INVALID
    return submission_id


@transaction.atomic
def email_confirm(*, token: str, now: dt.datetime | None = None) -> ConfirmResult:
    """Confirm the email address of the response the link names. Idempotent: a second visit
    finds it confirmed and changes nothing. A bad, altered, replaced or expired link changes
    nothing either and says which it is."""
    now = now or timezone.now()
    submission_id = _submission_of(token)
    if isinstance(submission_id, Outcome):
        return ConfirmResult(submission_id)
    submission = (
        Submission.objects.select_for_update(of=("self",))
        .select_related("consultation")
        .filter(pk=submission_id)
        .first()
    )
    if submission is None or not constant_time_compare(
        submission.email_confirmation_hash, token_hash(token)
    ):
        return ConfirmResult(Outcome.INVALID)
    if submission.email_confirmed_at is not None:
        return ConfirmResult(Outcome.ALREADY, submission)
    if submission.state != SubmissionState.SUBMITTED:
        return ConfirmResult(Outcome.WITHDRAWN, submission)
    submission.email_confirmed_at = now
    Submission.objects.filter(pk=submission.pk).update(email_confirmed_at=now)
    ReviewEvent.objects.create(
        submission=submission,
        actor=None,
        at=now,
        field=FIELD_CONFIRMED,
        old_value="",
        new_value=now.isoformat(),
        reason="Confirmed by the respondent through the link in the receipt.",
    )
    return ConfirmResult(Outcome.CONFIRMED, submission)


@transaction.atomic
def email_confirmation_resend(
    *, submissions: QuerySet[Submission], actor: User, site_url: str
) -> ResendResult:
    """Send a fresh confirmation link to each submitted web response in ``submissions`` that
    still needs one (earlier links stop working); audited, one event per email."""
    rows = list(
        Submission.objects.select_for_update(of=("self",))
        .select_related("consultation")
        .filter(pk__in=submissions.order_by().values("pk"))
        .order_by("pk")
    )
    sent = 0
    now = timezone.now()
    for submission in rows:
        if submission.state != SubmissionState.SUBMITTED:
            continue
        token = email_confirmation_issue(submission=submission)
        if token is None:
            continue
        emails.email_confirmation_queue(submission=submission, token=token, site_url=site_url)
        ReviewEvent.objects.create(
            submission=submission,
            actor=actor,
            at=now,
            field=FIELD_LINK_SENT,
            old_value="",
            new_value="sent",
            reason="A new email confirmation link was sent to the respondent.",
        )
        sent += 1
    return ResendResult(sent=sent, skipped=len(rows) - sent)
