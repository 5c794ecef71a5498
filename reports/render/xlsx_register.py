"""The workbook's "Register" sheet: one row per response, counted or left out, and why.

Staff follow a figure back to the responses behind it here (the staff page links each count to
its list). References only, no names: a reference identifies a response to staff and to its own
respondent, nobody else. More rows than a sheet holds continue on "Register (2)" and so on.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from django.utils.translation import gettext, pgettext
from xlsxwriter import Workbook

from consultation.spreadsheet import safe_cell
from reports.render import headline, labels
from reports.render.xlsx_cells import HEADER, Styles, write_cell
from reports.summary.register import RegisterRow

# Excel's limit is 1,048,576 rows a sheet; a round number below it, with room for the header.
ROWS_PER_SHEET = 1_000_000
_WIDTHS = (16, 18, 10, 34, 16, 18, 8, 12, 12)
_DATE = "yyyy-mm-dd hh:mm"
_HKT_OFFSET = dt.timedelta(hours=8)


def register_sheets(
    workbook: Workbook,
    styles: Styles,
    rows: Sequence[RegisterRow],
    *,
    per_sheet: int = ROWS_PER_SHEET,
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
        gettext("Signatories"),
    )
    yes, no = gettext("Yes"), gettext("No")
    suggested = pgettext("campaign", "No, suggested")
    channels: dict[str, str] = {}
    reasons: dict[str, str] = {}
    date = styles.get(number=_DATE)
    parts = max(1, -(-len(rows) // per_sheet))
    for part in range(parts):
        title = gettext("Register") if part == 0 else f"{gettext('Register')} ({part + 1})"
        sheet = workbook.add_worksheet(title[:31])
        for column, width in enumerate(_WIDTHS):
            sheet.set_column(column, column, width)
        sheet.freeze_panes(1, 0)
        for column, value in enumerate(header):
            write_cell(sheet, 0, column, value, styles.get(HEADER))
        # The hot loop of a large consultation (nine cells a response): the sheet's own typed
        # writers, each text made once. References and labels are written as text, never as a
        # formula (a campaign label passes the formula guard; references are letters and digits).
        write, when = sheet.write_string, sheet.write_datetime
        for index, row in enumerate(rows[part * per_sheet : (part + 1) * per_sheet], start=1):
            write(index, 0, row.reference)
            if row.submitted_at is not None:
                when(index, 1, _hkt(row.submitted_at), date)
            if row.left_out:
                write(index, 2, no)
                if row.left_out not in reasons:
                    reasons[row.left_out] = labels.exclusion_label(row.left_out)
                write(index, 3, reasons[row.left_out])
            else:
                write(index, 2, yes)
            if row.campaign:
                write(index, 4, safe_cell(row.campaign))
                write(index, 5, yes if row.campaign_confirmed else suggested)
            write(index, 6, yes if row.is_late else no)
            if row.channel not in channels:
                channels[row.channel] = headline.channel_label(row.channel)
            write(index, 7, channels[row.channel])
            # The respondents the record counts for in every total (a petition's signatories).
            sheet.write_number(index, 8, row.weight)


def _hkt(moment: dt.datetime) -> dt.datetime:
    # Excel stores no time zone: the time as read on a clock in Hong Kong (a fixed +8 hours:
    # Hong Kong has kept no summer time since 1979).
    return moment.astimezone(dt.UTC).replace(tzinfo=None) + _HKT_OFFSET
