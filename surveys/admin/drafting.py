"""Drafting together on a submission's admin page, read-only: the organisation it speaks for,
the colleagues invited to draft it, and every change with who made it. Colleagues' email
addresses are personal data: shown to staff who may see respondents' contact details only."""

from __future__ import annotations

from typing import Any

from surveys.models import DraftChange, DraftCollaborator, Submission
from surveys.review.labels import hkt


def drafting_review(*, submission: Submission, personal: bool) -> dict[str, Any]:
    """The submission page's "Drafted together" panel (two queries)."""
    collaborators = list(DraftCollaborator.objects.filter(submission=submission))
    changes = DraftChange.objects.filter(submission=submission).order_by("changed_at", "pk")
    return {
        "drafting_personal": personal,
        "drafting_collaborators": [
            {
                "email": c.email,
                "can_submit": c.can_submit,
                "invited": hkt(c.invited_at),
                "accepted": hkt(c.accepted_at),
                "revoked": hkt(c.revoked_at),
            }
            for c in collaborators
        ],
        "drafting_changes": [
            {
                "at": hkt(change.changed_at),
                "author": change.author,
                "colleague": change.collaborator_id is not None,
                "questions": ", ".join(str(code) for code in change.questions),
            }
            for change in changes
        ],
    }
