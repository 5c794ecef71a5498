"""The email confirmation link's page (``surveys.journey.confirmation``): open to anyone who holds
the link, signed in or not. Every outcome has its own clear page; a bad link changes nothing."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django_ratelimit.decorators import ratelimit

from surveys.journey.confirmation import Outcome, email_confirm
from surveys.journey.rates import resume_rate

# The status each outcome answers with: the page explains it either way.
_STATUS = {
    Outcome.CONFIRMED: 200,
    Outcome.ALREADY: 200,
    Outcome.WITHDRAWN: 410,
    Outcome.EXPIRED: 410,
    Outcome.INVALID: 404,
}


@ratelimit(  # type: ignore[untyped-decorator]  # django-ratelimit ships no types
    key="ip", rate=resume_rate, method="GET", block=False
)
def confirm_email(request: HttpRequest, token: str) -> HttpResponse:
    """Confirm the email address of the response the link names."""
    if getattr(request, "limited", False):
        return render(request, "surveys/respond/rate_limited.html", status=429)
    result = email_confirm(token=token)
    submission = result.submission
    return render(
        request,
        "surveys/respond/email_confirmed.html",
        {
            "outcome": result.outcome.value,
            "reference": submission.reference if submission is not None else "",
            "consultation": submission.consultation if submission is not None else None,
        },
        status=_STATUS[result.outcome],
    )
