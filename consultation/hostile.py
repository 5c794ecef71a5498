"""Requests no page can serve, refused with a clear 400 before any middleware or view reads them.

- A NUL character in the address or its query string: PostgreSQL cannot hold it in a text
  value, so a filter or search containing one would end in a database error.
- A form body declared in a character set other than UTF-8 (``charset=latin-1``): Django refuses
  to decode it, and its 400 page would run the CSRF check, which reads the body again, and so on.

Both are things no browser sends from our pages; the page says what was wrong and changes
nothing.
"""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.template.loader import render_to_string
from django.utils import translation
from django.utils.functional import Promise as StrPromise
from django.utils.translation import gettext_lazy as _

FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")
# Where programs, not people, read the answer: the refusal is JSON there, like the API's errors.
JSON_PATH_PREFIX = "/api/"


def _charset_is_utf8(charset: str) -> bool:
    # Exactly "utf-8", as Django reads a form body (it refuses even the alias "utf8").
    return charset.lower() == "utf-8"


def refusal(request: HttpRequest) -> StrPromise | None:
    """Why ``request`` cannot be served (a sentence for the page, translated when shown), or
    None."""
    if "\x00" in request.path or "%00" in request.META.get("QUERY_STRING", ""):
        return _("The address contains a NUL character, which is not allowed.")
    if request.content_type in FORM_TYPES:
        charset = (request.content_params or {}).get("charset")
        if charset is not None and not _charset_is_utf8(charset):
            return _("Forms must be sent in UTF-8.")
    return None


class HostileRequestMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        reason = refusal(request)
        if reason is None:
            return self.get_response(request)
        # A page of its own, with nothing that reads the request's body or session, in the
        # language the visitor chose (cookie or browser), as the middleware after this would.
        with translation.override(translation.get_language_from_request(request)):
            if request.path.startswith(JSON_PATH_PREFIX):
                response: HttpResponse = JsonResponse({"detail": str(reason)}, status=400)
            else:
                html = render_to_string("errors/bad_request.html", {"reason": reason})
                response = HttpResponse(html, status=400)
        response["Cache-Control"] = "no-store"
        return response
