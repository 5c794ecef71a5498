"""A workbook of many rows, written fast with flat memory: XlsxWriter builds the workbook, the rows
of the big sheets are streamed as sheet XML.

Writing a cell through a spreadsheet library costs a few microseconds of Python (openpyxl's
write-only mode about 8, XlsxWriter's constant-memory mode about 4): a million rows of 40 cells
take minutes. Here each row of the big sheets becomes one string of ``<c>`` elements, deflated as
it is written into a temporary file per sheet; XlsxWriter then writes the workbook with those
sheets holding only their header row (and whatever ``finish`` adds, e.g. a small sheet of its
own), and the workbook is copied into ``out`` with the deflated rows put inside their sheets
(``consultation.deflated_zip``). The package (content types, relationships, styles, properties)
is XlsxWriter's; only the ``<row>`` elements are ours, written as XlsxWriter writes them in
constant-memory mode (inline strings, XML escapes, ``_xHHHH_`` escapes of control characters,
whitespace kept). Memory stays flat: one row at a time in Python, at most ``_DEFLATE_BLOCK``
characters of rows waiting to be deflated, the deflated rows on disk until the copy.

Cells are typed by value: ``str`` as text, ``int``/``float``/``Decimal`` as numbers, ``bool`` as
its number (0 or 1: cells are kept by value, and ``True == 1``), ``datetime`` (naive) as a date
with the format ``DATE_FORMAT``; ``None`` and ``""`` are left blank. Text in ``text_columns`` goes
through ``xlsx_text`` (neutralised, cut with a note past a cell's limit); other text only through
``safe_cell``.
"""

from __future__ import annotations

import contextlib
import re
import tempfile
import zipfile
from collections.abc import Callable, Collection, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import IO, Any

import xlsxwriter
from isal import isal_zlib
from xlsxwriter.utility import xl_col_to_name

from consultation.deflated_zip import DeflatedZip
from consultation.spreadsheet import FORMULA_START, XLSX_CELL_LIMIT, safe_cell, xlsx_text

DATE_FORMAT = "yyyy-mm-dd hh:mm:ss"
# The style XlsxWriter gives the first format used after its default one: checked when writing.
_DATE_STYLE = 1
_EXCEL_EPOCH = datetime(1899, 12, 30)  # noqa: DTZ001 - Excel's dates have no zone
_DAY = timedelta(days=1)
# What makes a text need escaping: ``&<>``, a control character, or ``_xHHHH_`` (found by
# ``_ESCAPED_ESCAPE`` after a plain search for "_x"). One character class and a substring search
# take a quarter of the time of one pattern with three alternatives (0.12 s against 0.46 s for the
# 235,000 respondents' texts of 100,000 submissions, 122 characters on average).
_XML_SPECIAL = re.compile(r"[&<>\x00-\x08\x0b-\x1f]")
_ESCAPED_ESCAPE = re.compile(r"(_x[0-9a-fA-F]{4}_)")
_CONTROL = re.compile(r"([\x00-\x08\x0b-\x1f])")
# Characters of rows deflated at a time.
_DEFLATE_BLOCK = 1 << 20
# Texts kept escaped per column (see ``_Sheets``): bounded, so memory stays flat.
_CACHED_VALUES = 1024
_CACHED_LENGTH = 100
# Deflate level of the workbook's parts, with ISA-L (``isal``). The rows of 100,000 submissions are
# 209 MB of XML: zlib at level 1 took 0.83 s of CPU for 32.7 MB (level 6: 2.1 s, 24.8 MB);
# ISA-L at level 1 0.21 s for 31.1 MB (level 3: 0.56 s, 29.7 MB).
_COMPRESS_LEVEL = 1
_RAW_DEFLATE = -15


def _needs_escape(value: str) -> bool:
    return _XML_SPECIAL.search(value) is not None or (
        "_x" in value and _ESCAPED_ESCAPE.search(value) is not None
    )


def _xml_text(value: str) -> str:
    """``value`` as the content of a ``<t>`` element, as XlsxWriter escapes it."""
    if not _needs_escape(value):
        return value
    value = _ESCAPED_ESCAPE.sub(r"_x005F\1", value)
    value = _CONTROL.sub(lambda match: f"_x{ord(match.group(1)):04X}_", value)
    return value.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _text_tail(value: str) -> str | None:
    """What follows the reference of a cell holding the text ``value`` (ready for XLSX), or
    None for an empty text (no cell)."""
    if not value:
        return None
    space = ' xml:space="preserve"' if value[0].isspace() or value[-1].isspace() else ""
    return f'" t="inlineStr"><is><t{space}>{_xml_text(value)}</t></is></c>'


def _free_text_tail(value: str) -> str | None:
    """``_text_tail`` of a respondent's text after ``xlsx_text``. Most texts hold nothing that
    ``xlsx_text`` or the XML escapes change: one search proves it and skips both."""
    if _needs_escape(value) or value.startswith(FORMULA_START) or len(value) > XLSX_CELL_LIMIT // 2:
        return _text_tail(xlsx_text(value))
    space = ' xml:space="preserve"' if value[0].isspace() or value[-1].isspace() else ""
    return f'" t="inlineStr"><is><t{space}>{value}</t></is></c>'


# Stands for the row number in a row's cells until the row is joined (one ``replace`` a row): a
# cell can then be kept whole, reference included. XLSX text never holds it (see ``_CONTROL``).
_ROW = "\x00"


class _Cells(dict[Any, str]):
    """One column's cells by value: the whole ``<c>`` element, the row number left as ``_ROW``,
    or "" for a blank. A value not seen yet is made into a cell by ``__missing__``, and kept
    when it is likely to come again: short texts outside the respondents' columns (states,
    choice values, categories), and whole numbers (0 and 1 of the choice columns), up to
    ``_CACHED_VALUES`` a column. Looked up with ``dict.__getitem__`` through ``map``, a row's
    cells cost no Python code when every value is kept: the 100,000 rows of the bench (55
    columns, about 37 cells a row, 4.3 of them not kept: reference, date, respondents' texts)
    took 1.0 s of CPU instead of 1.5 s with a Python loop over the cells (alternated, load 6).
    """

    def __init__(self, sheets: _Sheets, column: int, free_text: bool) -> None:
        super().__init__({None: "", "": ""})
        self.sheets = sheets
        self.column = column
        self.start = f'<c r="{xl_col_to_name(column)}{_ROW}'
        self.free_text = free_text

    def __missing__(self, value: Any) -> str:
        kind = type(value)
        if kind is str:
            if self.free_text:
                return self._cell(_free_text_tail(value))
            cell = self._cell(_text_tail(safe_cell(value)))
            if len(value) <= _CACHED_LENGTH:
                self._keep(value, cell)
            return cell
        if kind is int or kind is bool:
            # A kept 1 is found for True too (they are equal keys): a boolean is its number.
            cell = self._cell(f'"><v>{int(value)}</v></c>')
            self._keep(value, cell)
            return cell
        if kind is float or kind is Decimal:
            return self._cell(f'"><v>{value}</v></c>')
        if kind is datetime:
            if value.tzinfo is not None:
                raise ValueError(f"Column {self.column}: dates must be naive, not {value!r}.")
            self.sheets.date_columns.add(self.column)
            serial = (value - _EXCEL_EPOCH) / _DAY
            return self._cell(f'" s="{_DATE_STYLE}"><v>{serial!r}</v></c>')
        raise TypeError(f"Column {self.column}: no cell for a {kind.__name__}.")

    def _cell(self, tail: str | None) -> str:
        return "" if tail is None else self.start + tail

    def _keep(self, value: Any, cell: str) -> None:
        if len(self) < _CACHED_VALUES:
            self[value] = cell


@dataclass
class _SheetRows:
    """A sheet's rows: a raw deflate stream in ``path`` (not final: the sheet's head and tail are
    deflated apart and put around it), the CRC-32 and size of the XML it holds."""

    path: Path
    last_row: int = 1
    crc: int = 0
    size: int = 0


class _Sheets:
    """The rows of the big sheets, deflated as they are written into one temporary file per
    sheet; a row's cells come from its columns' ``_Cells``.

    Deflating here instead of when the workbook is put together: the temporary file is the
    deflated rows (31 MB at 100,000 rows instead of 209 MB of XML written and read back).
    """

    def __init__(self, directory: Path, width: int, text_columns: Collection[int]) -> None:
        self.directory = directory
        self.last_column = xl_col_to_name(max(width - 1, 0))
        text_columns = frozenset(text_columns)
        self.cells = [_Cells(self, column, column in text_columns) for column in range(width)]
        self.sheets: list[_SheetRows] = []
        self.date_columns: set[int] = set()
        self._handle: IO[bytes] | None = None
        self._deflate = isal_zlib.compressobj(_COMPRESS_LEVEL, isal_zlib.DEFLATED, _RAW_DEFLATE)
        self._pending: list[str] = []
        self._pending_size = 0

    def start(self) -> None:
        self.close()
        sheet = _SheetRows(self.directory / f"rows{len(self.sheets) + 1}.deflate")
        self.sheets.append(sheet)
        self._handle = sheet.path.open("wb")
        self._deflate = isal_zlib.compressobj(_COMPRESS_LEVEL, isal_zlib.DEFLATED, _RAW_DEFLATE)

    def _flush(self) -> None:
        if self._handle is None:
            raise RuntimeError("No sheet started.")
        data = "".join(self._pending).encode()
        self._pending = []
        self._pending_size = 0
        sheet = self.sheets[-1]
        sheet.crc = isal_zlib.crc32(data, sheet.crc)
        sheet.size += len(data)
        self._handle.write(self._deflate.compress(data))

    def close(self) -> None:
        if self._handle is not None:
            self._flush()
            self._handle.write(self._deflate.flush(isal_zlib.Z_SYNC_FLUSH))
            self._handle.close()
            self._handle = None

    def write(self, line: int, row: Sequence[Any]) -> None:
        """Row ``row`` as the sheet's row ``line`` (1 is the header's)."""
        cells = "".join(map(_cell_of, self.cells, row))
        text = f'<row r="{_ROW}">{cells}</row>'.replace(_ROW, str(line + 1))
        self._pending.append(text)
        self._pending_size += len(text)
        if self._pending_size >= _DEFLATE_BLOCK:
            self._flush()
        self.sheets[-1].last_row = line + 1


_cell_of = _Cells.__getitem__


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
    with tempfile.TemporaryDirectory(prefix="xlsx-") as directory:
        sheets = _Sheets(Path(directory), width, text_columns)
        count = _write_rows(sheets, rows, width, sheet_rows)
        skeleton = Path(directory) / "workbook.xlsx"
        workbook = xlsxwriter.Workbook(str(skeleton), {"constant_memory": True})
        moment = workbook.add_format({"num_format": DATE_FORMAT})
        names = []
        for index in range(len(sheets.sheets)):
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
        _assemble(skeleton, out, dict(zip(names, sheets.sheets, strict=True)), sheets.last_column)
    return count


def _write_rows(sheets: _Sheets, rows: Iterable[Sequence[Any]], width: int, sheet_rows: int) -> int:
    """Write ``rows`` into ``sheets``, ``sheet_rows`` a sheet; return how many.

    In the thread that reads the rows. A second thread writing them while this one waited on
    the database took more CPU for no shorter wall time once the rows were cheap to write
    (1,000,000 rows, alternated at load 6: 42.4 and 40.1 s of CPU with it, 38.2 and 38.4 s
    without; wall 70.6 and 68.4 s with it, 71.1 and 73.5 s without): the two threads shared one
    interpreter lock.
    """
    sheets.start()
    line = count = 0
    try:
        for row in rows:
            if len(row) != width:
                raise ValueError(f"A row of {len(row)} values under a header of {width}.")
            line += 1
            if line == sheet_rows:
                sheets.start()
                line = 1
            sheets.write(line, row)
            count += 1
    finally:
        sheets.close()
    return count


def _deflated(data: bytes, *, final: bool) -> bytes:
    """``data`` as a raw deflate stream: the last of a member's streams, or one more follows."""
    deflate = isal_zlib.compressobj(_COMPRESS_LEVEL, isal_zlib.DEFLATED, _RAW_DEFLATE)
    return deflate.compress(data) + deflate.flush(
        isal_zlib.Z_FINISH if final else isal_zlib.Z_SYNC_FLUSH
    )


def _assemble(
    skeleton: Path, out: IO[bytes] | str, rows: dict[str, _SheetRows], last_column: str
) -> None:
    """Copy the workbook ``skeleton`` into ``out``, each sheet in ``rows`` with its rows added
    after its header row.

    A sheet's member is three raw deflate streams one after the other: its head (up to the end of
    the header row, with the real dimension), the rows as deflated while written, its tail. The
    first two end with a sync flush (not final, on a byte boundary), so together they are one
    stream; its CRC-32 is the three parts' combined.
    """
    with contextlib.ExitStack() as stack:
        source = stack.enter_context(zipfile.ZipFile(skeleton))
        target = stack.enter_context(Path(out).open("wb")) if isinstance(out, str) else out
        archive = DeflatedZip(target)
        for info in source.infolist():
            data = source.read(info)
            sheet = rows.get(info.filename)
            if sheet is None:
                archive.add(
                    info.filename,
                    info.date_time,
                    crc=info.CRC,
                    size=len(data),
                    parts=[_deflated(data, final=True)],
                )
                continue
            head, separator, tail = data.partition(b"</sheetData>")
            if not separator:
                raise RuntimeError(f"No sheet data in {info.filename}.")
            dimension = f'<dimension ref="A1:{last_column}{sheet.last_row}"/>'
            head = re.sub(rb'<dimension ref="[^"]*"/>', dimension.encode(), head, count=1)
            tail = separator + tail
            crc = isal_zlib.crc32_combine(isal_zlib.crc32(head), sheet.crc, sheet.size)
            archive.add(
                info.filename,
                info.date_time,
                crc=isal_zlib.crc32_combine(crc, isal_zlib.crc32(tail), len(tail)),
                size=len(head) + sheet.size + len(tail),
                parts=[_deflated(head, final=False), sheet.path, _deflated(tail, final=True)],
            )
        archive.close()
