"""Petitions as one record with a weight, and the headline counts, on hand-worked figures
(petition_data.py says who is who). Pure: no database."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from dataclasses import replace

import pandas as pd
import pytest

from reports.render.json import summary_to_dict
from reports.summary.compute import summarise
from reports.summary.fingerprint import counted_lines
from reports.summary.headline import headline_of, published_campaigns
from reports.summary.inputs import respondents_frame
from tests.reports.summary.petition_data import (
    C1_TEXT,
    PETITION_ID,
    PETITION_TEXT,
    SIGNATORIES,
    petition_inputs,
)
from tests.reports.summary.test_partials import _assert_same

GENERATED = dt.datetime(2026, 4, 13, 9, 0, tzinfo=dt.UTC)


def _summary(**kwargs):
    return summarise(petition_inputs(**kwargs), generated_at=GENERATED)


def _question(summary, code):
    return next(q for q in summary.questions if q.code == code)


def test_headline_counts_each_signatory_once_and_names_only_channels_used():
    summary = _summary()
    headline = headline_of(summary.respondents)
    assert headline.total == 508
    assert headline.records == 9
    assert headline.in_campaigns == 502
    assert headline.campaigns == 2
    assert headline.written == 502
    assert headline.written_channels == (("email", 1), ("post", 500), ("fax", 1))
    assert headline.late == 1


def test_a_petitions_signatories_are_in_every_total_exactly_once():
    respondents = _summary().respondents
    assert respondents.total == 508
    assert sum(respondents.by_category.values()) == 508
    assert respondents.by_category["association"] == 2 + SIGNATORIES
    assert sum(respondents.by_type.values()) == 508
    assert respondents.by_type["organisation"] == 4 + SIGNATORIES
    assert sum(respondents.by_consent.values()) == 508
    assert sum(respondents.by_language.values()) == 508
    assert respondents.by_channel == {"web": 6, "email": 1, "post": 500, "fax": 1}
    assert respondents.in_confirmed_campaigns == 502
    assert respondents.records == 9


def test_each_confirmed_campaign_is_published_once_with_its_text_and_counts():
    campaigns = published_campaigns(_summary().respondents)
    assert [(c.label, c.size, c.records, c.text) for c in campaigns] == [
        ("P1", 500, 1, PETITION_TEXT),
        ("C1", 2, 2, C1_TEXT),
    ]


def test_closed_question_counts_the_petition_with_and_without_campaigns():
    q1 = _question(_summary(), "Q1")
    # Without the petition: strongly agree 1, agree 4, disagree 1, strongly disagree 1 (7 of 8).
    assert q1.total == 508
    assert q1.answered == 507
    assert q1.not_answered == 1
    assert q1.counts == {
        "strongly_agree": 1,
        "agree": 504,
        "neutral": 0,
        "disagree": 1,
        "strongly_disagree": 1,
    }
    assert q1.agree.share_agreeing == pytest.approx(505 / 507)
    assert q1.by_category["association"] == {
        "strongly_agree": 0,
        "agree": 500,
        "neutral": 0,
        "disagree": 0,
        "strongly_disagree": 1,
    }
    # Without campaign responses: 6, 7 (C1) and the petition (P1) are left out.
    outside = q1.outside_campaigns
    assert (outside.total, outside.answered) == (6, 5)
    assert outside.counts == {
        "strongly_agree": 1,
        "agree": 2,
        "neutral": 0,
        "disagree": 1,
        "strongly_disagree": 1,
    }
    organisations = q1.by_type["organisation"]
    assert (organisations.total, organisations.answered) == (504, 503)
    assert organisations.counts["agree"] == 501


def test_number_and_text_questions_count_a_silent_petition_as_not_answered():
    summary = _summary()
    q5 = _question(summary, "Q5")
    assert (q5.total, q5.answered, q5.not_answered) == (508, 5, 503)
    assert q5.numbers.median == 75
    assert (q5.outside_campaigns.total, q5.outside_campaigns.answered) == (6, 4)
    q7 = _question(summary, "Q7")
    assert (q7.total, q7.answered, q7.not_answered) == (508, 7, 501)


def test_a_petitions_number_answer_weighs_its_signatories():
    inputs = petition_inputs(signatories=3)
    answers = inputs.answers
    extra = answers.iloc[:1].assign(submission_id=PETITION_ID, question_id=5, choice_id=None)
    extra["number"] = extra["number"].astype("Int64")
    extra.loc[:, "number"] = 1
    inputs = replace(inputs, answers=pd.concat([answers, extra], ignore_index=True))
    q5 = _question(summarise(inputs, generated_at=GENERATED), "Q5")
    # 0, 1, 1, 1, 10, 75, 250, 5000: eight answers, the petition's three at 1.
    assert q5.numbers.count == 8
    assert q5.numbers.median == pytest.approx(5.5)
    assert q5.answered == 8


@pytest.mark.parametrize("chunks", [1, 2, 3, 9])
def test_chunked_summary_with_a_petition_equals_one_pass(chunks):
    _assert_same(petition_inputs(), chunks)


def test_summary_json_carries_the_headline_and_campaign_texts():
    data = summary_to_dict(_summary())
    assert data["headline"] == {
        "total": 508,
        "records": 9,
        "in_campaigns": 502,
        "campaigns": 2,
        "written": 502,
        "written_by_channel": {"email": 1, "post": 500, "fax": 1},
        "late": 1,
    }
    assert data["respondents"]["records"] == 9
    texts = [c["text"] for c in data["respondents"]["campaigns"]]
    assert texts.count(PETITION_TEXT) == 1


def test_fingerprint_record_holds_channel_and_weight():
    row = (PETITION_ID, "organisation", "association", "response_only", False, "P1", None, "en")
    frame = respondents_frame([(*row, SIGNATORIES, "post")]).assign(
        review_status="new", exclusion_reason=""
    )
    empty_answers = petition_inputs().answers.iloc[0:0]
    empty_texts = petition_inputs().texts.iloc[0:0]
    lines = counted_lines(
        respondents=frame,
        answers=empty_answers,
        texts=empty_texts,
        campaigns_confirmed={"P1": True},
    )
    record = {
        "id": PETITION_ID,
        "type": "organisation",
        "category": "association",
        "consent": "response_only",
        "language": "en",
        "late": False,
        "name": None,
        "campaign": {"label": "P1", "confirmed": True},
        "review": "new",
        "reason": "",
        "answers": [],
        "texts": [],
        "channel": "post",
        "weight": SIGNATORIES,
        "licence": "other",
    }
    text = json.dumps(record, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    assert lines == (hashlib.sha256(text.encode()).hexdigest() + "\n").encode()
    one = counted_lines(
        respondents=frame.assign(weight=1),
        answers=empty_answers,
        texts=empty_texts,
        campaigns_confirmed={"P1": True},
    )
    assert one != lines
