"""The emails to subscribers: the confirmation (double opt-in) and the notices.

Queued in the outbox in the transaction of the change that causes them (an SMTP outage loses
nothing), rendered by its worker in the subscriber's language. The links carry tokens: they are
kept in the outbox's context under ``private_`` keys, which the outbox removes once sent.
Every notice carries ``List-Unsubscribe`` and ``List-Unsubscribe-Post`` (RFC 8058): a mail
program's one-click unsubscribe POSTs to the same link the email shows.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.conf import settings
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext

from outbox import registry
from outbox.registry import Rendered
from outbox.services import email_queue
from surveys.models import Consultation, NoticeEvent, Subscription

KIND_PREFIX = "subscriptions."
CONFIRMATION = "subscriptions.confirm"
NOTICE = "subscriptions.notice"


def _url(site_url: str, name: str, *args: Any) -> str:
    return site_url.rstrip("/") + reverse(name, args=args)


def confirmation_queue(*, subscription: Subscription, token: str, site_url: str) -> None:
    email_queue(
        kind=CONFIRMATION,
        to=subscription.email,
        language=subscription.language,
        context={
            "subscription": subscription.pk,
            "private_link": _url(site_url, "subscriptions:confirm", token),
        },
    )


def notice_queue(
    *,
    subscription: Subscription,
    consultation: Consultation,
    event: str,
    token: str,
    site_url: str,
) -> None:
    email_queue(
        kind=NOTICE,
        to=subscription.email,
        language=subscription.language,
        context={
            "subscription": subscription.pk,
            "consultation": consultation.pk,
            "event": event,
            "page": _url(site_url, "surveys:detail", consultation.slug),
            "conclusions": _url(site_url, "conclusions:landing", consultation.slug),
            "private_unsubscribe": _url(site_url, "subscriptions:unsubscribe", token),
        },
    )


# --- Rendered by the outbox's worker ------------------------------------------------------------


def _render(subject: str, template: str, context: dict[str, Any]) -> Rendered:
    return Rendered(
        subject=subject,
        text=render_to_string(f"surveys/subscriptions/email/{template}.txt", context),
        html=render_to_string(f"surveys/subscriptions/email/{template}.html", context),
    )


def render_confirmation(context: Mapping[str, Any], language: str) -> Rendered:
    subscription = Subscription.objects.select_related("consultation").get(
        pk=context["subscription"]
    )
    consultation = subscription.consultation
    with translation.override(language):
        title = consultation.localized("title", language) if consultation else ""
        return _render(
            gettext("Confirm your subscription to Consult HK notices"),
            "confirm",
            {
                "language": language,
                "title": title,
                "link": context["private_link"],
                "confirm_hours": settings.SUBSCRIPTION_CONFIRM_HOURS,
            },
        )


def _subject(event: str, title: str) -> str:
    subjects = {
        NoticeEvent.OPENED: gettext("Now open for responses: %(title)s"),
        NoticeEvent.CLOSING_SOON: gettext("Closes in 7 days: %(title)s"),
        NoticeEvent.CLOSED: gettext("Closed: %(title)s"),
        NoticeEvent.CONCLUDED: gettext("Conclusions published: %(title)s"),
    }
    return subjects[NoticeEvent(event)] % {"title": title}


def render_notice(context: Mapping[str, Any], language: str) -> Rendered:
    consultation = Consultation.objects.get(pk=context["consultation"])
    unsubscribe = context["private_unsubscribe"]
    with translation.override(language):
        title = consultation.localized("title", language)
        rendered = _render(
            _subject(context["event"], title),
            "notice",
            {
                "language": language,
                "title": title,
                "event": context["event"],
                "closes_at": timezone.localtime(consultation.closes_at),
                "page": context["page"],
                "conclusions": context["conclusions"],
                "unsubscribe": unsubscribe,
            },
        )
    return Rendered(
        subject=rendered.subject,
        text=rendered.text,
        html=rendered.html,
        headers={
            "List-Unsubscribe": f"<{unsubscribe}>",
            "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
        },
    )


def renderers_register() -> None:
    """Called once when the app is ready."""
    registry.register(CONFIRMATION, render_confirmation)
    registry.register(NOTICE, render_notice)
