"""Exports of a consultation's submissions: CSV and XLSX, one row per submission.

Columns: the respondent's details, how the response was received (channel, when, for one sent by
email, post or fax), consent, review status, the general comments of a letter (paragraphs that
answer no question) and campaign group, then one column per
question code in paper order. A multiple-choice question has one 0/1 column per choice
(``Q2__shop``), left empty when the respondent did not answer the question at all; a free-text
question is followed by ``Q25__themes``, the themes reviewers gave the answer.

Personal columns (the contact's name, email and network address, and the organisation name given
by an individual) appear only when the export is made with ``personal=True``, which callers allow
only to holders of ``surveys.view_personal_data``.

Both formats stream: the submissions, their answers and their theme tags are read by three
queries sorted by submission, merged as they arrive and written row by row, so the number of
queries is fixed and memory stays flat at 100,000 submissions. Text cells that a spreadsheet
would run as a formula (starting with = + - @, a tab or a carriage return) are prefixed with a
single quote.
"""

from __future__ import annotations

import csv
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from itertools import groupby
from operator import itemgetter
from typing import IO, Any

import xlsxwriter
from django.db.models import Max, Min, Prefetch, QuerySet
from django.utils import timezone

from consultation.spreadsheet import safe_cell, xlsx_text
from consultation.xlsx_stream import write_xlsx
from surveys.models import (
    Answer,
    Choice,
    Consultation,
    Question,
    QuestionKind,
    Submission,
    SubmissionState,
)
from surveys.names import organisation_name_shown

FORMATS = ("csv", "xlsx")
CHUNK = 2000
# Excel's most rows a sheet, the header included; past it the submissions go on to another sheet.
SHEET_ROWS = 1_048_576
SHEET_NAME = "Submissions"

# Respondent and review columns, in order; the personal ones only with personal=True.
RESPONDENT_COLUMNS = [
    "reference",
    "state",
    "submitted_at_hkt",
    "late",
    "channel",
    "received_at_hkt",
    "language",
    "respondent_type",
    "category",
    "category_other",
    "organisation_name",
    "contact_name",
    "email",
    "client_address",
    "consent",
    "review_status",
    "exclusion_reason",
    "general_comments",
    "campaign_group",
]
PERSONAL_COLUMNS = frozenset({"contact_name", "email", "client_address"})


# Respondent columns whose text comes from the respondent: checked for formulas.
_FREE_TEXT_COLUMNS = frozenset(
    {"category_other", "organisation_name", "contact_name", "email", "general_comments"}
)
_SUBMISSION_FIELDS = {
    "reference": "reference",
    "state": "state",
    "submitted_at_hkt": "submitted_at",
    "late": "is_late",
    "channel": "channel",
    "received_at_hkt": "received_at",
    "language": "language",
    "respondent_type": "respondent_type",
    "category": "category",
    "category_other": "category_other",
    "organisation_name": "organisation_name",
    "contact_name": "contact_name",
    "email": "email",
    "client_address": "client_address",
    "consent": "consent",
    "review_status": "review_status",
    "exclusion_reason": "exclusion_reason",
    "general_comments": "general_comment__text",
    "campaign_group": "campaign_group__label",
}


@dataclass
class _Layout:
    """Where each value goes in a row: built once per export from the consultation's questions."""

    header: list[str] = field(default_factory=list)
    respondent: list[str] = field(default_factory=list)
    single: dict[int, tuple[int, dict[int, str]]] = field(default_factory=dict)
    multiple: dict[int, tuple[int, int, dict[int, int]]] = field(default_factory=dict)
    number: dict[int, int] = field(default_factory=dict)
    text: dict[int, tuple[int, int]] = field(default_factory=dict)
    free_text: list[int] = field(default_factory=list)  # positions to check for formulas


def _layout(consultation: Consultation, personal: bool) -> _Layout:
    layout = _Layout()
    layout.respondent = [c for c in RESPONDENT_COLUMNS if personal or c not in PERSONAL_COLUMNS]
    layout.header = list(layout.respondent)
    layout.free_text = [i for i, name in enumerate(layout.respondent) if name in _FREE_TEXT_COLUMNS]
    questions = (
        Question.objects.filter(consultation=consultation)
        .order_by("order")
        .prefetch_related(Prefetch("choices", queryset=Choice.objects.order_by("order")))
    )
    for question in questions:
        position = len(layout.header)
        choices = list(question.choices.all())
        if question.kind == QuestionKind.MULTIPLE:
            layout.header.extend(f"{question.code}__{choice.value}" for choice in choices)
            layout.multiple[question.pk] = (
                position,
                len(choices),
                {choice.pk: offset for offset, choice in enumerate(choices)},
            )
        elif question.kind == QuestionKind.TEXT:
            layout.header.extend([question.code, f"{question.code}__themes"])
            layout.text[question.pk] = (position, position + 1)
            layout.free_text.extend([position, position + 1])
        elif question.kind == QuestionKind.NUMBER:
            layout.header.append(question.code)
            layout.number[question.pk] = position
        else:
            layout.header.append(question.code)
            layout.single[question.pk] = (position, {c.pk: c.value for c in choices})
    return layout


def export_header(*, consultation: Consultation, personal: bool) -> list[str]:
    """The column names, in the order of the rows ``export_rows`` yields."""
    return _layout(consultation, personal).header


def export_submissions(*, consultation: Consultation) -> QuerySet[Submission]:
    """What an export of the whole consultation contains: every sent submission, withdrawn ones
    included (their state says so), drafts never."""
    return Submission.objects.filter(consultation=consultation).exclude(state=SubmissionState.DRAFT)


def _grouped(
    rows: Iterator[tuple[Any, ...]],
) -> Iterator[tuple[int, Iterator[tuple[Any, ...]]]]:
    """(submission id, its rows) from rows sorted by submission id in their first column; a
    submission's rows are there until the next submission is taken."""
    return groupby(rows, key=itemgetter(0))


def export_rows(
    *,
    consultation: Consultation,
    personal: bool,
    submissions: QuerySet[Submission] | None = None,
    chunk: int = CHUNK,
) -> Iterator[list[Any]]:
    """Rows of values (datetimes naive in HKT) in submission order.

    Three queries stream side by side, each sorted by submission (submissions, answers, theme
    tags), and are merged as they arrive: a fixed number of queries whatever the size, and only
    ``chunk`` rows of each held at a time. ``submissions`` narrows the export (an admin
    selection); it must belong to ``consultation``.
    """
    layout = _layout(consultation, personal)
    base = submissions if submissions is not None else export_submissions(consultation=consultation)
    base = base.filter(consultation=consultation).order_by("pk")
    selected = base.values("pk")
    fields = ["pk", *(_SUBMISSION_FIELDS[c] for c in layout.respondent)]
    people = base.values_list(*fields).iterator(chunk_size=chunk)
    # A whole consultation reads its answers by consultation alone: a plan that does not depend
    # on the planner's row estimates; answers of drafts are skipped in the merge below. The
    # range of the exported submission ids bounds the scan of the answers in submission order:
    # without it the scan went on through the answers of every later submission of other
    # consultations (at 100,000 submissions with a million-row consultation after them, 28 s
    # instead of 14-19 s to read the same 2.1 million answers, on a busy machine).
    bounds = base.aggregate(first=Min("pk"), last=Max("pk"))
    if bounds["first"] is None:
        return
    answer_rows = Answer.objects.filter(
        consultation=consultation, submission__gte=bounds["first"], submission__lte=bounds["last"]
    )
    if submissions is not None:
        answer_rows = answer_rows.filter(submission__in=selected)
    answers = _grouped(
        answer_rows.order_by("submission_id")
        .values_list("submission_id", "question_id", "choice_id", "text", "number")
        .iterator(chunk_size=chunk * 20)
    )
    tags = _grouped(
        Answer.themes.through.objects.filter(
            answer__consultation=consultation, answer__submission__in=selected
        )
        .order_by("answer__submission_id")
        .values_list("answer__submission_id", "answer__question_id", "theme__name_en")
        .iterator(chunk_size=chunk)
    )
    width = len(layout.header)
    respondent_width = len(layout.respondent)
    moments = [layout.respondent.index(c) for c in ("submitted_at_hkt", "received_at_hkt")]
    late = layout.respondent.index("late")
    comments = layout.respondent.index("general_comments")
    group = layout.respondent.index("campaign_group")
    organisation = layout.respondent.index("organisation_name")
    respondent_type = layout.respondent.index("respondent_type")
    hong_kong = timezone.get_current_timezone()
    next_answers = next(answers, None)
    next_tags = next(tags, None)
    for values in people:
        pk = values[0]
        row: list[Any] = [*values[1:], *([None] * (width - respondent_width))]
        for moment in moments:
            if row[moment] is not None:
                row[moment] = row[moment].astimezone(hong_kong).replace(tzinfo=None, microsecond=0)
        row[late] = int(row[late])
        row[comments] = row[comments] or ""
        row[group] = row[group] or ""
        if not organisation_name_shown(respondent_type=row[respondent_type], personal=personal):
            row[organisation] = ""
        while next_answers is not None and next_answers[0] < pk:
            next_answers = next(answers, None)  # answers of submissions not exported
        if next_answers is not None and next_answers[0] == pk:
            _place_answers(layout, row, next_answers[1])
            next_answers = next(answers, None)
        while next_tags is not None and next_tags[0] < pk:
            next_tags = next(tags, None)
        if next_tags is not None and next_tags[0] == pk:
            names: dict[int, list[str]] = {}
            for _pk, question_id, name in next_tags[1]:
                names.setdefault(question_id, []).append(name)
            for question_id, theme_names in names.items():
                if question_id in layout.text:
                    row[layout.text[question_id][1]] = "; ".join(sorted(theme_names))
            next_tags = next(tags, None)
        yield row


def _place_answers(layout: _Layout, row: list[Any], answers: Iterable[tuple[Any, ...]]) -> None:
    single, multiple, texts, numbers = layout.single, layout.multiple, layout.text, layout.number
    for _pk, question_id, choice_id, text, number in answers:
        if (placed := single.get(question_id)) is not None:
            row[placed[0]] = placed[1].get(choice_id)
        elif (chosen := multiple.get(question_id)) is not None:
            first, count, offsets = chosen
            if row[first] is None:
                # Answered: every choice of the question is now 0 or 1, not blank.
                row[first : first + count] = [0] * count
            if choice_id in offsets:
                row[first + offsets[choice_id]] = 1
        elif question_id in texts:
            row[texts[question_id][0]] = text
        elif question_id in numbers:
            row[numbers[question_id]] = number


def _neutralise(row: list[Any], positions: list[int]) -> list[Any]:
    for position in positions:
        row[position] = safe_cell(row[position])
    return row


class _Echo:
    """A file-like object whose write returns the line, for csv.writer inside a generator."""

    def write(self, value: str) -> str:
        return value


def export_csv_lines(
    *,
    consultation: Consultation,
    personal: bool,
    submissions: QuerySet[Submission] | None = None,
) -> Iterator[str]:
    """CSV text line by line, starting with a byte-order mark so that Excel reads UTF-8."""
    layout = _layout(consultation, personal)
    writer = csv.writer(_Echo())
    yield "\ufeff" + writer.writerow([safe_cell(c) for c in layout.header])
    moments = [layout.respondent.index(c) for c in ("submitted_at_hkt", "received_at_hkt")]
    for row in export_rows(consultation=consultation, personal=personal, submissions=submissions):
        for moment in moments:
            if row[moment] is not None:
                row[moment] = row[moment].isoformat(sep=" ")
        yield writer.writerow(_neutralise(row, layout.free_text))


def sheet_name(index: int) -> str:
    """The name of the ``index``-th sheet of submissions (0 first): "Submissions", then
    "Submissions (2)", "Submissions (3)", ..."""
    return SHEET_NAME if index == 0 else f"{SHEET_NAME} ({index + 1})"


def export_xlsx(
    *,
    consultation: Consultation,
    personal: bool,
    out: IO[bytes] | str,
    submissions: QuerySet[Submission] | None = None,
    sheet_rows: int = SHEET_ROWS,
) -> int:
    """Write an XLSX workbook to ``out``; return the number of submissions written.

    The submissions fill "Submissions", then "Submissions (2)" and so on, each sheet at most
    ``sheet_rows`` rows with its header row (Excel's limit by default), then a sheet
    "Questions". Cells are typed: text as text, numbers as numbers, dates as dates (naive HKT),
    blanks left out. Streamed with flat memory (``consultation.xlsx_stream``).
    """
    layout = _layout(consultation, personal)

    def questions(workbook: xlsxwriter.Workbook) -> None:
        sheet = workbook.add_worksheet("Questions")
        for column, name in enumerate(["code", "kind", "text_en", "text_zh"]):
            sheet.write_string(0, column, name)
        rows = Question.objects.filter(consultation=consultation).order_by("order")
        for line, question in enumerate(rows, start=1):
            values = (question.code, question.kind, question.text_en, question.text_zh)
            for column, value in enumerate(values):
                if value:
                    sheet.write_string(line, column, xlsx_text(value))

    return write_xlsx(
        out,
        sheet_names=sheet_name,
        header=layout.header,
        rows=export_rows(consultation=consultation, personal=personal, submissions=submissions),
        text_columns=layout.free_text,
        sheet_rows=sheet_rows,
        finish=questions,
    )


def export_filename(*, consultation: Consultation, fmt: str, personal: bool) -> str:
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
    suffix = "-personal" if personal else ""
    return f"{consultation.slug}-submissions-{stamp}{suffix}.{fmt}"
