"""Authentication backends: django-axes's login lockout, limited to logins made over the web.

django-axes counts failed logins per client address, so it needs the HTTP request and refuses
any ``authenticate()`` call without one. Code that authenticates outside a request (the test
client's ``login()``, a management shell) has no client to lock out; for those calls the check
is skipped and the next backend decides as usual. Every login form passes the request, so the
admin login is always protected.
"""

from __future__ import annotations

from typing import Any

from axes.backends import AxesStandaloneBackend
from django.http import HttpRequest


class LoginLockoutBackend(AxesStandaloneBackend):  # type: ignore[misc]  # axes ships no types
    def authenticate(
        self,
        request: HttpRequest | None,
        username: str | None = None,
        password: str | None = None,
        **kwargs: Any,
    ) -> None:
        if request is None:
            return None
        # axes returns nothing: it refuses a locked-out login by raising PermissionDenied.
        result: None = super().authenticate(request, username=username, password=password, **kwargs)
        return result
