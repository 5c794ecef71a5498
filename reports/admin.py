"""Report admin: a read-only record of every report, its job state, snapshot and files.

Reports are requested with the "Build summary report" action on consultations or on the staff
report page, never added or edited here, and never deleted: old reports are kept with their files.
"""

from __future__ import annotations

from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest
from django.urls import reverse
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext_lazy as _

from reports.admin_actions import build_summary_report
from reports.conclusions.selectors import conclusions_can_edit
from reports.display import hkt, job_reason, number, snapshot_line
from reports.models import CheckWaiver, Report, ReportStatus, WordingRule
from surveys.admin.authoring import ConsultationAdmin
from surveys.models import Consultation

READ_ONLY_FIELDS = (
    "consultation",
    "language",
    "status",
    "progress",
    "step",
    "reason",
    "attempts",
    "requested_by",
    "queued_at",
    "started_at",
    "heartbeat_at",
    "finished_at",
    "snapshot",
    "snapshot_sha256",
    "snapshot_excluded",
    "downloads",
)


@admin.register(Report)
class ReportAdmin(admin.ModelAdmin[Report]):
    list_display = (
        "id",
        "consultation_link",
        "state",
        "reason",
        "finished",
        "counted",
        "downloads",
    )
    list_display_links = ("id",)
    list_filter = ("status", "language", "consultation")
    list_select_related = ("consultation", "requested_by")
    date_hierarchy = "queued_at"
    fields = READ_ONLY_FIELDS
    readonly_fields = READ_ONLY_FIELDS
    search_fields = ("consultation__slug", "consultation__title_en", "snapshot_sha256")

    def get_queryset(self, request: HttpRequest) -> QuerySet[Report]:
        return super().get_queryset(request).prefetch_related("files")

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Report | None = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Report | None = None) -> bool:
        return False

    @admin.display(description=_("consultation and edition"), ordering="consultation__slug")
    def consultation_link(self, report: Report) -> str:
        return format_html(
            '<a href="{}">{}</a> ({})',
            reverse("reports:consultation", args=[report.consultation.slug]),
            report.consultation.slug,
            report.language,
        )

    @admin.display(description=_("status"), ordering="status")
    def state(self, report: Report) -> str:
        if report.status == ReportStatus.RUNNING:
            return f"{report.get_status_display()} {report.progress}%"
        return report.get_status_display()

    @admin.display(description=_("reason"))
    def reason(self, report: Report) -> str:
        """Why it failed or was queued again (the watchdog's finding, with the last heartbeat)."""
        return job_reason(report) or "-"

    @admin.display(description=_("finished"), ordering="finished_at")
    def finished(self, report: Report) -> str:
        return hkt(report.finished_at) or "-"

    @admin.display(description=_("counted"), ordering="snapshot_count")
    def counted(self, report: Report) -> str:
        return "-" if report.snapshot_count is None else number(report.snapshot_count)

    @admin.display(description=_("snapshot"))
    def snapshot(self, report: Report) -> str:
        return snapshot_line(report) or "-"

    @admin.display(description=_("files"))
    def downloads(self, report: Report) -> str:
        if report.status != ReportStatus.SUCCEEDED:
            return "-"
        files = sorted(report.files.all(), key=lambda f: f.format)
        return (
            format_html_join(
                " ",
                '<a href="{}">{}</a>',
                (
                    (
                        reverse("reports:download", args=[report.pk, f.format]),
                        f.get_format_display(),
                    )
                    for f in files
                ),
            )
            or "-"
        )


# The consultation admin belongs to surveys, which knows nothing of reports: the report action is
# added here, by registering the same admin with one more action.
class ConsultationWithReportsAdmin(ConsultationAdmin):
    actions = (*ConsultationAdmin.actions, build_summary_report)


admin.site.unregister(Consultation)
admin.site.register(Consultation, ConsultationWithReportsAdmin)


class EditorsOnlyMixin:
    """Consultation editors (and superusers) manage what the conclusions are checked against;
    the group is the permission, as on the conclusions pages."""

    def has_view_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return conclusions_can_edit(request.user)

    def has_module_permission(self, request: HttpRequest) -> bool:
        return conclusions_can_edit(request.user)


@admin.register(WordingRule)
class WordingRuleAdmin(EditorsOnlyMixin, admin.ModelAdmin[WordingRule]):
    """The share of those answering each quantifier may describe. A quantifier without a row
    here keeps the default (``reports.conclusions.checks.DEFAULT_RULES``)."""

    list_display = ("quantifier", "lowest", "lowest_included", "highest", "highest_included")

    def has_add_permission(self, request: HttpRequest) -> bool:
        return conclusions_can_edit(request.user)

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return conclusions_can_edit(request.user)

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return conclusions_can_edit(request.user)


@admin.register(CheckWaiver)
class CheckWaiverAdmin(EditorsOnlyMixin, admin.ModelAdmin[CheckWaiver]):
    """The record of flagged points kept as written, with who kept them and why."""

    list_display = ("consultation", "flagged", "reason", "waived_by", "waived_at")
    list_filter = ("consultation",)
    list_select_related = ("consultation", "waived_by")
    readonly_fields = ("consultation", "key", "flagged", "reason", "waived_by", "waived_at")

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False
