"""The PDF and the workbook show number and free-text questions' figures by respondent type,
without campaign responses and of late responses alone, in English and in Chinese; the figures
themselves are worked out in tests/reports/summary/test_splits.py."""

import subprocess

import pytest
from openpyxl import load_workbook

from reports.render import render
from reports.render.pdf import write_pdf
from tests.reports.render.test_wording import CONCLUSIONS, _summary, needs_poppler


def _pdf_pages(tmp_path, language, *, public=False):
    path = tmp_path / f"{language}.pdf"
    conclusions = CONCLUSIONS if public else None
    write_pdf(summary=_summary(), language=language, path=path, conclusions=conclusions)
    text = subprocess.run(  # noqa: S603 - fixed arguments, a file we wrote
        ["pdftotext", "-layout", str(path), "-"],  # noqa: S607
        capture_output=True,
        check=True,
        text=True,
    ).stdout
    return text.split("\f")


def _question_text(pages, code, following):
    """The lines from question ``code``'s heading to the next question's (pages joined; the
    contents list names each question first)."""
    lines = "\n".join(pages).splitlines()
    start = max(i for i, line in enumerate(lines) if line.strip().startswith(f"{code} "))
    end = min(
        i for i, line in enumerate(lines) if i > start and line.strip().startswith(f"{following} ")
    )
    return [" ".join(line.split()) for line in lines[start:end]]


def _sheet_rows(tmp_path, language, sheet):
    path = render(summary=_summary(), language=language, fmt="xlsx", directory=tmp_path)
    return [row for row in load_workbook(path)[sheet].iter_rows(values_only=True)]


def _cells(row, width):
    return tuple(row[:width])


# --- Workbook ------------------------------------------------------------------------------------


def test_workbook_gives_each_subsets_number_statistics(tmp_path):
    rows = [_cells(row, 10) for row in _sheet_rows(tmp_path, "en", "Q5")]
    header = ("Respondents", "Answers", "Mean", "Lower quartile", "Median", "Upper quartile")
    assert any(row[:6] == header for row in rows)
    individuals = next(row for row in rows if row[0] == "Individuals")
    assert individuals[:2] == ("Individuals", 3)
    assert individuals[2] == pytest.approx(335 / 3)
    assert individuals[3:] == (42.5, 75, 162.5, 10, 250, 1, 4)
    assert ("Without campaign responses", 4, 1315, 7.5, 130, 1437.5, 0, 5000, 2, 6) in rows
    assert ("Late responses only", 0, None, None, None, None, None, None, 1, 1) in rows


def test_workbook_gives_each_subsets_answers_and_themes(tmp_path):
    rows = [_cells(row, 5) for row in _sheet_rows(tmp_path, "en", "Q7")]
    assert ("Respondents", "Answered", "Coded with a theme", "Not answered", "Total") in rows
    assert ("Individuals", 3, 2, 1, 4) in rows
    assert ("Late responses only", 1, 1, 0, 1) in rows
    themes = ("Theme", "Individuals", "Organisations", "Without campaign responses")
    assert sum(row[:4] == themes for row in rows) == 2  # counts, then shares
    assert ("Costs › Compliance cost", 0, 4, 4, 1) in rows
    assert ("Investor protection", 2, 1, 3, 0) in rows
    assert ("Costs › Compliance cost", 0, 1, pytest.approx(4 / 6), 1) in rows


def test_chinese_workbook_labels_the_subsets_in_chinese(tmp_path):
    q5 = [_cells(row, 10) for row in _sheet_rows(tmp_path, "zh-hant", "Q5")]
    assert ("不包括聯署行動的回應", 4, 1315, 7.5, 130, 1437.5, 0, 5000, 2, 6) in q5
    assert ("回應者", "答案", "平均數", "下四分位數", "中位數", "上四分位數") in [r[:6] for r in q5]
    q7 = [_cells(row, 5) for row in _sheet_rows(tmp_path / "q7", "zh-hant", "Q7")]
    assert ("回應者", "已回答", "已歸入主題", "未有回答", "總數") in q7
    assert ("個人", 3, 2, 1, 4) in q7
    assert ("成本 › 合規成本", 0, 4, 4, 1) in q7


# --- PDF -----------------------------------------------------------------------------------------


@needs_poppler
def test_pdf_gives_each_subsets_number_statistics(tmp_path):
    q5 = _question_text(_pdf_pages(tmp_path, "en"), "Q5", "Q6")
    assert "By type of respondent, without campaign responses and late responses" in q5
    assert "Individuals 3 111.67 42.50 75 162.50 10 250 4" in q5
    assert "Without campaign responses 4 1,315 7.50 130 1,437.50 0 5,000 6" in q5
    assert "Late responses only 0 – – – – – – 1" in q5
    assert any(line.startswith("Statistics are of the answers of those in each row") for line in q5)


@needs_poppler
def test_pdf_gives_each_subsets_answers_and_themes(tmp_path):
    q7 = _question_text(_pdf_pages(tmp_path, "en") + ["Q8 end"], "Q7", "Q8")
    assert "Individuals 3 2 1 4" in q7
    assert "Without campaign responses 6 6 0 6" in q7
    assert "Themes by type of respondent, without campaign responses and late responses" in q7
    assert "Costs › Compliance cost 0 4 4 1" in q7
    assert "Investor protection 2 1 3 0" in q7


@needs_poppler
def test_public_pdf_edition_shows_the_theme_counts_by_subset_too(tmp_path):
    # Counts, not answers: the public edition shows them as the staff one does.
    q7 = _question_text(_pdf_pages(tmp_path, "en", public=True) + ["Q8 end"], "Q7", "Q8")
    assert "Costs › Compliance cost 0 4 4 1" in q7


@needs_poppler
def test_chinese_pdf_gives_the_split_figures_in_chinese(tmp_path):
    pages = _pdf_pages(tmp_path, "zh-hant") + ["Q8 end"]
    q5 = _question_text(pages, "Q5", "Q6")
    assert "按回應者類型劃分、不包括聯署行動的回應，以及逾期回應" in q5
    assert "個人 3 111.67 42.50 75 162.50 10 250 4" in q5
    assert "只計逾期回應 0 – – – – – – 1" in q5
    q7 = _question_text(pages, "Q7", "Q8")
    assert "各主題按回應者類型劃分、不包括聯署行動的回應，以及逾期回應" in q7
    assert "成本 › 合規成本 0 4 4 1" in q7
    assert "機構 4 4 0 4" in q7


# --- Headings ------------------------------------------------------------------------------------


def test_a_split_tables_heading_names_only_the_rows_it_has():
    # The data has late responses and a campaign; unconfirmed, the campaign gives no row.
    from dataclasses import replace

    from django.utils import translation

    from reports.render.labels import split_heading

    question = next(q for q in _summary().questions if q.meta.code == "Q7")
    unconfirmed = next(q for q in _summary(confirmed=False).questions if q.meta.code == "Q7")
    assert unconfirmed.outside_campaigns is None
    assert question.outside_campaigns is not None and question.late_only is not None
    on_time = replace(question, late_only=None)
    neither = replace(unconfirmed, late_only=None)
    with translation.override("en"):
        assert split_heading(question) == (
            "By type of respondent, without campaign responses and late responses"
        )
        assert split_heading(unconfirmed) == "By type of respondent and of late responses"
        assert split_heading(on_time) == "By type of respondent and without campaign responses"
        assert split_heading(neither) == "By type of respondent"
        assert split_heading(neither, themes=True) == "Themes by type of respondent"
    with translation.override("zh-hant"):
        assert split_heading(neither) == "按回應者類型劃分"
        assert split_heading(unconfirmed, themes=True) == "各主題按回應者類型劃分，以及逾期回應"


@needs_poppler
def test_pdf_without_a_confirmed_campaign_does_not_announce_rows_without_campaigns(tmp_path):
    path = tmp_path / "unconfirmed.pdf"
    write_pdf(summary=_summary(confirmed=False), language="en", path=path)
    text = " ".join(
        subprocess.run(  # noqa: S603 - fixed arguments, a file we wrote
            ["pdftotext", str(path), "-"],  # noqa: S607
            capture_output=True,
            check=True,
            text=True,
        ).stdout.split()
    )
    assert "By type of respondent and of late responses" in text
    assert "without campaign responses and late responses" not in text
