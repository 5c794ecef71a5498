"""The chunked summary equals the one-pass summary exactly, on the same data.

Each dataset is summarised once by ``reports.summary.compute.summarise`` and again by cutting its
submissions into chunks by id, computing each chunk's partial (through its stored JSON form) and
merging them. Every figure must be identical: counts, shares, cross-tabs, medians and quartiles,
top terms and phrases, themes and the quotes chosen. The free-text pools are shrunk in one test so
that the deterministic sampling of terms and quotes is exercised across chunks.
"""

from __future__ import annotations

import datetime as dt
import json
import random

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from reports.render.json import summary_to_dict
from reports.summary import quotes as summary_quotes
from reports.summary import text as summary_text
from reports.summary.chunks import ChunkPlanner, PartialMismatch
from reports.summary.compute import summarise
from reports.summary.inputs import (
    ChoiceMeta,
    ConsultationMeta,
    Option,
    QuestionMeta,
    ReportInputs,
    SectionMeta,
    Snapshot,
    Text,
    answers_frame,
    check_sha256,
    respondents_frame,
    texts_frame,
    themes_frame,
)
from reports.summary.partials import (
    PartialMerge,
    partial_compute,
    partial_dumps,
    partial_loads,
)
from tests.reports.summary.datasets import UPDATED, handmade_inputs
from tests.reports.summary.test_compute_properties import consultations

GENERATED = dt.datetime(2026, 4, 13, 9, 0, tzinfo=dt.UTC)


def _chunk(inputs: ReportInputs, first: int, last: int) -> ReportInputs:
    """What ``report_inputs(id_range=(first, last))`` reads: only that range's submissions."""

    def within(frame: pd.DataFrame) -> pd.DataFrame:
        ids = frame["submission_id"]
        return frame[(ids >= first) & (ids <= last)].reset_index(drop=True)

    respondents = within(inputs.respondents)
    return ReportInputs(
        meta=inputs.meta,
        respondents=respondents,
        answers=within(inputs.answers),
        texts=within(inputs.texts),
        themes=inputs.themes,
        snapshot=Snapshot(
            count=len(respondents),
            sha256=check_sha256((int(i), UPDATED) for i in respondents["submission_id"]),
            as_of=inputs.snapshot.as_of,
            excluded={},
        ),
    )


def _chunked(inputs: ReportInputs, chunks: int):
    """The merged summary of ``inputs`` cut into ``chunks`` id ranges of about equal size."""
    ids = sorted(int(i) for i in inputs.respondents["submission_id"])
    every = set(ids) | {int(i) for i in inputs.answers["submission_id"]}
    every |= {int(i) for i in inputs.texts["submission_id"]}
    top = max(every, default=0)
    size = max(1, -(-len(ids) // chunks))
    # Ranges start after the previous chunk's last counted id, so every id, counted or not, is in
    # exactly one range (the last one runs to the largest id anywhere in the data).
    bounds, first = [], 0
    for start in range(0, len(ids), size):
        last = ids[min(start + size, len(ids)) - 1]
        bounds.append((first, last))
        first = last + 1
    if bounds:
        bounds[-1] = (bounds[-1][0], max(top, bounds[-1][1]))
    else:
        bounds = [(0, top)]
    merge = PartialMerge(meta=inputs.meta, themes=inputs.themes)
    for first_id, last_id in bounds:
        partial = partial_compute(_chunk(inputs, first_id, last_id))
        merge.add(partial_loads(partial_dumps(partial)))
    assert merge.merged == len(bounds)
    return merge.summary(snapshot=inputs.snapshot, generated_at=GENERATED)


def _assert_same(inputs: ReportInputs, chunks: int) -> None:
    one_pass = summarise(inputs, generated_at=GENERATED)
    merged = _chunked(inputs, chunks)
    # Field by field (dataclass equality) and in summary.json's order and types.
    assert merged == one_pass
    assert json.dumps(summary_to_dict(merged), ensure_ascii=False) == json.dumps(
        summary_to_dict(one_pass), ensure_ascii=False
    )


@pytest.mark.parametrize("chunks", [1, 2, 3, 8])
def test_merged_summary_equals_one_pass_on_the_handmade_consultation(chunks):
    _assert_same(handmade_inputs(), chunks)


@settings(max_examples=60, deadline=None)
@given(inputs=consultations(), chunks=st.integers(min_value=1, max_value=6))
def test_merged_summary_equals_one_pass_on_random_consultations(inputs, chunks):
    _assert_same(inputs, chunks)


WORDS = [
    "retail",
    "investors",
    "custody",
    "wallets",
    "segregation",
    "insurance",
    "compliance",
    "costs",
    "licensing",
    "shops",
    "transition",
    "period",
    "smaller",
    "operators",
    "stablecoins",
    "cold",
    "storage",
    "audits",
    "reconciliation",
]
CHINESE = ["保障投資者", "合規成本", "過渡期", "冷錢包", "保險安排", "客戶資產"]


def _large_inputs(n: int, seed: int) -> ReportInputs:
    """``n`` respondents with numbers, texts in both languages, themes and a campaign."""
    rng = random.Random(seed)
    section = SectionMeta(order=1, title=Text("Section", "部分"))
    agree = tuple(
        ChoiceMeta(10 + i, value, Text(value))
        for i, value in enumerate(
            ["strongly_agree", "agree", "neutral", "disagree", "strongly_disagree"]
        )
    )
    channels = tuple(ChoiceMeta(20 + i, f"c{i}", Text(f"C{i}")) for i in range(4))
    questions = (
        QuestionMeta(1, "Q1", "agree", 1, section, Text("Agree?"), agree),
        QuestionMeta(2, "Q2", "multiple", 2, section, Text("Which?"), channels),
        QuestionMeta(3, "Q3", "number", 3, section, Text("How much?")),
        QuestionMeta(4, "Q4", "text", 4, section, Text("Why?")),
        QuestionMeta(5, "Q5", "text", 5, section, Text("Anything else?")),
    )
    categories = ("public", "bank", "otc_shop", "association")
    meta = ConsultationMeta(
        slug="large",
        reference_prefix="LRG",
        title=Text("Large"),
        opens_at=GENERATED,
        closes_at=GENERATED,
        questions=questions,
        categories=tuple(Option(value, Text(value)) for value in categories),
        respondent_types=(
            Option("individual", Text("Individual")),
            Option("organisation", Text("Organisation")),
        ),
        consents=tuple(
            Option(value, Text(value))
            for value in ("name_and_response", "response_only", "confidential")
        ),
        campaigns_confirmed={"C1": True},
    )
    # Ids with gaps, as after withdrawals and exclusions.
    ids = sorted(rng.sample(range(1, n * 3), n))
    respondents, answers, texts = [], [], []
    for submission_id in ids:
        campaign = "C1" if rng.random() < 0.1 else None
        consent = rng.choice(["name_and_response", "response_only", "confidential"])
        respondents.append(
            (
                submission_id,
                rng.choice(["individual", "organisation", ""]),
                rng.choice([*categories, "", "other_value"]),
                consent,
                rng.random() < 0.05,
                campaign,
                f"Name {submission_id}" if consent == "name_and_response" else None,
                rng.choice(["en", "zh-hant", ""]),
            )
        )
        if rng.random() < 0.9:
            answers.append((submission_id, 1, rng.choice(agree).id, None))
        for choice in rng.sample(channels, rng.randint(0, 3)):
            answers.append((submission_id, 2, choice.id, None))
        if rng.random() < 0.7:
            # Few distinct values, so medians and quartiles fall between repeated values.
            answers.append((submission_id, 3, None, rng.choice([-3, 0, 5, 40, 40, 1000, 10**7])))
        for question_id in (4, 5):
            if rng.random() < 0.3:
                continue
            if campaign:
                text = "We the undersigned support the licensing regime for every OTC shop."
            elif rng.random() < 0.3:
                text = "".join(rng.sample(CHINESE, 3)) + "。" + rng.choice(CHINESE) + "非常重要。"
            else:
                text = " ".join(rng.choice(WORDS) for _ in range(rng.randint(3, 40))) + "."
            themes = tuple(sorted(rng.sample([101, 102, 103], rng.randint(0, 2))))
            texts.append((submission_id, question_id, text, themes))
    # Rows of a submission that is not counted.
    answers.append((n * 3 + 5, 1, agree[0].id, None))
    texts.append((n * 3 + 5, 4, "retail investors retail investors custody", (101,)))
    respondents_rows = respondents_frame(respondents)
    return ReportInputs(
        meta=meta,
        respondents=respondents_rows,
        answers=answers_frame(answers),
        texts=texts_frame(texts),
        themes=themes_frame(
            [
                (101, "Protection", "保障", None),
                (102, "Costs", "成本", None),
                (103, "Small firms", "小型公司", 102),
            ]
        ),
        snapshot=Snapshot(
            count=n,
            sha256=check_sha256((i, UPDATED) for i in ids),
            as_of=GENERATED,
            excluded={"withdrawn": 3},
        ),
    )


@pytest.mark.parametrize(("chunks", "seed"), [(2, 1), (5, 2), (13, 3)])
def test_merged_summary_equals_one_pass_when_terms_and_quotes_are_sampled(
    monkeypatch, chunks, seed
):
    # Pools far smaller than the answers: which answers are sampled decides terms and quotes.
    monkeypatch.setattr(summary_text, "TERMS_POOL", 90)
    monkeypatch.setattr(summary_quotes, "QUOTE_POOL", 30)
    inputs = _large_inputs(700, seed)
    one_pass = summarise(inputs, generated_at=GENERATED)
    text = next(q.text for q in one_pass.questions if q.code == "Q4")
    assert text.terms_sampled and text.terms_counted_over == 90
    assert text.quotes and text.themes
    numbers = next(q.numbers for q in one_pass.questions if q.code == "Q3")
    assert numbers.median is not None and numbers.count > 400
    _assert_same(inputs, chunks)


def test_merged_summary_equals_one_pass_with_full_pools():
    _assert_same(_large_inputs(400, 4), 4)


def test_number_figures_match_pandas_quantiles():
    inputs = _large_inputs(300, 5)
    one_pass = summarise(inputs, generated_at=GENERATED)
    numbers = next(q.numbers for q in one_pass.questions if q.code == "Q3")
    counted = set(inputs.respondents["submission_id"])
    answers = inputs.answers
    values = answers[(answers["question_id"] == 3) & answers["submission_id"].isin(counted)]
    as_float = values["number"].astype("float64")
    assert (numbers.q1, numbers.median, numbers.q3) == tuple(
        float(x) for x in as_float.quantile([0.25, 0.5, 0.75])
    )
    assert numbers.mean == pytest.approx(float(as_float.mean()), rel=1e-15)
    assert sum(band.count for band in numbers.bands) == numbers.count == len(values)


def test_a_chunk_that_counted_other_submissions_is_refused():
    inputs = handmade_inputs()
    planner = ChunkPlanner(size=4)
    for submission_id in sorted(inputs.respondents["submission_id"]):
        planner.add(int(submission_id), UPDATED)
    chunks, _ = planner.finish()
    merge = PartialMerge(meta=inputs.meta, themes=inputs.themes)
    merge.add(
        partial_compute(_chunk(inputs, chunks[0].first_id, chunks[0].last_id)), expected=chunks[0]
    )
    # The second chunk as read after a submission in it was withdrawn.
    changed = _chunk(inputs, chunks[1].first_id, chunks[1].last_id)
    withdrawn = changed.respondents.iloc[1:]
    changed = ReportInputs(
        meta=changed.meta,
        respondents=withdrawn,
        answers=changed.answers,
        texts=changed.texts,
        themes=changed.themes,
        snapshot=Snapshot(
            count=len(withdrawn),
            sha256=check_sha256((int(i), UPDATED) for i in withdrawn["submission_id"]),
            as_of=changed.snapshot.as_of,
            excluded={},
        ),
    )
    with pytest.raises(PartialMismatch):
        merge.add(partial_compute(changed), expected=chunks[1])


def test_the_chunk_plan_hashes_the_snapshot_like_one_pass():
    rows = [(i, UPDATED + dt.timedelta(minutes=i)) for i in (3, 5, 8, 13, 21, 34, 55)]
    planner = ChunkPlanner(size=3)
    for submission_id, updated_at in rows:
        planner.add(submission_id, updated_at)
    chunks, sha256 = planner.finish()
    assert sha256 == check_sha256(rows)
    assert [(c.first_id, c.last_id, c.count) for c in chunks] == [
        (3, 8, 3),
        (13, 34, 3),
        (55, 55, 1),
    ]
    assert chunks[1].sha256 == check_sha256(rows[3:6])
    assert planner.count == 7


def test_a_partial_from_before_the_split_figures_leaves_them_out():
    inputs = handmade_inputs()
    merge = PartialMerge(meta=inputs.meta, themes=inputs.themes)
    partial = partial_compute(inputs)
    for key in ("group_totals", "group_choices", "group_answered"):
        del partial[key]
    merge.add(partial)
    merged = merge.summary(snapshot=inputs.snapshot, generated_at=GENERATED)
    q1 = merged.questions[0]
    assert q1.by_type == {} and q1.outside_campaigns is None and q1.late_only is None
    # Everything else is as before.
    assert q1.counts == summarise(inputs, generated_at=GENERATED).questions[0].counts
