"""The workbook's "Register" sheet: one row per response, counted or left out, and why.

Staff follow a figure back to the responses behind it here (the staff page links each count to
its list). References only, no names: a reference identifies a response to staff and to its own
respondent, nobody else. More rows than a sheet holds continue on "Register (2)" and so on.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from django.utils.translation import gettext, pgettext
from openpyxl import Workbook
from openpyxl.styles import Font, PatternFill

from consultation.spreadsheet import safe_cell
from reports.render import labels
from reports.summary.register import CHANNEL_WEB, RegisterRow

# Excel's limit is 1,048,576 rows a sheet; a round number below it, with room for the header.
ROWS_PER_SHEET = 1_000_000
_HEADER_FILL = PatternFill("solid", fgColor="DCE6F0")
_BOLD = Font(bold=True)
_WIDTHS = {"A": 16, "B": 22, "C": 12, "D": 34, "E": 12, "F": 12, "G": 10, "H": 12}


def register_sheets(
    workbook: Workbook, rows: Sequence[RegisterRow], *, per_sheet: int = ROWS_PER_SHEET
) -> None:
    """Append the register of ``rows`` (in the active language) to ``workbook``."""
    header = (
        gettext("Reference"),
        gettext("Submitted (HKT)"),
        gettext("Counted"),
        gettext("Left out because"),
        gettext("Campaign group"),
        gettext("Campaign confirmed"),
        gettext("Late"),
        gettext("Channel"),
    )
    yes, no = gettext("Yes"), gettext("No")
    channels = {CHANNEL_WEB: gettext("Web form")}
    parts = max(1, -(-len(rows) // per_sheet))
    for part in range(parts):
        title = gettext("Register") if part == 0 else f"{gettext('Register')} ({part + 1})"
        sheet = workbook.create_sheet(title[:31])
        for column, width in _WIDTHS.items():
            sheet.column_dimensions[column].width = width
        sheet.append(header)
        for cell in sheet[1]:
            cell.font = _BOLD
            cell.fill = _HEADER_FILL
        sheet.freeze_panes = "A2"
        for row in rows[part * per_sheet : (part + 1) * per_sheet]:
            sheet.append(
                (
                    safe_cell(row.reference),
                    _hkt(row.submitted_at),
                    yes if row.counted else no,
                    labels.exclusion_label(row.left_out) if row.left_out else "",
                    safe_cell(row.campaign) if row.campaign else "",
                    (yes if row.campaign_confirmed else pgettext("campaign", "No, suggested"))
                    if row.campaign
                    else "",
                    yes if row.is_late else no,
                    channels.get(row.channel, row.channel),
                )
            )
        for (cell,) in sheet.iter_rows(min_row=2, min_col=2, max_col=2):
            cell.number_format = "yyyy-mm-dd hh:mm"


def _hkt(moment: dt.datetime | None) -> dt.datetime | None:
    # Excel stores no time zone: the time as read on a clock in Hong Kong.
    return moment.astimezone(labels.HKT).replace(tzinfo=None) if moment else None
