"""Campaign groups in the admin: detect them, confirm them, list their members."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import (
    QuerySet,
)
from django.http import (
    HttpRequest,
    HttpResponse,
    HttpResponseRedirect,
)
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import URLPattern, path, reverse
from django.utils import translation
from django.utils.html import format_html
from django.utils.http import urlencode
from django.utils.text import Truncator
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _

from surveys import roles
from surveys.admin.common import ReadOnlyRecordMixin
from surveys.models import (
    CampaignDetectionJob,
    CampaignGroup,
    Consultation,
)
from surveys.review import campaign_jobs, campaigns
from surveys.review.labels import hkt
from textkit.minhash import DEFAULT_THRESHOLD, LOWEST_THRESHOLD

if TYPE_CHECKING:
    from consultation.http import StaffRequest


logger = logging.getLogger(__name__)

# What each stage of a running detection is doing, as the job page says it.
_STAGES = {
    "read": _("Reading the free-text answers"),
    "compare": _("Comparing the texts, one band of the signatures at a time"),
    "write": _("Writing the groups"),
}


def detection_queue(
    *, consultation: Consultation, threshold: float, user: Any
) -> CampaignDetectionJob:
    """Record a detection job and queue its task once the row has committed, the audit notes
    in the language of the page that asked; a broker that is down fails the job with a clear
    message (``DetectionRefused`` while another detection of the consultation is active)."""
    language = translation.get_language() or "en"
    from surveys.tasks import detect_campaigns  # the task module imports the services

    with transaction.atomic():
        job = campaign_jobs.campaign_job_start(
            consultation=consultation, threshold=threshold, user=user
        )

        def send() -> None:
            try:
                detect_campaigns.delay(job.pk, language)
            except Exception:  # the broker is down
                logger.exception("campaign detection %s could not be queued", job.pk)
                campaign_jobs.campaign_job_unqueued(job=job)

        transaction.on_commit(send)
    return job


class DetectForm(forms.Form):
    consultation = forms.ModelChoiceField(
        label=_("Consultation"), queryset=Consultation.objects.all()
    )
    threshold = forms.FloatField(
        label=_("Similarity threshold"),
        min_value=LOWEST_THRESHOLD,
        max_value=1.0,
        initial=DEFAULT_THRESHOLD,
        help_text=_(
            "Share of their word pairs two texts must have in common, signatures aside "
            "(0.5 to 1; 0.8 by default)."
        ),
    )


@admin.register(CampaignGroup)
class CampaignGroupAdmin(ReadOnlyRecordMixin, admin.ModelAdmin[CampaignGroup]):
    list_display = (
        "label",
        "consultation_slug",
        "size",
        "confirmed",
        "representative",
        "detected_hkt",
        "members",
    )
    list_filter = ("consultation", "confirmed")
    list_select_related = ("consultation",)
    search_fields = ("label", "representative_text")
    readonly_fields = (
        "consultation",
        "label",
        "size",
        "representative_text",
        "detected_at",
        "confirmed",
    )
    actions = ("confirm_groups", "unconfirm_groups")
    change_list_template = "admin/surveys/campaigngroup/change_list.html"

    def has_review_permission(self, request: HttpRequest) -> bool:
        return roles.can_review(request.user) and request.user.has_perm(
            "surveys.change_campaigngroup"
        )

    @admin.display(description=_("representative text"))
    def representative(self, obj: CampaignGroup) -> str:
        return Truncator(" ".join(obj.representative_text.split())).chars(240)

    @admin.display(description=_("consultation"), ordering="consultation__slug")
    def consultation_slug(self, obj: CampaignGroup) -> str:
        return obj.consultation.slug

    @admin.display(description=_("detected (HKT)"), ordering="detected_at")
    def detected_hkt(self, obj: CampaignGroup) -> str:
        return hkt(obj.detected_at)

    @admin.display(description=_("submissions"))
    def members(self, obj: CampaignGroup) -> str:
        url = (
            reverse("admin:surveys_submission_changelist")
            + "?"
            + urlencode({"consultation__id__exact": obj.consultation_id, "campaign": obj.pk})
        )
        return format_html('<a href="{}">{}</a>', url, gettext("List"))

    @admin.action(description=_("Confirm as one campaign each"), permissions=["review"])
    def confirm_groups(self, request: StaffRequest, queryset: QuerySet[CampaignGroup]) -> None:
        count = campaigns.campaign_groups_confirm(groups=queryset, actor=request.user)
        self.message_user(
            request,
            ngettext("%(n)s group confirmed.", "%(n)s groups confirmed.", count) % {"n": count},
            messages.SUCCESS,
        )

    @admin.action(description=_("Withdraw the confirmation"), permissions=["review"])
    def unconfirm_groups(self, request: StaffRequest, queryset: QuerySet[CampaignGroup]) -> None:
        count = campaigns.campaign_groups_confirm(
            groups=queryset, actor=request.user, confirmed=False
        )
        self.message_user(
            request,
            ngettext("%(n)s group no longer confirmed.", "%(n)s groups no longer confirmed.", count)
            % {"n": count},
            messages.SUCCESS,
        )

    def get_urls(self) -> list[URLPattern]:
        return [
            path(
                "detect/",
                self.admin_site.admin_view(self.detect_view),
                name="surveys_campaigngroup_detect",
            ),
            path(
                "detect/<int:job_id>/",
                self.admin_site.admin_view(self.detection_view),
                name="surveys_campaigngroup_detection",
            ),
            *super().get_urls(),
        ]

    def detect_view(self, request: StaffRequest) -> HttpResponse:
        """Queue campaign detection for one consultation (the command runs it in place)."""
        if not self.has_review_permission(request):
            raise PermissionDenied
        form = DetectForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            try:
                job = detection_queue(
                    consultation=form.cleaned_data["consultation"],
                    threshold=form.cleaned_data["threshold"],
                    user=request.user,
                )
            except campaign_jobs.DetectionRefused as error:
                self.message_user(request, error.message, messages.ERROR)
            else:
                return HttpResponseRedirect(
                    reverse("admin:surveys_campaigngroup_detection", args=[job.pk])
                )
        return TemplateResponse(
            request,
            "admin/surveys/campaigngroup/detect.html",
            {
                **self.admin_site.each_context(request),
                "opts": self.model._meta,
                "title": gettext("Detect campaign groups"),
                "form": form,
                "jobs": CampaignDetectionJob.objects.select_related("consultation")[:5],
            },
        )

    def detection_view(self, request: StaffRequest, job_id: int) -> HttpResponse:
        """One detection job: its progress while it runs (the page follows it), its result."""
        if not self.has_review_permission(request):
            raise PermissionDenied
        job = get_object_or_404(
            CampaignDetectionJob.objects.select_related("consultation"), pk=job_id
        )
        return TemplateResponse(
            request,
            "admin/surveys/campaigngroup/detection.html",
            {
                **self.admin_site.each_context(request),
                "opts": self.model._meta,
                "title": gettext("Campaign detection: %(title)s")
                % {"title": job.consultation.localized("title")},
                "job": job,
                "stage": _STAGES.get(job.stage, ""),
                "groups_url": reverse("admin:surveys_campaigngroup_changelist")
                + "?"
                + urlencode({"consultation__id__exact": job.consultation_id}),
            },
        )
