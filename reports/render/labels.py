"""Words and number formats shared by the workbook and the PDF, in the active language.

Fixed strings go through gettext (call the functions inside ``translation.override(language)``);
labels of content (questions, choices, categories) come from the summary's bilingual fields.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from django.utils.translation import gettext, pgettext

from reports.summary.inputs import NOT_STATED, Option
from reports.summary.types import (
    NumberFigures,
    QuestionSummary,
    SubsetFigures,
    Summary,
    ThemeCount,
)

HKT = ZoneInfo("Asia/Hong_Kong")
ENGLISH_MONTHS = (
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
)


def is_chinese(language: str) -> bool:
    return language.lower().startswith("zh")


def kind_label(kind: str) -> str:
    labels = {
        "agree": gettext("Agree scale"),
        "yes_no_unsure": gettext("Yes / no / not sure"),
        "single": gettext("Single choice"),
        "multiple": gettext("Multiple choice"),
        "number": gettext("Number"),
        "text": gettext("Free text"),
    }
    return labels.get(kind, kind)


def exclusion_label(reason: str) -> str:
    labels = {
        "withdrawn": gettext("Withdrawn by the respondent"),
        "duplicate": gettext("Duplicate"),
        "spam": gettext("Spam"),
        "out_of_scope": gettext("Out of scope"),
        "other": gettext("Excluded for another reason"),
        "unconfirmed": gettext("Awaiting email confirmation (not counted)"),
        "after_cutoff": gettext("Submitted after the cut-off time"),
    }
    return labels.get(reason, reason)


def option_label(options: tuple[Option, ...], value: str, language: str) -> str:
    """The label of a category, respondent type or consent value in ``language``."""
    if value == NOT_STATED:
        return gettext("Not stated")
    for option in options:
        if option.value == value:
            return option.label.get(language)
    return value


def choice_label(summary: Summary, code: str, value: str, language: str) -> str:
    """The label of choice ``value`` of question ``code`` (the value itself if there is none)."""
    for question in summary.meta.questions:
        if question.code == code:
            for choice in question.choices:
                if choice.value == value:
                    return choice.label.get(language)
    return value


def category_label(summary: Summary, value: str, language: str) -> str:
    return option_label(summary.meta.categories, value, language)


def type_label(value: str) -> str:
    labels = {
        "individual": pgettext("respondent type", "Individuals"),
        "organisation": pgettext("respondent type", "Organisations"),
    }
    return labels.get(value) or (gettext("Not stated") if value == NOT_STATED else value)


def licence_label(value: str) -> str:
    """A licence status's row label (reports.summary.inputs.LICENCE_STATUSES)."""
    labels = {
        "licensed": gettext("Licensed firms"),
        "applicant": gettext("Licence applicants"),
        "other": gettext("Others (no licence verified)"),
    }
    return labels.get(value, value)


def licence_shown(question: QuestionSummary) -> bool:
    """Whether the question's tables split by licence status: only when some respondent is a
    licensed firm or an applicant (otherwise the one row would repeat the total)."""
    return any(value != "other" for value in question.by_licence)


def theme_label(theme: ThemeCount, language: str) -> str:
    """A theme's name, after its parent's: "Costs › Compliance cost"."""
    name = theme.name.get(language)
    return name if theme.parent is None else f"{theme.parent.get(language)} › {name}"


def language_label(value: str) -> str:
    labels = {"en": gettext("English"), "zh-hant": gettext("Traditional Chinese")}
    return labels.get(value) or (gettext("Not stated") if value == NOT_STATED else value)


def date_text(moment: dt.datetime, language: str) -> str:
    """A date in Hong Kong time: "12 April 2024" or "2024年4月12日"."""
    local = moment.astimezone(HKT)
    if is_chinese(language):
        return f"{local.year}年{local.month}月{local.day}日"
    return f"{local.day} {ENGLISH_MONTHS[local.month - 1]} {local.year}"


def datetime_text(moment: dt.datetime, language: str) -> str:
    """A date and time in Hong Kong time, with the zone named: "12 April 2024, 23:59 HKT"."""
    local = moment.astimezone(HKT)
    if is_chinese(language):
        return f"{date_text(moment, language)} {local:%H:%M}（香港時間）"
    return f"{date_text(moment, language)}, {local:%H:%M} HKT"


def list_text(items: list[str]) -> str:
    """Items in a sentence: "Q1, Q7 and Q13" ("Q1、Q7及Q13")."""
    if len(items) < 2:
        return "".join(items)
    return pgettext("list", "%(first)s and %(last)s") % {
        "first": pgettext("list separator", ", ").join(items[:-1]),
        "last": items[-1],
    }


def count_text(value: int | None) -> str:
    return "–" if value is None else f"{value:,}"


def percent_text(share: float | None) -> str:
    """A share as a percentage with one decimal: "37.5%"; a dash when nobody answered."""
    return "–" if share is None else f"{share * 100:.1f}%"


def net_text(net: float | None) -> str:
    """A net score in percentage points with its sign: "+12.5", "−3.0"."""
    if net is None:
        return "–"
    points = net * 100
    if round(points, 1) == 0:
        return "0.0"
    return f"+{points:.1f}" if points > 0 else f"−{abs(points):.1f}"


def number_text(value: float | None) -> str:
    """A statistic of a number question: whole numbers with separators, else two decimals."""
    if value is None:
        return "–"
    if float(value).is_integer():
        return f"{int(value):,}"
    return f"{value:,.2f}"


@dataclass(frozen=True)
class CategoryRow:
    """One respondent category's line of a question's cross-tab, choices in paper order."""

    label: str
    counts: tuple[int, ...]
    shares: tuple[float | None, ...]
    answered: int
    total: int

    @property
    def not_answered(self) -> int:
        return self.total - self.answered


def cross_tab(summary: Summary, question: QuestionSummary, language: str) -> list[CategoryRow]:
    """The question's cross-tab by respondent category: what every edition shows of it."""
    choices = question.meta.choices
    rows = []
    for category, counts in question.by_category.items():
        shares = question.by_category_shares.get(category, {})
        rows.append(
            CategoryRow(
                label=category_label(summary, category, language),
                counts=tuple(counts.get(choice.value, 0) for choice in choices),
                shares=tuple(shares.get(choice.value) for choice in choices),
                answered=question.answered_by_category.get(category, 0),
                total=question.total_by_category.get(category, 0),
            )
        )
    return rows


def subsets(question: QuestionSummary) -> list[tuple[str, SubsetFigures]]:
    """A question's subsets of respondents, labelled: each respondent type with respondents,
    those outside confirmed campaigns and the late responses alone (where they apply)."""
    found = [(type_label(kind), figures) for kind, figures in question.by_type.items()]
    if question.outside_campaigns is not None:
        found.append((gettext("Without campaign responses"), question.outside_campaigns))
    if question.late_only is not None:
        found.append((gettext("Late responses only"), question.late_only))
    if licence_shown(question):
        found.extend((licence_label(value), f) for value, f in question.by_licence.items())
    return found


def split_rows(summary: Summary, question: QuestionSummary) -> list[CategoryRow]:
    """A closed question's figures by respondent type, without the responses in confirmed
    campaigns, and of the late responses alone (rows only where they apply)."""
    choices = question.meta.choices
    return [
        CategoryRow(
            label=label,
            counts=tuple(figures.counts.get(choice.value, 0) for choice in choices),
            shares=tuple(figures.shares.get(choice.value) for choice in choices),
            answered=figures.answered,
            total=figures.total,
        )
        for label, figures in subsets(question)
    ]


def split_heading(question: QuestionSummary, *, themes: bool = False) -> str:
    """The heading of a question's split table, naming only the rows it has: rows without
    campaign responses only where a reviewer confirmed a campaign, late ones only where some
    response came late, and the licence statuses that have respondents."""
    heading = _split_heading_base(question, themes=themes)
    if not licence_shown(question):
        return heading
    return gettext("%(heading)s; by licence status: %(statuses)s") % {
        "heading": heading,
        "statuses": _licence_rows_named(tuple(question.by_licence)),
    }


def _licence_rows_named(present: tuple[str, ...]) -> str:
    names = {
        ("licensed", "applicant", "other"): gettext("licensed firms, applicants and others"),
        ("licensed", "other"): gettext("licensed firms and others"),
        ("applicant", "other"): gettext("applicants and others"),
        ("licensed", "applicant"): gettext("licensed firms and applicants"),
        ("licensed",): gettext("licensed firms only"),
        ("applicant",): gettext("applicants only"),
    }
    return names.get(present, ", ".join(licence_label(value) for value in present))


def _split_heading_base(question: QuestionSummary, *, themes: bool) -> str:
    campaigns = question.outside_campaigns is not None
    late = question.late_only is not None
    if themes:
        if campaigns and late:
            return gettext(
                "Themes by type of respondent, without campaign responses and late responses"
            )
        if campaigns:
            return gettext("Themes by type of respondent and without campaign responses")
        if late:
            return gettext("Themes by type of respondent and of late responses")
        return gettext("Themes by type of respondent")
    if campaigns and late:
        return gettext("By type of respondent, without campaign responses and late responses")
    if campaigns:
        return gettext("By type of respondent and without campaign responses")
    if late:
        return gettext("By type of respondent and of late responses")
    return gettext("By type of respondent")


def statistic_headings() -> list[str]:
    """The headings of a number question's statistics, in the order every table gives them."""
    return [
        gettext("Mean"),
        gettext("Lower quartile"),
        gettext("Median"),
        gettext("Upper quartile"),
        gettext("Lowest"),
        gettext("Highest"),
    ]


def statistic_values(numbers: NumberFigures) -> tuple[float | int | None, ...]:
    """A number question's statistics in the order of ``statistic_headings``."""
    return (
        numbers.mean,
        numbers.q1,
        numbers.median,
        numbers.q3,
        numbers.minimum,
        numbers.maximum,
    )
