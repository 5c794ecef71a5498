"""The headline counts and the campaigns' standard texts in every format, in both languages, on
the hand-made consultation with a petition of 500 signatories (tests/reports/summary/
petition_data.py): 508 submissions (9 records), 502 in 2 campaigns, 502 by email, post or fax,
1 late."""

from __future__ import annotations

import csv
import datetime as dt
import json
from dataclasses import replace

import pytest
from django.utils import translation
from openpyxl import load_workbook

from reports.render import render
from reports.render.headline import headline_text
from reports.summary.compute import summarise
from reports.summary.register import RegisterRow
from tests.reports.render.test_wording import _pdf_text, needs_poppler
from tests.reports.summary.petition_data import C1_TEXT, PETITION_TEXT, petition_inputs

GENERATED = dt.datetime(2026, 4, 13, 9, 0, tzinfo=dt.UTC)
EN_HEADLINE = (
    "508 submissions (9 records: each petition counts its signatories), of which 502 in 2 "
    "campaigns, 502 received by email, post or fax, 1 late."
)
ZH_HEADLINE = (
    "共 508 份意見書（9 項紀錄：每份請願書按其簽署人數計算）：其中 502 份屬 2 項聯署行動，"
    "502 份經電郵、郵寄或傳真收到，1 份逾期提交。"
)


@pytest.fixture
def summary():
    return summarise(petition_inputs(), generated_at=GENERATED)


def test_headline_in_both_languages(summary):
    with translation.override("en"):
        assert headline_text(summary.respondents) == EN_HEADLINE
    with translation.override("zh-hant"):
        assert headline_text(summary.respondents) == ZH_HEADLINE


def test_headline_names_only_the_channels_that_brought_something():
    respondents = summarise(petition_inputs()).respondents
    only_post = replace(respondents, by_channel={"web": 7, "post": 501})
    with translation.override("en"):
        text = headline_text(only_post)
    assert "501 received by post," in text
    assert "email" not in text and "fax" not in text
    nothing_written = replace(respondents, by_channel={"web": 508})
    with translation.override("en"):
        assert "received by" not in headline_text(nothing_written)


@needs_poppler
@pytest.mark.parametrize(("language", "headline"), [("en", EN_HEADLINE), ("zh-hant", ZH_HEADLINE)])
def test_pdf_says_the_headline_and_publishes_each_standard_text_once(
    summary, tmp_path, language, headline
):
    with translation.override(language):
        text = _pdf_text(summary, tmp_path, language=language)
    squeezed = "".join(text.split())
    assert "".join(headline.split()) in squeezed
    assert squeezed.count("".join(PETITION_TEXT.split())) == 1
    assert squeezed.count("".join(C1_TEXT.split())) == 1


def test_workbook_gives_counts_channels_campaign_texts_and_weights(summary, tmp_path):
    register = [
        RegisterRow(9, "OTC-000009", GENERATED, "", "P1", True, False, "post", 500),
        RegisterRow(1, "OTC-000001", GENERATED, "", None, False, False),
    ]
    with translation.override("en"):
        path = render(
            summary=summary, language="en", fmt="xlsx", directory=tmp_path, register=register
        )
    book = load_workbook(path)
    rows = [row[:4] for row in book["Summary"].iter_rows(values_only=True)]
    assert ("Submissions counted", 508, None, None) in rows
    assert (EN_HEADLINE, None, None, None) in rows
    assert ("Post", 500, None, None) in rows
    assert ("P1", 500, 1, PETITION_TEXT) in rows
    assert [row for row in rows if row[3] == PETITION_TEXT] == [("P1", 500, 1, PETITION_TEXT)]
    sheet = book["Register"]
    header = [cell.value for cell in sheet[1]]
    assert header[-2:] == ["Channel", "Signatories"]
    assert [cell.value for cell in sheet[2]][-2:] == ["Post", 500]
    assert [cell.value for cell in sheet[3]][-2:] == ["Web form", 1]


def test_json_and_csv_read_with_and_without_campaigns(summary, tmp_path):
    data = json.loads(
        render(summary=summary, language="en", fmt="json", directory=tmp_path).read_text()
    )
    assert data["headline"]["total"] == 508
    assert [c["text"] for c in data["respondents"]["campaigns"]].count(PETITION_TEXT) == 1
    path = render(summary=summary, language="en", fmt="csv", directory=tmp_path)
    with path.open(encoding="utf-8-sig") as handle:
        rows = list(csv.DictReader(handle))
    q1 = {
        (row["category"], row["row"], row["value"]): int(row["count"])
        for row in rows
        if row["question"] == "Q1"
    }
    assert q1[("all", "choice", "agree")] == 504
    assert q1[("without_campaigns", "choice", "agree")] == 2
    assert q1[("without_campaigns", "not_answered", "")] == 1
