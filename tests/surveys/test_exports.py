"""CSV and XLSX exports: one row per submission, the same answers as the database, streamed."""

import io

import pandas as pd
import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.urls import reverse

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
    # The questions and their choices, then submissions, answers and theme tags, streamed
    # together in chunks of 2.
    with django_assert_num_queries(5):
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
