"""Staff see what was sent and what failed (with the error), and can try a failed email again.
Only people given the outbox's permissions see it: the rows hold respondents' addresses."""

from __future__ import annotations

from typing import Any

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from outbox import services
from outbox.models import Email


@admin.register(Email)
class EmailAdmin(admin.ModelAdmin[Email]):
    list_display = (
        "created_at",
        "kind",
        "to",
        "status",
        "attempts",
        "next_attempt_at",
        "sent_at",
        "last_error",
    )
    list_filter = ("status", "kind")
    search_fields = ("to",)
    date_hierarchy = "created_at"
    list_per_page = 100
    # The context (ids and, until sent, a private link) is never shown.
    fields = (
        "kind",
        "to",
        "language",
        "status",
        "attempts",
        "last_error",
        "subject",
        "created_at",
        "next_attempt_at",
        "sent_at",
    )
    readonly_fields = fields
    actions = ["retry"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        # Read-only page; the retry action needs the change permission (checked there).
        return False

    @admin.action(description=_("Send again now"), permissions=["retry"])
    def retry(self, request: HttpRequest, queryset: QuerySet[Email]) -> None:
        count = sum(services.email_retry(email=email) for email in queryset)
        self.message_user(
            request,
            ngettext("%d email will be sent again.", "%d emails will be sent again.", count)
            % count,
            messages.SUCCESS,
        )

    def has_retry_permission(self, request: HttpRequest) -> bool:
        return bool(request.user.has_perm("outbox.change_email"))
