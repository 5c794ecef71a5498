"""The output formats of one summary: summary.json, the CSV, the workbook and the PDF editions.

The summary is that of the hand-made consultation (tests/reports/datasets.py), whose figures are
written out in test_aggregate.py. Each PDF edition is typeset once per module: it takes seconds.
"""

import csv
import datetime as dt
import json
import re
import shutil
import subprocess

import pytest
from openpyxl import load_workbook

from reports.render import FORMATS, render
from reports.render.json import summary_to_dict
from reports.summary.compute import summarise
from tests.reports.summary.datasets import CONFIDENTIAL_TEXT, handmade_inputs

GENERATED = dt.datetime(2026, 4, 13, 9, 0, tzinfo=dt.UTC)
POPPLER = shutil.which("pdftotext") and shutil.which("pdffonts")
needs_poppler = pytest.mark.skipif(not POPPLER, reason="poppler-utils is not installed")


@pytest.fixture(scope="module")
def summary():
    return summarise(handmade_inputs(), generated_at=GENERATED)


@pytest.fixture(scope="module")
def outputs(tmp_path_factory, summary):
    directory = tmp_path_factory.mktemp("report")
    return {
        (language, fmt): render(summary=summary, language=language, fmt=fmt, directory=directory)
        for language in ("en", "zh-hant")
        for fmt in FORMATS
        if fmt != "pdf" or language == "en"
    } | {
        ("zh-hant", "pdf"): render(
            summary=summary, language="zh-hant", fmt="pdf", directory=directory
        )
    }


def _text(path) -> str:
    return subprocess.run(  # noqa: S603 - fixed arguments, a file we wrote
        ["pdftotext", "-layout", str(path), "-"],  # noqa: S607
        capture_output=True,
        check=True,
        text=True,
    ).stdout


def _fonts(path) -> list[list[str]]:
    lines = subprocess.run(  # noqa: S603
        ["pdffonts", str(path)],  # noqa: S607
        capture_output=True,
        check=True,
        text=True,
    ).stdout.splitlines()[2:]
    return [line.split() for line in lines]


def test_file_names(outputs):
    assert outputs[("en", "json")].name == "otc-test-summary.json"
    assert outputs[("en", "csv")].name == "otc-test-summary.csv"
    assert outputs[("en", "xlsx")].name == "otc-test-summary-en.xlsx"
    assert outputs[("zh-hant", "pdf")].name == "otc-test-summary-zh-hant.pdf"


def test_unknown_format_or_language_is_refused(summary, tmp_path):
    with pytest.raises(ValueError, match="Unknown report format 'docx'"):
        render(summary=summary, language="en", fmt="docx", directory=tmp_path)
    with pytest.raises(ValueError, match="Unknown report language 'fr'"):
        render(summary=summary, language="fr", fmt="json", directory=tmp_path)
    assert list(tmp_path.iterdir()) == []


def test_json_has_the_documented_schema(outputs, summary):
    data = json.loads(outputs[("en", "json")].read_text(encoding="utf-8"))
    assert data == json.loads(json.dumps(summary_to_dict(summary)))
    assert {"consultation", "generated_at", "snapshot", "respondents", "questions"} <= set(data)
    assert set(data["snapshot"]) == {
        "count",
        "sha256",
        "as_of",
        "excluded",
        "excluded_other_reasons",
    }
    assert {"total", "by_category", "by_type"} <= set(data["respondents"])
    assert set(data["respondents"]["by_type"]) == {"individual", "organisation"}
    for question in data["questions"]:
        assert {
            "code",
            "kind",
            "answered",
            "not_answered",
            "counts",
            "by_category",
        } <= set(question)
    q1 = data["questions"][0]
    assert q1["counts"] == {
        "strongly_agree": 1,
        "agree": 4,
        "neutral": 0,
        "disagree": 1,
        "strongly_disagree": 1,
    }
    assert data["generated_at"] == "2026-04-13T09:00:00+00:00"


def test_json_never_carries_confidential_text(outputs):
    raw = outputs[("en", "json")].read_text(encoding="utf-8")
    assert CONFIDENTIAL_TEXT not in raw
    assert "Protect retail investors now" not in raw  # a campaign text is not quoted


def test_csv_holds_every_count(outputs):
    with outputs[("en", "csv")].open(encoding="utf-8-sig", newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert list(rows[0]) == [
        "question",
        "kind",
        "category",
        "row",
        "value",
        "label_en",
        "label_zh",
        "count",
        "share",
    ]
    overall = {
        (row["question"], row["row"], row["value"]): row for row in rows if row["category"] == "all"
    }
    assert overall[("Q1", "choice", "agree")]["count"] == "4"
    assert overall[("Q1", "choice", "agree")]["label_zh"] == "同意"
    assert overall[("Q1", "choice", "agree")]["share"] == "0.571429"
    assert overall[("Q1", "answered", "")]["count"] == "7"
    assert overall[("Q1", "not_answered", "")]["count"] == "1"
    assert overall[("Q2", "choice", "shop")]["count"] == "4"
    assert overall[("Q5", "answered", "")]["count"] == "5"
    assert overall[("Q7", "not_answered", "")]["count"] == "1"
    bank = {
        (row["question"], row["row"], row["value"]): row["count"]
        for row in rows
        if row["category"] == "bank"
    }
    assert bank[("Q2", "choice", "online")] == "2"
    assert bank[("Q1", "not_answered", "")] == "0"
    assert bank[("Q5", "answered", "")] == "2"


def test_workbook_has_a_summary_sheet_and_one_sheet_per_question(outputs):
    workbook = load_workbook(outputs[("en", "xlsx")])
    assert workbook.sheetnames == ["Summary", "Q1", "Q2", "Q3", "Q4", "Q5", "Q6", "Q7"]
    summary_rows = [row[:5] for row in workbook["Summary"].iter_rows(values_only=True)]
    assert ("Submissions counted", 8, None, None, None) in summary_rows
    assert ("Member of the public", 4, 0, 4, 0.5) in summary_rows
    q1 = [row[:4] for row in workbook["Q1"].iter_rows(values_only=True)]
    assert ("Agree", 4, pytest.approx(4 / 7), None) in q1
    assert ("Not answered", 1, None, None) in q1
    # The cross-tab: category, each choice, answered, not answered, total.
    crosstab = [row for row in workbook["Q1"].iter_rows(values_only=True) if row[0] == "Bank"]
    assert crosstab[0][:8] == ("Bank", 0, 1, 0, 1, 0, 2, 0)


def test_workbook_holds_no_personal_data(outputs):
    for language in ("en", "zh-hant"):
        workbook = load_workbook(outputs[(language, "xlsx")])
        cells = {
            str(value)
            for sheet in workbook
            for row in sheet.iter_rows(values_only=True)
            for value in row
            if value is not None
        }
        text = "\n".join(cells)
        for private in ("Chan Tai Man", "Harbour Bank Limited", CONFIDENTIAL_TEXT, "segregated"):
            assert private not in text


def test_chinese_workbook_uses_chinese_content_labels(outputs):
    workbook = load_workbook(outputs[("zh-hant", "xlsx")])
    q1 = [row[0] for row in workbook["Q1"].iter_rows(values_only=True)]
    assert "同意" in q1 and "非常不同意" in q1
    assert any("應否規管場外交易" in str(value) for value in q1)


@needs_poppler
def test_english_pdf_holds_headings_codes_and_counts(outputs):
    text = _text(outputs[("en", "pdf")])
    for heading in ("Contents", "About this summary", "Who responded", "Scope of the regime"):
        assert heading in text
    for code in ("Q1", "Q2", "Q3", "Q4", "Q5", "Q6", "Q7"):
        assert re.search(rf"^\s*{code}\b", text, re.MULTILINE), code
    # The counts tables: label, respondents, % of those answering.
    assert re.search(r"Agree\s+4\s+57\.1%", text)
    assert re.search(r"Strongly disagree\s+1\s+14\.3%", text)
    assert re.search(r"Shops\s+4\s+66\.7%", text)
    assert re.search(r"The SFC\s+4\s+57\.1%", text)
    assert re.search(r"Not answered\s+1\b", text)
    assert re.search(r"All respondents\s+8\b", text)
    assert re.search(r"Median\s+75\b", text)
    # The key figures of an agree scale: agreeing, disagreeing, net score.
    assert re.search(r"Agreeing\s+Disagreeing\s+Net score\s+71\.4%\s+28\.6%\s+\+42\.9", text)
    assert re.search(r"Member of the public\s+4\s+0\s+4\s+50\.0%", text)
    assert re.search(r"Submissions counted\s+8", text)
    assert re.search(r"Page 2 of \d+", text)


@needs_poppler
def test_pdf_quotes_only_what_may_be_published(outputs):
    for language in ("en", "zh-hant"):
        text = " ".join(_text(outputs[(language, "pdf")]).split())
        assert "CONFIDENTIAL" not in text
        assert "Protect retail investors now" not in text


@needs_poppler
def test_pdf_escapes_respondent_text(outputs):
    text = " ".join(_text(outputs[("en", "pdf")]).split())
    assert "<b>Small operators</b> face high compliance costs & need a longer transition." in text


@needs_poppler
@pytest.mark.parametrize("language", ["en", "zh-hant"])
def test_pdf_embeds_a_cjk_font(outputs, language):
    fonts = _fonts(outputs[(language, "pdf")])
    cjk = [font for font in fonts if "CJK" in font[0]]
    assert cjk, fonts
    # name, type..., encoding, emb, sub, uni, object id, generation: "emb" is the 4th from the end.
    assert all(font[-5] == "yes" for font in cjk)


@needs_poppler
def test_chinese_pdf_holds_chinese_text(outputs):
    text = _text(outputs[("zh-hant", "pdf")])
    for chinese in ("場外交易發牌制度諮詢", "規管範圍", "應否規管場外交易", "非常同意", "證監會"):
        assert chinese in text
    assert re.search(r"同意\s+4\s+57\.1%", text)
    assert re.search(r"證監會\s+4\s+57\.1%", text)
