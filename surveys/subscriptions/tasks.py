"""Thin task run by Celery beat (``send-subscription-notices``)."""

from __future__ import annotations

from celery import shared_task

from surveys.subscriptions import services


@shared_task(name="surveys.subscriptions.tasks.send_notices", ignore_result=True)
def send_notices() -> None:
    services.subscriptions_expire()
    services.notices_send()
