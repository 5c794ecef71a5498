"""Reads that span relations: what the public pages list, what reports aggregate."""

from __future__ import annotations

import datetime as dt

from django.db.models import Prefetch, QuerySet
from django.utils import timezone

from surveys.models import Consultation, ConsultationDocument


def consultation_list(*, now: dt.datetime | None = None) -> dict[str, list[Consultation]]:
    """Published consultations grouped as open, upcoming and closed (soonest first within each)."""
    now = now or timezone.now()
    grouped: dict[str, list[Consultation]] = {"open": [], "upcoming": [], "closed": []}
    for consultation in Consultation.objects.published().order_by("closes_at"):
        grouped[consultation.status_at(now)].append(consultation)
    grouped["closed"].reverse()  # most recently closed first
    return grouped


def consultation_public_detail(*, slug: str) -> Consultation:
    """A published consultation with its documents, or Consultation.DoesNotExist."""
    queryset: QuerySet[Consultation] = Consultation.objects.published().prefetch_related(
        Prefetch("documents", queryset=ConsultationDocument.objects.order_by("order", "pk"))
    )
    return queryset.get(slug=slug)
