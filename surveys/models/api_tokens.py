"""Personal API tokens: how staff programs read submissions and reports through ``/api/v1/``.

Only a SHA-256 hash of a token is stored: the token is shown once, when it is made, and cannot be
read back. A token acts for the staff member it belongs to, and only within its scopes: each
request needs the scope *and* the member's own permission at that moment (``api.auth``), so a
member who loses a role loses it for their tokens too.
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class ApiScope(models.TextChoices):
    """What a token may do; each scope mirrors a permission of the staff roles
    (``surveys.roles``)."""

    SUBMISSIONS_READ = "submissions:read", _("Read submissions (without personal data)")
    PERSONAL_DATA_READ = "personal_data:read", _("See respondents' names and contact details")
    REVIEW_READ = "review:read", _("Read the review status of submissions")
    REPORTS_READ = "reports:read", _("Read reports and download their files")
    REPORTS_REQUEST = "reports:request", _("Request a report")


class ApiToken(models.Model):
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="api_tokens",
        verbose_name=_("staff member"),
    )
    name = models.CharField(
        pgettext_lazy("API token", "name"),
        max_length=100,
        help_text=_("What the token is for, e.g. “nightly export”."),
    )
    # The first characters of the token, to recognise it in lists; not enough to use it.
    prefix = models.CharField(_("prefix"), max_length=16, editable=False)
    key_hash = models.CharField(max_length=64, unique=True, editable=False)
    scopes = models.JSONField(_("scopes"), default=list)
    created_at = models.DateTimeField(_("created at"), default=timezone.now, editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        editable=False,
        verbose_name=_("created by"),
    )
    expires_at = models.DateTimeField(_("expires at"))
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True, editable=False)
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        editable=False,
        verbose_name=_("revoked by"),
    )
    last_used_at = models.DateTimeField(_("last used at"), null=True, blank=True, editable=False)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("API token")
        verbose_name_plural = _("API tokens")

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"

    def is_active_at(self, moment: dt.datetime) -> bool:
        return self.revoked_at is None and self.expires_at > moment
