"""Notices to subscribers on real parts: beat's task run by a `celery worker` process queues the
notice, the outbox's sweep sends it to a local SMTP server process that first refuses, then
accepts. Nothing is lost in the outage, nothing is sent twice, and the message carries the
one-click unsubscribe headers whose POST ends the subscription."""

from __future__ import annotations

import datetime as dt
from urllib.parse import urlsplit

import pytest
from django.test import Client
from django.utils import timezone

from consultation.celery import app
from outbox import services as outbox
from outbox.models import Email, EmailStatus
from surveys.models import Subscription, SubscriptionNotice
from surveys.subscriptions import services
from tests.factories import ConsultationFactory
from tests.integration.test_email_outbox import _wait, smtp_server  # noqa: F401 - the fixture

pytestmark = pytest.mark.integration


def test_a_notice_survives_a_mail_server_outage_and_unsubscribes_in_one_click(
    celery_worker_process,
    smtp_server,  # noqa: F811 - the fixture imported above
):
    worker = celery_worker_process(EMAIL_URL=f"smtp://127.0.0.1:{smtp_server.port}")
    now = timezone.now()
    consultation = ConsultationFactory(
        title_en="Licensing VA custodians",
        opens_at=now - dt.timedelta(minutes=10),
        closes_at=now + dt.timedelta(days=60),
    )
    services.subscription_request(
        email="chan@example.com",
        consultation=consultation,
        language="en",
        site_url="http://testserver/",
        now=now - dt.timedelta(days=1),
    )
    token = Email.objects.get().context["private_link"].rstrip("/").rsplit("/", 1)[1]
    services.subscription_confirm(token=token, now=now - dt.timedelta(days=1))
    Email.objects.all().delete()  # the confirmation: not what this test is about

    # Beat's task, twice (a re-run, or a second beat): one notice.
    app.send_task("surveys.subscriptions.tasks.send_notices")
    app.send_task("surveys.subscriptions.tasks.send_notices")
    _wait(lambda: Email.objects.filter(kind="subscriptions.notice").exists(), "a notice", worker)
    notice = Email.objects.get(kind="subscriptions.notice")

    # The mail server refuses: the email is kept, with its error.
    app.send_task("outbox.tasks.send_due")

    def refused() -> bool:
        notice.refresh_from_db()
        return notice.attempts >= 1

    _wait(refused, "the first attempt", worker)
    assert notice.status == EmailStatus.PENDING
    assert "451" in notice.last_error
    assert smtp_server.messages() == []

    smtp_server.accept()
    assert outbox.email_retry(email=notice)

    def delivered() -> bool:
        notice.refresh_from_db()
        return notice.status == EmailStatus.SENT

    _wait(delivered, "delivery", worker)
    app.send_task("surveys.subscriptions.tasks.send_notices")
    app.send_task("outbox.tasks.send_due")
    ((recipients, message),) = smtp_server.messages()
    assert recipients == "chan@example.com"
    assert message["Subject"] == "Now open for responses: Licensing VA custodians"
    assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    link = str(message["List-Unsubscribe"]).strip().strip("<>")
    text = message.get_body(preferencelist=("plain",)).get_content()
    assert link in text
    assert SubscriptionNotice.objects.count() == 1
    assert Email.objects.filter(kind="subscriptions.notice").count() == 1

    # The mail program's one-click unsubscribe: a POST, no page, no CSRF token.
    response = Client(enforce_csrf_checks=True).post(
        urlsplit(link).path, {"List-Unsubscribe": "One-Click"}
    )
    assert response.status_code == 200
    subscription = Subscription.objects.get()
    assert (subscription.email, subscription.unsubscribed_at is not None) == ("", True)
    assert not Email.objects.filter(to="chan@example.com").exists()
