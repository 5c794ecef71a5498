"""Cells that spreadsheets open safely: the one rule for every CSV and XLSX the product writes.

A text that starts like a formula (``=``, ``+``, ``-``, ``@``, a tab or a carriage return) would
be run by Excel when the file is opened ("CSV injection"); it is written with a leading
apostrophe instead. Numbers and blanks pass unchanged.
"""

from __future__ import annotations

from typing import Any

from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
# The most characters an XLSX cell holds.
XLSX_CELL_LIMIT = 32_767


def safe_cell(value: Any) -> Any:
    """Neutralise spreadsheet formulas in text; numbers and blanks pass unchanged."""
    if isinstance(value, str) and value.startswith(FORMULA_START):
        return "'" + value
    return value


def xlsx_text(value: str) -> str:
    """``value`` without the control characters XLSX cannot hold, cut to a cell's limit."""
    return ILLEGAL_CHARACTERS_RE.sub("", value)[:XLSX_CELL_LIMIT]
