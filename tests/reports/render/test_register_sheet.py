"""The workbook's register: one row per response, continued on further sheets past the limit."""

from __future__ import annotations

import datetime as dt

from django.utils import translation
from openpyxl import load_workbook
from xlsxwriter import Workbook

from reports.render.xlsx_cells import Styles
from reports.render.xlsx_register import register_sheets
from reports.summary.register import RegisterRow

SUBMITTED = dt.datetime(2026, 4, 12, 15, 59, tzinfo=dt.UTC)  # 23:59 in Hong Kong


def _rows(n: int) -> list[RegisterRow]:
    return [
        RegisterRow(
            submission_id=pk,
            reference=f"OTC-{pk:06d}",
            submitted_at=SUBMITTED,
            left_out="spam" if pk % 3 == 0 else "",
            campaign="C1" if pk % 2 == 0 else None,
            campaign_confirmed=pk % 4 == 0,
            is_late=pk == 5,
        )
        for pk in range(1, n + 1)
    ]


def _written(tmp_path, rows, language, **kwargs):
    path = tmp_path / "register.xlsx"
    workbook = Workbook(str(path), {"constant_memory": True})
    with translation.override(language):
        register_sheets(workbook, Styles(workbook), rows, **kwargs)
    workbook.close()
    return load_workbook(path)


def test_rows_past_a_sheet_continue_on_the_next_in_order(tmp_path):
    workbook = _written(tmp_path, _rows(5), "en", per_sheet=2)
    names = workbook.sheetnames
    assert names == ["Register", "Register (2)", "Register (3)"]
    references = [
        row[0] for name in names for row in workbook[name].iter_rows(min_row=2, values_only=True)
    ]
    assert references == [f"OTC-{pk:06d}" for pk in range(1, 6)]
    first = list(workbook["Register"].iter_rows(min_row=2, values_only=True))
    assert first[0][1].isoformat() == "2026-04-12T23:59:00"  # Hong Kong time, as Excel shows it
    assert first[0][2:4] == ("Yes", None)
    assert first[1][4:6] == ("C1", "No, suggested")
    third = list(workbook["Register (2)"].iter_rows(min_row=2, values_only=True))[0]
    assert third[2:4] == ("No", "Spam")
    late = list(workbook["Register (3)"].iter_rows(min_row=2, values_only=True))[0]
    assert late[0] == "OTC-000005" and late[6] == "Yes"


def test_the_register_is_written_in_the_editions_language(tmp_path):
    workbook = _written(tmp_path, _rows(1), "zh-hant")
    header = next(workbook.worksheets[0].iter_rows(values_only=True))
    assert all(any("\u4e00" <= ch <= "\u9fff" for ch in str(cell)) for cell in header[1:7])
