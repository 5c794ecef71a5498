"""The reads of the per-question workbench: a question's figures by category and by respondent
type (from the latest report's ``summary.json``), the themes staff coded on its answers with
their counts, and the answers behind a theme, filtered and paginated (from the database)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from django import forms
from django.core.paginator import Page, Paginator
from django.db.models import Count, Q, QuerySet
from django.utils.translation import gettext_lazy as _

from reports.conclusions.quotes import quote_text
from reports.render import labels
from surveys.models import (
    Answer,
    Consent,
    LicenceStatus,
    Question,
    RespondentCategory,
    RespondentType,
    Theme,
)
from surveys.names import public_name
from surveys.querysets import counted_condition

ANSWERS_PER_PAGE = 10


# --- Figures -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class SplitRow:
    """One category (or respondent type): its count and share for each column, and its total."""

    label: str
    cells: list[str]
    answered: str


@dataclass(frozen=True)
class SplitTable:
    columns: list[str]
    rows: list[SplitRow]


def question_summary(data: Mapping[str, Any], code: str) -> Mapping[str, Any] | None:
    """The question ``code`` of a report's ``summary.json``, or None."""
    for question in data.get("questions", []):
        if question.get("code") == code:
            return question  # type: ignore[no-any-return]
    return None


def _pick(text: Mapping[str, str] | None, language: str) -> str:
    text = text or {}
    if labels.is_chinese(language):
        return text.get("zh-hant") or text.get("en") or ""
    return text.get("en") or text.get("zh-hant") or ""


def _cell(count: int, share: float | None) -> str:
    if share is None:
        return labels.count_text(count)
    return f"{labels.count_text(count)} ({labels.percent_text(share)})"


def _columns(question: Mapping[str, Any], language: str) -> list[tuple[str, str]]:
    """(key, label) of the columns: the choices of a closed question, else the coded themes."""
    if question.get("choices"):
        return [
            (str(choice["value"]), _pick(choice.get("label"), language))
            for choice in question["choices"]
        ]
    themes = (question.get("free_text") or {}).get("themes") or []
    return [(str(theme["id"]), _pick(theme.get("name"), language)) for theme in themes]


def by_category_table(question: Mapping[str, Any], language: str) -> SplitTable:
    """The question's answers by respondent category (categories with respondents)."""
    names = dict(RespondentCategory.choices)
    split = question.get("by_category") or {}
    if not split:
        # A free-text question's report splits only how many answered in each category.
        return SplitTable(
            columns=[],
            rows=[
                SplitRow(
                    label=str(names.get(category, category)),
                    cells=[],
                    answered=labels.count_text(int(n)),
                )
                for category, n in (question.get("answered_by_category") or {}).items()
                if n
            ],
        )
    columns = _columns(question, language)
    rows = []
    for category, counts in split.items():
        shares = (question.get("by_category_shares") or {}).get(category) or {}
        answered = int((question.get("answered_by_category") or {}).get(category) or 0)
        rows.append(
            SplitRow(
                label=str(names.get(category, category)),
                cells=[_cell(int(counts.get(key, 0)), shares.get(key)) for key, _label in columns],
                answered=labels.count_text(answered),
            )
        )
    return SplitTable(columns=[label for _key, label in columns], rows=rows)


def by_type_table(question: Mapping[str, Any], language: str) -> SplitTable:
    """The question's answers from organisations and from individuals."""
    columns = _columns(question, language)
    names = dict(RespondentType.choices)
    rows = []
    for kind, subset in (question.get("by_type") or {}).items():
        if not subset:
            continue
        answered = int(subset.get("answered") or 0)
        if "counts" in subset:
            counts = subset.get("counts") or {}
            shares = subset.get("shares") or {}
            cells = [_cell(int(counts.get(key, 0)), shares.get(key)) for key, _label in columns]
        else:
            themes = {str(item["id"]): int(item["count"]) for item in subset.get("themes") or []}
            cells = [
                _cell(themes.get(key, 0), themes.get(key, 0) / answered if answered else None)
                for key, _label in columns
            ]
        rows.append(
            SplitRow(
                label=str(names.get(kind, kind)),
                cells=cells,
                answered=labels.count_text(answered),
            )
        )
    return SplitTable(columns=[label for _key, label in columns], rows=rows)


# --- Themes and the answers behind them ----------------------------------------------------------


def _counted_answers(question: Question) -> QuerySet[Answer]:
    """The question's answers with text, of the submissions a report counts."""
    return Answer.objects.filter(question=question).filter(counted_condition("submission__"))


def themes_coded(*, question: Question) -> list[tuple[Theme, int]]:
    """The themes staff coded on the question's counted answers, with how many respondents'
    answers carry each, most coded first (one query)."""
    rows = (
        Theme.objects.filter(consultation_id=question.consultation_id)
        .annotate(
            coded=Count(
                "answers__submission",
                filter=Q(answers__question=question) & counted_condition("answers__submission__"),
                distinct=True,
            )
        )
        .filter(coded__gt=0)
        .order_by("-coded", "name_en")
    )
    return [(theme, theme.coded) for theme in rows]


YES_NO = (("", _("All")), ("yes", _("Yes")), ("no", _("No")))


class AnswerFilterForm(forms.Form):
    """The filters of the answers behind a theme; every value is checked against its choices."""

    theme = forms.IntegerField(required=False, min_value=1, max_value=2**31 - 1)
    category = forms.ChoiceField(
        label=_("Category"),
        required=False,
        choices=[("", _("All")), *RespondentCategory.choices],
    )
    campaign = forms.ChoiceField(label=_("In a confirmed campaign"), required=False, choices=YES_NO)
    licence = forms.ChoiceField(
        label=_("Licence status"),
        required=False,
        choices=[("", _("All")), *LicenceStatus.choices],
    )
    consent = forms.ChoiceField(
        label=_("Consent"),
        required=False,
        choices=[
            ("", _("All")),
            ("publishable", _("May be published")),
            ("confidential", _("Confidential")),
        ],
    )
    page = forms.IntegerField(required=False, min_value=1, max_value=1_000_000)

    def __init__(self, *args: Any, themes: list[tuple[Theme, int]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.themes = {theme.pk: theme for theme, _count in themes}

    def clean_theme(self) -> int | None:
        value: int | None = self.cleaned_data.get("theme")
        if value is not None and value not in self.themes:
            raise forms.ValidationError(
                _("That theme is not coded on this question's answers."), code="unknown_theme"
            )
        return value


@dataclass(frozen=True)
class WorkbenchAnswer:
    """One answer behind a theme, as the workbench shows it."""

    reference: str
    text: str
    category: str
    respondent_type: str
    licence: str
    campaign: str | None
    quotable: bool
    quote: str  # the quote an editor may insert (empty when the response is confidential)
    attribution: str  # how the published conclusions name the quote's respondent


def answers_behind(
    *, question: Question, theme: Theme, filters: Mapping[str, Any], page: int
) -> tuple[Page[Answer], list[WorkbenchAnswer]]:
    """The counted answers to ``question`` coded with ``theme``, filtered; one page of them."""
    answers = (
        _counted_answers(question)
        .filter(themes=theme)
        .exclude(text="")
        .select_related("submission", "submission__campaign_group")
        .order_by("submission__reference", "pk")
    )
    if filters.get("category"):
        answers = answers.filter(submission__category=filters["category"])
    if filters.get("campaign") == "yes":
        answers = answers.filter(submission__campaign_group__confirmed=True)
    elif filters.get("campaign") == "no":
        answers = answers.exclude(submission__campaign_group__confirmed=True)
    if filters.get("licence"):
        answers = answers.filter(submission__licence_status=filters["licence"])
    if filters.get("consent") == "publishable":
        answers = answers.exclude(submission__consent=Consent.CONFIDENTIAL)
    elif filters.get("consent") == "confidential":
        answers = answers.filter(submission__consent=Consent.CONFIDENTIAL)
    found = Paginator(answers, ANSWERS_PER_PAGE).get_page(page)
    categories = dict(RespondentCategory.choices)
    types = dict(RespondentType.choices)
    licences = dict(LicenceStatus.choices)
    rows = []
    for answer in found.object_list:
        submission = answer.submission
        quotable = submission.consent != Consent.CONFIDENTIAL
        group = submission.campaign_group
        rows.append(
            WorkbenchAnswer(
                reference=submission.reference,
                text=answer.text,
                category=str(categories.get(submission.category, submission.category)),
                respondent_type=str(types.get(submission.respondent_type, "")),
                licence=str(licences.get(submission.licence_status, "")),
                campaign=group.label if group is not None and group.confirmed else None,
                quotable=quotable,
                quote=quote_text(answer.text) if quotable else "",
                attribution=public_name(
                    consent=submission.consent,
                    respondent_type=submission.respondent_type,
                    organisation_name=submission.organisation_name,
                    contact_name=submission.contact_name,
                    personal_data_erased_at=submission.personal_data_erased_at,
                )
                or str(categories.get(submission.category, "")),
            )
        )
    return found, rows
