"""The submissions list's filters, the review form and the bulk actions' forms."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any, cast

from django import forms
from django.contrib import admin
from django.core.exceptions import ValidationError
from django.db.models import (
    Exists,
    OuterRef,
    QuerySet,
)
from django.http import (
    HttpRequest,
)
from django.utils.text import Truncator
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from surveys import roles
from surveys.admin.common import ReadOnlyRecordMixin, plain_select
from surveys.models import (
    Answer,
    CampaignGroup,
    Consent,
    Consultation,
    ExclusionReason,
    Question,
    QuestionKind,
    ReviewStatus,
    Submission,
    SubmissionState,
    Theme,
)
from surveys.review import services as review

if TYPE_CHECKING:
    from django.contrib.admin.filters import _ListFilterChoices
    from django.forms.models import BaseInlineFormSet
    from django_stubs_ext import StrOrPromise


class StateFilter(admin.SimpleListFilter):
    """Sent submissions by default: drafts are respondents' unfinished work, not responses."""

    title = _("state")
    parameter_name = "state"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, StrOrPromise]]:
        return [
            (SubmissionState.SUBMITTED, SubmissionState.SUBMITTED.label),
            (SubmissionState.WITHDRAWN, SubmissionState.WITHDRAWN.label),
            (SubmissionState.DRAFT, SubmissionState.DRAFT.label),
            ("all", gettext("All, drafts included")),
        ]

    def choices(self, changelist: Any) -> Iterator[_ListFilterChoices]:
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

    def queryset(
        self, request: HttpRequest, queryset: QuerySet[Submission]
    ) -> QuerySet[Submission]:
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

    def queryset(
        self, request: HttpRequest, queryset: QuerySet[Submission]
    ) -> QuerySet[Submission]:
        value = self.value()
        if value == "any":
            return queryset.filter(campaign_group__isnull=False)
        if value == "none":
            return queryset.filter(campaign_group__isnull=True)
        if value and value.isdigit():
            return queryset.filter(campaign_group__pk=value)
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

    def queryset(
        self, request: HttpRequest, queryset: QuerySet[Submission]
    ) -> QuerySet[Submission]:
        value = self.value()
        text_answers = Answer.objects.filter(
            submission=OuterRef("pk"), question__kind=QuestionKind.TEXT
        ).exclude(text="")
        if value == "none":
            return queryset.filter(Exists(text_answers.filter(themes__isnull=True)))
        if value and value.isdigit():
            return queryset.filter(Exists(text_answers.filter(themes__pk=value)))
        return queryset


class ReviewForm(forms.ModelForm[Submission]):
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
        cleaned = cast("dict[str, Any]", super().clean())  # Django's returns cleaned_data
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


class AnswerThemesForm(forms.ModelForm[Answer]):
    class Meta:
        model = Answer
        fields = ("themes",)
        widgets = {"themes": forms.CheckboxSelectMultiple}


class AnswerThemesInline(ReadOnlyRecordMixin, admin.TabularInline[Answer, Submission]):
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

    def get_formset(
        self, request: HttpRequest, obj: Submission | None = None, **kwargs: Any
    ) -> type[BaseInlineFormSet[Answer, Submission, forms.ModelForm[Answer]]]:
        formset = super().get_formset(request, obj, **kwargs)
        field = cast(
            "forms.ModelMultipleChoiceField[Theme] | None", formset.form.base_fields.get("themes")
        )
        if field is not None and obj is not None:
            field.queryset = Theme.objects.filter(consultation=obj.consultation_id).select_related(
                "parent"
            )
            field.label_from_instance = lambda obj: (  # type: ignore[method-assign]  # Django idiom
                f"{cast(Theme, obj.parent).name_en} › {obj.name_en}"
                if obj.parent_id
                else obj.name_en
            )
            # Read the themes once for all the answers, not once per answer.
            field.choices = [(t.pk, field.label_from_instance(t)) for t in field.queryset]
            field.required = False
        # Themes are defined on the Themes page, for the right consultation, not from here.
        plain_select(formset.form, "themes")
        return formset

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
        cleaned = cast("dict[str, Any]", super().clean())  # Django's returns cleaned_data
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
        theme = cast("forms.ModelChoiceField[Theme]", self.fields["theme"])
        theme.queryset = Theme.objects.filter(consultation=consultation)
        question = cast("forms.ModelChoiceField[Question]", self.fields["question"])
        question.queryset = Question.objects.filter(
            consultation=consultation, kind=QuestionKind.TEXT
        )
        question.label_from_instance = lambda obj: (  # type: ignore[method-assign]  # Django idiom
            f"{obj.code} {Truncator(obj.text_en).chars(70)}"
        )


REFERENCE = re.compile(r"[A-Za-z]{1,6}-\d{4,}")

# Short labels for a narrow column; the full wording is in the badge's title and on the page.
CONSENT_SHORT: dict[str, StrOrPromise] = {
    Consent.NAME_AND_RESPONSE: _("Name and response"),
    Consent.RESPONSE_ONLY: _("Response only"),
    Consent.CONFIDENTIAL: _("Confidential"),
}
