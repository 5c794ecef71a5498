"""The import template of a consultation: a header row of column names, a notes row saying what
each column accepts, and (in XLSX) a sheet listing every question and choice in both languages."""

from __future__ import annotations

import csv
import io
from typing import IO, cast

from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.worksheet.worksheet import Worksheet

from surveys.imports.columns import RESPONDENT_COLUMNS, column_note, respondent_notes
from surveys.journey.structure import Journey

FORMATS = ("csv", "xlsx")


def template_columns(*, journey: Journey) -> tuple[list[str], list[str]]:
    """The column names and the notes row."""
    notes = respondent_notes()
    names = list(RESPONDENT_COLUMNS) + [q.code for q in journey.questions]
    row = [notes[name] for name in RESPONDENT_COLUMNS] + [column_note(q) for q in journey.questions]
    return names, row


def template_write(*, journey: Journey, fmt: str, out: IO[bytes]) -> None:
    """Write the template in ``fmt`` ("csv" or "xlsx") to ``out``."""
    names, notes = template_columns(journey=journey)
    if fmt == "csv":
        text = io.StringIO(newline="")
        writer = csv.writer(text)
        writer.writerow(names)
        writer.writerow(notes)
        # With a BOM, so that Excel opens the Chinese text as UTF-8.
        out.write(text.getvalue().encode("utf-8-sig"))
        return
    if fmt != "xlsx":
        raise ValueError(fmt)
    workbook = Workbook()
    sheet = cast(Worksheet, workbook.active)  # a new workbook has one sheet
    sheet.title = "Responses"
    sheet.append(names)
    sheet.append(notes)
    questions = workbook.create_sheet("Notes")
    questions.append(
        [
            _("Column"),
            _("Question (English)"),
            _("Question (Chinese)"),
            _("Accepts"),
            _("Choice code"),
            _("Label (English)"),
            _("Label (Chinese)"),
        ]
    )
    for question in journey.questions:
        questions.append([question.code, question.text_en, question.text_zh, column_note(question)])
        for choice in question.choices.all():
            questions.append(["", "", "", "", choice.value, choice.label_en, choice.label_zh])
    workbook.save(out)
