"""The respondent pages' rate limits per visitor address, read from settings when a request
comes (so that tests and deployments may change them): django-ratelimit's callable rates."""

from __future__ import annotations

from functools import partial

from django.conf import settings
from django.http import HttpRequest


def setting_rate(setting: str, group: str, request: HttpRequest) -> str:
    rate: str = getattr(settings, setting)
    return rate


submit_rate = partial(setting_rate, "RATELIMIT_SUBMIT")
# Asking for the resume link again, opening a confirmation link and inviting a colleague each
# send or check a link: one limit.
resume_rate = partial(setting_rate, "RATELIMIT_RESUME")
