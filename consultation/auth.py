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
from django.contrib.admin.forms import AdminAuthenticationForm
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
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


class StaffLoginForm(AdminAuthenticationForm):
    """The staff login form. A username longer than any account's is refused as a wrong login
    before it is checked: no such account exists, and django-axes could not record the attempt
    (its column is shorter), which would end in a server error."""

    def clean_username(self) -> str:
        username: str = self.cleaned_data["username"]
        model = get_user_model()
        limit = getattr(model._meta.get_field(model.USERNAME_FIELD), "max_length", None)
        if limit is not None and len(username) > limit:
            raise ValidationError(
                self.error_messages["invalid_login"],
                code="invalid_login",
                params={"username": self.username_field.verbose_name},
            )
        return username
