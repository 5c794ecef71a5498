"""Reading a public register that staff upload: a CSV of number, name, licence type and, when
the file says so, whether each firm is licensed or an applicant.

UTF-8 with or without a byte-order mark (as Excel saves it). The first row names the columns,
in English or Chinese, in any order; ``number`` and ``name`` are required. Every bad row is
reported with its line number and reason; a file with any is refused whole.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.core.exceptions import ValidationError
from django.utils.translation import gettext

from surveys.licensing.numbers import licence_number_normalised
from surveys.models import LicenceStatus

if TYPE_CHECKING:
    from _csv import Reader

# Registers hold a few thousand firms; a file far larger is not a register.
MAX_BYTES = 20 * 1024 * 1024
MAX_ROWS = 200_000
NAME_LENGTH = 300
TYPE_LENGTH = 200
# Accepted headings (compared lower-case, spaces and underscores alike) for each column.
HEADINGS = {
    "number": {"number", "ce number", "licence number", "license number", "編號", "中央編號"},
    "name": {"name", "firm name", "名稱", "機構名稱"},
    "licence_type": {"licence type", "license type", "type", "牌照類別", "類別"},
    "status": {"status", "狀況", "狀態"},
}
STATUS_VALUES = {
    "": LicenceStatus.LICENSED,
    "licensed": LicenceStatus.LICENSED,
    "licenced": LicenceStatus.LICENSED,
    "持牌": LicenceStatus.LICENSED,
    "applicant": LicenceStatus.APPLICANT,
    "申請人": LicenceStatus.APPLICANT,
}


@dataclass(frozen=True)
class RegisterRow:
    number: str
    name: str
    licence_type: str
    status: str


@dataclass(frozen=True)
class RowError:
    line: int  # 1 is the heading row; 0 for the file as a whole
    message: str


class RegisterInvalid(Exception):
    """The file cannot be the register: every reason found, nothing changed."""

    def __init__(self, errors: list[RowError]) -> None:
        super().__init__("; ".join(f"{e.line}: {e.message}" for e in errors))
        self.errors = errors


def _heading_key(text: str) -> str:
    return " ".join(text.replace("_", " ").split()).lower()


def register_rows_read(*, register: str, content: bytes) -> list[RegisterRow]:
    """The rows of ``content`` for ``register``; RegisterInvalid with every bad row otherwise."""
    if len(content) > MAX_BYTES:
        raise RegisterInvalid([RowError(0, gettext("The file is larger than 20 MB."))])
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise RegisterInvalid(
            [RowError(0, gettext("The file is not UTF-8 text: save it as CSV UTF-8."))]
        ) from None
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        heading = next(reader, None)
        columns = _columns(heading)
        return _rows(register, reader, columns)
    except csv.Error as error:
        raise RegisterInvalid(
            [RowError(reader.line_num, gettext("The file is not a valid CSV: %s") % error)]
        ) from None


def _columns(heading: list[str] | None) -> dict[str, int]:
    if not heading:
        raise RegisterInvalid([RowError(0, gettext("The file is empty."))])
    columns: dict[str, int] = {}
    for index, cell in enumerate(heading):
        key = _heading_key(cell)
        for column, names in HEADINGS.items():
            if key in names and column not in columns:
                columns[column] = index
    missing = [name for name in ("number", "name") if name not in columns]
    if missing:
        raise RegisterInvalid(
            [
                RowError(
                    1,
                    gettext("The first row must name the columns; missing: %s.")
                    % ", ".join(missing),
                )
            ]
        )
    return columns


def _rows(register: str, reader: Reader, columns: dict[str, int]) -> list[RegisterRow]:
    rows: list[RegisterRow] = []
    errors: list[RowError] = []
    seen: dict[str, int] = {}
    for cells in reader:
        line = reader.line_num
        if not any(cell.strip() for cell in cells):
            continue
        if len(rows) + len(errors) >= MAX_ROWS:
            errors.append(RowError(line, gettext("More than 200,000 rows: not a register.")))
            break

        def cell(name: str, cells: list[str] = cells) -> str:
            index = columns.get(name)
            return cells[index].strip() if index is not None and index < len(cells) else ""

        problems = []
        number = ""
        try:
            number = licence_number_normalised(register=register, number=cell("number"))
        except ValidationError as error:
            problems.extend(error.messages)
        name = cell("name")
        if not name:
            problems.append(gettext("The name is missing."))
        elif len(name) > NAME_LENGTH:
            problems.append(gettext("The name is longer than 300 characters."))
        licence_type = cell("licence_type")
        if len(licence_type) > TYPE_LENGTH:
            problems.append(gettext("The licence type is longer than 200 characters."))
        status = STATUS_VALUES.get(cell("status").lower())
        if status is None:
            problems.append(
                gettext("The status “%s” is neither “licensed” nor “applicant”.") % cell("status")
            )
        if number and number in seen:
            problems.append(
                gettext("The number %(number)s is also on line %(line)d.")
                % {"number": number, "line": seen[number]}
            )
        if problems:
            errors.extend(RowError(line, problem) for problem in problems)
            continue
        seen[number] = line
        rows.append(RegisterRow(number, name, licence_type, str(status)))
    if errors:
        raise RegisterInvalid(errors)
    if not rows:
        raise RegisterInvalid([RowError(0, gettext("The file has no rows under the heading."))])
    return rows


__all__ = ["RegisterInvalid", "RegisterRow", "RowError", "register_rows_read"]
