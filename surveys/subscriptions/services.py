"""Every write to a subscription: request (double opt-in), confirm, unsubscribe, the notices beat
sends, the expiry of unconfirmed requests and the erasure of addresses.

Tokens are ``secrets.token_urlsafe(32)``; only their SHA-256 is stored. The request answers the
same whatever the address (already subscribed or not): the page never reveals a subscriber.
"""

from __future__ import annotations

import datetime as dt
import enum
import hashlib
import secrets
from dataclasses import dataclass

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils import timezone

from outbox.services import emails_erase
from surveys.models import Consultation, NoticeEvent, Subscription, SubscriptionNotice
from surveys.subscriptions import emails

CLOSING_SOON = dt.timedelta(days=7)


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _new_token() -> tuple[str, str]:
    token = secrets.token_urlsafe(32)
    return token, token_hash(token)


def email_normalise(email: str) -> str:
    """Addresses are compared without case: one person, one subscription."""
    return email.strip().lower()


def _live() -> QuerySet[Subscription]:
    return Subscription.objects.filter(unsubscribed_at__isnull=True)


# --- Subscribing ---------------------------------------------------------------------------------


@transaction.atomic
def subscription_request(
    *,
    email: str,
    consultation: Consultation | None,
    language: str,
    site_url: str,
    now: dt.datetime | None = None,
) -> bool:
    """Ask ``email`` to confirm a subscription to ``consultation`` (None: to all).

    Returns whether a confirmation email was queued. Nothing is sent to an address already
    subscribed, nor twice within ``SUBSCRIPTION_RESEND_MINUTES``; the page says the same thing
    in every case. A new request for an unconfirmed subscription replaces its link.
    """
    now = now or timezone.now()
    email = email_normalise(email)
    existing = (
        _live()
        .select_for_update()
        .filter(email=email, consultation=consultation)
        .order_by("pk")
        .first()
    )
    if existing is not None and existing.confirmed_at is not None:
        return False
    resend_after = dt.timedelta(minutes=settings.SUBSCRIPTION_RESEND_MINUTES)
    if existing is not None and existing.confirmation_sent_at > now - resend_after:
        return False
    token, hashed = _new_token()
    if existing is None:
        try:
            # A savepoint: two requests for a new address at the same moment both find no row;
            # the second to insert meets the unique constraint and, like a repeat, sends nothing.
            with transaction.atomic():
                existing = Subscription.objects.create(
                    email=email,
                    consultation=consultation,
                    language=language,
                    token_hash=hashed,
                    created_at=now,
                    confirmation_sent_at=now,
                )
        except IntegrityError:
            return False
    else:
        existing.token_hash = hashed
        existing.language = language
        existing.created_at = now
        existing.confirmation_sent_at = now
        existing.save(
            update_fields=["token_hash", "language", "created_at", "confirmation_sent_at"]
        )
    emails.confirmation_queue(subscription=existing, token=token, site_url=site_url)
    return True


class LinkState(enum.Enum):
    VALID = "valid"  # a confirmation to make, or a subscription to end
    DONE = "done"  # confirmed already / unsubscribed already
    EXPIRED = "expired"
    INVALID = "invalid"


@dataclass(frozen=True)
class LinkCheck:
    state: LinkState
    subscription: Subscription | None = None


def confirmation_expired(subscription: Subscription, now: dt.datetime) -> bool:
    return subscription.confirmed_at is None and now >= subscription.created_at + dt.timedelta(
        hours=settings.SUBSCRIPTION_CONFIRM_HOURS
    )


def confirmation_check(*, token: str, now: dt.datetime | None = None) -> LinkCheck:
    """What a confirmation link leads to (read only: the GET page shows a button)."""
    now = now or timezone.now()
    subscription = (
        Subscription.objects.select_related("consultation")
        .filter(token_hash=token_hash(token))
        .first()
    )
    if subscription is None or subscription.unsubscribed_at is not None:
        return LinkCheck(LinkState.INVALID)
    if subscription.confirmed_at is not None:
        return LinkCheck(LinkState.DONE, subscription)
    if confirmation_expired(subscription, now):
        return LinkCheck(LinkState.EXPIRED, subscription)
    return LinkCheck(LinkState.VALID, subscription)


@transaction.atomic
def subscription_confirm(*, token: str, now: dt.datetime | None = None) -> LinkCheck:
    """Confirm the subscription of the link ``token``; confirming twice changes nothing."""
    now = now or timezone.now()
    check = confirmation_check(token=token, now=now)
    if check.state is LinkState.VALID and check.subscription is not None:
        Subscription.objects.filter(pk=check.subscription.pk, confirmed_at__isnull=True).update(
            confirmed_at=now
        )
        check.subscription.confirmed_at = now
    return check


# --- Unsubscribing -------------------------------------------------------------------------------


def unsubscribe_check(*, token: str) -> LinkCheck:
    """The subscription a notice's (or the confirmation's) link ends."""
    hashed = token_hash(token)
    subscription = (
        Subscription.objects.select_related("consultation")
        .filter(Q(token_hash=hashed) | Q(notices__token_hash=hashed))
        .first()
    )
    if subscription is None:
        return LinkCheck(LinkState.INVALID)
    if subscription.unsubscribed_at is not None:
        return LinkCheck(LinkState.DONE, subscription)
    return LinkCheck(LinkState.VALID, subscription)


@transaction.atomic
def subscription_unsubscribe(*, token: str, now: dt.datetime | None = None) -> LinkCheck:
    """End the subscription of ``token`` and keep no address: the row's email is blanked, and so
    are the outbox's emails to it (one still waiting is never sent)."""
    now = now or timezone.now()
    check = unsubscribe_check(token=token)
    if check.state is LinkState.VALID and check.subscription is not None:
        subscriptions_erase(
            subscriptions=Subscription.objects.filter(pk=check.subscription.pk), now=now
        )
    return check


@transaction.atomic
def subscriptions_erase(*, subscriptions: QuerySet[Subscription], now: dt.datetime) -> int:
    """End ``subscriptions`` and forget their addresses (unsubscribe, erasure). Their emails in
    the outbox keep no address either. Returns how many were ended."""
    ids = list(subscriptions.filter(unsubscribed_at__isnull=True).values_list("pk", flat=True))
    if not ids:
        return 0
    emails_erase(kind_prefix=emails.KIND_PREFIX, key="subscription", values=ids)
    return Subscription.objects.filter(pk__in=ids).update(email="", unsubscribed_at=now)


def subscriptions_expire(*, now: dt.datetime | None = None) -> int:
    """Delete the subscriptions never confirmed in time (and forget their emails)."""
    now = now or timezone.now()
    cutoff = now - dt.timedelta(hours=settings.SUBSCRIPTION_CONFIRM_HOURS)
    with transaction.atomic():
        expired = Subscription.objects.filter(confirmed_at__isnull=True, created_at__lte=cutoff)
        ids = list(expired.values_list("pk", flat=True))
        if not ids:
            return 0
        emails_erase(kind_prefix=emails.KIND_PREFIX, key="subscription", values=ids)
        Subscription.objects.filter(pk__in=ids).delete()
    return len(ids)


# --- Notices -------------------------------------------------------------------------------------


def event_moment(consultation: Consultation, event: str) -> dt.datetime | None:
    """When ``event`` happens (happened) for ``consultation``; None if it has not been set."""
    if event == NoticeEvent.OPENED:
        return consultation.opens_at
    if event == NoticeEvent.CLOSING_SOON:
        return consultation.closes_at - CLOSING_SOON
    if event == NoticeEvent.CLOSED:
        return consultation.closes_at
    return consultation.conclusions_published_at


def _due_events(now: dt.datetime) -> list[tuple[Consultation, str, dt.datetime]]:
    """The (consultation, event, moment) pairs that happened within the look-back window.

    Opened and closing-soon are announced only while the consultation is still open."""
    since = now - dt.timedelta(days=settings.SUBSCRIPTION_NOTICE_LOOKBACK_DAYS)
    published = Consultation.objects.published()
    candidates = published.filter(
        Q(opens_at__gt=since, opens_at__lte=now, closes_at__gt=now)
        | Q(closes_at__gt=since + CLOSING_SOON, closes_at__lte=now + CLOSING_SOON)
        | Q(closes_at__gt=since, closes_at__lte=now)
        | Q(conclusions_published_at__gt=since, conclusions_published_at__lte=now)
    ).order_by("pk")
    due = []
    for consultation in candidates:
        for event in NoticeEvent.values:
            moment = event_moment(consultation, event)
            if moment is None or not since < moment <= now:
                continue
            if event in (NoticeEvent.OPENED, NoticeEvent.CLOSING_SOON) and (
                consultation.closes_at <= now
            ):
                continue
            due.append((consultation, event, moment))
    return due


def notices_send(*, now: dt.datetime | None = None, site_url: str | None = None) -> int:
    """Queue the notices that are due; how many were queued. Safe to run at any time, twice, or
    in two processes at once: each (consultation, event) is handled in one transaction under
    the consultation row's lock, and a notice row per subscriber and event (unique) records
    what was queued, with its email, in that same transaction.

    A subscriber is told of events that happen after they confirmed, never of older ones.
    """
    now = now or timezone.now()
    site_url = site_url or settings.SITE_URL
    queued = 0
    for consultation, event, moment in _due_events(now):
        with transaction.atomic():
            Consultation.objects.select_for_update().filter(pk=consultation.pk).first()
            recipients = (
                _live()
                .filter(Q(consultation=consultation) | Q(consultation__isnull=True))
                .filter(confirmed_at__isnull=False, confirmed_at__lte=moment)
                .exclude(
                    Exists(
                        SubscriptionNotice.objects.filter(
                            subscription=OuterRef("pk"), consultation=consultation, event=event
                        )
                    )
                )
                .order_by("pk")
            )
            for subscription in recipients:
                token, hashed = _new_token()
                SubscriptionNotice.objects.create(
                    subscription=subscription,
                    consultation=consultation,
                    event=event,
                    queued_at=now,
                    token_hash=hashed,
                )
                emails.notice_queue(
                    subscription=subscription,
                    consultation=consultation,
                    event=event,
                    token=token,
                    site_url=site_url,
                )
                queued += 1
    return queued
