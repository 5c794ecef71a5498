"""Number and free-text questions' figures by respondent type, without confirmed campaigns and of
the late responses alone (issue 15, point 3), on the hand-made consultation (datasets.py).

Who is who there: individuals 1, 2, 6, 7 and organisations 3, 4, 5, 8; 6 and 7 are in the
campaign C1; 5 is the one late response.

Q5 (number): 1 gave 10, 2 gave 250, 3 gave 5,000, 4 gave 0, 6 gave 75; 5, 7 and 8 gave none.
Q7 (free text): 1 and 2 coded "Investor protection", 3 both themes, 4, 5 and 8 "Compliance cost",
7 uncoded, 6 wrote nothing. Q4 (free text, no themes): 1, 2, 5 and 6 wrote something.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import replace

import pytest

from reports.render.json import summary_to_dict
from reports.summary.compute import summarise
from reports.summary.partials import PartialMerge, partial_compute
from reports.summary.types import NumberBand
from tests.reports.summary.datasets import COST, INVESTORS, META, handmade_inputs
from tests.reports.summary.test_partials import _assert_same, _chunked, _large_inputs

GENERATED = dt.datetime(2026, 4, 13, 9, 0, tzinfo=dt.UTC)


def _summary(*, confirmed=True, late=True):
    inputs = handmade_inputs()
    meta = replace(META, campaigns_confirmed={"C1": confirmed})
    respondents = inputs.respondents
    if not late:
        respondents = respondents.assign(is_late=False)
    return summarise(replace(inputs, meta=meta, respondents=respondents), generated_at=GENERATED)


def _question(summary, code):
    return next(q for q in summary.questions if q.code == code)


def _statistics(figures):
    numbers = figures.numbers
    return (
        figures.total,
        figures.answered,
        numbers.count,
        numbers.mean,
        numbers.q1,
        numbers.median,
        numbers.q3,
        numbers.minimum,
        numbers.maximum,
    )


# --- Number questions ----------------------------------------------------------------------------


def test_number_statistics_by_respondent_type():
    q5 = _question(_summary(), "Q5")
    # Individuals 10, 75 and 250 (7 gave none): quartiles between the order statistics.
    assert _statistics(q5.by_type["individual"]) == (4, 3, 3, 335 / 3, 42.5, 75.0, 162.5, 10, 250)
    assert q5.by_type["individual"].numbers.bands == (
        NumberBand(0, 10, 0),
        NumberBand(10, 100, 2),
        NumberBand(100, 1000, 1),
    )
    # Organisations 0 and 5,000 (5 and 8 gave none).
    assert _statistics(q5.by_type["organisation"]) == (
        4,
        2,
        2,
        2500.0,
        1250.0,
        2500.0,
        3750.0,
        0,
        5000,
    )
    assert list(q5.by_type) == ["individual", "organisation"]  # nobody left the type blank


def test_number_statistics_without_campaign_responses():
    q5 = _question(_summary(), "Q5")
    # Without 6 (75) and 7: 0, 10, 250, 5,000.
    assert _statistics(q5.outside_campaigns) == (6, 4, 4, 1315.0, 7.5, 130.0, 1437.5, 0, 5000)


def test_number_statistics_of_late_responses_alone():
    late = _question(_summary(), "Q5").late_only
    # 5 is late and gave no number: counted in the row, no statistics.
    assert (late.total, late.answered, late.numbers.count, late.numbers.median) == (1, 0, 0, None)


def test_number_subsets_are_left_out_where_nothing_is_to_be_taken_out():
    q5 = _question(_summary(confirmed=False, late=False), "Q5")
    # A suggested group is not a campaign, and no response was late.
    assert q5.outside_campaigns is None
    assert q5.late_only is None
    assert q5.by_type["individual"].numbers.median == 75.0


# --- Free-text questions -------------------------------------------------------------------------


def test_free_text_answered_coded_and_themes_by_respondent_type():
    q7 = _question(_summary(), "Q7")
    individuals, organisations = q7.by_type["individual"], q7.by_type["organisation"]
    # The question's themes in its own order: Compliance cost (4 answers), then Investor
    # protection (3).
    assert [theme.id for theme in q7.text.themes] == [COST, INVESTORS]
    assert (individuals.total, individuals.answered, individuals.coded) == (4, 3, 2)
    assert individuals.themes == {COST: 0, INVESTORS: 2}
    assert list(individuals.themes) == [COST, INVESTORS]
    assert (organisations.total, organisations.answered, organisations.coded) == (4, 4, 4)
    assert organisations.themes == {COST: 4, INVESTORS: 1}


def test_free_text_figures_without_campaign_responses_and_of_late_ones():
    q7 = _question(_summary(), "Q7")
    outside, late = q7.outside_campaigns, q7.late_only
    # Without 6 (no answer) and 7 (uncoded): 1, 2, 3, 4, 5 and 8, all coded.
    assert (outside.total, outside.answered, outside.coded) == (6, 6, 6)
    assert outside.themes == {COST: 4, INVESTORS: 3}
    assert (late.total, late.answered, late.coded, late.themes) == (
        1,
        1,
        1,
        {COST: 1, INVESTORS: 0},
    )
    # Q4 has no themes: answered only (1, 2, 6 are individuals; 6 is in the campaign).
    q4 = _question(_summary(), "Q4")
    assert [q4.by_type[t].answered for t in ("individual", "organisation")] == [3, 1]
    assert (q4.outside_campaigns.answered, q4.late_only.answered) == (3, 1)
    assert q4.by_type["individual"].themes == {} and q4.by_type["individual"].coded == 0


def test_free_text_subsets_are_left_out_where_nothing_is_to_be_taken_out():
    q7 = _question(_summary(confirmed=False, late=False), "Q7")
    assert q7.outside_campaigns is None
    assert q7.late_only is None
    assert q7.by_type["organisation"].themes == {COST: 4, INVESTORS: 1}


# --- summary.json --------------------------------------------------------------------------------


def test_summary_json_gives_the_split_figures_of_every_kind():
    questions = {q["code"]: q for q in summary_to_dict(_summary())["questions"]}
    number = questions["Q5"]["by_type"]["individual"]
    assert set(number) == {"total", "answered", "numbers"}
    assert set(number["numbers"]) == set(questions["Q5"]["numbers"])
    assert (number["numbers"]["median"], number["numbers"]["q3"]) == (75.0, 162.5)
    assert questions["Q5"]["late_only"]["numbers"]["median"] is None
    assert questions["Q5"]["outside_campaigns"]["numbers"]["mean"] == 1315.0
    text = questions["Q7"]["outside_campaigns"]
    assert text == {
        "total": 6,
        "answered": 6,
        "coded": 6,
        "themes": [{"id": COST, "count": 4}, {"id": INVESTORS, "count": 3}],
    }
    assert questions["Q7"]["by_type"]["individual"]["themes"][0] == {"id": COST, "count": 0}
    closed = questions["Q1"]["by_type"]["individual"]
    assert set(closed) == {"total", "answered", "counts", "shares"}
    none = {
        q["code"]: q for q in summary_to_dict(_summary(confirmed=False, late=False))["questions"]
    }
    assert none["Q5"]["outside_campaigns"] is None and none["Q7"]["late_only"] is None


# --- Chunked builds ------------------------------------------------------------------------------


@pytest.mark.parametrize("chunks", [2, 3, 8])
def test_chunked_split_figures_equal_one_pass_on_the_handmade_consultation(chunks):
    inputs = handmade_inputs()
    one_pass = summarise(inputs, generated_at=GENERATED)
    merged = _chunked(inputs, chunks)
    for code in ("Q4", "Q5", "Q7"):
        mine, theirs = _question(merged, code), _question(one_pass, code)
        assert mine.by_type == theirs.by_type
        assert mine.outside_campaigns == theirs.outside_campaigns
        assert mine.late_only == theirs.late_only
    assert _question(merged, "Q5").outside_campaigns.numbers.q3 == 1437.5


@pytest.mark.parametrize(("chunks", "seed"), [(3, 21), (7, 22)])
def test_chunked_split_figures_equal_one_pass_on_a_larger_consultation(chunks, seed):
    inputs = _large_inputs(600, seed)
    one_pass = summarise(inputs, generated_at=GENERATED)
    number, text = _question(one_pass, "Q3"), _question(one_pass, "Q4")
    # Every subset is there (a blank type, a confirmed campaign, late responses), with medians
    # between repeated values and themes under a parent.
    assert set(number.by_type) == {"individual", "organisation", "not_stated"}
    assert number.late_only.numbers.median is not None
    assert number.outside_campaigns.numbers.count < number.numbers.count
    assert sum(text.outside_campaigns.themes.values()) > 0 and text.late_only.answered > 0
    _assert_same(inputs, chunks)


def test_a_partial_from_before_the_number_and_text_splits_leaves_them_out():
    inputs = handmade_inputs()
    partial = partial_compute(inputs)
    for data in partial["numbers"].values():
        del data["groups"]
    for data in partial["texts"].values():
        for key in ("group_answered", "group_coded", "group_themes"):
            del data[key]
    merge = PartialMerge(meta=inputs.meta, themes=inputs.themes)
    merge.add(partial)
    merged = merge.summary(snapshot=inputs.snapshot, generated_at=GENERATED)
    one_pass = summarise(inputs, generated_at=GENERATED)
    for code in ("Q5", "Q7"):
        question = _question(merged, code)
        assert question.by_type == {}
        assert question.outside_campaigns is None and question.late_only is None
    # The closed questions' split and every other figure are as before.
    assert _question(merged, "Q1") == _question(one_pass, "Q1")
    assert _question(merged, "Q5").numbers == _question(one_pass, "Q5").numbers
    assert _question(merged, "Q7").text == _question(one_pass, "Q7").text
