"""The PDF's tables of a question's figures by type of respondent, without campaign responses
and of the late responses alone: formatted cells, in the edition's language (call inside
``translation.override``), laid out by ``reports/pdf/report.html``."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.utils.translation import gettext

from reports.render import labels
from reports.render.method import Row
from reports.summary.types import QuestionSummary, Summary


@dataclass
class SplitTables:
    """One row per subset (``header``: the headings after the first column's); for free text,
    also one row per theme with one column per subset (``themes_header``: every heading)."""

    header: list[str]
    rows: list[Row]
    note: str
    heading: str = ""
    narrow: bool = False
    themes_header: list[str] = field(default_factory=list)
    themes: list[Row] = field(default_factory=list)
    themes_heading: str = ""


def cross_row(row: labels.CategoryRow) -> Row:
    """A cross-tab row: each choice's count over its share, then not answered and total."""
    cells = [
        {"count": labels.count_text(count), "share": labels.percent_text(share)}
        for count, share in zip(row.counts, row.shares, strict=True)
    ]
    cells.append({"count": labels.count_text(row.not_answered), "share": ""})
    cells.append({"count": labels.count_text(row.total), "share": ""})
    return Row(row.label, cells)


def _plain(text: str) -> dict[str, str]:
    return {"count": text, "share": ""}


def _share_of(part: int, whole: int) -> dict[str, str]:
    """``part`` over its share of ``whole`` (a dash when ``whole`` is nobody)."""
    return {
        "count": labels.count_text(part),
        "share": labels.percent_text(part / whole if whole else None),
    }


def _with_licence_note(question: QuestionSummary, note: str) -> str:
    """``note``, and where the table has licence rows, where the statuses come from."""
    if not labels.licence_shown(question):
        return note
    return " ".join(
        [
            note,
            gettext(
                "Licensed firms and applicants are the respondents whose SFC or C&ED number is "
                "in the public register as staff last uploaded it."
            ),
        ]
    )


def closed_split(summary: Summary, question: QuestionSummary, header: list[str]) -> SplitTables:
    return SplitTables(
        heading=labels.split_heading(question),
        header=header,
        rows=[cross_row(row) for row in labels.split_rows(summary, question)],
        note=_with_licence_note(
            question,
            gettext(
                "Percentages are of those in each row who answered. Campaign responses are those "
                "in campaigns a reviewer confirmed."
            ),
        ),
    )


def number_split(question: QuestionSummary) -> SplitTables:
    """The statistics of each subset's answers, as the question's own table gives them."""
    rows = []
    for label, figures in labels.subsets(question):
        numbers = figures.numbers
        if numbers is None:
            continue
        cells = [
            _share_of(figures.answered, figures.total),
            *(_plain(labels.number_text(value)) for value in labels.statistic_values(numbers)),
            _plain(labels.count_text(figures.total)),
        ]
        rows.append(Row(label, cells))
    return SplitTables(
        heading=labels.split_heading(question),
        header=[gettext("Answers"), *labels.statistic_headings(), gettext("Total")],
        rows=rows,
        note=_with_licence_note(
            question,
            gettext(
                "Statistics are of the answers of those in each row; the percentage under "
                "“Answers” is of all the respondents in the row. Campaign responses are those in "
                "campaigns a reviewer confirmed."
            ),
        ),
    )


def text_split(question: QuestionSummary, language: str) -> SplitTables:
    """How many in each subset answered and were coded with a theme, and with each theme of the
    question's table (counts, which every edition shows; terms and quotes are not split)."""
    subsets = labels.subsets(question)
    rows = []
    for label, figures in subsets:
        coded = figures.coded or 0
        cells = [
            _share_of(figures.answered, figures.total),
            _share_of(coded, figures.answered),
            _plain(labels.count_text(figures.total - figures.answered)),
            _plain(labels.count_text(figures.total)),
        ]
        rows.append(Row(label, cells))
    tables = SplitTables(
        heading=labels.split_heading(question),
        themes_heading=labels.split_heading(question, themes=True),
        header=[
            gettext("Answered"),
            gettext("Coded with a theme"),
            gettext("Not answered"),
            gettext("Total"),
        ],
        rows=rows,
        note=_with_licence_note(
            question,
            gettext(
                "The percentage under “Answered” is of all the respondents in the row; the others "
                "are of those in the row or column who answered. Campaign responses are those in "
                "campaigns a reviewer confirmed."
            ),
        ),
        narrow=True,
    )
    themes = question.text.themes if question.text is not None else ()
    if themes and subsets:
        tables.themes_header = [gettext("Theme"), *(label for label, _ in subsets)]
        tables.themes = [
            Row(
                labels.theme_label(theme, language),
                [
                    _share_of(figures.themes.get(theme.id, 0), figures.answered)
                    for _, figures in subsets
                ],
            )
            for theme in themes
        ]
    return tables
