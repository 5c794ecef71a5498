"""Queue an email with the change that causes it; send it from a worker, at least once.

``email_queue`` writes the row in the caller's transaction, so an email exists exactly when its
change was committed, and nothing else: the page that queues it never talks to the mail server
or to the broker, so neither an SMTP outage nor a Redis one slows or breaks it. Celery beat runs
``emails_send_due`` every few seconds (``OUTBOX_SWEEP_SECONDS``); it sends each due email under
its row's lock (``email_send``), so two sweeps never send one twice. A failure is recorded on the
row and tried again after a growing pause; after ``OUTBOX_MAX_ATTEMPTS`` the email stays failed
until staff send it again (``email_retry``, which asks a worker at once). An email whose SMTP
server accepted it just before its worker died is sent again: at least once, never lost.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Collection, Mapping
from typing import Any

from celery import current_app
from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.db import transaction
from django.utils import timezone

from outbox import registry
from outbox.models import Email, EmailStatus

logger = logging.getLogger(__name__)

SEND_TASK = "outbox.tasks.send"
# Context keys with this prefix (a private link) are removed once the email has been sent.
PRIVATE_PREFIX = "private_"


def retry_pause(attempts: int) -> dt.timedelta:
    """The pause before attempt ``attempts + 1``: one minute, doubling, at most an hour."""
    return dt.timedelta(minutes=min(2 ** max(attempts - 1, 0), 60))


def email_queue(
    *,
    kind: str,
    to: str,
    language: str,
    context: Mapping[str, Any],
    now: dt.datetime | None = None,
) -> Email:
    """An email to send once the caller's transaction commits (call it inside that transaction):
    the next sweep sends it."""
    now = now or timezone.now()
    email = Email.objects.create(
        kind=kind,
        to=to,
        language=language,
        context=dict(context),
        created_at=now,
        next_attempt_at=now,
    )
    return email


def _dispatch(email_id: int) -> None:
    try:
        current_app.send_task(SEND_TASK, args=[email_id])
    except Exception:  # noqa: BLE001 - any broker failure: the periodic sweep sends it instead
        logger.warning("Email %s waits for the next sweep: the broker was unreachable", email_id)


def email_send(*, email_id: int, now: dt.datetime | None = None) -> bool:
    """Render and send the pending email ``email_id``; True if it was sent now.

    Nothing happens to an email already sent, failed for good, not due yet or being sent by
    another worker. A failure to render or to send counts as an attempt: the email is tried again
    after ``retry_pause``, and after ``OUTBOX_MAX_ATTEMPTS`` it stays failed until staff retry it.
    """
    now = now or timezone.now()
    with transaction.atomic():
        email = (
            Email.objects.select_for_update(skip_locked=True)
            .filter(pk=email_id, status=EmailStatus.PENDING, next_attempt_at__lte=now)
            .first()
        )
        if email is None:
            return False
        email.attempts += 1
        try:
            rendered = registry.render(email.kind, email.context, email.language)
            message = EmailMultiAlternatives(
                subject=rendered.subject,
                body=rendered.text,
                from_email=settings.DEFAULT_FROM_EMAIL,
                to=[email.to],
                headers=dict(rendered.headers),
            )
            if rendered.html:
                message.attach_alternative(rendered.html, "text/html")
            message.send()
        except Exception as error:  # noqa: BLE001 - recorded on the row, tried again later
            email.last_error = f"{type(error).__name__}: {error}"[:2000]
            if email.attempts >= settings.OUTBOX_MAX_ATTEMPTS:
                email.status = EmailStatus.FAILED
                logger.error("Email %s failed for good: %s", email.pk, email.last_error)
            else:
                email.next_attempt_at = now + retry_pause(email.attempts)
                logger.warning("Email %s not sent (attempt %s)", email.pk, email.attempts)
            email.save(update_fields=["attempts", "last_error", "status", "next_attempt_at"])
            return False
        email.status = EmailStatus.SENT
        email.sent_at = now
        email.subject = rendered.subject[:300]
        email.context = {k: v for k, v in email.context.items() if not k.startswith(PRIVATE_PREFIX)}
        email.save(update_fields=["attempts", "status", "sent_at", "subject", "context"])
        return True


def emails_send_due(*, now: dt.datetime | None = None, limit: int = 200) -> int:
    """Send the pending emails that are due, oldest first; how many were sent."""
    now = now or timezone.now()
    due = list(
        Email.objects.filter(status=EmailStatus.PENDING, next_attempt_at__lte=now)
        .order_by("next_attempt_at", "pk")
        .values_list("pk", flat=True)[:limit]
    )
    return sum(email_send(email_id=pk, now=now) for pk in due)


def email_retry(*, email: Email, now: dt.datetime | None = None) -> bool:
    """Staff: try a failed or waiting email again now. False for an email already sent."""
    now = now or timezone.now()
    with transaction.atomic():
        changed = (
            Email.objects.filter(pk=email.pk)
            .exclude(status=EmailStatus.SENT)
            .update(status=EmailStatus.PENDING, next_attempt_at=now)
        )
        if changed:
            transaction.on_commit(lambda: _dispatch(email.pk))
    return bool(changed)


def emails_erase(*, kind_prefix: str, key: str, values: Collection[int]) -> int:
    """Forget the address and context of the emails of kinds starting with ``kind_prefix`` whose
    ``context[key]`` is one of ``values`` (an erasure of personal data). One still waiting is
    never sent: it is left failed, saying why. Returns how many emails were erased."""
    rows = Email.objects.filter(kind__startswith=kind_prefix, **{f"context__{key}__in": values})
    rows.exclude(status=EmailStatus.SENT).update(
        status=EmailStatus.FAILED, last_error="Not sent: erased with the personal data it held."
    )
    return rows.update(to="", context={})
