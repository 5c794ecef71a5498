"""A clear page when the database cannot be reached, instead of a bare "Server Error (500)".

Every write is one transaction (in the services, such as ``surveys.journey.services``), so a
connection lost in the middle of a request has changed nothing: the page says so, and asks the
visitor to try again. The status is 503 with ``Retry-After``, which tells proxies and monitoring
that the outage is temporary.
"""

from __future__ import annotations

import logging
import sys
from collections.abc import Callable

from django.db import DatabaseError, InterfaceError, OperationalError, connections
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.views import defaults

logger = logging.getLogger(__name__)

RETRY_AFTER_SECONDS = 30
# The errors of a database that is down, dropped the connection or gave up on a statement in
# time (not of a bad query).
UNAVAILABLE_MARKERS = (
    "terminating connection",
    "server closed the connection",
    "connection already closed",
    "the connection is closed",
    "connection failed",
    "could not connect",
    "connection refused",
    "consuming input failed",
    "server conn crashed",
    "the database system is",
    "ssl syscall error",
    # The statement_timeout the README recommends: the database is too busy to answer now.
    "canceling statement due to statement timeout",
    "canceling statement due to lock timeout",
)


def database_unavailable(error: BaseException) -> bool:
    """Whether ``error`` means the database could not be reached (not a bug in a query)."""
    if isinstance(error, InterfaceError):
        return True
    if not isinstance(error, OperationalError):
        return False
    message = str(error).lower()
    return any(marker in message for marker in UNAVAILABLE_MARKERS)


class DatabaseUnavailableMiddleware:
    """Answers a lost database with the "try again" page (503); other errors pass through."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if not isinstance(exception, DatabaseError) or not database_unavailable(exception):
            return None
        return unavailable_response(request)


def server_error(request: HttpRequest) -> HttpResponse:
    """``handler500``: a lost database met outside a view (saving the session after the view,
    reading it before) still gets the "try again" page; anything else is a server error."""
    error = sys.exc_info()[1]
    if isinstance(error, DatabaseError) and database_unavailable(error):
        return unavailable_response(request)
    return defaults.server_error(request)


def unavailable_response(request: HttpRequest) -> HttpResponse:
    """The "try again" page (503 with ``Retry-After``), made without the database."""
    logger.error("Database unavailable during %s %s", request.method, request.path)
    # Drop the broken connections now, so that the session and anything else this request
    # still reads reconnect instead of failing on the dead socket.
    for connection in connections.all(initialized_only=True):
        if not connection.in_atomic_block:
            connection.close_if_unusable_or_obsolete()
    match = getattr(request, "resolver_match", None)
    slug = match.kwargs.get("slug") if match and match.namespace == "surveys" else None
    response = render(
        request,
        "errors/database_unavailable.html",
        {
            "submitting": bool(match and match.view_name == "surveys:submit"),
            # "Respond" takes the respondent back to the page where their draft stopped.
            "back_url": reverse("surveys:respond", args=[slug]) if slug else "",
            # The page must not need the database: no messages (they may live in the session).
            "messages": [],
        },
        status=503,
    )
    response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    response["Cache-Control"] = "no-store"
    return response
