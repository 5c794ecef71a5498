"""The streamed workbook writer on its own: rows in, a workbook openpyxl reads back."""

from datetime import datetime
from decimal import Decimal

import pytest
from openpyxl import load_workbook

from consultation import xlsx_stream
from consultation.xlsx_stream import write_xlsx

HEADER = ["code", "note", "count", "when"]


def sheet_name(index: int) -> str:
    return f"Rows {index + 1}"


def write(path, rows, **options):
    return write_xlsx(
        str(path),
        sheet_names=sheet_name,
        header=HEADER,
        rows=iter(rows),
        text_columns=[1],
        sheet_rows=options.pop("sheet_rows", 1_048_576),
        **options,
    )


def read(path) -> dict[str, list[tuple]]:
    workbook = load_workbook(path)
    return {sheet.title: list(sheet.iter_rows(values_only=True)) for sheet in workbook}


def test_repeated_texts_are_written_alike_and_types_kept(tmp_path):
    moment = datetime(2026, 12, 6, 9, 30, 15)  # noqa: DTZ001 - the writer takes naive dates
    rows = [
        ["yes" if index % 2 else "=no", f"note {index} & <b>", index, moment]
        for index in range(3000)
    ]
    rows.append(["yes", "", Decimal("2.5"), None])
    out = tmp_path / "rows.xlsx"
    assert write(out, rows) == 3001
    sheet = read(out)["Rows 1"]
    assert sheet[0] == tuple(HEADER)
    assert sheet[1] == ("'=no", "note 0 & <b>", 0, moment)
    assert sheet[2] == ("yes", "note 1 & <b>", 1, moment)
    assert [row[0] for row in sheet[1:3001]] == ["'=no", "yes"] * 1500
    assert sheet[-1] == ("yes", None, 2.5, None)


def test_more_distinct_texts_than_are_kept_are_all_written(tmp_path, monkeypatch):
    monkeypatch.setattr(xlsx_stream, "_CACHED_VALUES", 5)
    rows = [[f"code {index % 40}", None, None, None] for index in range(200)]
    out = tmp_path / "many.xlsx"
    write(out, rows)
    assert [row[0] for row in read(out)["Rows 1"][1:]] == [row[0] for row in rows]


def test_a_respondent_s_text_of_control_characters_only_is_left_blank(tmp_path):
    out = tmp_path / "control.xlsx"
    write(out, [["a", "\x02\x03", 1, None], ["b", "\x01=x", 2, None]])
    assert read(out)["Rows 1"][1:] == [("a", None, 1, None), ("b", "'=x", 2, None)]


def test_rows_fill_one_sheet_after_another(tmp_path):
    rows = [[f"r{index}", None, index, None] for index in range(25)]
    out = tmp_path / "split.xlsx"
    assert write(out, rows, sheet_rows=11) == 25
    sheets = read(out)
    assert list(sheets) == ["Rows 1", "Rows 2", "Rows 3"]
    assert [len(rows) for rows in sheets.values()] == [11, 11, 6]
    written = [row[2] for sheet in sheets.values() for row in sheet[1:]]
    assert written == list(range(25))


def test_a_row_the_writer_cannot_write_stops_the_export_with_its_error(tmp_path):
    read_rows = []

    def rows():
        for index in range(1000):
            read_rows.append(index)
            yield [f"r{index}", None, object() if index == 5 else index, None]

    with pytest.raises(TypeError, match="no cell for a object"):
        write(tmp_path / "bad.xlsx", rows())
    assert len(read_rows) == 6  # the reading stopped at the row
    assert not (tmp_path / "bad.xlsx").exists()


def test_a_row_of_the_wrong_width_is_refused(tmp_path):
    with pytest.raises(ValueError, match="row of 2 values under a header of 4"):
        write(tmp_path / "short.xlsx", [["a", "b", 1, None], ["a", "b"]])


def test_a_boolean_is_written_as_its_number_whatever_came_before_it(tmp_path):
    out = tmp_path / "bools.xlsx"
    write(out, [["a", None, True, None], ["b", None, 1, None], ["c", None, False, None]])
    assert [row[2] for row in read(out)["Rows 1"][1:]] == [1, 1, 0]


def test_a_nul_in_a_text_is_not_taken_for_the_row_number(tmp_path):
    """The cells keep a NUL where the row number goes: a NUL in a text must not become one."""
    out = tmp_path / "nul.xlsx"
    write(out, [["a\x00b", "c\x00d", 1, None], ["a\x00b", "=\x00", 2, None]])
    rows = read(out)["Rows 1"][1:]
    assert [row[0] for row in rows] == ["a_x0000_b", "a_x0000_b"]  # as XlsxWriter escapes it
    assert [row[1] for row in rows] == ["cd", "'="]  # a respondent's text loses it
