"""A subscriber's address is personal data: what an access request finds, and the erasure of
the subscriptions to a consultation whose retention period has run out (``surveys.privacy``
calls both, so the commands cover subscriptions)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.utils import timezone

from surveys.models import Consultation, PrivacyAction, PrivacyActionKind, Subscription
from surveys.subscriptions.services import email_normalise, subscriptions_erase


def _iso(moment: dt.datetime | None) -> str | None:
    return timezone.localtime(moment).isoformat() if moment else None


def subscriber_records(*, email: str) -> list[dict[str, Any]]:
    """Every subscription held under ``email`` (ended ones keep no address: none is found)."""
    email = email_normalise(email)
    if not email:
        return []
    subscriptions = (
        Subscription.objects.filter(email=email)
        .select_related("consultation")
        .prefetch_related("notices__consultation")
        .order_by("created_at", "pk")
    )
    return [
        {
            "email": subscription.email,
            "consultation": (
                subscription.consultation.slug if subscription.consultation else "(all)"
            ),
            "language": subscription.language,
            "requested_at": _iso(subscription.created_at),
            "confirmation_sent_at": _iso(subscription.confirmation_sent_at),
            "confirmed_at": _iso(subscription.confirmed_at),
            "notices": [
                {
                    "consultation": notice.consultation.slug,
                    "event": notice.event,
                    "queued_at": _iso(notice.queued_at),
                }
                for notice in subscription.notices.all()
            ],
        }
        for subscription in subscriptions
    ]


def consultation_subscriptions_erase(*, consultation: Consultation, now: dt.datetime) -> int:
    """End the subscriptions to ``consultation`` and forget their addresses (its retention
    period is over: there is nothing left to tell them)."""
    return subscriptions_erase(
        subscriptions=Subscription.objects.filter(consultation=consultation), now=now
    )


def subscribers_seen(
    *, operator: str, subscriptions: list[Subscription], now: dt.datetime | None = None
) -> PrivacyAction | None:
    """Record that staff were shown the addresses of ``subscriptions`` (the admin's list or one
    subscription): who, when and which rows, never the addresses. None when none was shown."""
    if not subscriptions:
        return None
    consultations = {subscription.consultation_id for subscription in subscriptions}
    only = next(iter(consultations)) if len(consultations) == 1 else None
    return PrivacyAction.objects.create(
        kind=PrivacyActionKind.STAFF_VIEW,
        at=now or timezone.now(),
        operator=operator,
        consultation_id=only,
        details={"subscriptions": sorted(subscription.pk for subscription in subscriptions)},
    )
