"""CSV and XLSX exports: one row per submission, the same answers as the database, streamed."""

import csv
import io
import re
from datetime import datetime

import pandas as pd
import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.urls import reverse

from consultation.spreadsheet import XLSX_CELL_LIMIT, XLSX_CUT_NOTE, safe_cell, xlsx_text
from surveys import exports
from surveys.models import Answer, QuestionKind, Submission
from tests.factories import (
    AnswerFactory,
    CampaignGroupFactory,
    ChoiceFactory,
    ConsultationFactory,
    QuestionFactory,
    SectionFactory,
    SubmissionFactory,
    ThemeFactory,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def paper():
    """A consultation with one question of each kind, and three answered submissions."""
    consultation = ConsultationFactory(slug="otc")
    section = SectionFactory(consultation=consultation)

    def question(code, kind, order):
        return QuestionFactory(section=section, code=code, kind=kind, order=order)

    q1 = question("Q1", QuestionKind.SINGLE, 1)
    yes, no = (ChoiceFactory(question=q1, value=v, order=i) for i, v in enumerate(["yes", "no"]))
    q2 = question("Q2", QuestionKind.MULTIPLE, 2)
    shop, atm, app = (
        ChoiceFactory(question=q2, value=v, order=i) for i, v in enumerate(["shop", "atm", "app"])
    )
    q3 = question("Q3", QuestionKind.NUMBER, 3)
    q4 = question("Q4", QuestionKind.TEXT, 4)
    group = CampaignGroupFactory(consultation=consultation, label="C1")
    theme = ThemeFactory(consultation=consultation, name_en="Cost")

    org = SubmissionFactory(
        consultation=consultation,
        submitted=True,
        respondent_type="organisation",
        organisation_name="Jade Coin Ltd",
        contact_name="陳大文",
        email="chan@jade.example",
        client_address="203.0.113.9",
        consent="name_and_response",
        review_status="accepted",
        campaign_group=group,
    )
    person = SubmissionFactory(
        consultation=consultation,
        submitted=True,
        organisation_name="My employer",
        contact_name="Lee Siu Ming",
        email="lee@example.com",
        review_status="excluded",
        exclusion_reason="spam",
    )
    silent = SubmissionFactory(consultation=consultation, submitted=True, is_late=True)
    SubmissionFactory(consultation=consultation)  # a draft: never exported

    def give(submission, q, **values):
        return AnswerFactory(submission=submission, question=q, **values)

    give(org, q1, choice=yes)
    give(org, q2, choice=shop, multiple=True)
    give(org, q2, choice=app, multiple=True)
    give(org, q3, number=5_000_000)
    give(org, q4, text='=HYPERLINK("http://evil")  Too costly.').themes.add(theme)
    give(person, q1, choice=no)
    give(person, q2, choice=atm, multiple=True)
    give(person, q4, text="成本太高。\n第二段。")
    return {"consultation": consultation, "org": org, "person": person, "silent": silent}


def read_csv(text: str) -> pd.DataFrame:
    return pd.read_csv(io.StringIO(text), dtype=str, keep_default_na=False)


def csv_text(consultation, personal=False) -> str:
    return "".join(exports.export_csv_lines(consultation=consultation, personal=personal))


def test_header_has_respondent_review_and_question_columns(paper):
    header = exports.export_header(consultation=paper["consultation"], personal=False)
    assert header[:3] == ["reference", "state", "submitted_at_hkt"]
    assert header[-8:] == [
        "campaign_group",
        "Q1",
        "Q2__shop",
        "Q2__atm",
        "Q2__app",
        "Q3",
        "Q4",
        "Q4__themes",
    ]
    assert not {"contact_name", "email", "client_address"} & set(header)
    personal = exports.export_header(consultation=paper["consultation"], personal=True)
    assert {"contact_name", "email", "client_address"} <= set(personal)


def test_csv_has_one_row_per_sent_submission_with_the_database_answers(paper):
    frame = read_csv(csv_text(paper["consultation"]))
    assert list(frame["reference"]) == [paper[k].reference for k in ("org", "person", "silent")]
    org, person, silent = frame.to_dict("records")
    assert (org["Q1"], org["Q2__shop"], org["Q2__atm"], org["Q2__app"]) == ("yes", "1", "0", "1")
    assert (org["Q3"], org["Q4__themes"], org["campaign_group"]) == ("5000000", "Cost", "C1")
    assert (person["Q1"], person["Q2__shop"], person["Q2__atm"]) == ("no", "0", "1")
    assert person["Q4"] == "成本太高。\n第二段。"
    assert (person["review_status"], person["exclusion_reason"]) == ("excluded", "spam")
    # Not answered at all: empty, not 0.
    assert (silent["Q1"], silent["Q2__shop"], silent["Q4"], silent["late"]) == ("", "", "", "1")


def test_csv_and_database_agree_on_every_answer(paper):
    frame = read_csv(csv_text(paper["consultation"])).set_index("reference")
    for answer in Answer.objects.select_related("submission", "question", "choice"):
        row = frame.loc[answer.submission.reference]
        if answer.question.kind == QuestionKind.MULTIPLE:
            assert row[f"{answer.question.code}__{answer.choice.value}"] == "1"
        elif answer.question.kind == QuestionKind.TEXT:
            assert row[answer.question.code].endswith(answer.text.lstrip("="))
        elif answer.question.kind == QuestionKind.NUMBER:
            assert int(row[answer.question.code]) == answer.number
        else:
            assert row[answer.question.code] == answer.choice.value


def test_personal_columns_only_when_asked(paper):
    plain = read_csv(csv_text(paper["consultation"]))
    assert "chan@jade.example" not in plain.to_csv()
    assert "Lee Siu Ming" not in plain.to_csv()
    # An organisation's name is not personal data; an individual's employer is.
    assert list(plain["organisation_name"]) == ["Jade Coin Ltd", "", ""]
    full = read_csv(csv_text(paper["consultation"], personal=True))
    assert list(full["email"])[:2] == ["chan@jade.example", "lee@example.com"]
    assert list(full["organisation_name"])[:2] == ["Jade Coin Ltd", "My employer"]
    assert full["client_address"][0] == "203.0.113.9"


def test_formulas_are_neutralised(paper):
    frame = read_csv(csv_text(paper["consultation"]))
    assert frame["Q4"][0].startswith("'=HYPERLINK")
    assert exports.safe_cell("+1") == "'+1"
    assert exports.safe_cell("@SUM(A1)") == "'@SUM(A1)"
    assert exports.safe_cell("\tx") == "'\tx"
    assert exports.safe_cell(-5) == -5
    assert exports.safe_cell("Plain") == "Plain"


def test_xlsx_opens_in_pandas_with_the_same_rows_as_csv(paper, tmp_path):
    path = tmp_path / "otc.xlsx"
    assert (
        exports.export_xlsx(consultation=paper["consultation"], personal=False, out=str(path)) == 3
    )
    sheet = pd.read_excel(path, sheet_name="Submissions", dtype=str, keep_default_na=False)
    frame = read_csv(csv_text(paper["consultation"]))
    assert list(sheet.columns) == list(frame.columns)
    for column in ("reference", "Q1", "Q2__shop", "Q2__app", "Q3", "Q4", "review_status"):
        assert list(sheet[column]) == list(frame[column]), column
    questions = pd.read_excel(path, sheet_name="Questions")
    assert list(questions["code"]) == ["Q1", "Q2", "Q3", "Q4"]


@pytest.mark.parametrize("extra", [0, 30])
def test_rows_cost_a_fixed_number_of_queries_whatever_the_size(
    paper, django_assert_num_queries, extra
):
    consultation = paper["consultation"]
    for submission in SubmissionFactory.create_batch(
        extra, consultation=consultation, submitted=True
    ):
        AnswerFactory(
            submission=submission, question=consultation.questions.get(code="Q4"), text="x"
        )
    # The questions and their choices, the range of the submission ids, then submissions,
    # answers and theme tags, streamed together in chunks of 2.
    with django_assert_num_queries(6):
        rows = list(exports.export_rows(consultation=consultation, personal=False, chunk=2))
    assert len(rows) == 3 + extra


def test_answers_of_unselected_submissions_are_skipped_in_the_merge(paper):
    selection = Submission.objects.filter(pk__in=[paper["org"].pk, paper["silent"].pk])
    rows = list(
        exports.export_rows(
            consultation=paper["consultation"], personal=False, submissions=selection, chunk=1
        )
    )
    header = exports.export_header(consultation=paper["consultation"], personal=False)
    by_column = [dict(zip(header, row, strict=True)) for row in rows]
    assert [r["reference"] for r in by_column] == [
        paper["org"].reference,
        paper["silent"].reference,
    ]
    assert [r["Q1"] for r in by_column] == ["yes", None]


def test_a_selection_exports_only_those_rows(paper):
    selection = Submission.objects.filter(pk=paper["person"].pk)
    lines = list(
        exports.export_csv_lines(
            consultation=paper["consultation"], personal=False, submissions=selection
        )
    )
    assert len(lines) == 2
    assert paper["person"].reference in lines[1]


class TestCommand:
    def test_csv_file(self, paper, tmp_path, capsys):
        out = tmp_path / "otc.csv"
        call_command("export_responses", "otc", "--format", "csv", "--out", str(out))
        assert "3 submissions of otc" in capsys.readouterr().out
        frame = pd.read_csv(out, dtype=str, keep_default_na=False)
        assert len(frame) == 3
        assert "email" not in frame.columns

    def test_xlsx_file_with_personal_data(self, paper, tmp_path):
        out = tmp_path / "otc.xlsx"
        call_command(
            "export_responses", "otc", "--format", "xlsx", "--out", str(out), "--with-personal-data"
        )
        frame = pd.read_excel(out, dtype=str, keep_default_na=False)
        assert list(frame["email"])[:2] == ["chan@jade.example", "lee@example.com"]

    def test_clear_errors(self, paper, tmp_path):
        with pytest.raises(CommandError, match="No consultation"):
            call_command("export_responses", "nope", "--out", str(tmp_path / "x.csv"))
        with pytest.raises(CommandError, match="does not exist"):
            call_command("export_responses", "otc", "--out", str(tmp_path / "no" / "x.csv"))


class TestAdminDownloads:
    def url(self, paper, fmt, personal=False):
        url = reverse("admin:surveys_consultation_export", args=[paper["consultation"].pk, fmt])
        return url + ("?personal=1" if personal else "")

    def test_reviewer_downloads_csv_without_personal_data(self, client, paper, reviewer):
        client.force_login(reviewer)
        response = client.get(self.url(paper, "csv"))
        assert response.status_code == 200
        assert response["Content-Type"].startswith("text/csv")
        assert "attachment" in response["Content-Disposition"]
        body = b"".join(response.streaming_content).decode("utf-8-sig")
        assert len(read_csv(body)) == 3
        assert "chan@jade.example" not in body
        assert client.get(self.url(paper, "csv", personal=True)).status_code == 403

    def test_personal_data_for_those_allowed(self, client, paper, personal_reviewer):
        client.force_login(personal_reviewer)
        response = client.get(self.url(paper, "xlsx", personal=True))
        assert response.status_code == 200
        frame = pd.read_excel(io.BytesIO(b"".join(response.streaming_content)), dtype=str)
        assert "chan@jade.example" in set(frame["email"])

    def test_editors_and_unknown_formats_are_refused(self, client, paper, editor, reviewer):
        client.force_login(editor)
        assert client.get(self.url(paper, "csv")).status_code == 403
        client.force_login(reviewer)
        assert client.get(self.url(paper, "pdf")).status_code == 404


def excel_text(value):
    """Text as Excel reads it: ``_xHHHH_`` is the character HHHH (how XLSX keeps a carriage
    return, ``_x005F_`` an underscore), which openpyxl leaves as it is."""
    if not isinstance(value, str):
        return value
    return re.sub(r"_x([0-9A-Fa-f]{4})_", lambda match: chr(int(match.group(1), 16)), value)


def xlsx_sheets(out) -> dict[str, list[list]]:
    """Every sheet of a workbook read back by openpyxl: rows of values, padded to the header."""
    from openpyxl import load_workbook

    workbook = load_workbook(out)
    sheets = {}
    for sheet in workbook:
        rows = [[excel_text(v) for v in row] for row in sheet.iter_rows(values_only=True)]
        width = len(rows[0])
        sheets[sheet.title] = [row + [None] * (width - len(row)) for row in rows]
    return sheets


# The columns whose text comes from respondents or reviewers.
TEXT_COLUMNS = {
    "category_other",
    "organisation_name",
    "contact_name",
    "email",
    "general_comments",
    "Q4",
    "Q4__themes",
}


def as_csv_field(value) -> str:
    """An XLSX cell as the CSV export writes the same value."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.isoformat(sep=" ")
    return str(value)


def csv_rows(consultation, personal=False) -> list[list[str]]:
    return list(csv.reader(io.StringIO(csv_text(consultation, personal).lstrip("\ufeff"))))


def add_submissions(consultation, count):
    """``count`` more sent submissions, each with an answer: text, a choice and a number."""
    q1, q3, q4 = (consultation.questions.get(code=code) for code in ("Q1", "Q3", "Q4"))
    yes = q1.choices.get(value="yes")
    for index, submission in enumerate(
        SubmissionFactory.create_batch(count, consultation=consultation, submitted=True)
    ):
        AnswerFactory(submission=submission, question=q4, text=f"Answer {index} & <more>")
        AnswerFactory(submission=submission, question=q1, choice=yes)
        AnswerFactory(submission=submission, question=q3, number=index)


@pytest.mark.parametrize("personal", [False, True])
def test_xlsx_past_the_row_limit_goes_on_to_further_sheets_each_with_its_header(
    paper, tmp_path, personal
):
    consultation = paper["consultation"]
    add_submissions(consultation, 7)  # 10 submissions: sheets of 3 rows hold 2 each
    out = tmp_path / "split.xlsx"
    written = exports.export_xlsx(
        consultation=consultation, personal=personal, out=str(out), sheet_rows=3
    )
    assert written == 10
    sheets = xlsx_sheets(out)
    names = ["Submissions", *(f"Submissions ({n})" for n in range(2, 6))]
    assert list(sheets) == [*names, "Questions"]
    expected = csv_rows(consultation, personal)
    header = exports.export_header(consultation=consultation, personal=personal)
    assert expected[0] == header
    assert ("email" in header) is personal
    rows = []
    for name in names:
        assert sheets[name][0] == header
        assert len(sheets[name]) == 3
        rows += sheets[name][1:]
    # Every submission once, in order, each value as in the CSV export.
    assert [[as_csv_field(v) for v in row] for row in rows] == expected[1:]


def test_a_full_last_sheet_starts_no_empty_one(paper, tmp_path):
    out = tmp_path / "exact.xlsx"
    assert (
        exports.export_xlsx(
            consultation=paper["consultation"], personal=False, out=str(out), sheet_rows=4
        )
        == 3
    )
    assert list(xlsx_sheets(out)) == ["Submissions", "Questions"]


def test_an_empty_consultation_has_the_header_only(tmp_path):
    consultation = ConsultationFactory(slug="empty")
    out = tmp_path / "empty.xlsx"
    assert exports.export_xlsx(consultation=consultation, personal=False, out=str(out)) == 0
    sheets = xlsx_sheets(out)
    assert sheets["Submissions"] == [
        exports.export_header(consultation=consultation, personal=False)
    ]


HOSTILE = [
    "=1+2",
    "+1",
    "-1",
    "@SUM(A1)",
    "\tTabbed",
    "\r=cmd",
    "\x01=hidden start",
    "<b>bold</b> & 'quoted' \"double\"",
    "_x000D_ literal escape",
    "  spaces kept  ",
    "line one\r\nline two\nline three",
    "中文意見：成本太高，第二段。😀",
]


def test_xlsx_text_cells_match_the_csv_neutralised_and_typed(paper, tmp_path):
    consultation = paper["consultation"]
    q4 = consultation.questions.get(code="Q4")
    for text in HOSTILE:
        submission = SubmissionFactory(
            consultation=consultation, submitted=True, organisation_name=text
        )
        AnswerFactory(submission=submission, question=q4, text=text)
    out = tmp_path / "text.xlsx"
    exports.export_xlsx(consultation=consultation, personal=False, out=str(out))
    sheet = xlsx_sheets(out)["Submissions"]
    header = sheet[0]
    expected = csv_rows(consultation)
    # The CSV keeps control characters XLSX cannot hold; the XLSX drops them (and only them),
    # then neutralises what they hid.
    csv_fields = [[safe_cell(field.replace("\x01", "")) for field in row] for row in expected[1:]]
    assert [[as_csv_field(v) for v in row] for row in sheet[1:]] == csv_fields
    texts = [row[header.index("Q4")] for row in sheet[1:]]
    assert not any(t.startswith(("=", "+", "-", "@", "\t", "\r")) for t in texts if t)
    assert "'=1+2" in texts and "'\r=cmd" in texts and "'=hidden start" in texts
    assert "中文意見：成本太高，第二段。😀" in texts
    assert "line one\r\nline two\nline three" in texts
    # Dates are dates, numbers numbers.
    first = sheet[1]
    assert isinstance(first[header.index("submitted_at_hkt")], datetime)
    assert first[header.index("Q3")] == 5_000_000
    assert first[header.index("late")] == 0


def test_a_text_past_a_cell_s_limit_is_cut_with_a_note_and_whole_in_the_csv(paper, tmp_path):
    consultation = paper["consultation"]
    long = "長" * 20_000 + "a" * 20_000 + "END"
    submission = SubmissionFactory(consultation=consultation, submitted=True)
    AnswerFactory(submission=submission, question=consultation.questions.get(code="Q4"), text=long)
    out = tmp_path / "long.xlsx"
    exports.export_xlsx(consultation=consultation, personal=False, out=str(out))
    sheet = xlsx_sheets(out)["Submissions"]
    cell = sheet[-1][sheet[0].index("Q4")]
    assert len(cell) == XLSX_CELL_LIMIT
    assert cell.endswith(XLSX_CUT_NOTE)
    assert long.startswith(cell.removesuffix(XLSX_CUT_NOTE))
    assert csv_rows(consultation)[-1][sheet[0].index("Q4")] == long


def test_the_streamed_rows_read_back_as_xlsxwriter_writes_them(paper, tmp_path):
    """The spliced rows against the same cells written one by one through XlsxWriter."""
    import xlsxwriter

    consultation = paper["consultation"]
    q4 = consultation.questions.get(code="Q4")
    for text in HOSTILE:
        AnswerFactory(
            submission=SubmissionFactory(consultation=consultation, submitted=True),
            question=q4,
            text=text,
        )
    ours = tmp_path / "ours.xlsx"
    exports.export_xlsx(consultation=consultation, personal=True, out=str(ours))
    reference = tmp_path / "reference.xlsx"
    workbook = xlsxwriter.Workbook(str(reference), {"constant_memory": True})
    sheet = workbook.add_worksheet("Submissions")
    moment = workbook.add_format({"num_format": "yyyy-mm-dd hh:mm:ss"})
    header = exports.export_header(consultation=consultation, personal=True)
    text_columns = {i for i, name in enumerate(header) if name in TEXT_COLUMNS}
    sheet.write_row(0, 0, header)
    rows = exports.export_rows(consultation=consultation, personal=True)
    for line, row in enumerate(rows, start=1):
        for column, value in enumerate(row):
            if value is None or value == "":
                continue
            if isinstance(value, datetime):
                sheet.write_datetime(line, column, value, moment)
            elif isinstance(value, str):
                text = xlsx_text(value) if column in text_columns else value
                sheet.write_string(line, column, text)
            else:
                sheet.write_number(line, column, value)
    workbook.close()
    assert xlsx_sheets(ours)["Submissions"] == xlsx_sheets(reference)["Submissions"]
