"""Every write of drafting together: invite a colleague, revoke the invitation, a colleague's
first visit, and submitting a draft that colleagues helped to write.

Only the respondent who started a draft (its owner: whoever holds it through their own session or
resume link) invites and revokes; the views make sure of that. Each service is one transaction.
"""

from __future__ import annotations

import datetime as dt
import secrets

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from surveys.drafting import emails
from surveys.drafting.selectors import MAX_COLLABORATORS, token_hash
from surveys.journey.errors import InvitationRefused, SubmitNotAllowed
from surveys.journey.rules import require_draft_editable
from surveys.journey.selectors import submission_locked
from surveys.journey.services import SubmitResult, submission_submit
from surveys.journey.structure import Journey
from surveys.models import DraftCollaborator, Submission


@transaction.atomic
def collaborator_invite(
    *,
    submission: Submission,
    email: str,
    can_submit: bool = False,
    now: dt.datetime | None = None,
    site_url: str | None = None,
) -> tuple[DraftCollaborator, str]:
    """Invite ``email`` to help draft ``submission``; return the invitation and its link's token
    (only its hash is kept). With ``site_url`` the invitation email is queued.

    InvitationRefused (with the reason to show) for the respondent's own address, an address
    already invited, or one invitation more than MAX_COLLABORATORS.
    """
    now = now or timezone.now()
    submission = submission_locked(submission)  # one invitation at a time per draft
    require_draft_editable(submission, now)
    email = email.strip()
    live = DraftCollaborator.objects.filter(submission=submission, revoked_at__isnull=True)
    if email.lower() == submission.email.strip().lower():
        raise InvitationRefused(_("This is your own email address: you already have this draft."))
    if live.filter(email__iexact=email).exists():
        raise InvitationRefused(_("This colleague has already been invited."))
    if live.count() >= MAX_COLLABORATORS:
        raise InvitationRefused(
            _("A draft can have at most %(count)d colleagues. Withdraw an invitation first.")
            % {"count": MAX_COLLABORATORS}
        )
    token = secrets.token_urlsafe(32)
    collaborator = DraftCollaborator.objects.create(
        submission=submission,
        email=email,
        can_submit=can_submit,
        invited_by=submission.email,
        invited_at=now,
        token_hash=token_hash(token),
    )
    if site_url is not None:
        emails.invitation_queue(collaborator=collaborator, token=token, site_url=site_url)
    return collaborator, token


@transaction.atomic
def collaborator_revoke(
    *, submission: Submission, collaborator_id: int, now: dt.datetime | None = None
) -> DraftCollaborator | None:
    """Withdraw an invitation to ``submission``: its link stops working at once. Returns it, or
    None when ``submission`` has no such live invitation. Revoking again changes nothing."""
    now = now or timezone.now()
    collaborator = (
        DraftCollaborator.objects.select_for_update()
        .filter(submission=submission, pk=collaborator_id)
        .first()
    )
    if collaborator is None:
        return None
    if collaborator.revoked_at is None:
        collaborator.revoked_at = now
        collaborator.save(update_fields=["revoked_at"])
    return collaborator


@transaction.atomic
def collaborator_accept(
    *, collaborator: DraftCollaborator, now: dt.datetime | None = None
) -> DraftCollaborator:
    """Record the first time a colleague opened their link."""
    now = now or timezone.now()
    DraftCollaborator.objects.filter(pk=collaborator.pk, accepted_at__isnull=True).update(
        accepted_at=now
    )
    if collaborator.accepted_at is None:
        collaborator.accepted_at = now
    return collaborator


def may_submit(*, collaborator: DraftCollaborator | None) -> bool:
    """Whether whoever holds the draft may submit it: its owner, or a colleague named to."""
    return collaborator is None or (collaborator.active and collaborator.can_submit)


def draft_submit(
    *,
    submission: Submission,
    journey: Journey,
    collaborator: DraftCollaborator | None,
    client_address: str | None = None,
    now: dt.datetime | None = None,
    site_url: str | None = None,
) -> SubmitResult:
    """Submit a draft (``submission_submit``, one transaction) for its owner (``collaborator``
    None) or for a colleague the owner named to submit it; SubmitNotAllowed for any other
    colleague."""

    def submit() -> SubmitResult:
        return submission_submit(
            submission=submission,
            journey=journey,
            client_address=client_address,
            now=now,
            site_url=site_url,
        )

    if collaborator is None:
        return submit()
    with transaction.atomic():
        # Read again under a lock: the owner may have revoked it or changed it just now.
        locked = DraftCollaborator.objects.select_for_update().filter(pk=collaborator.pk).first()
        if locked is None or not may_submit(collaborator=locked):
            raise SubmitNotAllowed
        return submit()
