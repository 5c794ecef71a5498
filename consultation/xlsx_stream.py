"""A workbook of many rows, written fast with flat memory: XlsxWriter builds the workbook, the rows
of the big sheets are streamed as sheet XML.

Writing a cell through a spreadsheet library costs a few microseconds of Python (openpyxl's
write-only mode about 8, XlsxWriter's constant-memory mode about 4): a million rows of 40 cells
take minutes. Here each row of the big sheets becomes one string of ``<c>`` elements written to a
temporary file per sheet; XlsxWriter then writes the workbook with those sheets holding only their
header row (and whatever ``finish`` adds, e.g. a small sheet of its own), and the rows are spliced
into their sheets while the workbook is copied into ``out``. The package (content types,
relationships, styles, properties) is XlsxWriter's; only the ``<row>`` elements are ours, written
as XlsxWriter writes them in constant-memory mode (inline strings, XML escapes, ``_xHHHH_`` escapes
of control characters, whitespace kept). Memory stays flat: a row at a time in Python, the rows on
disk until the copy.

Cells are typed by value: ``str`` as text, ``int``/``float``/``Decimal`` as numbers, ``bool`` as a
boolean, ``datetime`` (naive) as a date with the format ``DATE_FORMAT``; ``None`` and ``""`` are
left blank. Text in ``text_columns`` goes through ``xlsx_text`` (neutralised, cut with a note past
a cell's limit); other text only through ``safe_cell``.
"""

from __future__ import annotations

import re
import shutil
import tempfile
import zipfile
from collections.abc import Callable, Collection, Iterable, Sequence
from datetime import datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import IO, Any

import xlsxwriter
from xlsxwriter.utility import xl_col_to_name

from consultation.spreadsheet import safe_cell, xlsx_text

DATE_FORMAT = "yyyy-mm-dd hh:mm:ss"
# The style XlsxWriter gives the first format used after its default one: checked when writing.
_DATE_STYLE = 1
_EXCEL_EPOCH = datetime(1899, 12, 30)  # noqa: DTZ001 - Excel's dates have no zone
_DAY = timedelta(days=1)
_XML_SPECIAL = re.compile(r"[&<>]|_x[0-9a-fA-F]{4}_|[\x00-\x08\x0b-\x1f]")
_ESCAPED_ESCAPE = re.compile(r"(_x[0-9a-fA-F]{4}_)")
_CONTROL = re.compile(r"([\x00-\x08\x0b-\x1f])")
_COPY_BLOCK = 1 << 20


def _xml_text(value: str) -> str:
    """``value`` as the content of a ``<t>`` element, as XlsxWriter escapes it."""
    if not _XML_SPECIAL.search(value):
        return value
    value = _ESCAPED_ESCAPE.sub(r"_x005F\1", value)
    value = _CONTROL.sub(lambda match: f"_x{ord(match.group(1)):04X}_", value)
    return value.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _string_cell(reference: str, value: str) -> str:
    space = ' xml:space="preserve"' if value[0].isspace() or value[-1].isspace() else ""
    return f'<c r="{reference}" t="inlineStr"><is><t{space}>{_xml_text(value)}</t></is></c>'


class _Sheets:
    """The rows of the big sheets, one temporary file of ``<row>`` elements per sheet."""

    def __init__(self, directory: Path, width: int, text_columns: Collection[int]) -> None:
        self.directory = directory
        self.letters = [xl_col_to_name(column) for column in range(width)]
        self.text_columns = frozenset(text_columns)
        self.files: list[Path] = []
        self.last_rows: list[int] = []
        self.date_columns: set[int] = set()
        self._handle: IO[str] | None = None

    def start(self) -> None:
        self.close()
        path = self.directory / f"rows{len(self.files) + 1}.xml"
        self.files.append(path)
        self.last_rows.append(1)
        self._handle = path.open("w", encoding="utf-8", buffering=_COPY_BLOCK)

    def close(self) -> None:
        if self._handle is not None:
            self._handle.close()
            self._handle = None

    def write(self, line: int, row: Sequence[Any]) -> None:
        """Row ``row`` as the sheet's row ``line`` (1 is the header's)."""
        number = str(line + 1)
        letters = self.letters
        cells = []
        for column, value in enumerate(row):
            if value is None or value == "":
                continue
            kind = type(value)
            reference = letters[column] + number
            if kind is str:
                text = xlsx_text(value) if column in self.text_columns else safe_cell(value)
                cells.append(_string_cell(reference, text))
            elif kind is int or kind is float or kind is Decimal:
                cells.append(f'<c r="{reference}"><v>{value}</v></c>')
            elif kind is bool:
                cells.append(f'<c r="{reference}" t="b"><v>{int(value)}</v></c>')
            elif kind is datetime:
                if value.tzinfo is not None:
                    raise ValueError(f"Column {column}: dates must be naive, not {value!r}.")
                self.date_columns.add(column)
                serial = (value - _EXCEL_EPOCH) / _DAY
                cells.append(f'<c r="{reference}" s="{_DATE_STYLE}"><v>{serial!r}</v></c>')
            else:
                raise TypeError(f"Column {column}: no cell for a {kind.__name__}.")
        if self._handle is None:
            raise RuntimeError("No sheet started.")
        self._handle.write(f'<row r="{number}">{"".join(cells)}</row>')
        self.last_rows[-1] = line + 1


def write_xlsx(
    out: IO[bytes] | str,
    *,
    sheet_names: Callable[[int], str],
    header: Sequence[str],
    rows: Iterable[Sequence[Any]],
    text_columns: Collection[int],
    sheet_rows: int,
    finish: Callable[[xlsxwriter.Workbook], None] | None = None,
) -> int:
    """Write ``rows`` under ``header`` into sheets named ``sheet_names(0)``, ``sheet_names(1)``...
    of at most ``sheet_rows`` rows each (the header included), then let ``finish`` add to the
    workbook; return the number of rows written."""
    if sheet_rows < 2:
        raise ValueError("A sheet needs room for the header and one row.")
    width = len(header)
    count = 0
    with tempfile.TemporaryDirectory(prefix="xlsx-") as directory:
        sheets = _Sheets(Path(directory), width, text_columns)
        sheets.start()
        line = 1
        for row in rows:
            if len(row) != width:
                raise ValueError(f"A row of {len(row)} values under a header of {width}.")
            if line == sheet_rows:
                sheets.start()
                line = 1
            sheets.write(line, row)
            line += 1
            count += 1
        sheets.close()
        skeleton = Path(directory) / "workbook.xlsx"
        workbook = xlsxwriter.Workbook(str(skeleton), {"constant_memory": True})
        moment = workbook.add_format({"num_format": DATE_FORMAT})
        names = []
        for index in range(len(sheets.files)):
            sheet = workbook.add_worksheet(sheet_names(index))
            names.append(f"xl/worksheets/sheet{index + 1}.xml")
            for column in sorted(sheets.date_columns):
                sheet.set_column(column, column, 19, moment)
            for column, name in enumerate(header):
                sheet.write_string(0, column, xlsx_text(name))
        if finish is not None:
            finish(workbook)
        workbook.close()
        if sheets.date_columns and moment.xf_index != _DATE_STYLE:
            raise RuntimeError(f"The date format is style {moment.xf_index}, not {_DATE_STYLE}.")
        _splice(skeleton, out, dict(zip(names, sheets.files, strict=True)), sheets)
    return count


def _splice(
    skeleton: Path,
    out: IO[bytes] | str,
    rows: dict[str, Path],
    sheets: _Sheets,
) -> None:
    """Copy the workbook ``skeleton`` into ``out``, each sheet in ``rows`` with its rows added
    after its header row."""
    last_column = sheets.letters[-1] if sheets.letters else "A"
    with (
        zipfile.ZipFile(skeleton) as source,
        zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as target,
    ):
        for info in source.infolist():
            data = source.read(info)
            entry = zipfile.ZipInfo(info.filename, date_time=info.date_time)
            entry.compress_type = zipfile.ZIP_DEFLATED
            if info.filename not in rows:
                target.writestr(entry, data)
                continue
            path = rows[info.filename]
            index = list(rows).index(info.filename)
            head, separator, tail = data.partition(b"</sheetData>")
            if not separator:
                raise RuntimeError(f"No sheet data in {info.filename}.")
            dimension = f'<dimension ref="A1:{last_column}{sheets.last_rows[index]}"/>'
            head = re.sub(rb'<dimension ref="[^"]*"/>', dimension.encode(), head, count=1)
            entry.file_size = len(head) + path.stat().st_size + len(separator) + len(tail)
            with target.open(entry, "w") as member, path.open("rb") as part:
                member.write(head)
                shutil.copyfileobj(part, member, _COPY_BLOCK)
                member.write(separator + tail)
