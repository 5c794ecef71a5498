"""The subscription pages: the form on the list and each consultation's page, the same answer
whatever the address, confirm and unsubscribe links (one-click POST included), clear pages for
bad links, and the rate limit."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.core.cache import cache
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from outbox.models import Email
from surveys.models import Subscription
from surveys.subscriptions import services
from surveys.subscriptions.emails import CONFIRMATION
from tests.factories import ConsultationFactory

pytestmark = pytest.mark.django_db

SUBSCRIBE = reverse("subscriptions:subscribe")


@pytest.fixture(autouse=True)
def _fresh_rate_limits():
    cache.clear()


def _token(email: Email) -> str:
    return email.context["private_link"].rstrip("/").rsplit("/", 1)[1]


def _without_csrf(response) -> str:
    return re.sub(r'name="csrfmiddlewaretoken" value="[^"]*"', "", response.content.decode())


def _post(client, email="chan@example.com", consultation="", **extra):
    return client.post(
        SUBSCRIBE, {"email": email, "consultation": consultation, "website": "", **extra}
    )


def test_the_list_and_each_consultation_offer_the_form_and_the_feeds(client):
    consultation = ConsultationFactory()
    for url in (reverse("surveys:index"), reverse("surveys:detail", args=[consultation.slug])):
        page = client.get(url).content.decode()
        assert f'action="{SUBSCRIBE}"' in page
        assert 'rel="alternate" type="application/atom+xml"' in page
        assert reverse("subscriptions:feed_conclusions") in page
        # What the address is for and how long it is kept, where it is collected (PDPO DPP1).
        assert "We use your address only to send these emails." in page
    detail = client.get(reverse("surveys:detail", args=[consultation.slug])).content.decode()
    assert f'name="consultation" value="{consultation.slug}"' in detail


def test_subscribing_to_a_consultation_asks_for_confirmation_in_the_pages_language(client):
    consultation = ConsultationFactory()
    client.cookies["django_language"] = "zh-hant"
    response = _post(client, consultation=consultation.slug)
    assert response.status_code == 200
    assert "請查看你的電郵" in response.content.decode()
    subscription = Subscription.objects.get()
    assert (subscription.consultation, subscription.language) == (consultation, "zh-hant")
    assert Email.objects.get().language == "zh-hant"


def test_the_answer_is_the_same_for_an_address_already_subscribed(client):
    first = _post(client)
    token = _token(Email.objects.get())
    services.subscription_confirm(token=token)
    again = _post(client)
    assert again.status_code == first.status_code == 200
    assert _without_csrf(again) == _without_csrf(first)
    assert Email.objects.count() == 1


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"email": ""}, "Enter your email address."),
        ({"email": "not-an-address"}, "Enter an email address in the correct format"),
        ({"email": "a@example.com", "consultation": "no-such-thing"}, "cannot be followed"),
    ],
)
def test_bad_input_is_refused_with_a_clear_message_and_changes_nothing(client, data, message):
    response = client.post(SUBSCRIBE, {"consultation": "", **data})
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not Subscription.objects.exists()
    assert not Email.objects.exists()


def test_a_draft_consultation_cannot_be_followed(client):
    draft = ConsultationFactory(is_draft=True)
    response = _post(client, consultation=draft.slug)
    assert "cannot be followed" in response.content.decode()
    assert not Subscription.objects.exists()


def test_a_filled_honeypot_is_refused(client):
    assert _post(client, website="http://spam.example").status_code == 400
    assert not Subscription.objects.exists()


def test_too_many_requests_from_one_address_are_refused(client, settings):
    settings.RATELIMIT_SUBSCRIBE = "3/h"
    for n in range(3):
        assert _post(client, email=f"p{n}@example.com").status_code == 200
    response = _post(client, email="p9@example.com")
    assert response.status_code == 429
    assert "Too many requests" in response.content.decode()
    assert Subscription.objects.count() == 3


def test_confirming_shows_a_button_and_only_the_post_confirms(client):
    _post(client)
    url = reverse("subscriptions:confirm", args=[_token(Email.objects.get())])
    page = client.get(url)
    assert page.status_code == 200
    assert "Confirm my subscription" in page.content.decode()
    assert Subscription.objects.get().confirmed_at is None
    done = client.post(url)
    assert done.status_code == 200
    assert "You are subscribed" in done.content.decode()
    assert Subscription.objects.get().confirmed_at is not None
    # The link again: it says so.
    assert "You are subscribed" in client.get(url).content.decode()


@pytest.mark.parametrize("language", ["en", "zh-hant"])
def test_bad_and_expired_links_get_clear_pages_in_both_languages(client, settings, language):
    settings.SUBSCRIPTION_CONFIRM_HOURS = 1
    client.cookies["django_language"] = language
    expected = {"en": "This link does not work", "zh-hant": "此連結無效"}[language]
    for url in (
        reverse("subscriptions:confirm", args=["nonsense"]),
        reverse("subscriptions:unsubscribe", args=["nonsense"]),
        reverse("subscriptions:confirm", args=["x" * 3000]),
    ):
        for method in (client.get, client.post):
            response = method(url)
            assert response.status_code == 404
            assert expected in response.content.decode()
    services.subscription_request(
        email="late@example.com",
        consultation=None,
        language="en",
        site_url="http://testserver/",
        now=timezone.now() - dt.timedelta(hours=2),
    )
    url = reverse("subscriptions:confirm", args=[_token(Email.objects.get())])
    response = client.post(url)
    assert response.status_code == 410
    assert {"en": "has expired", "zh-hant": "已過期"}[language] in response.content.decode()
    assert Subscription.objects.get().confirmed_at is None


def test_one_click_unsubscribe_is_a_post_without_a_page_or_csrf_token():
    browser = Client()
    _post(browser)
    token = _token(Email.objects.get())
    services.subscription_confirm(token=token)
    mail_program = Client(enforce_csrf_checks=True)
    url = reverse("subscriptions:unsubscribe", args=[token])
    response = mail_program.post(url, {"List-Unsubscribe": "One-Click"})
    assert response.status_code == 200
    subscription = Subscription.objects.get()
    assert subscription.unsubscribed_at is not None
    assert subscription.email == ""
    # Opening the link afterwards says it is done.
    assert "You are unsubscribed" in browser.get(url).content.decode()


def test_opening_an_unsubscribe_link_shows_a_button_and_changes_nothing(client):
    _post(client)
    token = _token(Email.objects.get())
    services.subscription_confirm(token=token)
    page = client.get(reverse("subscriptions:unsubscribe", args=[token]))
    assert page.status_code == 200
    assert '<button type="submit"' in page.content.decode()
    assert Subscription.objects.get().unsubscribed_at is None


def test_the_confirmation_email_links_to_the_confirm_page_in_the_subscribers_language(client, sent):
    client.cookies["django_language"] = "zh-hant"
    _post(client)
    (message,) = sent()
    assert message.subject == "請確認訂閱 Consult HK 通知"
    assert Email.objects.get(kind=CONFIRMATION).to == "chan@example.com"
    link = next(word for word in message.body.split() if "/subscriptions/confirm/" in word)
    assert client.get(link.split("testserver", 1)[1]).status_code == 200
