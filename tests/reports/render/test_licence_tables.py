"""The PDF (English and Chinese), the workbook and summary.json show every question's figures by
licence status; the figures are worked out in tests/reports/summary/test_licence_split.py
(3 and 4 licensed firms, 5 an applicant, the other five "others")."""

import subprocess
from dataclasses import replace

from openpyxl import load_workbook

from reports.render import render
from reports.render.pdf import write_pdf
from reports.summary.compute import summarise
from tests.reports.render.test_wording import META, needs_poppler
from tests.reports.summary.test_licence_split import GENERATED, _inputs


def _summary(statuses=None):
    inputs = _inputs() if statuses is None else _inputs(statuses)
    meta = replace(META, campaigns_confirmed={"C1": True})
    return summarise(replace(inputs, meta=meta), generated_at=GENERATED)


def _pdf_text(tmp_path, language, summary=None):
    path = tmp_path / f"{language}.pdf"
    write_pdf(summary=summary or _summary(), language=language, path=path)
    text = subprocess.run(  # noqa: S603 - fixed arguments, a file we wrote
        ["pdftotext", "-layout", str(path), "-"],  # noqa: S607
        capture_output=True,
        check=True,
        text=True,
    ).stdout
    return [" ".join(line.split()) for line in text.splitlines()]


@needs_poppler
def test_pdf_gives_the_figures_of_licensed_firms_applicants_and_others(tmp_path):
    lines = _pdf_text(tmp_path, "en")
    text = " ".join(lines)
    assert "by licence status: licensed firms, applicants and others" in text
    assert "number is in the public register as staff last uploaded it." in text
    # Q5 (number): licensed 0 and 5,000; the applicant none; others 10, 75, 250.
    assert "Licensed firms 2 2,500 1,250 2,500 3,750 0 5,000 2" in lines
    assert "Licence applicants 0 – – – – – – 1" in lines
    assert "Others (no licence verified) 3 111.67 42.50 75 162.50 10 250 5" in lines
    # Q7 (free text): answered, coded, not answered, total.
    assert "Licensed firms 2 2 0 2" in lines
    assert "Others (no licence verified) 4 3 1 5" in lines


@needs_poppler
def test_chinese_pdf_gives_the_licence_split_in_chinese(tmp_path):
    lines = _pdf_text(tmp_path, "zh-hant")
    text = " ".join(lines)
    assert "按持牌狀況劃分：持牌機構、申請人及其他" in text
    assert "持牌機構 2 2,500 1,250 2,500 3,750 0 5,000 2" in lines
    assert "其他（未經核實持牌） 4 3 1 5" in lines
    assert "最近上載的公開登記冊" in text.replace(" ", "")


@needs_poppler
def test_pdf_names_only_the_licence_rows_present_and_none_without_a_verified_firm(tmp_path):
    text = " ".join(_pdf_text(tmp_path, "en", _summary({3: "licensed"})))
    assert "by licence status: licensed firms and others" in text
    assert "Licence applicants" not in text
    assert "public register as staff last uploaded" in text
    (tmp_path / "none").mkdir()
    nobody = " ".join(_pdf_text(tmp_path / "none", "en", _summary({})))
    assert "licence status" not in nobody and "Licensed firms" not in nobody
    assert "public register" not in nobody


def test_workbook_gives_the_licence_rows_for_every_kind(tmp_path):
    path = render(summary=_summary(), language="en", fmt="xlsx", directory=tmp_path)
    book = load_workbook(path)
    q1 = [row for row in book["Q1"].iter_rows(values_only=True)]
    # Counts: strongly agree, agree, neutral, disagree, strongly disagree, answered, not, total.
    assert ("Licensed firms", 0, 1, 0, 1, 0, 2, 0, 2) in [row[:9] for row in q1]
    q5 = [row[:10] for row in book["Q5"].iter_rows(values_only=True)]
    assert ("Licensed firms", 2, 2500, 1250, 2500, 3750, 0, 5000, 0, 2) in q5
    q7 = [row[:5] for row in book["Q7"].iter_rows(values_only=True)]
    assert ("Licence applicants", 1, 1, 0, 1) in q7
