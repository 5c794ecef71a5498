"""Email confirmation in the submissions admin: responses awaiting confirmation shown apart (a
filter and a column) and the action that sends the confirmation link again. The rule of who
awaits confirmation is ``surveys.querysets.awaiting_confirmation_condition``; the action calls
``surveys.journey.confirmation.email_confirmation_resend`` (audited)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _

from surveys.journey.confirmation import confirmation_needed, email_confirmation_resend
from surveys.models import Submission
from surveys.querysets import awaiting_confirmation_condition

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise

    from consultation.http import StaffRequest

AWAITING = "awaiting"
CONFIRMED = "confirmed"
NOT_REQUIRED = "not_required"


class EmailConfirmationFilter(admin.SimpleListFilter):
    title = _("email confirmation")
    parameter_name = "email_confirmation"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, StrOrPromise]]:
        return [
            (AWAITING, _("Awaiting confirmation (not counted)")),
            (CONFIRMED, _("Confirmed")),
            (NOT_REQUIRED, _("Not required")),
        ]

    def queryset(
        self, request: HttpRequest, queryset: QuerySet[Submission]
    ) -> QuerySet[Submission]:
        awaiting = awaiting_confirmation_condition()
        if self.value() == AWAITING:
            return queryset.filter(awaiting)
        if self.value() == CONFIRMED:
            return queryset.filter(email_confirmed_at__isnull=False)
        if self.value() == NOT_REQUIRED:
            return queryset.filter(email_confirmed_at__isnull=True).exclude(awaiting)
        return queryset


class EmailConfirmationAdminMixin(admin.ModelAdmin[Submission]):
    """The "email confirmed" column and the resend action for ``SubmissionAdmin`` (whose list
    selects each row's consultation with it: the column costs no query)."""

    @admin.display(description=_("email confirmed"), ordering="email_confirmed_at")
    def email_confirmed(self, obj: Submission) -> str:
        if obj.email_confirmed_at is not None:
            return gettext("yes")
        if confirmation_needed(submission=obj):
            return gettext("awaiting")
        return "—"

    @admin.action(description=_("Send the email confirmation link again"), permissions=["review"])
    def resend_email_confirmation(
        self, request: StaffRequest, queryset: QuerySet[Submission]
    ) -> None:
        result = email_confirmation_resend(
            submissions=queryset, actor=request.user, site_url=request.build_absolute_uri("/")
        )
        self.message_user(
            request,
            ngettext(
                "%(sent)s confirmation link sent; %(skipped)s submissions skipped (confirmed "
                "already, not sent through the web form, or not awaiting confirmation).",
                "%(sent)s confirmation links sent; %(skipped)s submissions skipped (confirmed "
                "already, not sent through the web form, or not awaiting confirmation).",
                result.sent,
            )
            % {"sent": result.sent, "skipped": result.skipped},
            messages.SUCCESS if result.sent else messages.WARNING,
        )
