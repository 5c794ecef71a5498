"""Every question's figures by licence status (licensed firms / applicants / others), worked out
by hand on the hand-made consultation (datasets.py), and chunked builds equal to one pass.

Who is who here: 3 and 4 are licensed firms, 5 an applicant, 1, 2, 6, 7 and 8 others.
"""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import replace

import pytest

from reports.render import labels
from reports.render.json import summary_to_dict
from reports.summary.compute import summarise
from reports.summary.fingerprint import counted_lines
from tests.reports.summary.datasets import COST, INVESTORS, handmade_inputs
from tests.reports.summary.test_partials import _assert_same, _chunked, _large_inputs

GENERATED = dt.datetime(2026, 4, 13, 9, 0, tzinfo=dt.UTC)
STATUSES = {3: "licensed", 4: "licensed", 5: "applicant"}


def _inputs(statuses=STATUSES):
    inputs = handmade_inputs()
    respondents = inputs.respondents.assign(
        licence_status=[statuses.get(int(i), "other") for i in inputs.respondents["submission_id"]]
    )
    return replace(inputs, respondents=respondents)


def _question(summary, code):
    return next(q for q in summary.questions if q.code == code)


def test_closed_question_counts_and_shares_by_licence_status():
    q1 = _question(summarise(_inputs(), generated_at=GENERATED), "Q1")
    assert list(q1.by_licence) == ["licensed", "applicant", "other"]
    licensed, applicant, other = (q1.by_licence[s] for s in ("licensed", "applicant", "other"))
    # 3 agrees, 4 disagrees; 5 strongly disagrees; 1 strongly agrees, 2, 6, 7 agree, 8 none.
    assert (licensed.total, licensed.answered) == (2, 2)
    assert licensed.counts == {
        "strongly_agree": 0,
        "agree": 1,
        "neutral": 0,
        "disagree": 1,
        "strongly_disagree": 0,
    }
    assert licensed.shares["agree"] == 0.5
    assert (applicant.total, applicant.answered, applicant.counts["strongly_disagree"]) == (1, 1, 1)
    assert (other.total, other.answered) == (5, 4)
    assert (other.counts["strongly_agree"], other.counts["agree"]) == (1, 3)
    assert other.shares["agree"] == 0.75
    # Multiple choice: 3 picked online, 4 shop, ATM and online.
    q2 = _question(summarise(_inputs(), generated_at=GENERATED), "Q2").by_licence["licensed"]
    assert (q2.answered, q2.counts["online"], q2.counts["shop"], q2.counts["atm"]) == (2, 2, 1, 1)
    assert q2.shares["online"] == 1.0


def test_number_statistics_by_licence_status():
    q5 = _question(summarise(_inputs(), generated_at=GENERATED), "Q5")
    licensed, applicant, other = (q5.by_licence[s] for s in ("licensed", "applicant", "other"))
    # Licensed 5,000 and 0; the applicant gave none; others 10, 250, 75 (7 and 8 none).
    assert (licensed.total, licensed.answered, licensed.numbers.median) == (2, 2, 2500.0)
    assert (licensed.numbers.minimum, licensed.numbers.maximum) == (0, 5000)
    assert (applicant.total, applicant.answered, applicant.numbers.median) == (1, 0, None)
    assert (other.total, other.answered, other.numbers.median) == (5, 3, 75.0)
    assert other.numbers.mean == 335 / 3


def test_free_text_answered_coded_and_themes_by_licence_status():
    q7 = _question(summarise(_inputs(), generated_at=GENERATED), "Q7")
    licensed, applicant, other = (q7.by_licence[s] for s in ("licensed", "applicant", "other"))
    assert (licensed.total, licensed.answered, licensed.coded) == (2, 2, 2)
    assert licensed.themes == {COST: 2, INVESTORS: 1}
    assert (applicant.total, applicant.answered, applicant.coded) == (1, 1, 1)
    assert applicant.themes == {COST: 1, INVESTORS: 0}
    # 1 and 2 investors, 8 cost, 7 uncoded, 6 wrote nothing.
    assert (other.total, other.answered, other.coded) == (5, 4, 3)
    assert other.themes == {COST: 1, INVESTORS: 2}


def test_without_any_verified_respondent_only_others_and_no_licence_rows_in_tables():
    summary = summarise(handmade_inputs(), generated_at=GENERATED)  # no licence column at all
    q1 = _question(summary, "Q1")
    assert list(q1.by_licence) == ["other"]
    assert q1.by_licence["other"].total == 8
    assert not labels.licence_shown(q1)
    assert all("licen" not in label.lower() for label, _ in labels.subsets(q1))


def test_split_heading_names_only_the_licence_rows_present():
    summary = summarise(_inputs({3: "licensed"}), generated_at=GENERATED)
    q1 = _question(summary, "Q1")
    assert list(q1.by_licence) == ["licensed", "other"]
    heading = labels.split_heading(q1)
    assert heading.endswith("by licence status: licensed firms and others")
    assert [label for label, _ in labels.subsets(q1)][-2:] == [
        "Licensed firms",
        "Others (no licence verified)",
    ]


def test_summary_json_gives_the_licence_split_of_every_kind():
    questions = {
        q["code"]: q
        for q in summary_to_dict(summarise(_inputs(), generated_at=GENERATED))["questions"]
    }
    assert list(questions["Q1"]["by_licence"]) == ["licensed", "applicant", "other"]
    assert questions["Q1"]["by_licence"]["licensed"]["counts"]["agree"] == 1
    assert questions["Q5"]["by_licence"]["licensed"]["numbers"]["median"] == 2500.0
    assert questions["Q7"]["by_licence"]["applicant"]["coded"] == 1


@pytest.mark.parametrize("chunks", [2, 3, 8])
def test_chunked_licence_split_equals_one_pass_on_the_handmade_consultation(chunks):
    inputs = _inputs()
    one_pass = summarise(inputs, generated_at=GENERATED)
    merged = _chunked(inputs, chunks)
    for code in ("Q1", "Q2", "Q4", "Q5", "Q7"):
        assert _question(merged, code).by_licence == _question(one_pass, code).by_licence
    _assert_same(inputs, chunks)


@pytest.mark.parametrize(("chunks", "seed"), [(3, 31), (7, 32)])
def test_chunked_licence_split_equals_one_pass_on_a_larger_consultation(chunks, seed):
    inputs = _large_inputs(600, seed)
    rng = random.Random(seed)
    respondents = inputs.respondents.assign(
        licence_status=[
            rng.choice(["licensed", "applicant", "other", "other"])
            for _ in inputs.respondents.index
        ]
    )
    inputs = replace(inputs, respondents=respondents)
    one_pass = summarise(inputs, generated_at=GENERATED)
    assert set(_question(one_pass, "Q3").by_licence) == {"licensed", "applicant", "other"}
    _assert_same(inputs, chunks)


def test_the_fingerprint_records_change_with_a_licence_status():
    def lines(inputs):
        respondents = inputs.respondents.assign(review_status="new", exclusion_reason="")
        return counted_lines(
            respondents=respondents,
            answers=inputs.answers,
            texts=inputs.texts,
            campaigns_confirmed=inputs.meta.campaigns_confirmed,
        ).splitlines()

    before, after = lines(_inputs({})), lines(_inputs({3: "licensed"}))
    # Only submission 3's record (the third counted, ids 1-8) changes.
    assert [i for i, (a, b) in enumerate(zip(before, after, strict=True)) if a != b] == [2]
