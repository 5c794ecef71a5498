"""Review of submissions in the admin: the list, search, filters, the submission page and the bulk
actions. Every change goes through ``surveys.review`` (and so into the audit table);
respondents' answers and details are never editable here."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, TypedDict, cast

from django import forms
from django.contrib import admin
from django.db.models import (
    Exists,
    OuterRef,
    Q,
    QuerySet,
)
from django.db.models.expressions import Combinable
from django.http import (
    FileResponse,
    HttpRequest,
    HttpResponse,
)
from django.urls import URLPattern, path, reverse
from django.utils.html import format_html
from django.utils.text import Truncator
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from surveys import exports, privacy, roles
from surveys.admin.common import ReadOnlyRecordMixin, paper_download, plain_select
from surveys.admin.confirmation import EmailConfirmationAdminMixin, EmailConfirmationFilter
from surveys.admin.drafting import drafting_review
from surveys.admin.entry import entry_urls
from surveys.admin.submission_actions import SubmissionActionsMixin
from surveys.admin.submission_forms import (
    CONSENT_SHORT,
    REFERENCE,
    AnswerThemesInline,
    CampaignFilter,
    ReviewForm,
    StateFilter,
    ThemeFilter,
)
from surveys.choices import PrivacyActionKind
from surveys.intake.selectors import submission_intake
from surveys.models import (
    Answer,
    Attachment,
    CampaignGroup,
    RespondentType,
    ReviewStatus,
    Submission,
    SubmissionState,
    Theme,
)
from surveys.names import staff_label_expression
from surveys.review import campaigns, themes
from surveys.review import services as review
from surveys.review.labels import hkt
from surveys.review.selectors import submission_review

if TYPE_CHECKING:
    from django.contrib.auth.models import User
    from django_stubs_ext import WithAnnotations

    class _RespondentDisplay(TypedDict):
        respondent_display: str


@admin.register(Submission)
class SubmissionAdmin(SubmissionActionsMixin, ReadOnlyRecordMixin, EmailConfirmationAdminMixin):
    form = ReviewForm
    list_display = (
        "reference",
        "respondent",
        "category",
        "state",
        "review",
        "submitted_hkt",
        "late",
        "channel",
        "consent_display",
        "campaign",
        "email_confirmed",
        "licence_status",
    )
    list_filter = (
        "consultation",
        "category",
        StateFilter,
        "review_status",
        "consent",
        "is_late",
        "channel",
        "licence_status",
        CampaignFilter,
        ThemeFilter,
        EmailConfirmationFilter,
        ("submitted_at", admin.DateFieldListFilter),
    )
    date_hierarchy = "submitted_at"
    search_fields = ("reference",)
    search_help_text = _(
        "Reference, organisation, email (with the right to see it), or words from any "
        "free-text answer."
    )
    list_select_related = ("consultation", "campaign_group")
    list_per_page = 50
    list_max_show_all = 500
    ordering = ("-submitted_at", "-pk")
    inlines = (AnswerThemesInline,)
    actions = (
        "accept_selected",
        "exclude_selected",
        "reset_selected",
        "tag_selected",
        "confirm_campaigns",
        "resend_email_confirmation",
        "export_csv",
        "export_xlsx",
        "export_csv_personal",
    )
    fieldsets = (
        (
            _("Review"),
            {
                "fields": (
                    ("review_status", "exclusion_reason"),
                    "review_note",
                    "reviewer_notes",
                    "campaign_group",
                )
            },
        ),
    )
    change_form_template = "admin/surveys/submission/change_form.html"
    change_list_template = "admin/surveys/submission/change_list.html"

    # Permissions: reviewing replaces changing; responses are never added or deleted here.

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        if obj is not None and obj.state == SubmissionState.DRAFT:
            return False
        return roles.can_review(request.user)

    def has_review_permission(self, request: HttpRequest) -> bool:
        return roles.can_review(request.user)

    def has_export_permission(self, request: HttpRequest) -> bool:
        return roles.can_export(request.user)

    def has_personal_export_permission(self, request: HttpRequest) -> bool:
        return roles.can_export(request.user) and roles.can_view_personal_data(request.user)

    # List

    def get_queryset(self, request: HttpRequest) -> QuerySet[Submission]:
        return (
            super()
            .get_queryset(request)
            .annotate(
                respondent_display=staff_label_expression(
                    personal=roles.can_view_personal_data(request.user)
                )
            )
        )

    def get_search_results(
        self, request: HttpRequest, queryset: QuerySet[Submission], search_term: str
    ) -> tuple[QuerySet[Submission], bool]:
        """One phrase (quotes optional) in the reference, an organisation's name, an email or
        name (only for those allowed to see them) or any free-text answer."""
        term = search_term.strip().strip("\"'").strip()
        if not term:
            return queryset, False
        if REFERENCE.fullmatch(term):
            # A reference is looked up directly, without reading every answer's text.
            return queryset.filter(reference__iexact=term), False
        matches: Q | Combinable = (
            Q(reference__icontains=term)
            | Q(respondent_type=RespondentType.ORGANISATION, organisation_name__icontains=term)
            | Exists(Answer.objects.filter(submission=OuterRef("pk"), text__icontains=term))
        )
        if roles.can_view_personal_data(request.user):
            matches |= (
                Q(email__icontains=term)
                | Q(contact_name__icontains=term)
                | Q(organisation_name__icontains=term)
            )
        return queryset.filter(matches), False

    @admin.display(description=_("respondent"), ordering="respondent_display")
    def respondent(self, obj: WithAnnotations[Submission, _RespondentDisplay]) -> str:
        return obj.respondent_display

    @admin.display(description=_("review"), ordering="review_status")
    def review(self, obj: Submission) -> str:
        label = obj.get_review_status_display()
        if obj.review_status == ReviewStatus.EXCLUDED:
            label = f"{label}: {obj.get_exclusion_reason_display()}"
        return format_html(
            '<span class="review-badge review-{}">{}</span>', obj.review_status, label
        )

    @admin.display(description=_("submitted (HKT)"), ordering="submitted_at")
    def submitted_hkt(self, obj: Submission) -> str:
        return hkt(obj.submitted_at)

    @admin.display(description=_("consent"), ordering="consent")
    def consent_display(self, obj: Submission) -> str:
        if not obj.consent:
            return "—"
        return format_html(
            '<span class="consent-badge consent-{}" title="{}">{}</span>',
            obj.consent,
            obj.get_consent_display(),
            CONSENT_SHORT.get(obj.consent, obj.consent),
        )

    @admin.display(description=_("late"), ordering="is_late")
    def late(self, obj: Submission) -> str:
        return gettext("late") if obj.is_late else ""

    @admin.display(description=_("campaign group"), ordering="campaign_group__size")
    def campaign(self, obj: Submission) -> str:
        group = obj.campaign_group
        if group is None:
            return "—"
        return format_html(
            '<span title="{}">{} · {}{}</span>',
            Truncator(group.representative_text).chars(300),
            group.label,
            group.size,
            " ✓" if group.confirmed else "",
        )

    def changelist_view(
        self, request: HttpRequest, extra_context: dict[str, Any] | None = None
    ) -> HttpResponse:
        extra = extra_context or {}
        consultation_id = request.GET.get("consultation__id__exact")
        if consultation_id and consultation_id.isdigit() and roles.can_export(request.user):
            extra["export_urls"] = {
                fmt: reverse("admin:surveys_consultation_export", args=[consultation_id, fmt])
                for fmt in exports.FORMATS
            }
        return super().changelist_view(request, extra)

    # Submission page

    def get_readonly_fields(
        self, request: HttpRequest, obj: Submission | None = None
    ) -> tuple[str, ...]:
        if obj is not None and not self.has_change_permission(request, obj):
            return ("review_status", "exclusion_reason", "reviewer_notes", "campaign_group")
        return ()

    def get_fieldsets(self, request: HttpRequest, obj: Submission | None = None) -> Any:
        if obj is not None and not self.has_change_permission(request, obj):
            return (
                (
                    _("Review"),
                    {
                        "fields": (
                            ("review_status", "exclusion_reason"),
                            "reviewer_notes",
                            "campaign_group",
                        )
                    },
                ),
            )
        return self.fieldsets

    def get_form(
        self,
        request: HttpRequest,
        obj: Submission | None = None,
        change: bool = False,
        **kwargs: Any,
    ) -> Any:
        form = super().get_form(request, obj, change=change, **kwargs)
        # Groups are made by detection, not from here.
        plain_select(form, "campaign_group")
        return form

    def formfield_for_foreignkey(self, db_field: Any, request: HttpRequest, **kwargs: Any) -> Any:
        if db_field.name == "campaign_group":
            submission_id = (
                request.resolver_match.kwargs.get("object_id") if request.resolver_match else None
            )
            consultation = Submission.objects.filter(
                pk=submission_id  # type: ignore[misc]  # None (no object) matches no row
            ).values("consultation_id")
            kwargs["queryset"] = CampaignGroup.objects.filter(consultation__in=consultation)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def save_model(
        self, request: HttpRequest, obj: Submission, form: forms.ModelForm[Submission], change: bool
    ) -> None:
        """Apply the reviewer's changes through the audited services, never ``obj.save()``."""
        staff = cast("User", request.user)  # the admin lets only staff in
        data = form.cleaned_data
        changed = set(form.changed_data)
        stored = Submission.objects.get(pk=obj.pk)
        if {"review_status", "exclusion_reason"} & changed:
            review.review_set(
                submission=stored,
                status=data["review_status"],
                reason=data.get("exclusion_reason") or "",
                note=data.get("review_note", ""),
                actor=staff,
            )
        if "reviewer_notes" in changed:
            review.notes_set(submission=stored, notes=data["reviewer_notes"], actor=staff)
        if "campaign_group" in changed:
            campaigns.submission_campaign_set(
                submission=stored,
                group=data["campaign_group"],
                actor=staff,
                note=data.get("review_note", ""),
            )

    def save_formset(self, request: HttpRequest, form: Any, formset: Any, change: bool) -> None:
        if formset.model is not Answer:
            return super().save_formset(request, form, formset, change)
        staff = cast("User", request.user)  # the admin lets only staff in
        for answer_form in formset.forms:
            if "themes" in answer_form.changed_data:
                themes.answer_themes_set(
                    answer=answer_form.instance,
                    themes=answer_form.cleaned_data["themes"],
                    actor=staff,
                    note=form.cleaned_data.get("review_note", ""),
                )
        return None

    def save_related(self, request: HttpRequest, form: Any, formsets: Any, change: bool) -> None:
        for formset in formsets:
            self.save_formset(request, form, formset, change=change)

    def construct_change_message(
        self, request: HttpRequest, form: Any, formsets: Any, add: bool = False
    ) -> Any:
        return [{"changed": {"fields": sorted(form.changed_data)}}] if form.changed_data else []

    def render_change_form(
        self,
        request: HttpRequest,
        context: dict[str, Any],
        add: bool = False,
        change: bool = False,
        form_url: str = "",
        obj: Submission | None = None,
    ) -> HttpResponse:
        if obj is not None:
            theme_forms = {}
            for inline_admin_formset in context.get("inline_admin_formsets", []):
                if inline_admin_formset.formset.model is Answer:
                    context["answer_formset"] = inline_admin_formset
                    for inline_form in inline_admin_formset:
                        if inline_form.original is not None:
                            theme_forms[inline_form.original.pk] = inline_form
            personal = roles.can_view_personal_data(request.user)
            if personal:
                privacy.personal_data_seen(
                    kind=PrivacyActionKind.STAFF_VIEW,
                    operator=request.user.get_username(),
                    consultation=obj.consultation,
                    references=[obj.reference],
                )
            context.update(
                submission_review(
                    submission=obj,
                    personal=personal,
                    theme_forms=theme_forms,
                    papers=roles.can_read_attachments(request.user),
                )
            )
            context.update(submission_intake(submission=obj, papers=context["papers"]))
            context.update(drafting_review(submission=obj, personal=personal))
            context["can_tag"] = self.has_change_permission(request, obj)
            context["has_themes"] = Theme.objects.filter(consultation=obj.consultation_id).exists()
        return super().render_change_form(request, context, add, change, form_url, obj)

    def get_urls(self) -> list[URLPattern]:
        return [
            path(
                "<path:object_id>/attachments/<int:attachment_id>/",
                self.admin_site.admin_view(self.attachment_view),
                name="surveys_submission_attachment",
            ),
            *entry_urls(self),
            *super().get_urls(),
        ]

    def attachment_view(
        self, request: HttpRequest, object_id: str, attachment_id: int
    ) -> FileResponse:
        """Serve a respondent's attachment from private storage to staff who may view it."""
        return paper_download(request, self, object_id, Attachment.objects.all(), attachment_id)
