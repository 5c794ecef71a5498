"""Who may call what: public reads need nothing; staff endpoints need a personal token whose
scope, and whose owner's permission at that moment, allow the call. Everything else is refused
(``DenyByDefault`` is the default permission of every view)."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework import authentication, exceptions, permissions
from rest_framework.request import Request

from api.tokens import scope_allowed, token_find
from surveys.models import ApiToken


class TokenAuthentication(authentication.BaseAuthentication):
    """``Authorization: Bearer chk_...``. A header that names another scheme is left alone (no
    session logins here: the API takes no cookies, so it needs no CSRF token)."""

    keyword = "bearer"

    def authenticate(self, request: Request) -> tuple[Any, ApiToken] | None:
        header = authentication.get_authorization_header(request).split()
        if not header or header[0].lower() != self.keyword.encode():
            return None
        if len(header) != 2:
            raise exceptions.AuthenticationFailed(
                gettext("The Authorization header must be “Bearer” and one token.")
            )
        try:
            secret = header[1].decode("ascii")
        except UnicodeDecodeError as exc:
            raise exceptions.AuthenticationFailed(gettext("The token is not valid.")) from exc
        token = token_find(secret=secret)
        if token is None:
            raise exceptions.AuthenticationFailed(
                gettext("The token is not valid, has expired or was revoked.")
            )
        return token.user, token

    def authenticate_header(self, request: Request) -> str:
        return 'Bearer realm="api"'


class TokenScheme(OpenApiAuthenticationExtension):  # type: ignore[no-untyped-call]
    """The token as the schema describes it."""

    target_class = "api.auth.TokenAuthentication"
    name = "personalToken"

    def get_security_definition(self, auto_schema: Any) -> dict[str, str]:
        return {
            "type": "http",
            "scheme": "bearer",
            "description": "A personal API token (chk_...), made in the admin or with "
            "`manage.py api_token_create`.",
        }


class DenyByDefault(permissions.BasePermission):
    def has_permission(self, request: Request, view: Any) -> bool:
        return False


class PublicRead(permissions.BasePermission):
    """The published record: anyone, reading."""

    def has_permission(self, request: Request, view: Any) -> bool:
        return request.method in permissions.SAFE_METHODS


def token_has_scope(request: Request, scope: str) -> bool:
    token = request.auth
    return (
        isinstance(token, ApiToken)
        and scope in token.scopes
        and scope_allowed(user=token.user, scope=scope)
    )


class ScopeRequired(permissions.BasePermission):
    """The view's ``required_scope`` (for each method, ``required_scopes`` may say otherwise)."""

    message = ""

    def has_permission(self, request: Request, view: Any) -> bool:
        if not isinstance(request.auth, ApiToken):
            raise exceptions.NotAuthenticated(
                gettext("This endpoint needs a personal API token (Authorization: Bearer ...).")
            )
        scopes = getattr(view, "required_scopes", {})
        scope = scopes.get(request.method, getattr(view, "required_scope", ""))
        if not scope or not token_has_scope(request, scope):
            self.message = gettext(
                "This token does not allow it: it needs the scope %(scope)s, and its owner the "
                "matching permission."
            ) % {"scope": scope or "-"}
            return False
        return True
