"""Reads for drafting together: a colleague's link, a draft's colleagues and its change history,
the people who drafted a response, and the version stamp of a section's answers."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping
from typing import Any

from surveys.models import DraftChange, DraftCollaborator, Submission, SubmissionState

# More colleagues than a firm's compliance and legal teams would need on one draft; the limit
# keeps one draft from being used to send invitations to many addresses.
MAX_COLLABORATORS = 10


def token_hash(token: str) -> str:
    """What is stored of a colleague's link: its SHA-256."""
    return hashlib.sha256(token.encode()).hexdigest()


def collaborator_by_token(*, token: str) -> DraftCollaborator | None:
    """The invitation whose link carries ``token`` (revoked or not), or None."""
    if not token or len(token) > 128:
        return None
    return (
        DraftCollaborator.objects.select_related("submission__consultation")
        .filter(token_hash=token_hash(token))
        .first()
    )


def collaborator_active(
    *, collaborator_id: int, submission: Submission
) -> DraftCollaborator | None:
    """The colleague ``collaborator_id`` of ``submission`` while their link still works: not
    revoked, and the response still a draft. None otherwise."""
    if submission.state != SubmissionState.DRAFT:
        return None
    return DraftCollaborator.objects.filter(
        pk=collaborator_id, submission=submission, revoked_at__isnull=True
    ).first()


def draft_collaborators(*, submission: Submission) -> list[DraftCollaborator]:
    return list(DraftCollaborator.objects.filter(submission=submission))


def draft_changes(*, submission: Submission) -> list[DraftChange]:
    """The draft's change history, newest first."""
    return list(
        DraftChange.objects.filter(submission=submission).order_by("-changed_at", "-pk")[:200]
    )


def drafted_by(*, submission: Submission) -> list[str]:
    """The email addresses of the colleagues who helped draft ``submission``: those who opened
    their link or saved a change."""
    return sorted(
        {
            email.lower()
            for email in DraftCollaborator.objects.filter(submission=submission)
            .exclude(accepted_at__isnull=True)
            .values_list("email", flat=True)
        }
    )


def section_version(*, answers: Mapping[str, Any], codes: Iterable[str]) -> str:
    """A stamp of the answers to the questions ``codes``: it changes whenever one of them does.
    The section pages carry it, so that a save can tell that someone else changed the section
    since the page was loaded."""
    shown = {code: answers[code] for code in sorted(codes) if code in answers}
    payload = json.dumps(shown, sort_keys=True, ensure_ascii=False, default=str)
    return hashlib.sha256(payload.encode()).hexdigest()[:16]


def answers_changed(*, before: Mapping[str, Any], after: Mapping[str, Any]) -> list[str]:
    """The codes of the questions whose answer differs between ``before`` and ``after``."""
    return sorted(code for code in {*before, *after} if before.get(code) != after.get(code))
