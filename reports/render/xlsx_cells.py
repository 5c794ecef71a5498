"""Cells of the streamed workbook: named styles made into formats once, values written typed."""

from __future__ import annotations

from typing import Any

from xlsxwriter import Workbook
from xlsxwriter.format import Format
from xlsxwriter.worksheet import Worksheet

from consultation.spreadsheet import safe_cell

# Cell styles by name; ``Styles`` turns a name and a number format into the workbook's format.
HEADER_FILL = "#DCE6F0"
TITLE_FONT = "title"
HEADING_FONT = "heading"
BOLD = "bold"
WRAP = "wrap"
HEADER = "header"
_STYLES: dict[str, dict[str, Any]] = {
    TITLE_FONT: {"bold": True, "font_size": 14, "font_color": "#1F3A5F"},
    HEADING_FONT: {"bold": True, "font_size": 11, "font_color": "#1F3A5F"},
    BOLD: {"bold": True},
    WRAP: {"text_wrap": True, "valign": "top"},
    HEADER: {"bold": True, "bg_color": HEADER_FILL, "text_wrap": True, "valign": "top"},
}


class Styles:
    """The workbook's cell formats, made once per style and number format."""

    def __init__(self, workbook: Workbook) -> None:
        self.workbook = workbook
        self._made: dict[tuple[str | None, str | None], Format] = {}

    def get(self, style: str | None = None, number: str | None = None) -> Format | None:
        if style is None and number is None:
            return None
        key = (style, number)
        if key not in self._made:
            properties = dict(_STYLES[style]) if style else {}
            if number:
                properties["num_format"] = number
            self._made[key] = self.workbook.add_format(properties)
        return self._made[key]


def write_cell(sheet: Worksheet, row: int, column: int, value: object, cell: Format | None) -> None:
    """One value, typed: text is always text (never a formula or a link); None and "" leave the
    cell empty."""
    if value is None or value == "":
        if cell is not None:
            sheet.write_blank(row, column, None, cell)
    elif isinstance(value, bool):
        sheet.write_boolean(row, column, value, cell)
    elif isinstance(value, int | float):
        sheet.write_number(row, column, value, cell)
    else:
        sheet.write_string(row, column, safe_cell(str(value)), cell)
