"""Reading an import file: CSV (UTF-8, with or without a BOM) or XLSX, into rows of strings.

Every cell is read as text: a cell that looks like a formula (``=SUM(...)``) stays the text it
is; nothing is evaluated.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass

from django.utils.translation import gettext as _
from openpyxl import load_workbook
from openpyxl.utils.exceptions import InvalidFileException


class ImportFileError(Exception):
    """The file cannot be read at all (not its rows: those are reported one by one)."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


@dataclass(frozen=True)
class Table:
    header: list[str]
    # (row number as a spreadsheet shows it, the cells as text), notes rows left in.
    rows: list[tuple[int, list[str]]]


def file_format(name: str) -> str:
    """ "csv" or "xlsx" by the file name's extension; ImportFileError otherwise."""
    lowered = name.lower()
    for fmt in ("csv", "xlsx"):
        if lowered.endswith("." + fmt):
            return fmt
    raise ImportFileError(_("Upload a .csv or .xlsx file."))


def _cell_text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, dt.datetime):
        return value.strftime("%Y-%m-%d %H:%M")
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value)


def _csv_rows(data: bytes) -> Iterator[list[str]]:
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise ImportFileError(
            _("The CSV file is not UTF-8 text (byte %(at)s). Save it as “CSV UTF-8”.")
            % {"at": error.start}
        ) from error
    try:
        yield from csv.reader(io.StringIO(text, newline=""))
    except csv.Error as error:
        raise ImportFileError(
            _("The CSV file cannot be read: %(error)s") % {"error": error}
        ) from error


def _xlsx_rows(data: bytes) -> Iterator[list[str]]:
    try:
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=False)
    except (InvalidFileException, zipfile.BadZipFile, KeyError, OSError, ValueError) as error:
        raise ImportFileError(_("The file is not an Excel (.xlsx) workbook.")) from error
    try:
        sheet = (
            workbook["Responses"] if "Responses" in workbook.sheetnames else workbook.worksheets[0]
        )
        for values in sheet.iter_rows(values_only=True):
            yield [_cell_text(value) for value in values]
    finally:
        workbook.close()


def table_read(*, data: bytes, name: str) -> Table:
    """The header and rows of the file ``name`` holding ``data``; ImportFileError if unreadable."""
    fmt = file_format(name)
    reader = _csv_rows(data) if fmt == "csv" else _xlsx_rows(data)
    header: list[str] | None = None
    rows: list[tuple[int, list[str]]] = []
    for number, cells in enumerate(reader, start=1):
        if header is None:
            header = [cell.strip() for cell in cells]
            while header and not header[-1]:
                header.pop()
            continue
        if not any(cell.strip() for cell in cells):
            continue  # blank lines, and the empty rows a spreadsheet carries at its end
        rows.append((number, cells))
    if not header:
        raise ImportFileError(_("The file is empty: it has no header row."))
    return Table(header=header, rows=rows)
