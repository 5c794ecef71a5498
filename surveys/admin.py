"""Staff work in the Django admin: authoring, review, theme coding, campaigns and exports.

The admin classes are declarations plus the glue to the services: every change to a submission
goes through ``surveys.review``, ``surveys.themes`` or ``surveys.campaigns`` (and so into the
audit table); authoring rules live in ``surveys.authoring``; exports in ``surveys.exports``;
who may do what in ``surveys.roles``. Respondents' answers and details are never editable here.
"""

from __future__ import annotations

import logging
import re
import tempfile
from typing import Any
from zoneinfo import ZoneInfo

from django import forms
from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import (
    Case,
    CharField,
    Count,
    Exists,
    F,
    OuterRef,
    Q,
    QuerySet,
    TextField,
    Value,
    When,
)
from django.forms.models import BaseInlineFormSet
from django.http import (
    FileResponse,
    Http404,
    HttpRequest,
    HttpResponse,
    HttpResponseRedirect,
    StreamingHttpResponse,
)
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html
from django.utils.http import urlencode
from django.utils.text import Truncator
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _

from surveys import authoring, campaigns, exports, review, roles, themes
from surveys.models import (
    Answer,
    Attachment,
    CampaignGroup,
    Choice,
    Consent,
    Consultation,
    ConsultationDocument,
    ExclusionReason,
    Question,
    QuestionKind,
    RespondentType,
    ReviewEvent,
    ReviewStatus,
    Section,
    Submission,
    SubmissionState,
    Theme,
)

logger = logging.getLogger(__name__)
HKT = ZoneInfo("Asia/Hong_Kong")

admin.site.site_header = _("Consult HK staff")
admin.site.site_title = _("Consult HK staff")
admin.site.index_title = _("Consultations, responses and review")
# Wide lists (submissions, audit) need the width more than a second copy of the index.
admin.site.enable_nav_sidebar = False


def hkt(moment: Any) -> str:
    """A moment as Hong Kong time, to the minute."""
    if moment is None:
        return "—"
    return moment.astimezone(HKT).strftime("%Y-%m-%d %H:%M")


def _event_value(field: str, value: str) -> str:
    """An audit value as staff read it: the label of a status or reason, the text otherwise."""
    labels = {
        review.FIELD_STATUS: dict(ReviewStatus.choices),
        review.FIELD_REASON: dict(ExclusionReason.choices),
    }.get(field)
    if labels is None or not value:
        return value
    return str(labels.get(value, value))


def _field_label(name: str) -> str:
    return {
        review.FIELD_STATUS: gettext("Review status"),
        review.FIELD_REASON: gettext("Exclusion reason"),
        review.FIELD_NOTES: gettext("Reviewer notes"),
        review.FIELD_THEMES: gettext("Themes"),
        review.FIELD_CAMPAIGN: gettext("Campaign group"),
    }.get(name, name)


# --- Authoring ---------------------------------------------------------------------------------
# English and Chinese fields sit side by side: fieldsets of ("x_en", "x_zh") rows with the
# "bilingual" class, laid out by the stylesheet in surveys/templates/admin/base_site.html.


class LockedDeletionFormSet(BaseInlineFormSet):
    """Refuses, with the reason, to delete rows that answers depend on."""

    def clean(self) -> None:
        super().clean()
        for form in self.deleted_forms:
            if form.instance.pk:
                reason = authoring.delete_blocked_reason(form.instance)
                if reason:
                    raise ValidationError(reason)


class QuestionLockForm(forms.ModelForm):
    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        errors = authoring.question_change_errors(
            question=self.instance, changed=set(self.changed_data)
        )
        for name, message in errors.items():
            self.add_error(name if name in self.fields else None, message)
        return cleaned


class ChoiceLockForm(forms.ModelForm):
    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        if self.instance.pk:
            errors = authoring.choice_change_errors(
                choice=self.instance, changed=set(self.changed_data)
            )
            for name, message in errors.items():
                self.add_error(name, message)
        return cleaned


class LockedDeleteMixin:
    """Explains instead of deleting when the object carries answers (single and bulk delete)."""

    def delete_view(
        self, request: HttpRequest, object_id: str, extra_context: dict | None = None
    ) -> HttpResponse:
        obj = self.get_object(request, object_id)  # type: ignore[attr-defined]
        reason = authoring.delete_blocked_reason(obj) if obj is not None else None
        if reason and self.has_delete_permission(request, obj):  # type: ignore[attr-defined]
            messages.error(request, reason)
            opts = self.model._meta  # type: ignore[attr-defined]
            return HttpResponseRedirect(
                reverse(f"admin:{opts.app_label}_{opts.model_name}_change", args=[obj.pk])
            )
        return super().delete_view(request, object_id, extra_context)  # type: ignore[misc]

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet) -> None:
        for obj in queryset:
            reason = authoring.delete_blocked_reason(obj)
            if reason:
                raise PermissionDenied(reason)
        super().delete_queryset(request, queryset)  # type: ignore[misc]

    def get_actions(self, request: HttpRequest) -> dict:
        actions = super().get_actions(request)  # type: ignore[misc]
        if "delete_selected" in actions:
            original = actions["delete_selected"]

            def delete_selected(modeladmin: Any, req: HttpRequest, queryset: QuerySet) -> Any:
                for obj in queryset:
                    reason = authoring.delete_blocked_reason(obj)
                    if reason:
                        modeladmin.message_user(req, f"{obj}: {reason}", messages.ERROR)
                        return None
                return original[0](modeladmin, req, queryset)

            actions["delete_selected"] = (delete_selected, "delete_selected", original[2])
        return actions


def _respondent_link(consultation: Consultation) -> str:
    return format_html(
        '<a href="{}" target="_blank" rel="noopener">{}</a>',
        reverse("surveys:detail", args=[consultation.slug]),
        gettext("View as respondent"),
    )


class LockedInlineMixin:
    """No delete checkbox once the parent's consultation has responses (the notice says why);
    ``LockedDeletionFormSet`` refuses a forged deletion all the same."""

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        if obj is not None and authoring.delete_blocked_reason(obj):
            return False
        return super().has_delete_permission(request, obj)  # type: ignore[misc]


def _plain_select(form: Any, name: str) -> None:
    """Drop the admin's add/edit/view shortcuts beside a foreign-key select."""
    field = form.base_fields.get(name)
    if field is not None:
        for flag in ("can_add_related", "can_change_related", "can_view_related"):
            setattr(field.widget, flag, False)


class SectionInline(LockedInlineMixin, admin.TabularInline):
    model = Section
    formset = LockedDeletionFormSet
    fields = ("order", "title_en", "title_zh")
    extra = 0


class QuestionInline(LockedInlineMixin, admin.TabularInline):
    """The paper's questions in order; conditions, help and choices on each question's page."""

    model = Question
    form = QuestionLockForm
    formset = LockedDeletionFormSet
    fields = ("order", "code", "section", "kind", "text_en", "text_zh", "required", "details")
    readonly_fields = ("details",)
    extra = 0
    show_change_link = True
    formfield_overrides = {
        # Short rows keep the whole paper on one screen; the full text is on the question page.
        TextField: {"widget": forms.Textarea(attrs={"rows": 2, "cols": 36})}
    }

    def get_formset(self, request: HttpRequest, obj: Consultation | None = None, **kwargs: Any):
        formset = super().get_formset(request, obj, **kwargs)
        _plain_select(formset.form, "section")
        section = formset.form.base_fields.get("section")
        if section is not None:
            section.queryset = (
                Section.objects.filter(consultation=obj) if obj else Section.objects.none()
            )
            # Read the sections once for all the rows, not once per question.
            section.choices = [("", "---------"), *((s.pk, str(s)) for s in section.queryset)]
        return formset

    def get_queryset(self, request: HttpRequest) -> QuerySet[Question]:
        return (
            super()
            .get_queryset(request)
            .select_related("condition_question")
            .annotate(choice_count=Count("choices"))
        )

    @admin.display(description=_("choices and condition"))
    def details(self, question: Question) -> str:
        if not question.pk:
            return "—"
        parts = []
        if question.is_closed:
            count = getattr(question, "choice_count", 0)
            parts.append(ngettext("%(n)s choice", "%(n)s choices", count) % {"n": count})
        if question.condition_question_id:
            parts.append(gettext("shown if %(code)s") % {"code": question.condition_question.code})
        return ", ".join(parts) or "—"


class DocumentInline(admin.TabularInline):
    model = ConsultationDocument
    fields = ("order", "title_en", "title_zh", "file")
    extra = 0


@admin.register(Consultation)
class ConsultationAdmin(LockedDeleteMixin, admin.ModelAdmin):
    list_display = (
        "title_en",
        "slug",
        "status_display",
        "opens_hkt",
        "closes_hkt",
        "response_count",
        "respondent_view",
    )
    list_filter = ("is_draft", "accepts_late")
    search_fields = ("title_en", "title_zh", "slug")
    prepopulated_fields = {"slug": ("title_en",)}
    fieldsets = (
        (None, {"fields": ("slug", "reference_prefix", ("is_draft", "accepts_late"))}),
        (
            _("Paper (English | Chinese)"),
            {
                "classes": ("bilingual",),
                "fields": (
                    ("title_en", "title_zh"),
                    ("summary_en", "summary_zh"),
                    ("body_en", "body_zh"),
                ),
            },
        ),
        (_("Dates (Hong Kong time)"), {"fields": (("opens_at", "closes_at"),)}),
    )
    inlines = (SectionInline, QuestionInline, DocumentInline)
    actions = ("export_csv", "export_xlsx", "detect_campaigns")
    change_form_template = "admin/surveys/consultation/change_form.html"

    def get_queryset(self, request: HttpRequest) -> QuerySet[Consultation]:
        return (
            super()
            .get_queryset(request)
            .annotate(
                sent=Count("submissions", filter=~Q(submissions__state=SubmissionState.DRAFT))
            )
        )

    @admin.display(description=_("status"))
    def status_display(self, obj: Consultation) -> str:
        return obj.status.label

    @admin.display(description=_("opens (HKT)"), ordering="opens_at")
    def opens_hkt(self, obj: Consultation) -> str:
        return hkt(obj.opens_at)

    @admin.display(description=_("closes (HKT)"), ordering="closes_at")
    def closes_hkt(self, obj: Consultation) -> str:
        return hkt(obj.closes_at)

    @admin.display(description=_("responses"), ordering="sent")
    def response_count(self, obj: Consultation) -> str:
        url = (
            reverse("admin:surveys_submission_changelist")
            + "?"
            + urlencode({"consultation__id__exact": obj.pk})
        )
        return format_html('<a href="{}">{}</a>', url, obj.sent)

    @admin.display(description=_("public page"))
    def respondent_view(self, obj: Consultation) -> str:
        return _respondent_link(obj)

    def change_view(
        self,
        request: HttpRequest,
        object_id: str,
        form_url: str = "",
        extra_context: dict | None = None,
    ) -> HttpResponse:
        obj = self.get_object(request, object_id)
        extra = extra_context or {}
        if obj is not None:
            count = authoring.consultation_response_count(consultation_id=obj.pk)
            extra.update(
                {
                    "respondent_url": reverse("surveys:detail", args=[obj.slug]),
                    "response_count": count,
                    "can_export": roles.can_export(request.user),
                    "can_export_personal": roles.can_export(request.user)
                    and roles.can_view_personal_data(request.user),
                }
            )
        return super().change_view(request, object_id, form_url, extra)

    def get_urls(self) -> list:
        return [
            path(
                "<path:object_id>/export/<str:fmt>/",
                self.admin_site.admin_view(self.export_view),
                name="surveys_consultation_export",
            ),
            *super().get_urls(),
        ]

    def export_view(self, request: HttpRequest, object_id: str, fmt: str) -> HttpResponse:
        """Download the consultation's submissions; ``?personal=1`` adds personal columns."""
        consultation = self.get_object(request, object_id)
        if consultation is None or fmt not in exports.FORMATS:
            raise Http404
        personal = request.GET.get("personal") == "1"
        if not roles.can_export(request.user) or (
            personal and not roles.can_view_personal_data(request.user)
        ):
            raise PermissionDenied
        return export_response(request, consultation, fmt, personal=personal)

    def has_export_permission(self, request: HttpRequest) -> bool:
        return roles.can_export(request.user)

    def has_review_permission(self, request: HttpRequest) -> bool:
        return roles.can_review(request.user)

    def _single(self, request: HttpRequest, queryset: QuerySet) -> Consultation | None:
        if queryset.count() != 1:
            self.message_user(
                request, gettext("Select exactly one consultation."), messages.WARNING
            )
            return None
        return queryset.get()

    @admin.action(description=_("Export submissions (CSV)"), permissions=["export"])
    def export_csv(self, request: HttpRequest, queryset: QuerySet) -> HttpResponse | None:
        consultation = self._single(request, queryset)
        return (
            export_response(request, consultation, "csv", personal=False) if consultation else None
        )

    @admin.action(description=_("Export submissions (XLSX)"), permissions=["export"])
    def export_xlsx(self, request: HttpRequest, queryset: QuerySet) -> HttpResponse | None:
        consultation = self._single(request, queryset)
        return (
            export_response(request, consultation, "xlsx", personal=False) if consultation else None
        )

    @admin.action(description=_("Detect campaign groups"), permissions=["review"])
    def detect_campaigns(self, request: HttpRequest, queryset: QuerySet) -> None:
        for consultation in queryset:
            result = campaigns.campaign_detect(consultation=consultation, actor=request.user)
            self.message_user(request, detection_message(consultation, result), messages.SUCCESS)


@admin.register(Section)
class SectionAdmin(LockedDeleteMixin, admin.ModelAdmin):
    list_display = ("title_en", "title_zh", "order", "consultation")
    list_filter = ("consultation",)
    list_select_related = ("consultation",)
    fieldsets = (
        (None, {"fields": ("consultation", "order")}),
        (
            _("English | Chinese"),
            {
                "classes": ("bilingual",),
                "fields": (("title_en", "title_zh"), ("intro_en", "intro_zh")),
            },
        ),
    )

    def get_readonly_fields(self, request: HttpRequest, obj: Section | None = None) -> tuple:
        return ("consultation",) if obj else ()


class ChoiceInline(LockedInlineMixin, admin.TabularInline):
    model = Choice
    form = ChoiceLockForm
    formset = LockedDeletionFormSet
    fields = ("order", "value", "label_en", "label_zh")
    extra = 0


@admin.register(Question)
class QuestionAdmin(LockedDeleteMixin, admin.ModelAdmin):
    form = QuestionLockForm
    list_display = (
        "code",
        "short_text",
        "consultation",
        "section",
        "kind",
        "required",
        "condition",
    )
    list_display_links = ("code", "short_text")
    list_filter = ("consultation", "kind", "required")
    list_select_related = ("consultation", "section", "condition_question", "condition_choice")
    search_fields = ("code", "text_en", "text_zh")
    ordering = ("consultation", "order")
    inlines = (ChoiceInline,)
    fieldsets = (
        (None, {"fields": (("consultation", "section"), ("code", "order"), ("kind", "required"))}),
        (
            _("Question (English | Chinese)"),
            {"classes": ("bilingual",), "fields": (("text_en", "text_zh"), ("help_en", "help_zh"))},
        ),
        (_("Limits"), {"fields": (("max_length", "min_value", "max_value"),)}),
        (
            _("Condition"),
            {
                "fields": (("condition_question", "condition_choice"),),
                "description": _(
                    "Show this question only to respondents who gave that answer to an earlier "
                    "question of the same consultation."
                ),
            },
        ),
    )
    change_form_template = "admin/surveys/question/change_form.html"

    @admin.display(description=_("text"))
    def short_text(self, obj: Question) -> str:
        return Truncator(obj.text_en).chars(90)

    @admin.display(description=_("shown if"))
    def condition(self, obj: Question) -> str:
        if not obj.condition_question_id:
            return "—"
        return f"{obj.condition_question.code} = {obj.condition_choice.value}"

    def get_readonly_fields(self, request: HttpRequest, obj: Question | None = None) -> tuple:
        return ("consultation",) if obj else ()

    def get_form(
        self, request: HttpRequest, obj: Question | None = None, change: bool = False, **kwargs: Any
    ):
        form = super().get_form(request, obj, change=change, **kwargs)
        for name in ("section", "condition_question", "condition_choice"):
            _plain_select(form, name)
        if obj is not None:
            fields = form.base_fields
            if "section" in fields:
                fields["section"].queryset = Section.objects.filter(
                    consultation=obj.consultation_id
                )
            if "condition_question" in fields:
                fields["condition_question"].queryset = Question.objects.filter(
                    consultation=obj.consultation_id,
                    order__lt=obj.order,
                    kind__in=QuestionKind.closed(),
                )
            if "condition_choice" in fields:
                fields["condition_choice"].queryset = Choice.objects.filter(
                    question__consultation=obj.consultation_id, question__order__lt=obj.order
                ).select_related("question")
                fields["condition_choice"].label_from_instance = lambda c: (
                    f"{c.question.code}: {c.label_en}"
                )
        return form

    def save_related(
        self, request: HttpRequest, form: forms.ModelForm, formsets: Any, change: bool
    ) -> None:
        super().save_related(request, form, formsets, change)
        created = authoring.question_standard_choices_ensure(question=form.instance)
        if created:
            self.message_user(
                request,
                gettext("Added the %(n)s standard choices of this kind of question.")
                % {"n": created},
            )

    def change_view(
        self,
        request: HttpRequest,
        object_id: str,
        form_url: str = "",
        extra_context: dict | None = None,
    ) -> HttpResponse:
        obj = self.get_object(request, object_id)
        extra = extra_context or {}
        if obj is not None:
            extra["respondent_url"] = reverse("surveys:detail", args=[obj.consultation.slug])
            extra["response_count"] = authoring.consultation_response_count(
                consultation_id=obj.consultation_id
            )
        return super().change_view(request, object_id, form_url, extra)


# --- Submissions -------------------------------------------------------------------------------


class StateFilter(admin.SimpleListFilter):
    """Sent submissions by default: drafts are respondents' unfinished work, not responses."""

    title = _("state")
    parameter_name = "state"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, str]]:
        return [
            (SubmissionState.SUBMITTED, SubmissionState.SUBMITTED.label),
            (SubmissionState.WITHDRAWN, SubmissionState.WITHDRAWN.label),
            (SubmissionState.DRAFT, SubmissionState.DRAFT.label),
            ("all", gettext("All, drafts included")),
        ]

    def choices(self, changelist: Any):
        yield {
            "selected": self.value() is None,
            "query_string": changelist.get_query_string(remove=[self.parameter_name]),
            "display": gettext("Sent (submitted or withdrawn)"),
        }
        for lookup, title in self.lookup_choices:
            yield {
                "selected": self.value() == str(lookup),
                "query_string": changelist.get_query_string({self.parameter_name: lookup}),
                "display": title,
            }

    def queryset(self, request: HttpRequest, queryset: QuerySet) -> QuerySet:
        value = self.value()
        if value is None:
            return queryset.exclude(state=SubmissionState.DRAFT)
        if value == "all":
            return queryset
        return queryset.filter(state=value)


class _ConsultationScopedFilter(admin.SimpleListFilter):
    """A filter whose options belong to the consultation chosen in the consultation filter."""

    def _consultation_id(self, request: HttpRequest) -> str | None:
        value = request.GET.get("consultation__id__exact")
        return value if value and value.isdigit() else None


class CampaignFilter(_ConsultationScopedFilter):
    title = _("campaign group")
    parameter_name = "campaign"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, str]]:
        options = [("any", gettext("In any campaign group")), ("none", gettext("Not in a group"))]
        consultation_id = self._consultation_id(request)
        if consultation_id:
            options += [
                (str(pk), f"{label} ({size})")
                for pk, label, size in CampaignGroup.objects.filter(
                    consultation_id=consultation_id
                ).values_list("pk", "label", "size")
            ]
        return options

    def queryset(self, request: HttpRequest, queryset: QuerySet) -> QuerySet:
        value = self.value()
        if value == "any":
            return queryset.filter(campaign_group__isnull=False)
        if value == "none":
            return queryset.filter(campaign_group__isnull=True)
        if value and value.isdigit():
            return queryset.filter(campaign_group_id=value)
        return queryset


class ThemeFilter(_ConsultationScopedFilter):
    title = _("theme")
    parameter_name = "theme"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, str]]:
        options = [("none", gettext("Free text not yet coded"))]
        consultation_id = self._consultation_id(request)
        if consultation_id:
            options += [
                (str(pk), name)
                for pk, name in Theme.objects.filter(consultation_id=consultation_id).values_list(
                    "pk", "name_en"
                )
            ]
        return options

    def queryset(self, request: HttpRequest, queryset: QuerySet) -> QuerySet:
        value = self.value()
        text_answers = Answer.objects.filter(
            submission=OuterRef("pk"), question__kind=QuestionKind.TEXT
        ).exclude(text="")
        if value == "none":
            return queryset.filter(Exists(text_answers.filter(themes__isnull=True)))
        if value and value.isdigit():
            return queryset.filter(Exists(text_answers.filter(themes=value)))
        return queryset


class ReviewForm(forms.ModelForm):
    """The review fields of a submission; everything the respondent said stays read-only."""

    review_note = forms.CharField(
        label=_("Why (kept in the review history)"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Required when excluding for another reason."),
    )

    class Meta:
        model = Submission
        fields = ("review_status", "exclusion_reason", "reviewer_notes", "campaign_group")
        widgets = {"reviewer_notes": forms.Textarea(attrs={"rows": 4})}

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        if {"review_status", "exclusion_reason"} & set(self.changed_data):
            try:
                review.review_decision_check(
                    status=cleaned.get("review_status", ""),
                    reason=cleaned.get("exclusion_reason", ""),
                    note=cleaned.get("review_note", ""),
                )
            except ValidationError as error:
                field = "exclusion_reason" if error.code != "note_required" else "review_note"
                self.add_error(field, error)
        return cleaned

    def _post_clean(self) -> None:
        # The services write the changes; only the form's own checks apply here (the model's
        # exclusion constraint is checked by the review service with a clearer message).
        pass


class AnswerThemesForm(forms.ModelForm):
    class Meta:
        model = Answer
        fields = ("themes",)
        widgets = {"themes": forms.CheckboxSelectMultiple}


class AnswerThemesInline(admin.TabularInline):
    """Theme tags of the submission's free-text answers, shown beside each answer."""

    model = Answer
    form = AnswerThemesForm
    fields = ("themes",)
    extra = 0
    can_delete = False
    verbose_name = _("theme tags")
    verbose_name_plural = _("theme tags")

    def get_queryset(self, request: HttpRequest) -> QuerySet[Answer]:
        return (
            super()
            .get_queryset(request)
            .filter(question__kind=QuestionKind.TEXT)
            .exclude(text="")
            .select_related("question")
            .prefetch_related("themes")
        )

    def get_formset(self, request: HttpRequest, obj: Submission | None = None, **kwargs: Any):
        formset = super().get_formset(request, obj, **kwargs)
        field = formset.form.base_fields.get("themes")
        if field is not None and obj is not None:
            field.queryset = Theme.objects.filter(consultation=obj.consultation_id).select_related(
                "parent"
            )
            field.label_from_instance = lambda theme: (
                f"{theme.parent.name_en} › {theme.name_en}" if theme.parent_id else theme.name_en
            )
            # Read the themes once for all the answers, not once per answer.
            field.choices = [(t.pk, field.label_from_instance(t)) for t in field.queryset]
            field.required = False
        # Themes are defined on the Themes page, for the right consultation, not from here.
        _plain_select(formset.form, "themes")
        return formset

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return roles.can_review(request.user)

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return request.user.has_perm("surveys.view_submission") or roles.can_review(request.user)


class ExcludeForm(forms.Form):
    reason = forms.ChoiceField(
        label=_("Reason"), choices=[("", "---------"), *ExclusionReason.choices]
    )
    note = forms.CharField(
        label=_("Why (kept in the review history)"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        try:
            review.review_decision_check(
                status=ReviewStatus.EXCLUDED,
                reason=cleaned.get("reason", ""),
                note=cleaned.get("note", ""),
            )
        except ValidationError as error:
            self.add_error("note", error)
        return cleaned


class TagForm(forms.Form):
    theme = forms.ModelChoiceField(label=_("Theme"), queryset=Theme.objects.none())
    question = forms.ModelChoiceField(
        label=_("Free-text question"),
        queryset=Question.objects.none(),
        required=False,
        empty_label=_("All free-text questions"),
    )
    remove = forms.BooleanField(label=_("Remove this theme instead of adding it"), required=False)
    note = forms.CharField(label=_("Why (optional)"), required=False)

    def __init__(self, *args: Any, consultation: Consultation, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["theme"].queryset = Theme.objects.filter(consultation=consultation)
        self.fields["question"].queryset = Question.objects.filter(
            consultation=consultation, kind=QuestionKind.TEXT
        )
        self.fields["question"].label_from_instance = lambda q: (
            f"{q.code} {Truncator(q.text_en).chars(70)}"
        )


_REFERENCE = re.compile(r"[A-Za-z]{1,6}-\d{4,}")

# Short labels for a narrow column; the full wording is in the badge's title and on the page.
CONSENT_SHORT = {
    Consent.NAME_AND_RESPONSE: _("Name and response"),
    Consent.RESPONSE_ONLY: _("Response only"),
    Consent.CONFIDENTIAL: _("Confidential"),
}


def _respondent_expression(personal: bool) -> Case:
    visible_name = F("contact_name") if personal else Value(gettext("withheld"))
    return Case(
        When(
            Q(respondent_type=RespondentType.ORGANISATION) & ~Q(organisation_name=""),
            then=F("organisation_name"),
        ),
        When(Q(contact_name="") & Q(organisation_name=""), then=Value("—")),
        default=visible_name,
        output_field=CharField(),
    )


@admin.register(Submission)
class SubmissionAdmin(admin.ModelAdmin):
    form = ReviewForm
    list_display = (
        "reference",
        "respondent",
        "category",
        "state",
        "review",
        "submitted_hkt",
        "late",
        "consent_display",
        "campaign",
    )
    list_filter = (
        "consultation",
        "category",
        StateFilter,
        "review_status",
        "consent",
        "is_late",
        CampaignFilter,
        ThemeFilter,
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

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

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
                respondent_display=_respondent_expression(
                    roles.can_view_personal_data(request.user)
                )
            )
        )

    def get_search_results(
        self, request: HttpRequest, queryset: QuerySet, search_term: str
    ) -> tuple[QuerySet, bool]:
        """One phrase (quotes optional) in the reference, an organisation's name, an email or
        name (only for those allowed to see them) or any free-text answer."""
        term = search_term.strip().strip("\"'").strip()
        if not term:
            return queryset, False
        if _REFERENCE.fullmatch(term):
            # A reference is looked up directly, without reading every answer's text.
            return queryset.filter(reference__iexact=term), False
        matches = (
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
    def respondent(self, obj: Submission) -> str:
        return obj.respondent_display  # type: ignore[attr-defined]

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
        self, request: HttpRequest, extra_context: dict | None = None
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

    def get_readonly_fields(self, request: HttpRequest, obj: Submission | None = None) -> tuple:
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
        _plain_select(form, "campaign_group")
        return form

    def formfield_for_foreignkey(self, db_field: Any, request: HttpRequest, **kwargs: Any) -> Any:
        if db_field.name == "campaign_group":
            submission_id = (
                request.resolver_match.kwargs.get("object_id") if request.resolver_match else None
            )
            consultation = Submission.objects.filter(pk=submission_id).values("consultation_id")
            kwargs["queryset"] = CampaignGroup.objects.filter(consultation__in=consultation)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def save_model(
        self, request: HttpRequest, obj: Submission, form: forms.ModelForm, change: bool
    ) -> None:
        """Apply the reviewer's changes through the audited services, never ``obj.save()``."""
        data = form.cleaned_data
        changed = set(form.changed_data)
        stored = Submission.objects.get(pk=obj.pk)
        if {"review_status", "exclusion_reason"} & changed:
            review.review_set(
                submission=stored,
                status=data["review_status"],
                reason=data.get("exclusion_reason") or "",
                note=data.get("review_note", ""),
                actor=request.user,
            )
        if "reviewer_notes" in changed:
            review.notes_set(submission=stored, notes=data["reviewer_notes"], actor=request.user)
        if "campaign_group" in changed:
            campaigns.submission_campaign_set(
                submission=stored,
                group=data["campaign_group"],
                actor=request.user,
                note=data.get("review_note", ""),
            )

    def save_formset(self, request: HttpRequest, form: Any, formset: Any, change: bool) -> None:
        if formset.model is not Answer:
            return super().save_formset(request, form, formset, change)
        for answer_form in formset.forms:
            if "themes" in answer_form.changed_data:
                themes.answer_themes_set(
                    answer=answer_form.instance,
                    themes=answer_form.cleaned_data["themes"],
                    actor=request.user,
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
            context.update(submission_page_context(request, obj, theme_forms))
            context["can_tag"] = self.has_change_permission(request, obj)
            context["has_themes"] = Theme.objects.filter(consultation=obj.consultation_id).exists()
        return super().render_change_form(request, context, add, change, form_url, obj)

    def get_urls(self) -> list:
        return [
            path(
                "<path:object_id>/attachments/<int:attachment_id>/",
                self.admin_site.admin_view(self.attachment_view),
                name="surveys_submission_attachment",
            ),
            *super().get_urls(),
        ]

    def attachment_view(
        self, request: HttpRequest, object_id: str, attachment_id: int
    ) -> HttpResponse:
        """Serve a respondent's attachment from private storage to staff who may view it."""
        submission = self.get_object(request, object_id)
        if submission is None:
            raise Http404
        if not self.has_view_permission(request, submission):
            raise PermissionDenied
        attachment = Attachment.objects.filter(pk=attachment_id, submission=submission).first()
        if attachment is None:
            raise Http404
        try:
            handle = attachment.file.open("rb")
        except FileNotFoundError as exc:
            raise Http404 from exc
        return FileResponse(
            handle,
            as_attachment=True,
            filename=attachment.original_name,
            content_type=attachment.content_type or "application/octet-stream",
        )

    # Actions

    def _form_action(
        self,
        request: HttpRequest,
        queryset: QuerySet,
        form: forms.Form,
        title: str,
        action: str,
        extra: dict | None = None,
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

    def _report_bulk(self, request: HttpRequest, result: review.BulkReviewResult) -> None:
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
    def accept_selected(self, request: HttpRequest, queryset: QuerySet) -> None:
        result = review.review_set_bulk(
            submissions=queryset, status=ReviewStatus.ACCEPTED, actor=request.user
        )
        self._report_bulk(request, result)

    @admin.action(description=_("Mark selected as new (undo the review)"), permissions=["review"])
    def reset_selected(self, request: HttpRequest, queryset: QuerySet) -> None:
        result = review.review_set_bulk(
            submissions=queryset, status=ReviewStatus.NEW, actor=request.user
        )
        self._report_bulk(request, result)

    @admin.action(description=_("Exclude selected submissions…"), permissions=["review"])
    def exclude_selected(self, request: HttpRequest, queryset: QuerySet) -> TemplateResponse | None:
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

    def _one_consultation(self, request: HttpRequest, queryset: QuerySet) -> Consultation | None:
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
    def tag_selected(self, request: HttpRequest, queryset: QuerySet) -> TemplateResponse | None:
        consultation = self._one_consultation(request, queryset)
        if consultation is None:
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
    def confirm_campaigns(self, request: HttpRequest, queryset: QuerySet) -> None:
        groups = CampaignGroup.objects.filter(
            pk__in=queryset.order_by().values("campaign_group_id")
        )
        count = campaigns.campaign_groups_confirm(groups=groups, actor=request.user)
        self.message_user(
            request,
            ngettext("%(n)s campaign group confirmed.", "%(n)s campaign groups confirmed.", count)
            % {"n": count},
            messages.SUCCESS,
        )

    def _export(
        self, request: HttpRequest, queryset: QuerySet, fmt: str, personal: bool
    ) -> HttpResponse | None:
        consultation = self._one_consultation(request, queryset)
        if consultation is None:
            return None
        return export_response(request, consultation, fmt, personal=personal, submissions=queryset)

    @admin.action(description=_("Export selected (CSV)"), permissions=["export"])
    def export_csv(self, request: HttpRequest, queryset: QuerySet) -> HttpResponse | None:
        return self._export(request, queryset, "csv", personal=False)

    @admin.action(description=_("Export selected (XLSX)"), permissions=["export"])
    def export_xlsx(self, request: HttpRequest, queryset: QuerySet) -> HttpResponse | None:
        return self._export(request, queryset, "xlsx", personal=False)

    @admin.action(
        description=_("Export selected with personal data (CSV)"), permissions=["personal_export"]
    )
    def export_csv_personal(self, request: HttpRequest, queryset: QuerySet) -> HttpResponse | None:
        return self._export(request, queryset, "csv", personal=True)


def submission_page_context(
    request: HttpRequest, submission: Submission, theme_forms: dict[int, Any]
) -> dict[str, Any]:
    """What the submission page shows beside the review form: details, answers in question
    order, attachments, revisions and review history. Personal details only with the right."""
    personal = roles.can_view_personal_data(request.user)
    questions = list(
        Question.objects.filter(consultation=submission.consultation_id)
        .select_related("section", "condition_question")
        .order_by("order")
    )
    given: dict[int, list[Answer]] = {}
    for answer in (
        Answer.objects.filter(submission=submission)
        .select_related("choice")
        .prefetch_related("themes")
        .order_by("question__order", "choice__order")
    ):
        given.setdefault(answer.question_id, []).append(answer)
    chosen = {answer.choice_id for answers in given.values() for answer in answers}
    rows = []
    section = None
    for question in questions:
        answers = given.get(question.pk, [])
        rows.append(
            {
                "question": question,
                # A conditional question the respondent was never shown is not "unanswered".
                "not_asked": bool(
                    not answers
                    and question.condition_choice_id
                    and question.condition_choice_id not in chosen
                ),
                "new_section": question.section if question.section_id != section else None,
                "answers": answers,
                "display": _answer_display(question, answers),
                "theme_form": theme_forms.get(answers[0].pk)
                if answers and question.kind == QuestionKind.TEXT
                else None,
                "theme_names": [t.name_en for t in answers[0].themes.all()]
                if answers and question.kind == QuestionKind.TEXT
                else [],
            }
        )
        section = question.section_id
    organisation_visible = personal or submission.respondent_type == RespondentType.ORGANISATION
    return {
        "submission": submission,
        "personal": personal,
        "organisation_visible": organisation_visible,
        "answer_rows": rows,
        "answered": sum(1 for row in rows if row["answers"]),
        "attachments": list(submission.attachments.all()),
        "revisions": list(submission.revisions.order_by("-number")),
        "events": [
            {
                "event": event,
                "field_label": _field_label(event.field),
                "at": hkt(event.at),
                "old": _event_value(event.field, event.old_value),
                "new": _event_value(event.field, event.new_value),
            }
            for event in submission.review_events.select_related("actor")
        ],
        "submitted_hkt": hkt(submission.submitted_at),
        "withdrawn_hkt": hkt(submission.withdrawn_at),
        "consent_confidential": submission.consent == Consent.CONFIDENTIAL,
    }


def _answer_display(question: Question, answers: list[Answer]) -> list[str]:
    if not answers:
        return []
    if question.kind == QuestionKind.TEXT:
        return [answers[0].text]
    if question.kind == QuestionKind.NUMBER:
        return [f"{answers[0].number:,}" if answers[0].number is not None else ""]
    return [answer.choice.localized("label") for answer in answers if answer.choice is not None]


# --- Exports -----------------------------------------------------------------------------------


def export_response(
    request: HttpRequest,
    consultation: Consultation,
    fmt: str,
    *,
    personal: bool,
    submissions: QuerySet[Submission] | None = None,
) -> HttpResponse:
    """Stream a CSV or XLSX download; permission checks are the caller's."""
    logger.info(
        "export %s of %s by %s (personal data: %s)",
        fmt,
        consultation.slug,
        request.user.get_username(),
        personal,
    )
    filename = exports.export_filename(consultation=consultation, fmt=fmt, personal=personal)
    if fmt == "csv":
        response = StreamingHttpResponse(
            exports.export_csv_lines(
                consultation=consultation, personal=personal, submissions=submissions
            ),
            content_type="text/csv; charset=utf-8",
        )
        response["Content-Disposition"] = f'attachment; filename="{filename}"'
        return response
    # The workbook is written to an anonymous temporary file, then streamed from it.
    handle = tempfile.TemporaryFile()  # noqa: SIM115 - closed by FileResponse
    exports.export_xlsx(
        consultation=consultation, personal=personal, out=handle, submissions=submissions
    )
    handle.seek(0)
    return FileResponse(
        handle,
        as_attachment=True,
        filename=filename,
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )


# --- Themes ------------------------------------------------------------------------------------


class ThemeForm(forms.ModelForm):
    class Meta:
        model = Theme
        fields = ("consultation", "parent", "name_en", "name_zh", "description")

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        consultation = cleaned.get("consultation") or getattr(self.instance, "consultation", None)
        if consultation is not None and cleaned.get("name_en"):
            try:
                themes.theme_validate(
                    consultation=consultation,
                    name_en=cleaned["name_en"],
                    parent=cleaned.get("parent"),
                    instance=self.instance,
                )
            except ValidationError as error:
                for field, messages_ in error.message_dict.items():
                    for message in messages_:
                        self.add_error(field if field in self.fields else None, message)
        return cleaned


class SuggestForm(forms.Form):
    question = forms.ModelChoiceField(
        label=_("Free-text question"),
        queryset=Question.objects.filter(kind=QuestionKind.TEXT).select_related("consultation"),
    )
    clusters = forms.IntegerField(
        label=_("Clusters"),
        required=False,
        min_value=2,
        max_value=themes.MAX_CLUSTERS,
        help_text=_("Leave empty to let the size of the answers decide."),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["question"].label_from_instance = lambda q: (
            f"{q.consultation.slug} · {q.code} {Truncator(q.text_en).chars(70)}"
        )


class AcceptForm(forms.Form):
    token = forms.CharField(widget=forms.HiddenInput)
    name_en = forms.CharField(label=_("Theme name (English)"), required=False, max_length=200)
    name_zh = forms.CharField(label=_("Theme name (Chinese)"), required=False, max_length=200)
    parent = forms.ModelChoiceField(
        label=_("Parent theme"), queryset=Theme.objects.none(), required=False
    )
    existing = forms.ModelChoiceField(
        label=_("…or add to an existing theme"), queryset=Theme.objects.none(), required=False
    )
    tag_answers = forms.BooleanField(
        label=_("Tag the cluster's answers"), required=False, initial=True
    )

    def __init__(self, *args: Any, consultation: Consultation, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for name in ("parent", "existing"):
            self.fields[name].queryset = Theme.objects.filter(consultation=consultation)

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        if not cleaned.get("existing") and not (cleaned.get("name_en") or "").strip():
            self.add_error("name_en", gettext("Name the new theme, or choose an existing one."))
        return cleaned


@admin.register(Theme)
class ThemeAdmin(admin.ModelAdmin):
    form = ThemeForm
    list_display = ("english", "chinese", "parent", "consultation", "answer_count")
    list_display_links = ("english",)
    list_filter = ("consultation",)
    list_select_related = ("consultation", "parent")
    search_fields = ("name_en", "name_zh", "description")
    fieldsets = (
        (None, {"fields": ("consultation", "parent")}),
        (
            _("Name (English | Chinese)"),
            {"classes": ("bilingual",), "fields": (("name_en", "name_zh"),)},
        ),
        (None, {"fields": ("description",)}),
    )
    change_list_template = "admin/surveys/theme/change_list.html"

    def get_queryset(self, request: HttpRequest) -> QuerySet[Theme]:
        return super().get_queryset(request).annotate(tagged=Count("answers", distinct=True))

    @admin.display(description=_("theme (English)"), ordering="name_en")
    def english(self, obj: Theme) -> str:
        return obj.name_en

    @admin.display(description=_("theme (Chinese)"), ordering="name_zh")
    def chinese(self, obj: Theme) -> str:
        return obj.name_zh

    @admin.display(description=_("answers tagged"), ordering="tagged")
    def answer_count(self, obj: Theme) -> str:
        url = (
            reverse("admin:surveys_submission_changelist")
            + "?"
            + urlencode({"consultation__id__exact": obj.consultation_id, "theme": obj.pk})
        )
        return format_html('<a href="{}">{}</a>', url, obj.tagged)

    def get_readonly_fields(self, request: HttpRequest, obj: Theme | None = None) -> tuple:
        return ("consultation",) if obj else ()

    def get_form(
        self, request: HttpRequest, obj: Theme | None = None, change: bool = False, **kwargs: Any
    ):
        form = super().get_form(request, obj, change=change, **kwargs)
        if obj is not None and "parent" in form.base_fields:
            form.base_fields["parent"].queryset = Theme.objects.filter(
                consultation=obj.consultation_id
            ).exclude(pk=obj.pk)
        return form

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        # Deleting a theme silently removes its tags from answers: superusers only.
        return request.user.is_superuser

    def get_urls(self) -> list:
        return [
            path(
                "suggest/",
                self.admin_site.admin_view(self.suggest_view),
                name="surveys_theme_suggest",
            ),
            *super().get_urls(),
        ]

    def suggest_view(self, request: HttpRequest) -> HttpResponse:
        """Suggested themes for one free-text question; a reviewer accepts them one by one."""
        if not (roles.can_review(request.user) and request.user.has_perm("surveys.add_theme")):
            raise PermissionDenied
        form = SuggestForm(request.GET or None)
        context: dict[str, Any] = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "title": gettext("Suggested themes"),
            "form": form,
        }
        if request.method == "POST":
            return self._accept(request, form, context)
        if form.is_bound and form.is_valid():
            context.update(
                self._suggestions(form.cleaned_data["question"], form.cleaned_data["clusters"])
            )
        return TemplateResponse(request, "admin/surveys/theme/suggest.html", context)

    def _suggestions(
        self, question: Question, clusters: int | None, failed: tuple[str, Any] | None = None
    ) -> dict[str, Any]:
        result = themes.theme_suggestions(question=question, clusters=clusters)
        items = []
        for suggestion in result.suggestions:
            if failed and failed[0] == suggestion.token:
                accept_form = failed[1]
            else:
                accept_form = AcceptForm(
                    consultation=question.consultation,
                    initial={"token": suggestion.token, "name_en": suggestion.name},
                    prefix=f"s{suggestion.number}",
                )
            items.append({"suggestion": suggestion, "form": accept_form})
        return {"result": result, "items": items, "question": question}

    def _accept(
        self, request: HttpRequest, form: SuggestForm, context: dict[str, Any]
    ) -> HttpResponse:
        if not form.is_valid():
            return TemplateResponse(request, "admin/surveys/theme/suggest.html", context)
        question = form.cleaned_data["question"]
        prefix = request.POST.get("prefix", "")
        accept = AcceptForm(request.POST, consultation=question.consultation, prefix=prefix)
        if accept.is_valid():
            try:
                theme, tagged = themes.suggestion_accept(
                    question=question,
                    token=accept.cleaned_data["token"],
                    theme=accept.cleaned_data["existing"],
                    name_en=accept.cleaned_data["name_en"],
                    name_zh=accept.cleaned_data["name_zh"],
                    parent=accept.cleaned_data["parent"],
                    tag_answers=accept.cleaned_data["tag_answers"],
                    actor=request.user,
                )
            except ValidationError as error:
                for message in error.messages:
                    accept.add_error(None, message)
            else:
                self.message_user(
                    request,
                    gettext("Theme “%(theme)s” saved; %(count)s answers tagged.")
                    % {"theme": theme.name_en, "count": tagged},
                    messages.SUCCESS,
                )
                return HttpResponseRedirect(request.get_full_path())
        token = accept.data.get(f"{prefix}-token", "")
        context.update(
            self._suggestions(question, form.cleaned_data["clusters"], failed=(token, accept))
        )
        return TemplateResponse(request, "admin/surveys/theme/suggest.html", context)


# --- Campaign groups ---------------------------------------------------------------------------


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
        min_value=campaigns.LOWEST_THRESHOLD,
        max_value=1.0,
        initial=campaigns.DEFAULT_THRESHOLD,
        help_text=_(
            "Share of their word pairs two texts must have in common, signatures aside "
            "(0.5 to 1; 0.8 by default)."
        ),
    )


@admin.register(CampaignGroup)
class CampaignGroupAdmin(admin.ModelAdmin):
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

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

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
    def confirm_groups(self, request: HttpRequest, queryset: QuerySet) -> None:
        count = campaigns.campaign_groups_confirm(groups=queryset, actor=request.user)
        self.message_user(
            request,
            ngettext("%(n)s group confirmed.", "%(n)s groups confirmed.", count) % {"n": count},
            messages.SUCCESS,
        )

    @admin.action(description=_("Withdraw the confirmation"), permissions=["review"])
    def unconfirm_groups(self, request: HttpRequest, queryset: QuerySet) -> None:
        count = campaigns.campaign_groups_confirm(
            groups=queryset, actor=request.user, confirmed=False
        )
        self.message_user(
            request,
            ngettext("%(n)s group no longer confirmed.", "%(n)s groups no longer confirmed.", count)
            % {"n": count},
            messages.SUCCESS,
        )

    def get_urls(self) -> list:
        return [
            path(
                "detect/",
                self.admin_site.admin_view(self.detect_view),
                name="surveys_campaigngroup_detect",
            ),
            *super().get_urls(),
        ]

    def detect_view(self, request: HttpRequest) -> HttpResponse:
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


# --- Audit -------------------------------------------------------------------------------------


class WhenFilter(admin.DateFieldListFilter):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.title = gettext("when")


class AuditFieldFilter(admin.SimpleListFilter):
    title = _("what changed")
    parameter_name = "field"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, str]]:
        return [
            (name, _field_label(name))
            for name in (
                review.FIELD_STATUS,
                review.FIELD_REASON,
                review.FIELD_NOTES,
                review.FIELD_THEMES,
                review.FIELD_CAMPAIGN,
            )
        ]

    def queryset(self, request: HttpRequest, queryset: QuerySet) -> QuerySet:
        return queryset.filter(field=self.value()) if self.value() else queryset


@admin.register(ReviewEvent)
class ReviewEventAdmin(admin.ModelAdmin):
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

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
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
        return _field_label(obj.field)

    @admin.display(description=_("from"))
    def old_display(self, obj: ReviewEvent) -> str:
        return _event_value(obj.field, obj.old_value)

    @admin.display(description=_("to"))
    def new_display(self, obj: ReviewEvent) -> str:
        return _event_value(obj.field, obj.new_value)
