"""Reads of the public and respondent pages: published consultations, a browser's response."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from surveys.models import (
    Consultation,
    ConsultationDocument,
    Submission,
)
from surveys.prepared import PreparedRead


def consultation_list(*, now: dt.datetime | None = None) -> dict[str, list[Consultation]]:
    """Published consultations grouped as open, upcoming and closed (soonest first within each)."""
    now = now or timezone.now()
    grouped: dict[str, list[Consultation]] = {"open": [], "upcoming": [], "closed": []}
    for consultation in Consultation.objects.published().order_by("closes_at"):
        grouped[consultation.status_at(now)].append(consultation)
    grouped["closed"].reverse()  # most recently closed first
    return grouped


# Read on every form page of a browser with no response yet, and on the consultation's own page:
# prepared (see surveys.prepared), as the response read below is.
_CONSULTATION_PUBLISHED: PreparedRead[Consultation] = PreparedRead(
    lambda slug: (
        Consultation.objects.published().defer("body_en", "body_zh").filter(slug=slug).order_by()
    )
)
_CONSULTATION_PUBLIC: PreparedRead[Consultation] = PreparedRead(
    lambda slug: Consultation.objects.published().filter(slug=slug).order_by()
)
_DOCUMENTS: PreparedRead[ConsultationDocument] = PreparedRead(
    lambda consultation: ConsultationDocument.objects.filter(consultation=consultation).order_by(
        "order", "pk"
    )
)


def consultation_published(*, slug: str) -> Consultation:
    """A published consultation (one query), or Consultation.DoesNotExist. The paper's text,
    shown on its own page only, is not read."""
    found = _CONSULTATION_PUBLISHED.read(slug=slug)
    if not found:
        raise Consultation.DoesNotExist(slug)
    return found[0]


# The plainest query that does it, its SQL built once per process: on the busiest pages,
# building the SQL cost more CPU than running it.
_SESSION_SUBMISSION: PreparedRead[Submission] = PreparedRead(
    lambda ids, slug: (
        Submission.objects.select_related("consultation")
        # The paper's text is shown on the consultation's own page only, not on the form's.
        .defer("consultation__body_en", "consultation__body_zh")
        .filter(pk__in=ids, consultation__slug=slug, consultation__is_draft=False)
        .order_by()[:1]
    )
)


def session_submission_published(*, submission_ids: list[int], slug: str) -> Submission | None:
    """The one of ``submission_ids`` (a browser's own responses, one per consultation) that
    answers the published consultation ``slug``, with that consultation, in one query."""
    if not submission_ids:
        return None
    found = _SESSION_SUBMISSION.read(ids=submission_ids, slug=slug)
    return found[0] if found else None


def consultation_public_detail(*, slug: str) -> tuple[Consultation, list[ConsultationDocument]]:
    """A published consultation and its documents in order, or Consultation.DoesNotExist."""
    found = _CONSULTATION_PUBLIC.read(slug=slug)
    if not found:
        raise Consultation.DoesNotExist(slug)
    return found[0], _DOCUMENTS.read(consultation=found[0].pk)
