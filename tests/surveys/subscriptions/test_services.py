"""Subscriptions: double opt-in, no enumeration, expiry, and the notices beat sends once each."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import IntegrityError, transaction
from django.utils import timezone

from outbox.models import Email, EmailStatus
from surveys.models import NoticeEvent, Subscription, SubscriptionNotice
from surveys.subscriptions import services
from surveys.subscriptions.emails import CONFIRMATION, NOTICE
from surveys.subscriptions.services import LinkState
from tests.factories import ConsultationFactory

pytestmark = pytest.mark.django_db

SITE = "http://testserver/"


def _token_of(email: Email) -> str:
    return email.context["private_link"].rstrip("/").rsplit("/", 1)[1]


def subscribe(email="chan@example.com", consultation=None, language="en", now=None) -> str | None:
    """Request and return the confirmation token queued (None if nothing was queued)."""
    before = set(Email.objects.values_list("pk", flat=True))
    services.subscription_request(
        email=email, consultation=consultation, language=language, site_url=SITE, now=now
    )
    new = Email.objects.exclude(pk__in=before).filter(kind=CONFIRMATION)
    return _token_of(new.get()) if new.exists() else None


def confirmed(email="chan@example.com", consultation=None, language="en", at=None) -> Subscription:
    at = at or timezone.now() - dt.timedelta(days=30)
    token = subscribe(email, consultation, language, now=at)
    assert token is not None
    services.subscription_confirm(token=token, now=at)
    return Subscription.objects.get(email=email, consultation=consultation)


def test_a_request_queues_a_confirmation_and_stores_only_the_tokens_hash():
    token = subscribe("Chan@Example.com ")
    subscription = Subscription.objects.get()
    assert subscription.email == "chan@example.com"
    assert subscription.confirmed_at is None
    assert token not in subscription.token_hash
    assert subscription.token_hash == services.token_hash(token)
    email = Email.objects.get()
    assert (email.kind, email.to) == (CONFIRMATION, "chan@example.com")


def test_an_unconfirmed_subscription_receives_no_notice():
    now = timezone.now()
    ConsultationFactory(opens_at=now - dt.timedelta(hours=1))
    subscribe(now=now - dt.timedelta(days=1))
    assert services.notices_send(now=now) == 0
    assert not Email.objects.filter(kind=NOTICE).exists()


def test_confirming_twice_changes_nothing_the_second_time():
    token = subscribe()
    first = services.subscription_confirm(token=token)
    assert first.state is LinkState.VALID
    confirmed_at = Subscription.objects.get().confirmed_at
    again = services.subscription_confirm(token=token, now=timezone.now() + dt.timedelta(hours=1))
    assert again.state is LinkState.DONE
    assert Subscription.objects.get().confirmed_at == confirmed_at


def test_a_confirmation_link_expires_and_the_request_is_then_deleted(settings):
    settings.SUBSCRIPTION_CONFIRM_HOURS = 48
    token = subscribe(now=timezone.now() - dt.timedelta(hours=49))
    assert services.subscription_confirm(token=token).state is LinkState.EXPIRED
    assert Subscription.objects.get().confirmed_at is None
    assert services.subscriptions_expire() == 1
    assert not Subscription.objects.exists()
    # Its confirmation email keeps no address either.
    assert Email.objects.get().to == ""


def test_an_unknown_token_is_invalid_everywhere():
    assert services.confirmation_check(token="nope").state is LinkState.INVALID
    assert services.subscription_confirm(token="nope").state is LinkState.INVALID
    assert services.subscription_unsubscribe(token="nope").state is LinkState.INVALID


def test_a_subscribed_address_asking_again_gets_no_email_and_the_same_answer():
    confirmed()
    Email.objects.all().delete()
    assert (
        services.subscription_request(
            email="chan@example.com", consultation=None, language="en", site_url=SITE
        )
        is False
    )
    assert not Email.objects.exists()
    assert Subscription.objects.count() == 1


def test_asking_again_within_minutes_sends_no_second_email_later_a_new_link(settings):
    settings.SUBSCRIPTION_RESEND_MINUTES = 15
    now = timezone.now()
    first = subscribe(now=now)
    assert subscribe(now=now + dt.timedelta(minutes=5)) is None
    second = subscribe(now=now + dt.timedelta(minutes=20))
    assert second is not None
    assert Subscription.objects.count() == 1
    # The first link was replaced.
    assert services.confirmation_check(token=first).state is LinkState.INVALID
    assert services.confirmation_check(token=second).state is LinkState.VALID


def test_one_consultation_and_all_consultations_are_separate_subscriptions():
    consultation = ConsultationFactory()
    confirmed(consultation=consultation)
    confirmed()
    assert Subscription.objects.filter(email="chan@example.com").count() == 2


def test_the_database_refuses_two_live_subscriptions_of_one_address_to_all():
    confirmed()
    with pytest.raises(IntegrityError), transaction.atomic():
        Subscription.objects.create(
            email="chan@example.com",
            language="en",
            token_hash="x" * 64,
            created_at=timezone.now(),
            confirmation_sent_at=timezone.now(),
        )


# --- Notices ------------------------------------------------------------------------------------


def _notices():
    return sorted(
        SubscriptionNotice.objects.values_list("subscription__email", "consultation__slug", "event")
    )


def test_each_event_is_noticed_once_however_often_beat_runs():
    now = timezone.now()
    consultation = ConsultationFactory(
        slug="otc",
        opens_at=now - dt.timedelta(hours=2),
        closes_at=now + dt.timedelta(days=30),
    )
    follower = confirmed("follower@example.com", consultation=consultation)
    everyone = confirmed("all@example.com")

    assert services.notices_send(now=now) == 2
    assert services.notices_send(now=now) == 0  # beat again
    assert services.notices_send(now=now + dt.timedelta(minutes=5)) == 0
    assert _notices() == [
        ("all@example.com", "otc", "opened"),
        ("follower@example.com", "otc", "opened"),
    ]
    emails = Email.objects.filter(kind=NOTICE)
    assert sorted(emails.values_list("to", flat=True)) == [
        "all@example.com",
        "follower@example.com",
    ]
    assert {e.context["subscription"] for e in emails} == {follower.pk, everyone.pk}


def test_closing_soon_closed_and_concluded_come_at_their_moments():
    start = timezone.now()
    consultation = ConsultationFactory(
        slug="otc", opens_at=start - dt.timedelta(days=20), closes_at=start + dt.timedelta(days=10)
    )
    confirmed("f@example.com", consultation=consultation, at=start - dt.timedelta(days=25))

    def events_at(moment):
        services.notices_send(now=moment)
        return [event for _, _, event in _notices()]

    assert events_at(start) == []  # opened 20 days ago: outside the look-back window
    assert events_at(start + dt.timedelta(days=3, hours=1)) == [NoticeEvent.CLOSING_SOON]
    assert events_at(start + dt.timedelta(days=10, minutes=1)) == ["closed", "closing_soon"]
    consultation.conclusions_published_at = start + dt.timedelta(days=40)
    consultation.save()
    assert events_at(start + dt.timedelta(days=39)) == ["closed", "closing_soon"]
    assert events_at(start + dt.timedelta(days=40, minutes=1)) == [
        "closed",
        "closing_soon",
        "concluded",
    ]
    assert events_at(start + dt.timedelta(days=40, minutes=2)) == [
        "closed",
        "closing_soon",
        "concluded",
    ]


def test_no_notice_of_events_before_the_subscription_was_confirmed():
    now = timezone.now()
    ConsultationFactory(opens_at=now - dt.timedelta(hours=2), closes_at=now + dt.timedelta(days=9))
    confirmed(at=now - dt.timedelta(hours=1))
    assert services.notices_send(now=now) == 0


def test_drafts_and_other_consultations_are_not_noticed():
    now = timezone.now()
    ConsultationFactory(
        is_draft=True, opens_at=now - dt.timedelta(hours=1), closes_at=now + dt.timedelta(days=30)
    )
    other = ConsultationFactory(
        opens_at=now - dt.timedelta(hours=1), closes_at=now + dt.timedelta(days=30)
    )
    followed = ConsultationFactory(
        opens_at=now - dt.timedelta(days=40), closes_at=now + dt.timedelta(days=30)
    )
    confirmed(consultation=followed)
    assert services.notices_send(now=now) == 0
    assert other.pk


def test_a_notice_is_in_the_subscribers_language_with_one_click_unsubscribe_headers(sent):
    now = timezone.now()
    ConsultationFactory(
        title_zh="場外交易諮詢",
        opens_at=now - dt.timedelta(minutes=30),
        closes_at=now + dt.timedelta(days=30),
    )
    confirmed("chan@example.com", language="zh-hant", at=now - dt.timedelta(days=1))
    sent().clear()  # the confirmation
    services.notices_send(now=now)
    (message,) = sent()
    assert message.subject == "現正接受回應：場外交易諮詢"
    assert "場外交易諮詢" in message.body
    (link,) = [word for word in message.body.split() if "/subscriptions/unsubscribe/" in word]
    assert message.extra_headers["List-Unsubscribe"] == f"<{link}>"
    assert message.extra_headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    # The link's token is kept only as a hash; the outbox forgot the link once sent.
    token = link.rstrip("/").rsplit("/", 1)[1]
    assert SubscriptionNotice.objects.get().token_hash == services.token_hash(token)
    assert "private_unsubscribe" not in Email.objects.get(kind=NOTICE).context


def test_unsubscribing_keeps_no_address_and_cancels_waiting_notices():
    now = timezone.now()
    ConsultationFactory(
        opens_at=now - dt.timedelta(minutes=5), closes_at=now + dt.timedelta(days=9)
    )
    subscription = confirmed(at=now - dt.timedelta(days=1))
    services.notices_send(now=now)
    waiting = Email.objects.get(kind=NOTICE)
    token = _token_of(Email.objects.get(kind=CONFIRMATION))

    assert services.subscription_unsubscribe(token=token).state is LinkState.VALID
    subscription.refresh_from_db()
    assert subscription.email == ""
    assert subscription.unsubscribed_at is not None
    waiting.refresh_from_db()
    assert (waiting.to, waiting.status, waiting.context) == ("", EmailStatus.FAILED, {})
    assert not Email.objects.filter(to="chan@example.com").exists()
    # Again: it says so, changes nothing.
    assert services.subscription_unsubscribe(token=token).state is LinkState.DONE
    # And the address may subscribe again.
    assert subscribe() is not None
