"""The API's answer to a URL it does not have: JSON, like its every other error."""

from __future__ import annotations

from django.http import HttpRequest, JsonResponse
from django.utils.translation import gettext


def not_found(request: HttpRequest, rest: str) -> JsonResponse:
    return JsonResponse({"detail": gettext("No such endpoint in this API.")}, status=404)
