"""Themes in the admin: define them, see how many answers each codes, accept suggested ones."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, TypedDict, cast

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import (
    Count,
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
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from surveys import roles
from surveys.models import (
    Consultation,
    Question,
    QuestionKind,
    Theme,
)
from surveys.review import themes

if TYPE_CHECKING:
    from django_stubs_ext import WithAnnotations

    from consultation.http import StaffRequest

    class _Tagged(TypedDict):
        tagged: int


class ThemeForm(forms.ModelForm[Theme]):
    class Meta:
        model = Theme
        fields = ("consultation", "parent", "name_en", "name_zh", "description")

    def clean(self) -> dict[str, Any]:
        cleaned = cast("dict[str, Any]", super().clean())  # Django's returns cleaned_data
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
        question = cast("forms.ModelChoiceField[Question]", self.fields["question"])
        question.label_from_instance = lambda obj: (  # type: ignore[method-assign]  # Django idiom
            f"{obj.consultation.slug} · {obj.code} {Truncator(obj.text_en).chars(70)}"
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
            field = cast("forms.ModelChoiceField[Theme]", self.fields[name])
            field.queryset = Theme.objects.filter(consultation=consultation)

    def clean(self) -> dict[str, Any]:
        cleaned = cast("dict[str, Any]", super().clean())  # Django's returns cleaned_data
        if not cleaned.get("existing") and not (cleaned.get("name_en") or "").strip():
            self.add_error("name_en", gettext("Name the new theme, or choose an existing one."))
        return cleaned


@admin.register(Theme)
class ThemeAdmin(admin.ModelAdmin[Theme]):
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
    def answer_count(self, obj: WithAnnotations[Theme, _Tagged]) -> str:
        url = (
            reverse("admin:surveys_submission_changelist")
            + "?"
            + urlencode({"consultation__id__exact": obj.consultation_id, "theme": obj.pk})
        )
        return format_html('<a href="{}">{}</a>', url, obj.tagged)

    def get_readonly_fields(
        self, request: HttpRequest, obj: Theme | None = None
    ) -> tuple[str, ...]:
        return ("consultation",) if obj else ()

    def get_form(
        self, request: HttpRequest, obj: Theme | None = None, change: bool = False, **kwargs: Any
    ) -> type[forms.ModelForm[Theme]]:
        form = super().get_form(request, obj, change=change, **kwargs)
        if obj is not None and "parent" in form.base_fields:
            parent = cast("forms.ModelChoiceField[Theme]", form.base_fields["parent"])
            parent.queryset = Theme.objects.filter(consultation=obj.consultation_id).exclude(
                pk=obj.pk
            )
        return form

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        # Deleting a theme silently removes its tags from answers: superusers only.
        return request.user.is_superuser

    def get_urls(self) -> list[URLPattern]:
        return [
            path(
                "suggest/",
                self.admin_site.admin_view(self.suggest_view),
                name="surveys_theme_suggest",
            ),
            *super().get_urls(),
        ]

    def suggest_view(self, request: StaffRequest) -> HttpResponse:
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
        self, request: StaffRequest, form: SuggestForm, context: dict[str, Any]
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
