"""What the reports say about the figures is true of the data (issue 15, point 3).

Each test changes the hand-made consultation (tests/reports/summary/datasets.py) just enough for a
statement of the method note, the workbook or the public files to depend on it: rounding and the
net score, which questions were required, which groups are campaigns, why submissions were left
out, and which answers the terms of each edition were counted in.
"""

import datetime as dt
import re
import shutil
import subprocess
from dataclasses import replace

import pytest
from django.utils import translation
from openpyxl import load_workbook

from reports.conclusions.content import public_figures
from reports.render import method, render
from reports.render.json import summary_to_dict
from reports.render.pdf import _suggested, write_pdf
from reports.summary.compute import summarise
from reports.summary.types import Campaign
from tests.reports.summary.datasets import META, QUESTIONS, handmade_inputs

GENERATED = dt.datetime(2026, 4, 13, 9, 0, tzinfo=dt.UTC)
needs_poppler = pytest.mark.skipif(
    not shutil.which("pdftotext"), reason="poppler-utils is not installed"
)
REASON = "A test account"
# The smallest conclusions content the PDF needs to typeset its conclusions (public) edition.
CONCLUSIONS = {"intro": "Introduction.", "version": 1, "questions": {}, "appendix": {}}


def _summary(*, required=(), confirmed=True, other_reasons=None):
    inputs = handmade_inputs()
    questions = tuple(replace(q, required=q.code in required) for q in QUESTIONS)
    meta = replace(META, questions=questions, campaigns_confirmed={"C1": confirmed})
    snapshot = inputs.snapshot
    if other_reasons is not None:
        snapshot = replace(
            snapshot,
            excluded={**snapshot.excluded, "other": sum(other_reasons.values())},
            excluded_other_reasons=other_reasons,
        )
    return summarise(replace(inputs, meta=meta, snapshot=snapshot), generated_at=GENERATED)


def _pdf_text(summary, tmp_path, *, language="en", public=False) -> str:
    path = tmp_path / f"{language}-{'public' if public else 'staff'}.pdf"
    write_pdf(
        summary=summary,
        language=language,
        path=path,
        conclusions=CONCLUSIONS if public else None,
    )
    text = subprocess.run(  # noqa: S603 - fixed arguments, a file we wrote
        ["pdftotext", str(path), "-"],  # noqa: S607
        capture_output=True,
        check=True,
        text=True,
    ).stdout
    return " ".join(text.split())


# --- 1. Shares and the net score -----------------------------------------------------------------


def test_net_score_is_the_difference_of_the_unrounded_shares():
    agree = _summary().questions[0].agree
    # 5 of 7 agree, 2 of 7 disagree: 3/7 exactly, not 71.4 - 28.6 = 42.8.
    assert agree.net_score == pytest.approx(3 / 7, abs=1e-12)
    assert agree.net_score == agree.share_agreeing - agree.share_disagreeing


def test_workbook_gives_the_net_score_in_percentage_points(tmp_path):
    path = render(summary=_summary(), language="en", fmt="xlsx", directory=tmp_path)
    sheet = load_workbook(path)["Q1"]
    cells = [row[1] for row in sheet.iter_rows() if str(row[0].value).startswith("Net score")]
    assert len(cells) == 1
    assert cells[0].value == pytest.approx(300 / 7)  # +42.9 points, not "42.9%"
    assert "%" not in cells[0].number_format
    notes = [row[0] for row in load_workbook(path)["Summary"].iter_rows(values_only=True)]
    assert any("rounded to one decimal place" in str(note) for note in notes)


@needs_poppler
def test_method_note_says_how_shares_are_rounded(tmp_path):
    text = _pdf_text(_summary(), tmp_path)
    assert "Shares are rounded to one decimal place, so the shares shown may add up to 99.9%" in (
        text
    )
    assert "It is computed from the unrounded shares" in text


# --- 2. Required questions -----------------------------------------------------------------------


def test_required_questions_are_named_from_their_flags():
    with translation.override("en"):
        assert method.required_text(_summary(required=("Q1", "Q6", "Q7"))).startswith(
            "Questions Q1, Q6 and Q7 required an answer; the others were optional."
        )
        assert method.required_text(_summary(required=("Q1",))).startswith(
            "Question Q1 required an answer; the others were optional."
        )
        assert method.required_text(_summary()).startswith("No question required an answer.")
        # Q4 is conditional: required, it is required only where shown.
        assert "required an answer only from them" in method.required_text(
            _summary(required=("Q4",))
        )
    with translation.override("zh-hant"):
        assert "Q1" in method.required_text(_summary(required=("Q1", "Q7")))


@needs_poppler
def test_method_note_no_longer_calls_every_question_optional(tmp_path):
    summary = _summary(required=("Q1", "Q7"))
    assert [q["required"] for q in summary_to_dict(summary)["questions"]] == [
        True,
        False,
        False,
        False,
        False,
        False,
        True,
    ]
    text = _pdf_text(summary, tmp_path)
    assert "Questions were optional" not in text
    assert "Questions Q1 and Q7 required an answer; the others were optional." in text


# --- 3. Campaigns: confirmed ones only -----------------------------------------------------------


def test_unconfirmed_groups_are_counted_as_suggestions_not_campaigns(tmp_path):
    respondents = _summary(confirmed=False).respondents
    assert respondents.in_campaigns == 2  # the key's meaning is kept: in any group
    assert respondents.in_confirmed_campaigns == 0
    assert respondents.in_suggested_groups == 2
    with translation.override("en"):
        texts = method.method_texts(_summary(confirmed=False), "en", public=False)
    assert texts["campaign_text"].startswith("0 submissions belong to campaigns")
    assert "not confirmed by a reviewer" in texts["suggested_text"]
    confirmed = _summary(confirmed=True).respondents
    assert (confirmed.in_confirmed_campaigns, confirmed.in_suggested_groups) == (2, 0)


def test_workbook_lists_unconfirmed_groups_as_suggestions(tmp_path):
    path = render(summary=_summary(confirmed=False), language="en", fmt="xlsx", directory=tmp_path)
    rows = [row[:2] for row in load_workbook(path)["Summary"].iter_rows(values_only=True)]
    assert ("Submissions in campaigns", 0) in rows
    assert ("Submissions in suggested campaigns", 2) in rows
    assert ("Suggested campaigns (not confirmed)", None) in rows


@needs_poppler
def test_pdf_shows_unconfirmed_groups_as_suggestions(tmp_path):
    text = _pdf_text(_summary(confirmed=False), tmp_path)
    assert "Suggested campaigns (not confirmed)" in text
    assert "No submission has been confirmed by a reviewer as part of a campaign." in text
    assert "2 further submissions are in groups of similar texts detected automatically" in text
    confirmed = _pdf_text(_summary(confirmed=True), tmp_path)
    assert "Suggested campaigns (not confirmed)" not in confirmed
    assert "2 submissions belong to campaigns of standard or near-identical texts confirmed" in (
        confirmed
    )


def _many_suggested(summary, count):
    """``summary`` with ``count`` suggested groups of 30 - i submissions each (i from 1)."""
    groups = tuple(
        Campaign(label=f"C{i}", size=30 - i, confirmed=False, records=30 - i)
        for i in range(1, count + 1)
    )
    respondents = replace(
        summary.respondents,
        campaigns=groups,
        in_suggested_groups=sum(group.size for group in groups),
    )
    return replace(summary, respondents=respondents)


def test_pdf_names_the_largest_suggested_groups_and_counts_the_others():
    # 25 groups: the 20 largest by name, then the 5 others (9 + 8 + 7 + 6 + 5 submissions).
    rows = _suggested(_many_suggested(_summary(confirmed=False), 25).respondents.campaigns)
    assert [row.label for row in rows["suggested"]] == [f"C{i}" for i in range(1, 21)]
    assert (rows["suggested_more"], rows["suggested_more_size"]) == (5, "35")
    few = _suggested(_many_suggested(_summary(confirmed=False), 3).respondents.campaigns)
    assert len(few["suggested"]) == 3
    assert few["suggested_more"] == 0


@needs_poppler
def test_pdf_says_where_the_other_suggested_groups_are_listed(tmp_path):
    summary = _many_suggested(_summary(confirmed=False), 25)
    text = " ".join(_pdf_text(summary, tmp_path).split())
    assert "C20" in text
    assert "C21" not in text
    # (pdftotext puts the row's count, 35, inside its wrapped label: the rows test checks it.)
    assert "5 more suggested groups, none" in text
    assert "larger than those above (all listed in the XLSX and JSON editions)" in text
    chinese = " ".join(_pdf_text(summary, tmp_path, language="zh-hant").split())
    assert "另有 5 個建議的組別" in chinese
    # The workbook lists every one of them.
    path = render(summary=summary, language="en", fmt="xlsx", directory=tmp_path)
    listed = {row[0] for row in load_workbook(path)["Summary"].iter_rows(values_only=True)}
    assert {f"C{i}" for i in range(1, 26)} <= listed


# --- 4. The reviewer's reason for "another reason" -----------------------------------------------


@needs_poppler
def test_staff_edition_gives_the_reason_the_public_edition_does_not(tmp_path):
    summary = _summary(other_reasons={REASON: 2, "": 1})
    staff = _pdf_text(summary, tmp_path)
    assert f"Reason given: “{REASON}” 2" in staff
    assert "No reason recorded 1" in staff
    assert "Excluded for another reason 3" in staff
    public = _pdf_text(summary, tmp_path, public=True)
    assert "Excluded for another reason 3" in public
    assert REASON not in public and "No reason recorded" not in public


def test_reasons_are_in_the_staff_files_only(tmp_path):
    summary = _summary(other_reasons={REASON: 2})
    figures = summary_to_dict(summary)
    assert figures["snapshot"]["excluded_other_reasons"] == {REASON: 2}
    path = render(summary=summary, language="en", fmt="xlsx", directory=tmp_path)
    cells = [row[0] for row in load_workbook(path)["Summary"].iter_rows(values_only=True)]
    assert f"    Reason given: “{REASON}”" in cells
    public = public_figures(figures=figures, draft=_Draft(), texts={}, codes={})
    assert REASON not in str(public)
    assert public["snapshot"]["excluded"]["other"] == 2


class _Draft:
    version = 1
    intro_en = "Introduction."
    intro_zh = "引言。"


# --- 5. Terms and phrases of a public edition ----------------------------------------------------


def test_public_terms_come_only_from_answers_that_may_be_published():
    text = _summary().questions[6].text
    staff = {term.term: term.count for term in text.terms}
    public = {term.term: term.count for term in text.public_terms}
    # Q7: respondent 4 (confidential) wrote of compliance costs being too high.
    assert staff["compliance"] == 3 and public["compliance"] == 2
    assert "high" in staff and "high" not in public
    assert text.terms_counted_over == 6
    assert text.public_terms_counted_over == 5
    assert {p.term: p.count for p in text.public_phrases}["compliance costs"] == 2


def test_public_summary_json_keeps_only_the_publishable_terms():
    figures = summary_to_dict(_summary())
    q7 = next(q for q in figures["questions"] if q["code"] == "Q7")["free_text"]
    assert {"term": "high", "count": 2} in q7["terms"]
    public = public_figures(figures=figures, draft=_Draft(), texts={}, codes={})
    q7_public = next(q for q in public["questions"] if q["code"] == "Q7")["free_text"]
    assert "terms" not in q7_public and "phrases" not in q7_public
    assert {"term": "compliance", "count": 2} in q7_public["public_terms"]
    assert all(term["term"] != "high" for term in q7_public["public_terms"])


@needs_poppler
def test_each_pdf_edition_says_which_answers_its_terms_come_from(tmp_path):
    summary = _summary()
    staff = _pdf_text(summary, tmp_path)
    assert "high (2)" in staff
    assert "In this staff edition they are counted over all answers" in staff
    assert "Counted in the 6 answers outside campaigns and suggested campaigns, including" in staff
    public = _pdf_text(summary, tmp_path, public=True)
    assert "high (2)" not in public
    assert "compliance (2)" in public
    assert "counted only over the answers of respondents who agreed to the publication" in public
    assert "Counted in the 5 answers that may be published" in public


# --- 6. Figures by respondent type, without campaign responses, late responses -------------------


def test_closed_figures_by_type_without_campaigns_and_late():
    q1 = _summary().questions[0]
    # Individuals 1, 2, 6, 7 all answer; organisations 3, 4, 5, 8, of whom 8 gives no answer.
    assert q1.by_type["individual"].counts == {
        "strongly_agree": 1,
        "agree": 3,
        "neutral": 0,
        "disagree": 0,
        "strongly_disagree": 0,
    }
    assert (q1.by_type["individual"].answered, q1.by_type["individual"].total) == (4, 4)
    assert q1.by_type["organisation"].counts["agree"] == 1
    assert (q1.by_type["organisation"].answered, q1.by_type["organisation"].total) == (3, 4)
    assert q1.by_type["organisation"].shares["disagree"] == pytest.approx(1 / 3)
    # 6 and 7 are in the confirmed campaign C1.
    outside = q1.outside_campaigns
    assert (outside.total, outside.answered, outside.counts["agree"]) == (6, 5, 2)
    # 5 is the one late response.
    assert q1.late_only.counts["strongly_disagree"] == 1 and q1.late_only.total == 1
    # A suggested group is not a campaign: nothing to take out.
    assert _summary(confirmed=False).questions[0].outside_campaigns is None
    data = summary_to_dict(_summary())["questions"][0]
    assert data["outside_campaigns"]["counts"]["agree"] == 2
    assert data["by_type"]["individual"]["total"] == 4
    assert set(data["by_type"]["individual"]) == {"total", "answered", "counts", "shares"}


def test_workbook_shows_the_split_figures(tmp_path):
    path = render(summary=_summary(), language="en", fmt="xlsx", directory=tmp_path)
    rows = [row[:8] for row in load_workbook(path)["Q1"].iter_rows(values_only=True)]
    assert ("Individuals", 1, 3, 0, 0, 0, 4, 0) in rows
    assert ("Without campaign responses", 1, 2, 0, 1, 1, 5, 1) in rows
    assert ("Late responses only", 0, 0, 0, 0, 1, 1, 0) in rows


@needs_poppler
def test_pdf_shows_the_split_figures(tmp_path):
    text = _pdf_text(_summary(), tmp_path)
    assert "By type of respondent, without campaign responses and late responses" in text
    for label in ("Individuals", "Organisations", "Without campaign responses"):
        assert label in text
    assert "Late responses only" in text
    assert "Percentages are of those in each row who answered." in text


@needs_poppler
def test_method_note_describes_the_fingerprint_as_it_is_computed(tmp_path):
    # The fingerprint is computed from the record itself (reports.summary.fingerprint), no longer
    # from each submission's time of last change: the note must not say otherwise.
    text = " ".join(_pdf_text(_summary(), tmp_path).split())
    assert "time of last change" not in text
    assert "every submission counted or left out" in text
    assert "the reviewers' decisions on it" in text


@pytest.mark.parametrize(("language", "gap"), [("zh-hant", False), ("en", True)])
def test_method_note_joins_its_sentences_as_the_language_writes_them(language, gap):
    # The template joins sentences with a space: English wants it, Chinese does not ("。 已接納"
    # reads as a gap). Only the report's own wording is joined; the sentences are all there.
    from django.template.loader import render_to_string

    from reports.render import pdf

    summary = _summary(required=("Q1",))
    with translation.override(language):
        html = render_to_string(pdf.TEMPLATE, pdf._context(summary, language, public=False))
    note = html[html.index('id="method"') : html.index('id="respondents"')]
    paragraphs = re.findall(r"<(?:p|dd)>(.*?)</(?:p|dd)>", note, flags=re.S)
    assert len(paragraphs) >= 7
    if gap:
        assert any(re.search(r"\. \S", paragraph) for paragraph in paragraphs)
    else:
        assert all(not re.search(r"[。）」]\s+\S", paragraph) for paragraph in paragraphs), note
        assert any(re.search(r"。\S", paragraph) for paragraph in paragraphs)


def test_sentences_are_joined_only_in_chinese():
    from reports.templatetags.report_text import sentences_joined

    assert sentences_joined("一。 二（三） 四", "zh-hant") == "一。二（三）四"
    assert sentences_joined("One. Two (three) four", "en") == "One. Two (three) four"
    assert sentences_joined("Q1 為必答。 0 份", "zh-hant") == "Q1 為必答。0 份"
