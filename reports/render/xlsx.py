"""The summary as an Excel workbook: a summary sheet, one sheet per question, then the register.

Figures only, no personal data: respondents' answers and names belong to the staff export, so the
workbook carries neither free-text quotes nor names; the register lists responses by reference
(``xlsx_register``). Written in the edition's language. The workbook is a staff file: it is not
among the files a publication serves.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from django.utils import translation
from django.utils.translation import gettext
from xlsxwriter import Workbook
from xlsxwriter.worksheet import Worksheet

from consultation.spreadsheet import safe_cell
from reports.render import headline, labels
from reports.render.xlsx_cells import (
    BOLD,
    HEADER,
    HEADING_FONT,
    TITLE_FONT,
    WRAP,
    Styles,
    write_cell,
)
from reports.render.xlsx_register import register_sheets
from reports.summary.headline import published_campaigns
from reports.summary.register import RegisterRow
from reports.summary.types import QuestionSummary, Summary

PERCENT = "0.0%"
COUNT = "#,##0"
# A net score in percentage points with its sign, as the PDF prints it: +26.7, −3.0, 0.0.
POINTS = '+0.0;"−"0.0;0.0'


def write_xlsx(
    *,
    summary: Summary,
    language: str,
    path: Path,
    register: Sequence[RegisterRow] | None = None,
) -> None:
    # Streamed (constant memory): each row goes to a temporary file beside the workbook as it is
    # written, so a register of a million responses costs no more memory than one of ten.
    workbook = Workbook(
        str(path),
        {"constant_memory": True, "tmpdir": str(Path(path).parent), "strings_to_urls": False},
    )
    styles = Styles(workbook)
    with translation.override(language):
        _summary_sheet(workbook.add_worksheet(gettext("Summary")[:31]), styles, summary, language)
        for question in summary.questions:
            _question_sheet(
                workbook.add_worksheet(_sheet_name(question)), styles, summary, question, language
            )
        if register is not None:
            register_sheets(workbook, styles, register)
        workbook.set_properties({"title": summary.meta.title.get(language), "author": "Consult HK"})
        workbook.close()


def _sheet_name(question: QuestionSummary) -> str:
    # Excel forbids these characters in sheet names and allows at most 31 characters.
    name = "".join("_" if char in "[]:*?/\\" else char for char in question.meta.code)
    return name[:31] or "Q"


class _Writer:
    """Appends rows to a sheet, top to bottom (the streamed workbook's one rule)."""

    def __init__(self, sheet: Worksheet, styles: Styles) -> None:
        self.sheet = sheet
        self.styles = styles
        self.row = 0

    def line(
        self, *values: object, font: str | None = None, formats: dict[int, str] | None = None
    ) -> None:
        for column, value in enumerate(values, start=1):
            number = formats.get(column) if formats and value is not None else None
            write_cell(self.sheet, self.row, column - 1, value, self.styles.get(font, number))
        self.row += 1

    def header(self, *values: object) -> None:
        header = self.styles.get(HEADER)
        for column, value in enumerate(values):
            write_cell(self.sheet, self.row, column, value, header)
        self.row += 1

    def gap(self) -> None:
        self.row += 1

    def widths(self, *widths: float) -> None:
        for column, width in enumerate(widths):
            self.sheet.set_column(column, column, width)


def _summary_sheet(sheet: Worksheet, styles: Styles, summary: Summary, language: str) -> None:
    out = _Writer(sheet, styles)
    out.widths(46, 16, 16, 16, 16, 16)
    out.line(summary.meta.title.get(language), font=TITLE_FONT)
    out.line(gettext("Summary of responses"), font=HEADING_FONT)
    out.gap()
    snapshot = summary.snapshot
    out.line(gettext("Submissions counted"), summary.respondents.total, formats={2: COUNT})
    out.line(headline.headline_text(summary.respondents))
    out.line(gettext("Cut-off time"), labels.datetime_text(snapshot.as_of, language))
    out.line(gettext("Snapshot SHA-256"), snapshot.sha256)
    out.line(gettext("Generated"), labels.datetime_text(summary.generated_at, language))
    out.line(
        # xgettext:no-python-format
        gettext(
            "Shares are rounded to one decimal place, so the shares shown may add up to 99.9% "
            "or 100.1%. Net scores are in percentage points, computed from the unrounded shares."
        )
    )
    out.gap()

    out.line(gettext("Submissions left out"), font=HEADING_FONT)
    out.header(gettext("Reason"), gettext("Submissions"))
    for reason, n in snapshot.excluded.items():
        out.line(labels.exclusion_label(reason), n, formats={2: COUNT})
        if reason == "other":
            # The workbook is a staff file (never published): it carries the reviewers' reasons.
            for note, count in snapshot.excluded_other_reasons.items():
                label = (
                    gettext("Reason given: “%(reason)s”") % {"reason": note}
                    if note
                    else gettext("No reason recorded")
                )
                out.line(f"    {label}", count, formats={2: COUNT})
    out.gap()

    respondents = summary.respondents
    types = list(respondents.by_type)
    out.line(gettext("Respondents by category"), font=HEADING_FONT)
    out.header(
        gettext("Category"),
        *(labels.type_label(t) for t in types),
        gettext("Total"),
        gettext("Share"),
    )
    for category, total in respondents.by_category.items():
        by_type = respondents.by_category_type.get(category, {})
        out.line(
            labels.category_label(summary, category, language),
            *(by_type.get(t, 0) for t in types),
            total,
            total / respondents.total if respondents.total else None,
            formats={len(types) + 3: PERCENT},
        )
    out.line(
        gettext("Total"),
        *(respondents.by_type[t] for t in types),
        respondents.total,
        1.0 if respondents.total else None,
        font=BOLD,
        formats={len(types) + 3: PERCENT},
    )
    out.gap()

    out.line(gettext("Publication preference"), font=HEADING_FONT)
    out.header(gettext("Preference"), gettext("Respondents"))
    for consent, n in respondents.by_consent.items():
        out.line(labels.option_label(summary.meta.consents, consent, language), n)
    out.gap()

    out.line(gettext("How the submissions arrived"), font=HEADING_FONT)
    out.header(gettext("Channel"), gettext("Submissions"))
    for channel, n in respondents.by_channel.items():
        out.line(headline.channel_label(channel), n)
    out.gap()

    out.line(gettext("Campaigns (standard-text submissions)"), font=HEADING_FONT)
    out.header(
        gettext("Campaign confirmed by a reviewer"),
        gettext("Submissions"),
        gettext("Records"),
        gettext("Standard text"),
    )
    for campaign in published_campaigns(respondents):
        # The standard text is respondents' text: written as text, never as a formula.
        out.line(campaign.label, campaign.size, campaign.records, safe_cell(campaign.text))
    out.line(gettext("Submissions in campaigns"), respondents.in_confirmed_campaigns, font=BOLD)
    if respondents.in_suggested_groups:
        out.gap()
        out.line(gettext("Suggested campaigns (not confirmed)"), font=HEADING_FONT)
        out.line(
            gettext(
                "Groups of similar texts detected automatically that no reviewer has confirmed "
                "as campaigns. They are suggestions only: their submissions are not counted as "
                "campaign submissions above."
            )
        )
        out.header(gettext("Suggested group"), gettext("Submissions"))
        for campaign in respondents.campaigns:
            if not campaign.confirmed:
                out.line(campaign.label, campaign.size)
        out.line(
            gettext("Submissions in suggested campaigns"),
            respondents.in_suggested_groups,
            font=BOLD,
        )
        out.gap()
    out.line(gettext("Late submissions accepted and counted"), respondents.late)
    out.gap()

    out.line(gettext("Questions"), font=HEADING_FONT)
    out.header(
        gettext("Question"), gettext("Type"), gettext("Answered"), gettext("Not answered"), ""
    )
    for question in summary.questions:
        # The question's wording links to its own sheet.
        sheet.write_url(
            out.row,
            0,
            f"internal:'{_sheet_name(question)}'!A1",
            styles.get(WRAP),
            safe_cell(f"{question.meta.code} {question.meta.text.get(language)}"),
        )
        write_cell(sheet, out.row, 1, labels.kind_label(question.meta.kind), None)
        write_cell(sheet, out.row, 2, question.answered, None)
        write_cell(sheet, out.row, 3, question.not_answered, None)
        out.row += 1
    sheet.freeze_panes(1, 0)


def _question_sheet(
    sheet: Worksheet, styles: Styles, summary: Summary, question: QuestionSummary, language: str
) -> None:
    meta = question.meta
    out = _Writer(sheet, styles)
    out.line(f"{meta.code} · {labels.kind_label(meta.kind)}", font=TITLE_FONT)
    # The wording across six columns, tall enough for its lines.
    wording = meta.text.get(language)
    sheet.set_row(out.row, max(30, 15 * (len(wording) // 90 + 1)))
    sheet.merge_range(out.row, 0, out.row, 5, safe_cell(wording), styles.get(WRAP))
    out.row += 1
    if meta.condition is not None:
        out.line(
            gettext("Asked only of respondents who chose “%(choice)s” at %(question)s (%(n)s).")
            % {
                "choice": labels.choice_label(
                    summary, meta.condition.question_code, meta.condition.choice_value, language
                ),
                "question": meta.condition.question_code,
                "n": labels.count_text(question.eligible),
            }
        )
    out.gap()

    if meta.is_closed:
        out.widths(40, 14, 16, 14, 14, 14, 14, 14, 14, 14)
        # xgettext:no-python-format
        out.header(gettext("Answer"), gettext("Respondents"), gettext("% of those answering"))
        for choice in meta.choices:
            out.line(
                choice.label.get(language),
                question.counts.get(choice.value, 0),
                question.shares.get(choice.value),
                formats={2: COUNT, 3: PERCENT},
            )
        out.line(gettext("Answered"), question.answered, font=BOLD)
        out.line(gettext("Not answered"), question.not_answered)
        out.line(gettext("All respondents"), question.total, font=BOLD)
        if meta.kind == "multiple":
            out.line(gettext("Respondents could choose more than one answer."))
        if question.agree is not None:
            out.gap()
            out.line(
                gettext("Agreeing (agree or strongly agree)"),
                question.agree.share_agreeing,
                formats={2: PERCENT},
            )
            out.line(
                gettext("Disagreeing (disagree or strongly disagree)"),
                question.agree.share_disagreeing,
                formats={2: PERCENT},
            )
            net = question.agree.net_score
            out.line(
                gettext("Net score (agreeing minus disagreeing, in percentage points)"),
                None if net is None else net * 100,
                formats={2: POINTS},
            )
        out.gap()
        _cross_tab(out, summary, question, language)
    else:
        out.widths(40, 16, 16, 16, 16, 16, 16, 16, 16, 16)
        out.line(gettext("Answered"), question.answered, font=BOLD)
        out.line(gettext("Not answered"), question.not_answered)
        out.line(gettext("All respondents"), question.total, font=BOLD)
        out.gap()
        if question.numbers is not None:
            _numbers(out, question)
        if question.text is not None:
            _free_text(out, question, language)
        out.gap()
        out.line(gettext("Answered by respondent category"), font=HEADING_FONT)
        out.header(
            gettext("Category"), gettext("Answered"), gettext("Not answered"), gettext("Total")
        )
        for category, answered in question.answered_by_category.items():
            total = question.total_by_category.get(category, 0)
            out.line(
                labels.category_label(summary, category, language),
                answered,
                total - answered,
                total,
            )
        if question.numbers is not None:
            _number_split(out, question)
        if question.text is not None:
            _text_split(out, question, language)
    sheet.freeze_panes(1, 0)


def _cross_tab(out: _Writer, summary: Summary, question: QuestionSummary, language: str) -> None:
    choices = question.meta.choices
    out.line(gettext("By respondent category: number of respondents"), font=HEADING_FONT)
    out.header(
        gettext("Category"),
        *(choice.label.get(language) for choice in choices),
        gettext("Answered"),
        gettext("Not answered"),
        gettext("Total"),
    )
    rows = labels.cross_tab(summary, question, language)
    for row in rows:
        out.line(row.label, *row.counts, row.answered, row.not_answered, row.total)
    out.gap()
    # xgettext:no-python-format
    out.line(gettext("By respondent category: % of those answering"), font=HEADING_FONT)
    out.header(
        gettext("Category"),
        *(choice.label.get(language) for choice in choices),
        gettext("Answered"),
    )
    formats = {column: PERCENT for column in range(2, len(choices) + 2)}
    for row in rows:
        out.line(row.label, *row.shares, row.answered, formats=formats)
    split = labels.split_rows(summary, question)
    if not split:
        return
    out.gap()
    out.line(labels.split_heading(question), font=HEADING_FONT)
    out.header(
        gettext("Respondents"),
        *(choice.label.get(language) for choice in choices),
        gettext("Answered"),
        gettext("Not answered"),
        gettext("Total"),
    )
    for row in split:
        out.line(row.label, *row.counts, row.answered, row.not_answered, row.total)
    out.gap()
    out.header(
        gettext("Respondents"),
        *(choice.label.get(language) for choice in choices),
        gettext("Answered"),
    )
    for row in split:
        out.line(row.label, *row.shares, row.answered, formats=formats)


def _split_heading(out: _Writer, question: QuestionSummary) -> None:
    out.gap()
    out.line(labels.split_heading(question), font=HEADING_FONT)


def _number_split(out: _Writer, question: QuestionSummary) -> None:
    """The statistics of each subset's answers (``labels.subsets``)."""
    subsets = [(label, f, f.numbers) for label, f in labels.subsets(question) if f.numbers]
    if not subsets:
        return
    _split_heading(out, question)
    out.header(
        gettext("Respondents"),
        gettext("Answers"),
        *labels.statistic_headings(),
        gettext("Not answered"),
        gettext("Total"),
    )
    formats = {column: "#,##0.##" for column in range(3, 9)}
    for label, figures, numbers in subsets:
        out.line(
            label,
            figures.answered,
            *labels.statistic_values(numbers),
            figures.total - figures.answered,
            figures.total,
            formats=formats,
        )


def _text_split(out: _Writer, question: QuestionSummary, language: str) -> None:
    """How many in each subset answered and were coded with a theme, and with each theme."""
    text = question.text
    subsets = labels.subsets(question)
    if text is None or not subsets:
        return
    _split_heading(out, question)
    out.header(
        gettext("Respondents"),
        gettext("Answered"),
        gettext("Coded with a theme"),
        gettext("Not answered"),
        gettext("Total"),
    )
    for label, figures in subsets:
        out.line(
            label, figures.answered, figures.coded, figures.total - figures.answered, figures.total
        )
    if not text.themes:
        return
    out.gap()
    out.line(labels.split_heading(question, themes=True), font=HEADING_FONT)
    out.header(gettext("Theme"), *(label for label, _ in subsets))
    for theme in text.themes:
        out.line(
            labels.theme_label(theme, language),
            *(figures.themes.get(theme.id, 0) for _, figures in subsets),
        )
    out.gap()
    # xgettext:no-python-format
    out.line(gettext("Themes: % of those answering in each column"), font=HEADING_FONT)
    out.header(gettext("Theme"), *(label for label, _ in subsets))
    formats = {column: PERCENT for column in range(2, len(subsets) + 2)}
    for theme in text.themes:
        out.line(
            labels.theme_label(theme, language),
            *(
                figures.themes.get(theme.id, 0) / figures.answered if figures.answered else None
                for _, figures in subsets
            ),
            formats=formats,
        )


def _numbers(out: _Writer, question: QuestionSummary) -> None:
    numbers = question.numbers
    if numbers is None:
        return
    out.line(gettext("Statistics of the answers"), font=HEADING_FONT)
    for label, value in (
        (gettext("Answers"), numbers.count),
        (gettext("Mean"), numbers.mean),
        (gettext("Lower quartile"), numbers.q1),
        (gettext("Median"), numbers.median),
        (gettext("Upper quartile"), numbers.q3),
        (gettext("Lowest"), numbers.minimum),
        (gettext("Highest"), numbers.maximum),
    ):
        out.line(label, value, formats={2: "#,##0.##"})


def _free_text(out: _Writer, question: QuestionSummary, language: str) -> None:
    text = question.text
    if text is None:
        return
    out.line(gettext("Themes identified by staff"), font=HEADING_FONT)
    out.header(
        gettext("Theme"),
        gettext("Answers"),
        # xgettext:no-python-format
        gettext("% of answers"),
    )
    for theme in text.themes:
        out.line(
            labels.theme_label(theme, language),
            theme.count,
            theme.count / text.answered if text.answered else None,
            formats={3: PERCENT},
        )
    if not text.themes:
        out.line(gettext("No answer has been coded with a theme yet."))
    out.gap()
    out.line(gettext("Most used terms"), font=HEADING_FONT)
    # The workbook is a staff file: terms counted over all answers, as the staff PDF shows them.
    out.line(
        gettext(
            "Counted in %(n)s answers outside campaigns and suggested campaigns, including "
            "answers not for publication."
        )
        % {"n": labels.count_text(text.terms_counted_over)}
    )
    out.header(gettext("Term"), gettext("Answers using it"))
    for term in text.terms:
        out.line(term.term, term.count)
    out.gap()
    out.line(gettext("Most used phrases"), font=HEADING_FONT)
    out.header(gettext("Phrase"), gettext("Answers using it"))
    for phrase in text.phrases:
        out.line(phrase.term, phrase.count)
