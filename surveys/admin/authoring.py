"""Authoring in the admin: consultations, their sections, questions, choices and documents.

Authoring rules live in ``surveys.authoring``: what may change once a consultation has answers,
and what may be deleted. English and Chinese fields sit side by side."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any, TypedDict, cast

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import (
    Count,
    Model,
    Q,
    QuerySet,
    TextField,
)
from django.forms.models import BaseInlineFormSet
from django.http import (
    Http404,
    HttpRequest,
    HttpResponse,
    HttpResponseRedirect,
    StreamingHttpResponse,
)
from django.http.response import HttpResponseBase
from django.urls import URLPattern, path, reverse
from django.utils.html import format_html
from django.utils.http import urlencode
from django.utils.text import Truncator
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _

from surveys import authoring, exports, roles
from surveys.admin.campaigns import detection_queue
from surveys.admin.common import NamedWidgetsMixin, plain_select
from surveys.admin.exports import export_response
from surveys.models import (
    Choice,
    Consultation,
    ConsultationDocument,
    Question,
    QuestionKind,
    Section,
    SubmissionState,
)
from surveys.querysets import awaiting_confirmation_condition
from surveys.review.campaign_jobs import DetectionRefused
from surveys.review.labels import hkt
from textkit.minhash import DEFAULT_THRESHOLD

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise, WithAnnotations

    from consultation.http import StaffRequest

    class _Sent(TypedDict):
        sent: int
        awaiting_confirmation: int

    # The formset and the mixins serve several models.

# English and Chinese fields sit side by side: fieldsets of ("x_en", "x_zh") rows with the
# "bilingual" class, laid out by the stylesheet in surveys/templates/admin/base_site.html.


class LockedDeletionFormSet(BaseInlineFormSet[Any, Any, Any]):
    """Refuses, with the reason, to delete rows that answers depend on."""

    def clean(self) -> None:
        super().clean()
        for form in self.deleted_forms:
            if form.instance.pk:
                reason = authoring.delete_blocked_reason(form.instance)
                if reason:
                    raise ValidationError(reason)


class QuestionLockForm(forms.ModelForm[Question]):
    def clean(self) -> dict[str, Any]:
        cleaned = cast("dict[str, Any]", super().clean())  # Django's returns cleaned_data
        errors = authoring.question_change_errors(
            question=self.instance, changed=set(self.changed_data)
        )
        for name, message in errors.items():
            self.add_error(name if name in self.fields else None, message)
        return cleaned


class ChoiceLockForm(forms.ModelForm[Choice]):
    def clean(self) -> dict[str, Any]:
        cleaned = cast("dict[str, Any]", super().clean())  # Django's returns cleaned_data
        if self.instance.pk:
            errors = authoring.choice_change_errors(
                choice=self.instance, changed=set(self.changed_data)
            )
            for name, message in errors.items():
                self.add_error(name, message)
        return cleaned


class LockedDeleteMixin(admin.ModelAdmin[Any]):
    """Explains instead of deleting when the object carries answers (single and bulk delete)."""

    def delete_view(
        self, request: HttpRequest, object_id: str, extra_context: dict[str, Any] | None = None
    ) -> HttpResponse:
        obj = self.get_object(request, object_id)
        reason = authoring.delete_blocked_reason(obj) if obj is not None else None
        if reason and obj is not None and self.has_delete_permission(request, obj):
            messages.error(request, reason)
            opts = self.model._meta
            return HttpResponseRedirect(
                reverse(f"admin:{opts.app_label}_{opts.model_name}_change", args=[obj.pk])
            )
        return super().delete_view(request, object_id, extra_context)

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[Any]) -> None:
        for obj in queryset:
            reason = authoring.delete_blocked_reason(obj)
            if reason:
                raise PermissionDenied(reason)
        super().delete_queryset(request, queryset)

    def get_actions(
        self, request: HttpRequest
    ) -> dict[str, tuple[Callable[..., Any], str, str] | None]:
        actions = super().get_actions(request)
        if "delete_selected" in actions:
            # Django's get_actions maps each name to its (function, name, description).
            original = cast("tuple[Callable[..., Any], str, str]", actions["delete_selected"])

            def delete_selected(
                modeladmin: Any, req: HttpRequest, queryset: QuerySet[Model]
            ) -> Any:
                for obj in queryset:
                    reason = authoring.delete_blocked_reason(obj)
                    if reason:
                        modeladmin.message_user(req, f"{obj}: {reason}", messages.ERROR)
                        return None
                return original[0](modeladmin, req, queryset)

            actions["delete_selected"] = (delete_selected, "delete_selected", original[2])
        return actions


def _lock_notice(consultation: Consultation) -> dict[str, Any]:
    """What an authoring page says about the consultation's responses (the locking notice) and
    where its respondents see it."""
    return {
        "respondent_url": reverse("surveys:detail", args=[consultation.slug]),
        "response_count": authoring.consultation_response_count(consultation_id=consultation.pk),
    }


def respondent_link(consultation: Consultation) -> str:
    return format_html(
        '<a href="{}" target="_blank" rel="noopener">{}</a>',
        reverse("surveys:detail", args=[consultation.slug]),
        gettext("View as respondent"),
    )


class LockedInlineMixin(admin.options.InlineModelAdmin[Any, Any]):
    """No delete checkbox once the parent's consultation has responses (the notice says why);
    ``LockedDeletionFormSet`` refuses a forged deletion all the same."""

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        if obj is not None and authoring.delete_blocked_reason(obj):
            return False
        return super().has_delete_permission(request, obj)


class SectionInline(
    NamedWidgetsMixin, LockedInlineMixin, admin.TabularInline[Section, Consultation]
):
    model = Section
    formset = LockedDeletionFormSet
    fields = ("order", "title_en", "title_zh")
    extra = 0


class QuestionInline(
    NamedWidgetsMixin, LockedInlineMixin, admin.TabularInline[Question, Consultation]
):
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

    def get_formset(
        self, request: HttpRequest, obj: Consultation | None = None, **kwargs: Any
    ) -> type[BaseInlineFormSet[Question, Consultation, forms.ModelForm[Question]]]:
        formset = super().get_formset(request, obj, **kwargs)
        plain_select(formset.form, "section")
        section = cast(
            "forms.ModelChoiceField[Section] | None", formset.form.base_fields.get("section")
        )
        if section is not None:
            section.queryset = (
                Section.objects.filter(consultation=obj) if obj else Section.objects.none()
            )
            # Read the sections once for all the rows, not once per question.
            section.choices = [("", "---------"), *((s.pk, str(s)) for s in section.queryset)]
        return formset

    def get_queryset(self, request: HttpRequest) -> QuerySet[Question]:
        questions: QuerySet[Question] = super().get_queryset(request)
        return questions.select_related("condition_question").annotate(
            choice_count=Count("choices")
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
            condition = cast(Question, question.condition_question)  # set with its id
            parts.append(gettext("shown if %(code)s") % {"code": condition.code})
        return ", ".join(parts) or "—"


class DocumentInline(NamedWidgetsMixin, admin.TabularInline[ConsultationDocument, Consultation]):
    model = ConsultationDocument
    fields = ("order", "title_en", "title_zh", "file")
    extra = 0


@admin.register(Consultation)
class ConsultationAdmin(NamedWidgetsMixin, LockedDeleteMixin, admin.ModelAdmin[Consultation]):
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
        (
            None,
            {
                "fields": (
                    "slug",
                    "reference_prefix",
                    ("is_draft", "accepts_late"),
                    "requires_email_confirmation",
                )
            },
        ),
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
    # Typed as the admin option, so that a subclass may add a function action.
    actions: Sequence[str | Callable[..., HttpResponseBase | None]] = (
        "export_csv",
        "export_xlsx",
        "detect_campaigns",
    )
    change_form_template = "admin/surveys/consultation/change_form.html"

    def get_queryset(self, request: HttpRequest) -> QuerySet[Consultation]:
        consultations: QuerySet[Consultation] = super().get_queryset(request)
        return consultations.annotate(
            sent=Count("submissions", filter=~Q(submissions__state=SubmissionState.DRAFT)),
            # Shown apart: sent but not counted until their email is confirmed.
            awaiting_confirmation=Count(
                "submissions",
                filter=Q(submissions__state=SubmissionState.SUBMITTED)
                & awaiting_confirmation_condition("submissions__"),
            ),
        )

    @admin.display(description=_("status"))
    def status_display(self, obj: Consultation) -> StrOrPromise:
        return obj.status.label

    @admin.display(description=_("opens (HKT)"), ordering="opens_at")
    def opens_hkt(self, obj: Consultation) -> str:
        return hkt(obj.opens_at)

    @admin.display(description=_("closes (HKT)"), ordering="closes_at")
    def closes_hkt(self, obj: Consultation) -> str:
        return hkt(obj.closes_at)

    @admin.display(description=_("responses"), ordering="sent")
    def response_count(self, obj: WithAnnotations[Consultation, _Sent]) -> str:
        url = (
            reverse("admin:surveys_submission_changelist")
            + "?"
            + urlencode({"consultation__id__exact": obj.pk})
        )
        if not obj.awaiting_confirmation:
            return format_html('<a href="{}">{}</a>', url, obj.sent)
        awaiting = ngettext(
            "%(n)s awaiting email confirmation",
            "%(n)s awaiting email confirmation",
            obj.awaiting_confirmation,
        ) % {"n": obj.awaiting_confirmation}
        return format_html(
            '<a href="{}">{}</a> (<a href="{}&amp;email_confirmation=awaiting">{}</a>)',
            url,
            obj.sent,
            url,
            awaiting,
        )

    @admin.display(description=_("public page"))
    def respondent_view(self, obj: Consultation) -> str:
        return respondent_link(obj)

    def change_view(
        self,
        request: HttpRequest,
        object_id: str,
        form_url: str = "",
        extra_context: dict[str, Any] | None = None,
    ) -> HttpResponse:
        obj = self.get_object(request, object_id)
        extra = extra_context or {}
        if obj is not None:
            extra.update(_lock_notice(obj))
            extra.update(
                {
                    "can_export": roles.can_export(request.user),
                    "can_export_personal": roles.can_export(request.user)
                    and roles.can_view_personal_data(request.user),
                }
            )
        return super().change_view(request, object_id, form_url, extra)

    def get_urls(self) -> list[URLPattern]:
        return [
            path(
                "<path:object_id>/export/<str:fmt>/",
                self.admin_site.admin_view(self.export_view),
                name="surveys_consultation_export",
            ),
            *super().get_urls(),
        ]

    def export_view(self, request: HttpRequest, object_id: str, fmt: str) -> StreamingHttpResponse:
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

    def _single(
        self, request: HttpRequest, queryset: QuerySet[Consultation]
    ) -> Consultation | None:
        if queryset.count() != 1:
            self.message_user(
                request, gettext("Select exactly one consultation."), messages.WARNING
            )
            return None
        return queryset.get()

    @admin.action(description=_("Export submissions (CSV)"), permissions=["export"])
    def export_csv(
        self, request: HttpRequest, queryset: QuerySet[Consultation]
    ) -> StreamingHttpResponse | None:
        consultation = self._single(request, queryset)
        return (
            export_response(request, consultation, "csv", personal=False) if consultation else None
        )

    @admin.action(description=_("Export submissions (XLSX)"), permissions=["export"])
    def export_xlsx(
        self, request: HttpRequest, queryset: QuerySet[Consultation]
    ) -> StreamingHttpResponse | None:
        consultation = self._single(request, queryset)
        return (
            export_response(request, consultation, "xlsx", personal=False) if consultation else None
        )

    @admin.action(description=_("Detect campaign groups"), permissions=["review"])
    def detect_campaigns(self, request: StaffRequest, queryset: QuerySet[Consultation]) -> None:
        """Queue a detection job per consultation (each job's page shows its progress)."""
        for consultation in queryset:
            try:
                job = detection_queue(
                    consultation=consultation, threshold=DEFAULT_THRESHOLD, user=request.user
                )
            except DetectionRefused as error:
                self.message_user(request, error.message, messages.ERROR)
                continue
            url = reverse("admin:surveys_campaigngroup_detection", args=[job.pk])
            self.message_user(
                request,
                format_html(
                    '{} <a href="{}">{}</a>',
                    gettext("Campaign detection queued for %(title)s.")
                    % {"title": consultation.localized("title")},
                    url,
                    gettext("Follow it"),
                ),
                messages.SUCCESS,
            )


@admin.register(Section)
class SectionAdmin(NamedWidgetsMixin, LockedDeleteMixin, admin.ModelAdmin[Section]):
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

    def get_readonly_fields(
        self, request: HttpRequest, obj: Section | None = None
    ) -> tuple[str, ...]:
        return ("consultation",) if obj else ()


class ChoiceInline(NamedWidgetsMixin, LockedInlineMixin, admin.TabularInline[Choice, Question]):
    model = Choice
    form = ChoiceLockForm
    formset = LockedDeletionFormSet
    fields = ("order", "value", "label_en", "label_zh", "exclusive")
    extra = 0


@admin.register(Question)
class QuestionAdmin(NamedWidgetsMixin, LockedDeleteMixin, admin.ModelAdmin[Question]):
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
        # A condition names its choice too (the question_condition_complete constraint).
        question = cast(Question, obj.condition_question)
        choice = cast(Choice, obj.condition_choice)
        return f"{question.code} = {choice.value}"

    def get_readonly_fields(
        self, request: HttpRequest, obj: Question | None = None
    ) -> tuple[str, ...]:
        return ("consultation",) if obj else ()

    def get_form(
        self, request: HttpRequest, obj: Question | None = None, change: bool = False, **kwargs: Any
    ) -> type[forms.ModelForm[Question]]:
        form = super().get_form(request, obj, change=change, **kwargs)
        for name in ("section", "condition_question", "condition_choice"):
            plain_select(form, name)
        if obj is not None:
            fields = form.base_fields
            # The model's foreign keys: the admin gives each a ModelChoiceField.
            if "section" in fields:
                section = cast("forms.ModelChoiceField[Section]", fields["section"])
                section.queryset = Section.objects.filter(consultation=obj.consultation_id)
            if "condition_question" in fields:
                question = cast("forms.ModelChoiceField[Question]", fields["condition_question"])
                question.queryset = Question.objects.filter(
                    consultation=obj.consultation_id,
                    order__lt=obj.order,
                    kind__in=QuestionKind.closed(),
                )
            if "condition_choice" in fields:
                choice = cast("forms.ModelChoiceField[Choice]", fields["condition_choice"])
                choice.queryset = Choice.objects.filter(
                    question__consultation=obj.consultation_id, question__order__lt=obj.order
                ).select_related("question")
                choice.label_from_instance = (  # type: ignore[method-assign]  # Django idiom
                    lambda obj: f"{obj.question.code}: {obj.label_en}"
                )
        return form

    def save_related(
        self, request: HttpRequest, form: forms.ModelForm[Question], formsets: Any, change: bool
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
        extra_context: dict[str, Any] | None = None,
    ) -> HttpResponse:
        obj = self.get_object(request, object_id)
        extra = extra_context or {}
        if obj is not None:
            extra.update(_lock_notice(obj.consultation))
        return super().change_view(request, object_id, form_url, extra)
