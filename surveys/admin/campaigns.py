"""Campaign groups in the admin: detect them, confirm them, list their members."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db.models import (
    QuerySet,
)
from django.http import (
    HttpRequest,
    HttpResponse,
    HttpResponseRedirect,
)
from django.template.response import TemplateResponse
from django.urls import URLPattern, path, reverse
from django.utils.html import format_html
from django.utils.http import urlencode
from django.utils.text import Truncator
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _

from surveys import roles
from surveys.admin.common import ReadOnlyRecordMixin
from surveys.models import (
    CampaignGroup,
    Consultation,
)
from surveys.review import campaigns
from surveys.review.labels import hkt
from textkit.minhash import DEFAULT_THRESHOLD, LOWEST_THRESHOLD

if TYPE_CHECKING:
    from consultation.http import StaffRequest


def detection_message(consultation: Consultation, result: campaigns.CampaignDetection) -> str:
    groups = ngettext(
        "%(groups)s campaign group covering %(grouped)s",
        "%(groups)s campaign groups covering %(grouped)s",
        result.groups,
    ) % {"groups": result.groups, "grouped": result.grouped}
    return gettext(
        "%(title)s: %(groups)s of %(total)s sent submissions with free text "
        "(%(kept)s found again, %(removed)s removed) in %(seconds).1f s."
    ) % {
        "title": consultation.localized("title"),
        "groups": groups,
        "total": result.submissions,
        "kept": result.kept,
        "removed": result.removed,
        "seconds": result.seconds,
    }


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
            *super().get_urls(),
        ]

    def detect_view(self, request: StaffRequest) -> HttpResponse:
        """Run campaign detection for one consultation (the command does the same)."""
        if not self.has_review_permission(request):
            raise PermissionDenied
        form = DetectForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            consultation = form.cleaned_data["consultation"]
            result = campaigns.campaign_detect(
                consultation=consultation,
                threshold=form.cleaned_data["threshold"],
                actor=request.user,
            )
            self.message_user(request, detection_message(consultation, result), messages.SUCCESS)
            url = (
                reverse("admin:surveys_campaigngroup_changelist")
                + "?"
                + urlencode({"consultation__id__exact": consultation.pk})
            )
            return HttpResponseRedirect(url)
        return TemplateResponse(
            request,
            "admin/surveys/campaigngroup/detect.html",
            {
                **self.admin_site.each_context(request),
                "opts": self.model._meta,
                "title": gettext("Detect campaign groups"),
                "form": form,
            },
        )
