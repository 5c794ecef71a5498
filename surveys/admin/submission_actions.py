"""The bulk actions of the submission list: accept, reset, exclude, tag with a theme, confirm
campaign groups, export. Each calls a service of ``surveys.review`` (audited); an action that
needs something first (themes, a campaign group, one consultation) says so instead of showing an
empty form."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django import forms
from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.db.models import QuerySet
from django.http import HttpRequest, StreamingHttpResponse
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _

from surveys.admin.exports import export_response
from surveys.admin.submission_forms import ExcludeForm, TagForm
from surveys.models import (
    Answer,
    CampaignGroup,
    Consultation,
    QuestionKind,
    ReviewStatus,
    Submission,
    Theme,
)
from surveys.review import campaigns, themes
from surveys.review import services as review

if TYPE_CHECKING:
    from consultation.http import StaffRequest
    from surveys.review.services import BulkReviewResult


class SubmissionActionsMixin(admin.ModelAdmin[Submission]):
    """The submission admin's actions (named in ``SubmissionAdmin.actions``)."""

    def _form_action(
        self,
        request: HttpRequest,
        queryset: QuerySet[Submission],
        form: forms.Form,
        title: str,
        action: str,
        extra: dict[str, Any] | None = None,
    ) -> TemplateResponse:
        select_across = request.POST.get("select_across") == "1"
        return TemplateResponse(
            request,
            "admin/surveys/submission/action_form.html",
            {
                **self.admin_site.each_context(request),
                "opts": self.model._meta,
                "title": title,
                "form": form,
                "action": action,
                "count": queryset.count(),
                "select_across": select_across,
                "selected": []
                if select_across
                else request.POST.getlist(helpers.ACTION_CHECKBOX_NAME),
                "action_checkbox_name": helpers.ACTION_CHECKBOX_NAME,
                **(extra or {}),
            },
        )

    def _report_bulk(self, request: HttpRequest, result: BulkReviewResult) -> None:
        self.message_user(
            request,
            gettext("%(changed)s changed, %(unchanged)s already so, %(drafts)s drafts skipped.")
            % {
                "changed": result.changed,
                "unchanged": result.unchanged,
                "drafts": result.skipped_drafts,
            },
            messages.SUCCESS,
        )

    @admin.action(description=_("Accept selected submissions"), permissions=["review"])
    def accept_selected(self, request: StaffRequest, queryset: QuerySet[Submission]) -> None:
        result = review.review_set_bulk(
            submissions=queryset, status=ReviewStatus.ACCEPTED, actor=request.user
        )
        self._report_bulk(request, result)

    @admin.action(description=_("Mark selected as new (undo the review)"), permissions=["review"])
    def reset_selected(self, request: StaffRequest, queryset: QuerySet[Submission]) -> None:
        result = review.review_set_bulk(
            submissions=queryset, status=ReviewStatus.NEW, actor=request.user
        )
        self._report_bulk(request, result)

    @admin.action(description=_("Exclude selected submissions…"), permissions=["review"])
    def exclude_selected(
        self, request: StaffRequest, queryset: QuerySet[Submission]
    ) -> TemplateResponse | None:
        form = ExcludeForm(request.POST if "apply" in request.POST else None)
        if form.is_bound and form.is_valid():
            result = review.review_set_bulk(
                submissions=queryset,
                status=ReviewStatus.EXCLUDED,
                reason=form.cleaned_data["reason"],
                note=form.cleaned_data["note"],
                actor=request.user,
            )
            self._report_bulk(request, result)
            return None
        return self._form_action(
            request, queryset, form, gettext("Exclude submissions"), "exclude_selected"
        )

    def _one_consultation(
        self, request: HttpRequest, queryset: QuerySet[Submission]
    ) -> Consultation | None:
        ids = list(queryset.order_by().values_list("consultation_id", flat=True).distinct()[:2])
        if len(ids) != 1:
            self.message_user(
                request,
                gettext(
                    "Select submissions of one consultation (filter the list by consultation)."
                ),
                messages.WARNING,
            )
            return None
        return Consultation.objects.get(pk=ids[0])

    @admin.action(description=_("Tag free-text answers with a theme…"), permissions=["review"])
    def tag_selected(
        self, request: StaffRequest, queryset: QuerySet[Submission]
    ) -> TemplateResponse | None:
        consultation = self._one_consultation(request, queryset)
        if consultation is None:
            return None
        if not Theme.objects.filter(consultation=consultation).exists():
            # Say what is needed first, rather than a form with an empty list of themes.
            self.message_user(
                request,
                format_html(
                    gettext(
                        '“{title}” has no themes yet: <a href="{add}">add a theme</a> or '
                        '<a href="{suggest}">let the product suggest some</a> first.'
                    ),
                    title=consultation.title_en,
                    add=reverse("admin:surveys_theme_add") + f"?consultation={consultation.pk}",
                    suggest=reverse("admin:surveys_theme_suggest"),
                ),
                messages.WARNING,
            )
            return None
        form = TagForm(request.POST if "apply" in request.POST else None, consultation=consultation)
        if form.is_bound and form.is_valid():
            answers = Answer.objects.filter(
                submission__in=queryset.order_by().values("pk"), question__kind=QuestionKind.TEXT
            ).exclude(text="")
            if form.cleaned_data["question"] is not None:
                answers = answers.filter(question=form.cleaned_data["question"])
            theme = form.cleaned_data["theme"]
            count = themes.answers_tag(
                answers=answers,
                theme=theme,
                actor=request.user,
                note=form.cleaned_data["note"],
                add=not form.cleaned_data["remove"],
            )
            self.message_user(
                request,
                gettext("Theme “%(theme)s”: %(count)s answers changed.")
                % {"theme": theme.name_en, "count": count},
                messages.SUCCESS,
            )
            return None
        return self._form_action(
            request,
            queryset,
            form,
            gettext("Tag free-text answers"),
            "tag_selected",
            {"consultation": consultation},
        )

    @admin.action(
        description=_("Confirm the campaign groups of the selected"), permissions=["review"]
    )
    def confirm_campaigns(self, request: StaffRequest, queryset: QuerySet[Submission]) -> None:
        groups = CampaignGroup.objects.filter(
            pk__in=queryset.order_by().values("campaign_group_id")
        )
        if not groups.exists():
            self.message_user(
                request,
                format_html(
                    gettext(
                        "None of the selected submissions is in a campaign group: "
                        '<a href="{detect}">detect campaigns</a> first.'
                    ),
                    detect=reverse("admin:surveys_campaigngroup_detect"),
                ),
                messages.WARNING,
            )
            return
        count = campaigns.campaign_groups_confirm(groups=groups, actor=request.user)
        self.message_user(
            request,
            ngettext("%(n)s campaign group confirmed.", "%(n)s campaign groups confirmed.", count)
            % {"n": count},
            messages.SUCCESS,
        )

    def _export(
        self, request: HttpRequest, queryset: QuerySet[Submission], fmt: str, personal: bool
    ) -> StreamingHttpResponse | None:
        consultation = self._one_consultation(request, queryset)
        if consultation is None:
            return None
        return export_response(request, consultation, fmt, personal=personal, submissions=queryset)

    @admin.action(description=_("Export selected (CSV)"), permissions=["export"])
    def export_csv(
        self, request: HttpRequest, queryset: QuerySet[Submission]
    ) -> StreamingHttpResponse | None:
        return self._export(request, queryset, "csv", personal=False)

    @admin.action(description=_("Export selected (XLSX)"), permissions=["export"])
    def export_xlsx(
        self, request: HttpRequest, queryset: QuerySet[Submission]
    ) -> StreamingHttpResponse | None:
        return self._export(request, queryset, "xlsx", personal=False)

    @admin.action(
        description=_("Export selected with personal data (CSV)"), permissions=["personal_export"]
    )
    def export_csv_personal(
        self, request: HttpRequest, queryset: QuerySet[Submission]
    ) -> StreamingHttpResponse | None:
        return self._export(request, queryset, "csv", personal=True)
