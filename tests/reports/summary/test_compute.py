"""The summary of the hand-made consultation in tests/reports/datasets.py, every figure written out.

The data has eight counted respondents: 1, 2, 6, 7 members of the public (individuals), 3, 4 banks
and 5, 8 associations (organisations). 4 and 6 asked for confidentiality; 6 and 7 are campaign C1.
"""

import datetime as dt
import json
from dataclasses import replace

import pytest

from reports.render.json import summary_to_dict
from reports.summary import text as summary_text
from reports.summary.closed import AGREEING, DISAGREEING, NEUTRAL
from reports.summary.compute import summarise
from reports.summary.inputs import NOT_STATED, ReportInputs, respondents_frame, texts_frame
from surveys.scales import AGREEING as SCALE_AGREEING
from surveys.scales import DISAGREEING as SCALE_DISAGREEING
from surveys.scales import STANDARD_CHOICES
from tests.reports.summary.datasets import (
    AS_OF,
    CONFIDENTIAL_TEXT,
    COST,
    INVESTORS,
    RESPONDENTS,
    TEXTS,
    handmade_inputs,
)

GENERATED = dt.datetime(2026, 4, 13, 9, 0, tzinfo=dt.UTC)


@pytest.fixture(scope="module")
def summary():
    return summarise(handmade_inputs(), generated_at=GENERATED)


@pytest.fixture(scope="module")
def data(summary):
    return summary_to_dict(summary)


@pytest.fixture(scope="module")
def questions(data):
    return {question["code"]: question for question in data["questions"]}


def test_header_and_snapshot(data):
    assert data["consultation"] == "otc-test"
    assert data["generated_at"] == "2026-04-13T09:00:00+00:00"
    assert data["snapshot"]["count"] == 8
    assert data["snapshot"]["as_of"] == AS_OF.isoformat()
    assert len(data["snapshot"]["sha256"]) == 64
    assert data["snapshot"]["excluded"] == {
        "withdrawn": 2,
        "duplicate": 0,
        "spam": 1,
        "out_of_scope": 0,
        "other": 0,
        "after_cutoff": 3,
    }


def test_respondents(data):
    respondents = data["respondents"]
    assert respondents["total"] == 8
    assert respondents["by_category"] == {"public": 4, "bank": 2, "association": 2}
    assert respondents["by_type"] == {"individual": 4, "organisation": 4}
    assert respondents["by_category_type"] == {
        "public": {"individual": 4, "organisation": 0},
        "bank": {"individual": 0, "organisation": 2},
        "association": {"individual": 0, "organisation": 2},
    }
    assert respondents["by_consent"] == {
        "name_and_response": 3,
        "response_only": 3,
        "confidential": 2,
    }
    assert respondents["by_language"] == {"en": 6, "zh-hant": 2}
    assert respondents["late"] == 1
    assert respondents["in_campaigns"] == 2
    assert respondents["campaigns"] == [
        {"label": "C1", "size": 2, "records": 2, "confirmed": True, "text": ""}
    ]


def test_questions_in_paper_order(data):
    assert [(q["code"], q["kind"]) for q in data["questions"]] == [
        ("Q1", "agree"),
        ("Q2", "multiple"),
        ("Q3", "yes_no_unsure"),
        ("Q4", "text"),
        ("Q5", "number"),
        ("Q6", "single"),
        ("Q7", "text"),
    ]


def test_agree_scale_ignores_other_questions_choices_and_uncounted_submissions(questions):
    q1 = questions["Q1"]
    # 8 gave a choice of Q3 for Q1 and 99 is not counted: neither is an answer.
    assert (q1["answered"], q1["not_answered"]) == (7, 1)
    assert q1["counts"] == {
        "strongly_agree": 1,
        "agree": 4,
        "neutral": 0,
        "disagree": 1,
        "strongly_disagree": 1,
    }
    assert q1["shares"] == {
        "strongly_agree": 1 / 7,
        "agree": 4 / 7,
        "neutral": 0.0,
        "disagree": 1 / 7,
        "strongly_disagree": 1 / 7,
    }
    assert q1["agree"] == {
        "agreeing": 5,
        "neutral": 0,
        "disagreeing": 2,
        "share_agreeing": 5 / 7,
        "share_disagreeing": 2 / 7,
        "net_score": pytest.approx(3 / 7),
    }
    assert q1["by_category"] == {
        "public": {
            "strongly_agree": 1,
            "agree": 3,
            "neutral": 0,
            "disagree": 0,
            "strongly_disagree": 0,
        },
        "bank": {
            "strongly_agree": 0,
            "agree": 1,
            "neutral": 0,
            "disagree": 1,
            "strongly_disagree": 0,
        },
        "association": {
            "strongly_agree": 0,
            "agree": 0,
            "neutral": 0,
            "disagree": 0,
            "strongly_disagree": 1,
        },
    }
    assert q1["answered_by_category"] == {"public": 4, "bank": 2, "association": 1}
    assert q1["by_category_shares"]["public"]["agree"] == 3 / 4
    assert q1["by_category_shares"]["association"]["strongly_disagree"] == 1.0


def test_multiple_choice_counts_each_respondent_once_in_answered(questions):
    q2 = questions["Q2"]
    assert (q2["answered"], q2["not_answered"]) == (6, 2)
    assert q2["counts"] == {"shop": 4, "atm": 3, "online": 2}
    assert q2["shares"] == {"shop": 4 / 6, "atm": 3 / 6, "online": 2 / 6}
    assert q2["by_category"] == {
        "public": {"shop": 2, "atm": 2, "online": 0},
        "bank": {"shop": 1, "atm": 1, "online": 2},
        "association": {"shop": 1, "atm": 0, "online": 0},
    }
    assert q2["answered_by_category"] == {"public": 3, "bank": 2, "association": 1}
    assert q2["by_category_shares"]["bank"] == {"shop": 0.5, "atm": 0.5, "online": 1.0}
    assert "agree" not in q2


def test_yes_no_unsure(questions):
    q3 = questions["Q3"]
    assert (q3["answered"], q3["not_answered"]) == (8, 0)
    assert q3["counts"] == {"yes": 5, "no": 2, "unsure": 1}
    assert q3["shares"] == {"yes": 0.625, "no": 0.25, "unsure": 0.125}
    assert q3["by_category"] == {
        "public": {"yes": 3, "no": 1, "unsure": 0},
        "bank": {"yes": 0, "no": 1, "unsure": 1},
        "association": {"yes": 2, "no": 0, "unsure": 0},
    }


def test_single_choice(questions):
    q6 = questions["Q6"]
    assert (q6["answered"], q6["not_answered"]) == (7, 1)
    assert q6["counts"] == {"sfc": 4, "customs": 2, "other": 1}
    assert q6["by_category"] == {
        "public": {"sfc": 3, "customs": 0, "other": 0},
        "bank": {"sfc": 1, "customs": 1, "other": 0},
        "association": {"sfc": 0, "customs": 1, "other": 1},
    }
    assert q6["by_category_shares"]["association"] == {"sfc": 0.0, "customs": 0.5, "other": 0.5}


def test_number_question(questions):
    q5 = questions["Q5"]
    # 10, 250, 5000, 0 and 75; the 1,000,000 of submission 99 is not counted.
    assert (q5["answered"], q5["not_answered"]) == (5, 3)
    assert q5["numbers"] == {
        "count": 5,
        "mean": 1067.0,
        "median": 75.0,
        "q1": 10.0,
        "q3": 250.0,
        "min": 0,
        "max": 5000,
        "bands": [
            {"from": 0, "to": 10, "count": 1},
            {"from": 10, "to": 100, "count": 2},
            {"from": 100, "to": 1000, "count": 1},
            {"from": 1000, "to": 10000, "count": 1},
        ],
    }
    assert q5["answered_by_category"] == {"public": 3, "bank": 2, "association": 0}
    assert q5["counts"] == {} and q5["by_category"] == {}


def test_conditional_free_text_question(questions):
    q4 = questions["Q4"]
    # Shown to the five who answered "yes" at Q3; 8 wrote only spaces.
    assert q4["condition"] == {"question": "Q3", "choice": "yes"}
    assert q4["eligible"] == 5
    assert (q4["answered"], q4["not_answered"]) == (4, 4)
    assert q4["answered_by_category"] == {"public": 3, "bank": 0, "association": 1}
    text = q4["free_text"]
    assert (text["answered"], text["coded"], text["quotable"]) == (4, 0, 3)
    assert (text["terms_counted_over"], text["terms_sampled"]) == (3, False)
    assert text["themes"] == []
    # Quotable and long enough: 1, 2 and 5 (6 is confidential); no theme, so the three of them.
    assert sorted(quote["text"][:10] for quote in text["quotes"]) == [
        "Escrow sho",
        "Escrowed a",
        "託管資產必須存放於獨",
    ]


def test_free_text_terms_themes_and_quotes(questions):
    text = questions["Q7"]["free_text"]
    assert (questions["Q7"]["answered"], questions["Q7"]["not_answered"]) == (7, 1)
    assert (text["answered"], text["coded"], text["quotable"]) == (7, 6, 6)
    assert (text["terms_counted_over"], text["terms_sampled"]) == (6, False)
    # Counted in answers using them; the campaign text of 7 is left out, 99 is not counted.
    assert text["terms"] == [
        {"term": "compliance", "count": 3},
        {"term": "costs", "count": 3},
        {"term": "investors", "count": 3},
        {"term": "retail", "count": 3},
        {"term": "small", "count": 3},
        {"term": "high", "count": 2},
        {"term": "operators", "count": 2},
    ]
    assert text["phrases"] == [
        {"phrase": "compliance costs", "count": 3},
        {"phrase": "retail investors", "count": 3},
        {"phrase": "small operators", "count": 2},
    ]
    assert text["themes"] == [
        {
            "id": COST,
            "name": {"en": "Compliance cost", "zh-hant": "合規成本"},
            "parent": {"en": "Costs", "zh-hant": "成本"},
            "count": 4,
        },
        {
            "id": INVESTORS,
            "name": {"en": "Investor protection", "zh-hant": "投資者保障"},
            "parent": None,
            "count": 3,
        },
    ]


def test_quotes_respect_consent_and_campaigns(summary, questions):
    quotes = questions["Q7"]["free_text"]["quotes"]
    assert len(quotes) == 3
    # One quote for each theme, most used theme first, then the most central remaining answer.
    assert [quote["theme"] and quote["theme"]["en"] for quote in quotes[:2]] == [
        "Compliance cost",
        "Investor protection",
    ]
    by_id = {row[0]: row for row in RESPONDENTS}
    q7 = next(q for q in summary.questions if q.code == "Q7")
    for quote in q7.text.quotes:
        respondent = by_id[quote.submission_id]
        assert respondent[3] != "confidential"
        assert respondent[5] is None  # not from a campaign
        if respondent[3] == "name_and_response":
            assert quote.name == respondent[6]
        else:
            assert quote.name is None
        assert quote.category == respondent[2]
    assert quote_ids(q7) <= {1, 2, 3, 5, 8}
    assert all(CONFIDENTIAL_TEXT not in quote["text"] for quote in quotes)


def quote_ids(question):
    return {quote.submission_id for quote in question.text.quotes}


def test_quotes_are_chosen_deterministically(summary):
    assert summarise(handmade_inputs(), generated_at=GENERATED) == summary
    shuffled = handmade_inputs()
    reordered = ReportInputs(
        meta=shuffled.meta,
        respondents=shuffled.respondents.iloc[::-1].reset_index(drop=True),
        answers=shuffled.answers.sample(frac=1, random_state=3).reset_index(drop=True),
        texts=shuffled.texts.iloc[::-1].reset_index(drop=True),
        themes=shuffled.themes,
        snapshot=shuffled.snapshot,
    )
    assert summary_to_dict(summarise(reordered, generated_at=GENERATED)) == summary_to_dict(summary)


def test_named_quote_never_names_a_respondent_who_did_not_agree():
    inputs = handmade_inputs()
    # A display name present by mistake for a response_only respondent must still not be shown.
    respondents = inputs.respondents.copy()
    respondents.loc[respondents["submission_id"] == 5, "display_name"] = "Should Not Appear"
    changed = ReportInputs(
        meta=inputs.meta,
        respondents=respondents,
        answers=inputs.answers,
        texts=inputs.texts,
        themes=inputs.themes,
        snapshot=inputs.snapshot,
    )
    data = summary_to_dict(summarise(changed, generated_at=GENERATED))
    assert "Should Not Appear" not in str(data)


def test_blank_category_and_type_are_counted_as_not_stated():
    inputs = handmade_inputs()
    rows = [*RESPONDENTS, (9, "", "", "response_only", False, None, None, "en")]
    changed = ReportInputs(
        meta=inputs.meta,
        respondents=respondents_frame(rows),
        answers=inputs.answers,
        texts=inputs.texts,
        themes=inputs.themes,
        snapshot=inputs.snapshot,
    )
    data = summary_to_dict(summarise(changed, generated_at=GENERATED))
    assert data["respondents"]["total"] == 9
    assert data["respondents"]["by_category"] == {
        "public": 4,
        "bank": 2,
        "association": 2,
        NOT_STATED: 1,
    }
    assert data["respondents"]["by_type"] == {"individual": 4, "organisation": 4, NOT_STATED: 1}
    q1 = next(q for q in data["questions"] if q["code"] == "Q1")
    assert (q1["answered"], q1["not_answered"]) == (7, 2)
    assert q1["by_category"][NOT_STATED] == dict.fromkeys(q1["counts"], 0)


def test_no_responses_gives_zeros_and_no_shares():
    inputs = handmade_inputs()
    empty = ReportInputs(
        meta=inputs.meta,
        respondents=inputs.respondents.iloc[0:0],
        answers=inputs.answers.iloc[0:0],
        texts=inputs.texts.iloc[0:0],
        themes=inputs.themes,
        snapshot=inputs.snapshot,
    )
    data = summary_to_dict(summarise(empty, generated_at=GENERATED))
    assert data["respondents"]["total"] == 0
    assert data["respondents"]["by_category"] == {"public": 0, "bank": 0, "association": 0}
    for question in data["questions"]:
        assert (question["answered"], question["not_answered"]) == (0, 0)
        assert all(share is None for share in question["shares"].values())
    q1 = data["questions"][0]
    assert q1["agree"]["net_score"] is None
    assert data["questions"][4]["numbers"]["mean"] is None


def test_answers_frame_may_arrive_with_object_columns():
    # An SQLite cursor can hand back plain Python objects; the figures must not change.
    inputs = handmade_inputs()
    loose = ReportInputs(
        meta=inputs.meta,
        respondents=inputs.respondents,
        answers=inputs.answers.astype(object),
        texts=inputs.texts,
        themes=inputs.themes,
        snapshot=inputs.snapshot,
    )
    expected = summary_to_dict(summarise(inputs, generated_at=GENERATED))
    assert summary_to_dict(summarise(loose, generated_at=GENERATED)) == expected


def test_a_repeated_text_answer_is_counted_once_the_first_kept():
    # One answer per submission and question is a database constraint; a frame that breaks it
    # (a second Q4 answer of respondent 1, and of 5, after every other row) changes nothing.
    inputs = handmade_inputs()
    repeated = texts_frame(
        [
            *TEXTS,
            (1, 4, "A second answer to the same question that must not be counted.", ()),
            (5, 4, "Another second answer, also left out of every figure and quote.", ()),
        ]
    )
    twice = replace(inputs, texts=repeated)
    expected = summary_to_dict(summarise(inputs, generated_at=GENERATED))
    assert len(repeated) == len(inputs.texts) + 2
    assert summary_to_dict(summarise(twice, generated_at=GENERATED)) == expected


def test_agree_values_match_the_standard_scale():
    values = [value for value, _, _ in STANDARD_CHOICES["agree"]]
    assert set(AGREEING) == SCALE_AGREEING
    assert set(DISAGREEING) == SCALE_DISAGREEING
    assert set(values) == set(AGREEING) | set(NEUTRAL) | set(DISAGREEING)


def test_summary_dict_is_plain_json(data):
    assert json.loads(json.dumps(data, allow_nan=False)) == data


def test_terms_of_a_large_question_are_counted_in_a_fixed_sample(monkeypatch):
    monkeypatch.setattr(summary_text, "TERMS_POOL", 4)
    first = summary_to_dict(summarise(handmade_inputs(), generated_at=GENERATED))
    q7 = next(q for q in first["questions"] if q["code"] == "Q7")["free_text"]
    assert (q7["terms_counted_over"], q7["terms_sampled"]) == (4, True)
    assert all(term["count"] <= 4 for term in q7["terms"])
    again = summary_to_dict(summarise(handmade_inputs(), generated_at=GENERATED))
    assert again == first
