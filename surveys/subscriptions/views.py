"""The subscription pages. Thin: validate, call one service, render.

- Subscribing answers "check your email" whatever the address: it never says whether an address
  is already subscribed.
- A confirmation link shows a button (GET) and confirms on POST: a mail filter that opens every
  link in an email confirms nothing on its own.
- An unsubscribe link shows a button (GET); a POST unsubscribes without a page in between, as
  mail programs do for ``List-Unsubscribe-Post`` (RFC 8058). That POST carries no CSRF token
  (the mail program has none): the token in the link is what authorises it.
- A bad, used or expired link gets a page saying so, in both languages, never an error.
"""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods
from django_ratelimit.decorators import ratelimit

from surveys.journey.respondent import page_language
from surveys.subscriptions import services
from surveys.subscriptions.forms import SubscribeForm
from surveys.subscriptions.services import LinkState

TEMPLATES = "surveys/subscriptions/"


def _rate(group: str, request: HttpRequest) -> str:
    rate: str = settings.RATELIMIT_SUBSCRIBE
    return rate


@ratelimit(  # type: ignore[untyped-decorator]  # django-ratelimit ships no types
    key="ip", rate=_rate, method="POST", block=False
)
@require_http_methods(["GET", "POST"])
def subscribe(request: HttpRequest) -> HttpResponse:
    if getattr(request, "limited", False):
        return render(request, TEMPLATES + "rate_limited.html", status=429)
    form = SubscribeForm(request.POST or None, initial={"consultation": request.GET.get("c", "")})
    if request.method == "POST":
        if form.honeypot_filled():
            return HttpResponseBadRequest(_("Your request could not be accepted."))
        if form.is_valid():
            services.subscription_request(
                email=form.cleaned_data["email"],
                consultation=form.cleaned_data["consultation"],
                language=page_language(),
                site_url=request.build_absolute_uri("/"),
            )
            return render(
                request,
                TEMPLATES + "check_email.html",
                {
                    "email": form.cleaned_data["email"],
                    "consultation": form.cleaned_data["consultation"],
                    "confirm_hours": settings.SUBSCRIPTION_CONFIRM_HOURS,
                },
            )
    return render(request, TEMPLATES + "subscribe.html", {"form": form})


def _link_page(request: HttpRequest, check: services.LinkCheck, page: str) -> HttpResponse:
    if check.state is LinkState.INVALID:
        return render(request, TEMPLATES + "link_invalid.html", status=404)
    if check.state is LinkState.EXPIRED:
        return render(
            request,
            TEMPLATES + "link_expired.html",
            {"consultation": check.subscription.consultation if check.subscription else None},
            status=410,
        )
    return render(request, TEMPLATES + page, {"check": check, "state": check.state.value})


@never_cache
@require_http_methods(["GET", "POST"])
def confirm(request: HttpRequest, token: str) -> HttpResponse:
    if request.method == "POST":
        check = services.subscription_confirm(token=token)
        if check.state is LinkState.VALID:
            return render(request, TEMPLATES + "confirmed.html", {"check": check, "token": token})
    else:
        check = services.confirmation_check(token=token)
    if check.state is LinkState.DONE:
        return render(request, TEMPLATES + "confirmed.html", {"check": check, "token": token})
    return _link_page(request, check, "confirm.html")


@csrf_exempt
@never_cache
@require_http_methods(["GET", "POST"])
def unsubscribe(request: HttpRequest, token: str) -> HttpResponse:
    if request.method == "POST":
        check = services.subscription_unsubscribe(token=token)
        if check.state is LinkState.VALID:
            return render(request, TEMPLATES + "unsubscribed.html")
    else:
        check = services.unsubscribe_check(token=token)
    if check.state is LinkState.DONE:
        return render(request, TEMPLATES + "unsubscribed.html")
    return _link_page(request, check, "unsubscribe.html")
