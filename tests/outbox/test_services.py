"""The outbox: an email is a row written with its change, sent by a worker at least once,
retried with growing pauses while the mail server fails, and left for staff when it never
succeeds. Sending failures here are real ones: an SMTP backend pointed at a closed port."""

from __future__ import annotations

import datetime as dt
import socket

import pytest
from django.test import override_settings
from django.utils import timezone

from outbox import registry, services
from outbox.models import Email, EmailStatus

pytestmark = pytest.mark.django_db


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]  # nothing listens there once the socket is closed


def _smtp_down():
    return override_settings(
        EMAIL_BACKEND="django.core.mail.backends.smtp.EmailBackend",
        EMAIL_HOST="127.0.0.1",
        EMAIL_PORT=_closed_port(),
        EMAIL_TIMEOUT=2,
    )


@pytest.fixture(autouse=True)
def _greeting_kind():
    def render(context, language):
        greeting = "你好" if language == "zh-hant" else "Hello"
        return registry.Rendered(
            subject=f"{greeting} {context['name']}",
            text=f"{greeting}, {context['name']}: {context.get('private_link', '')}",
            html=f"<p>{greeting}</p>",
        )

    registry.register("tests.greeting", render)


def _queue(**context):
    return services.email_queue(
        kind="tests.greeting",
        to="chan@example.com",
        language="zh-hant",
        context={"name": "Chan", **context},
    )


def test_a_queued_email_is_rendered_and_sent_by_the_worker_not_when_queued(mailoutbox):
    email = _queue(private_link="https://consult.example.hk/resume/abc/")
    assert mailoutbox == []
    assert email.status == EmailStatus.PENDING

    assert services.email_send(email_id=email.pk)
    (message,) = mailoutbox
    assert message.subject == "你好 Chan" and message.to == ["chan@example.com"]
    assert "https://consult.example.hk/resume/abc/" in message.body
    assert message.alternatives[0][1] == "text/html"
    email.refresh_from_db()
    assert (email.status, email.attempts, email.subject) == (EmailStatus.SENT, 1, "你好 Chan")
    assert email.sent_at is not None
    # The private link is not kept once it has been delivered.
    assert email.context == {"name": "Chan"}

    # Sending again (a redelivered task) sends nothing more.
    assert not services.email_send(email_id=email.pk)
    assert len(mailoutbox) == 1


def test_a_mail_server_that_is_down_loses_nothing_and_the_email_is_retried_later(mailoutbox):
    email = _queue()
    started = timezone.now()
    with _smtp_down():
        assert not services.email_send(email_id=email.pk, now=started)
    email.refresh_from_db()
    assert email.status == EmailStatus.PENDING
    assert email.attempts == 1
    assert "ConnectionRefusedError" in email.last_error
    assert email.next_attempt_at == started + dt.timedelta(minutes=1)

    # Not due yet: the sweep leaves it alone.
    assert services.emails_send_due(now=started + dt.timedelta(seconds=30)) == 0
    with _smtp_down():
        assert services.emails_send_due(now=started + dt.timedelta(minutes=1)) == 0
    email.refresh_from_db()
    assert email.attempts == 2
    assert email.next_attempt_at == started + dt.timedelta(minutes=3)  # then 2 minutes more

    # The server is back: the next sweep sends it, once.
    assert services.emails_send_due(now=started + dt.timedelta(minutes=3)) == 1
    assert len(mailoutbox) == 1
    email.refresh_from_db()
    assert (email.status, email.attempts) == (EmailStatus.SENT, 3)


def test_the_pause_between_attempts_doubles_up_to_an_hour():
    pauses = [services.retry_pause(n) for n in range(1, 10)]
    assert [p.total_seconds() / 60 for p in pauses] == [1, 2, 4, 8, 16, 32, 60, 60, 60]


@override_settings(OUTBOX_MAX_ATTEMPTS=3)
def test_after_the_last_attempt_it_stays_failed_until_staff_send_it_again(mailoutbox):
    email = _queue()
    now = timezone.now()
    with _smtp_down():
        for _ in range(3):
            services.email_send(email_id=email.pk, now=now)
            now += dt.timedelta(hours=1)
    email.refresh_from_db()
    assert (email.status, email.attempts) == (EmailStatus.FAILED, 3)
    assert services.emails_send_due(now=now + dt.timedelta(days=1)) == 0

    assert services.email_retry(email=email, now=now)
    email.refresh_from_db()
    assert email.status == EmailStatus.PENDING
    assert services.emails_send_due(now=now) == 1
    assert len(mailoutbox) == 1
    # An email already sent is not sent again by a retry.
    email.refresh_from_db()
    assert not services.email_retry(email=email, now=now)


def test_an_unknown_kind_is_recorded_as_a_failure_not_raised(mailoutbox):
    email = services.email_queue(kind="tests.nobody", to="a@example.com", language="en", context={})
    assert not services.email_send(email_id=email.pk)
    email.refresh_from_db()
    assert "UnknownKind" in email.last_error and email.status == EmailStatus.PENDING
    assert mailoutbox == []


def test_the_email_exists_only_if_its_transaction_commits():
    from django.db import transaction

    with pytest.raises(RuntimeError), transaction.atomic():
        _queue()
        raise RuntimeError("the change failed")
    assert not Email.objects.exists()


def test_staff_with_the_permission_see_failed_emails_and_send_them_again(
    client, django_user_model, mailoutbox
):
    from django.contrib.auth.models import Permission
    from django.urls import reverse

    email = _queue()
    Email.objects.filter(pk=email.pk).update(
        status=EmailStatus.FAILED, attempts=10, last_error="SMTPDataError: 451 try again later"
    )
    clerk = django_user_model.objects.create_user("clerk", password="a-long-test-password")
    clerk.is_staff = True
    clerk.save()
    client.force_login(clerk)
    url = reverse("admin:outbox_email_changelist")
    assert client.get(url).status_code == 403
    clerk.user_permissions.add(Permission.objects.get(codename="view_email"))
    page = client.get(url).content.decode()
    assert "SMTPDataError: 451 try again later" in page
    assert "chan@example.com" in page
    # Viewing is not retrying: the action needs the change permission.
    response = client.post(url, {"action": "retry", "_selected_action": [email.pk]})
    email.refresh_from_db()
    assert email.status == EmailStatus.FAILED
    clerk.user_permissions.add(Permission.objects.get(codename="change_email"))
    response = client.post(url, {"action": "retry", "_selected_action": [email.pk]}, follow=True)
    assert "1 email will be sent again." in response.content.decode()
    email.refresh_from_db()
    assert email.status == EmailStatus.PENDING
    assert services.emails_send_due() == 1 and len(mailoutbox) == 1


def test_queueing_an_email_never_reaches_the_broker_or_the_mail_server(
    django_capture_on_commit_callbacks, mailoutbox
):
    # Nothing runs after the commit: the page that queued it is done, and the sweep sends it.
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        _queue()
    assert callbacks == []
    assert mailoutbox == []
