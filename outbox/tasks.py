"""Thin tasks: send one email, and the periodic sweep of emails that are due."""

from __future__ import annotations

from celery import shared_task

from outbox import services


@shared_task(name="outbox.tasks.send", acks_late=True, ignore_result=True)
def send(email_id: int) -> None:
    services.email_send(email_id=email_id)


@shared_task(name="outbox.tasks.send_due", ignore_result=True)
def send_due() -> None:
    services.emails_send_due()
