"""Personal API tokens: made, found and revoked here only.

A token is ``chk_`` followed by 43 URL-safe random characters (32 bytes): guessing one is
hopeless, so a plain SHA-256 of it is a safe thing to store and to look up by (a slow password
hash would add nothing but time to every request).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from dataclasses import dataclass

from django.conf import settings
from django.contrib.auth.models import User
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext

from surveys.models import ApiScope, ApiToken
from surveys.roles import PERSONAL_DATA_PERMISSION

TOKEN_PREFIX = "chk_"  # noqa: S105 - the fixed start of every token, not a secret

# The permission a staff member must hold for a token to carry each scope, and to use it.
SCOPE_PERMISSIONS: dict[str, str] = {
    ApiScope.SUBMISSIONS_READ: "surveys.view_submission",
    ApiScope.PERSONAL_DATA_READ: PERSONAL_DATA_PERMISSION,
    ApiScope.REVIEW_READ: "surveys.view_submission",
    ApiScope.REPORTS_READ: "reports.view_report",
    ApiScope.REPORTS_REQUEST: "reports.add_report",
}


class TokenError(Exception):
    """A token that cannot be made as asked; the message says why."""


@dataclass(frozen=True)
class IssuedToken:
    token: ApiToken
    secret: str  # shown once, never stored


def token_hash(secret: str) -> str:
    return hashlib.sha256(secret.encode("utf-8", "surrogatepass")).hexdigest()


def scope_allowed(*, user: User, scope: str) -> bool:
    """Whether ``user`` holds, now, the permission ``scope`` stands for."""
    permission = SCOPE_PERMISSIONS.get(scope)
    return bool(permission and user.is_active and user.is_staff and user.has_perm(permission))


def api_token_create(
    *,
    user: User,
    name: str,
    scopes: list[str],
    created_by: User | None,
    expires_at: dt.datetime | None = None,
    now: dt.datetime | None = None,
) -> IssuedToken:
    """Make a token for ``user`` with ``scopes``; each scope must match a permission the user
    holds. Returns the row and the secret, which is shown once and never stored."""
    now = now or timezone.now()
    expires_at = token_check(user=user, name=name, scopes=scopes, expires_at=expires_at, now=now)
    secret = TOKEN_PREFIX + secrets.token_urlsafe(32)
    with transaction.atomic():
        token = ApiToken.objects.create(
            user=user,
            name=name.strip(),
            prefix=secret[: len(TOKEN_PREFIX) + 6],
            key_hash=token_hash(secret),
            scopes=sorted(set(scopes)),
            created_at=now,
            created_by=created_by,
            expires_at=expires_at,
        )
    return IssuedToken(token=token, secret=secret)


def token_check(
    *,
    user: User,
    name: str,
    scopes: list[str],
    expires_at: dt.datetime | None,
    now: dt.datetime,
) -> dt.datetime:
    """``TokenError`` saying what is wrong with a token asked for; else its expiry."""
    if not name.strip():
        raise TokenError(gettext("Give the token a name that says what it is for."))
    unknown = sorted(set(scopes) - set(ApiScope.values))
    if unknown:
        raise TokenError(
            gettext("Unknown scope: %(scopes)s. Choose from %(choices)s.")
            % {"scopes": ", ".join(unknown), "choices": ", ".join(ApiScope.values)}
        )
    if not scopes:
        raise TokenError(gettext("Choose at least one scope."))
    refused = sorted(scope for scope in set(scopes) if not scope_allowed(user=user, scope=scope))
    if refused:
        raise TokenError(
            gettext("%(user)s does not hold the permission for: %(scopes)s.")
            % {"user": user.get_username(), "scopes": ", ".join(refused)}
        )
    expires_at = expires_at or now + dt.timedelta(days=settings.API_TOKEN_DAYS)
    if expires_at <= now:
        raise TokenError(gettext("The expiry must be in the future."))
    return expires_at


def api_token_revoke(*, token: ApiToken, revoked_by: User | None) -> bool:
    """Revoke ``token`` at once; False if it was already revoked."""
    with transaction.atomic():
        updated = ApiToken.objects.filter(pk=token.pk, revoked_at__isnull=True).update(
            revoked_at=timezone.now(), revoked_by=revoked_by
        )
    token.refresh_from_db()
    return bool(updated)


def token_find(*, secret: str, now: dt.datetime | None = None) -> ApiToken | None:
    """The active token ``secret`` stands for, with its user, or None."""
    if not secret.startswith(TOKEN_PREFIX) or len(secret) > 100:
        return None
    now = now or timezone.now()
    token = (
        ApiToken.objects.select_related("user")
        .filter(key_hash=token_hash(secret), revoked_at__isnull=True, expires_at__gt=now)
        .first()
    )
    if token is None or not token.user.is_active:
        return None
    # Written at most once a minute: a busy client must not make every read a write.
    if token.last_used_at is None or now - token.last_used_at > dt.timedelta(minutes=1):
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
        token.last_used_at = now
    return token
