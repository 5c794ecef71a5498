"""The "Build summary report" admin action on consultations (added to the Consultation admin).

Requests one report in each language for every selected consultation; the reports are built by
the workers and followed on the staff report page.
"""

from __future__ import annotations

from django.contrib import admin, messages
from django.db import transaction
from django.db.models import QuerySet
from django.http import HttpRequest
from django.urls import reverse
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext, gettext_lazy

from reports.jobs import services
from reports.models import ReportLanguage
from surveys.models import Consultation


@admin.action(description=gettext_lazy("Build summary report"))
def build_summary_report(
    modeladmin: admin.ModelAdmin[Consultation],
    request: HttpRequest,
    queryset: QuerySet[Consultation],
) -> None:
    if not request.user.has_perm("reports.add_report"):
        modeladmin.message_user(
            request,
            gettext("You do not have permission to build summary reports."),
            level=messages.ERROR,
        )
        return
    consultations = list(queryset.order_by("pk"))
    with transaction.atomic():
        for consultation in consultations:
            for language in ReportLanguage.values:
                services.report_request(
                    consultation=consultation, language=language, requested_by=request.user
                )
    links = format_html_join(
        ", ",
        '<a href="{}">{}</a>',
        (
            (reverse("reports:consultation", args=[c.slug]), c.localized("title"))
            for c in consultations
        ),
    )
    modeladmin.message_user(
        request,
        format_html(
            "{} {}",
            gettext(
                "Summary reports in English and Traditional Chinese are queued. "
                "Follow their progress and download them here:"
            ),
            links,
        ),
        level=messages.SUCCESS,
    )
