"""Subscriptions by email, in the admin. A subscriber's address is personal data: only staff
with the personal-data permission (``surveys.roles``) see the subscriptions themselves; other
staff who read consultations see how many there are, per consultation, and no address."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.db.models import Count, Q, QuerySet
from django.http import HttpRequest, HttpResponse
from django.template.response import TemplateResponse
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from surveys import roles
from surveys.admin.common import ReadOnlyRecordMixin
from surveys.models import Subscription
from surveys.subscriptions.privacy import subscribers_seen


def _reads_consultations(request: HttpRequest) -> bool:
    user = request.user
    return bool(user.is_active and user.is_staff and user.has_perm("surveys.view_consultation"))


@admin.register(Subscription)
class SubscriptionAdmin(ReadOnlyRecordMixin, admin.ModelAdmin[Subscription]):
    list_display = ("email", "scope", "language", "state", "created_at", "confirmed_at")
    list_filter = ("language",)
    list_select_related = ("consultation",)
    search_fields = ("email",)
    list_per_page = 100
    fields = (
        "email",
        "consultation",
        "language",
        "created_at",
        "confirmation_sent_at",
        "confirmed_at",
        "unsubscribed_at",
    )
    readonly_fields = fields

    @admin.display(description=_("consultation"))
    def scope(self, obj: Subscription) -> str:
        return obj.consultation.title_en if obj.consultation else gettext("Every consultation")

    @admin.display(description=_("state"))
    def state(self, obj: Subscription) -> str:
        if obj.unsubscribed_at:
            return gettext("Unsubscribed")
        if obj.confirmed_at:
            return gettext("Confirmed")
        return gettext("Waiting for confirmation")

    def has_module_permission(self, request: HttpRequest) -> bool:
        return roles.can_view_personal_data(request.user) or _reads_consultations(request)

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        if roles.can_view_personal_data(request.user):
            return True
        # The list, as counts only (changelist_view); never one subscription.
        return obj is None and _reads_consultations(request)

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def history_view(
        self, request: HttpRequest, object_id: str, extra_context: Any = None
    ) -> HttpResponse:
        if not roles.can_view_personal_data(request.user):
            raise PermissionDenied
        return super().history_view(request, object_id, extra_context)

    def change_view(
        self, request: HttpRequest, object_id: str, form_url: str = "", extra_context: Any = None
    ) -> HttpResponse:
        response = super().change_view(request, object_id, form_url, extra_context)
        obj = self.get_object(request, object_id)
        if response.status_code == 200 and obj is not None:
            subscribers_seen(operator=request.user.get_username(), subscriptions=[obj])
        return response

    def changelist_view(self, request: HttpRequest, extra_context: Any = None) -> HttpResponse:
        if roles.can_view_personal_data(request.user):
            response = super().changelist_view(request, extra_context)
            changelist = getattr(response, "context_data", {}).get("cl")
            if response.status_code == 200 and changelist is not None:
                # The addresses on this page of the list, recorded as staff views of them.
                subscribers_seen(
                    operator=request.user.get_username(),
                    subscriptions=list(changelist.result_list),
                )
            return response
        if not self.has_view_permission(request):
            raise PermissionDenied
        return TemplateResponse(
            request,
            "admin/surveys/subscription/counts.html",
            {
                **self.admin_site.each_context(request),
                "opts": self.model._meta,
                "title": gettext("Subscriptions"),
                "rows": subscription_counts(),
            },
        )


def subscription_counts() -> QuerySet[Any]:
    """Live subscriptions per consultation (None: every consultation), in one query."""
    live = Q(unsubscribed_at__isnull=True)
    return (
        Subscription.objects.values("consultation__title_en")
        .annotate(
            confirmed=Count("pk", filter=live & Q(confirmed_at__isnull=False)),
            waiting=Count("pk", filter=live & Q(confirmed_at__isnull=True)),
        )
        .order_by("consultation__title_en")
    )
