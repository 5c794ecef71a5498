"""Cells that spreadsheets open safely: the one rule for every CSV and XLSX the product writes.

A text that starts like a formula (``=``, ``+``, ``-``, ``@``, a tab or a carriage return) would
be run by Excel when the file is opened ("CSV injection"); it is written with a leading
apostrophe instead. Numbers and blanks pass unchanged.

An XLSX cell holds at most 32,767 characters (counted in UTF-16 units, as Excel does: a character
outside the Basic Multilingual Plane counts two). A longer text is cut so that it ends with
``XLSX_CUT_NOTE``, which says the cell was cut and that the CSV export has the whole text: a cut
is never silent.
"""

from __future__ import annotations

from typing import Any

from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
# The most characters an XLSX cell holds.
XLSX_CELL_LIMIT = 32_767
# Ends a text cut to fit a cell (English, then Traditional Chinese: the exports have no language).
XLSX_CUT_NOTE = (
    " [... cut: an Excel cell holds 32,767 characters; the CSV export has the whole text."
    " 已截斷：Excel 每格最多 32,767 字元，CSV 匯出載有全文。]"
)


def safe_cell(value: Any) -> Any:
    """Neutralise spreadsheet formulas in text; numbers and blanks pass unchanged."""
    if isinstance(value, str) and value.startswith(FORMULA_START):
        return "'" + value
    return value


def _utf16_units(value: str) -> int:
    return len(value.encode("utf-16-le")) // 2


def xlsx_text(value: str) -> str:
    """``value`` as an XLSX text cell: without the control characters XLSX cannot hold, then
    neutralised like ``safe_cell``; a text longer than a cell's limit is cut and ends with
    ``XLSX_CUT_NOTE`` (the start is kept, so the neutralisation holds)."""
    value = safe_cell(ILLEGAL_CHARACTERS_RE.sub("", value))
    # Fewer than half the limit in characters cannot reach it in UTF-16 units.
    if len(value) <= XLSX_CELL_LIMIT // 2 or _utf16_units(value) <= XLSX_CELL_LIMIT:
        return value
    room = XLSX_CELL_LIMIT - _utf16_units(XLSX_CUT_NOTE)
    kept = value[:room]
    while (excess := _utf16_units(kept) - room) > 0:
        kept = kept[: len(kept) - (excess + 1) // 2]
    return kept + XLSX_CUT_NOTE
