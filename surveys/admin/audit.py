"""The audit trail of staff changes to submissions: read-only for everyone."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.db.models import (
    QuerySet,
)
from django.http import (
    HttpRequest,
)
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from surveys.admin.common import ReadOnlyRecordMixin
from surveys.journey import confirmation
from surveys.models import (
    ReviewEvent,
)
from surveys.review import services as review
from surveys.review.labels import event_value, field_label, hkt


class WhenFilter(admin.DateFieldListFilter):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.title = gettext("when")


class AuditFieldFilter(admin.SimpleListFilter):
    title = _("what changed")
    parameter_name = "field"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, str]]:
        return [
            (name, field_label(name))
            for name in (
                review.FIELD_STATUS,
                review.FIELD_REASON,
                review.FIELD_NOTES,
                review.FIELD_THEMES,
                review.FIELD_CAMPAIGN,
                confirmation.FIELD_CONFIRMED,
                confirmation.FIELD_LINK_SENT,
            )
        ]

    def queryset(
        self, request: HttpRequest, queryset: QuerySet[ReviewEvent]
    ) -> QuerySet[ReviewEvent]:
        return queryset.filter(field=self.value()) if self.value() else queryset


@admin.register(ReviewEvent)
class ReviewEventAdmin(ReadOnlyRecordMixin, admin.ModelAdmin[ReviewEvent]):
    """The audit trail: read-only for everyone, superusers included."""

    list_display = (
        "at_hkt",
        "submission_link",
        "actor",
        "field_display",
        "old_display",
        "new_display",
        "reason",
    )
    list_filter = (
        AuditFieldFilter,
        "submission__consultation",
        ("at", WhenFilter),
    )
    list_select_related = ("submission", "actor")
    search_fields = ("submission__reference", "actor__username", "reason")
    date_hierarchy = "at"

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    @admin.display(description=_("when (HKT)"), ordering="at")
    def at_hkt(self, obj: ReviewEvent) -> str:
        return hkt(obj.at)

    @admin.display(description=_("submission"), ordering="submission__reference")
    def submission_link(self, obj: ReviewEvent) -> str:
        return format_html(
            '<a href="{}">{}</a>',
            reverse("admin:surveys_submission_change", args=[obj.submission_id]),
            obj.submission.reference,
        )

    @admin.display(description=_("what"), ordering="field")
    def field_display(self, obj: ReviewEvent) -> str:
        return field_label(obj.field)

    @admin.display(description=_("from"))
    def old_display(self, obj: ReviewEvent) -> str:
        return event_value(obj.field, obj.old_value)

    @admin.display(description=_("to"))
    def new_display(self, obj: ReviewEvent) -> str:
        return event_value(obj.field, obj.new_value)
