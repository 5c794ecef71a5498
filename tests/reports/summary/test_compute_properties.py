"""Properties of the summary on random consultations (hypothesis).

For any data: every question's answered plus not answered is the respondent total; for the
single-valued kinds the counts add up to answered; the cross-tab rows add up to the category totals
and its columns to the overall counts; and the figures equal a plain-Python recount. The snapshot
hash changes exactly when the set of counted submissions or one of their versions changes.
"""

import datetime as dt
from collections import Counter, defaultdict

from hypothesis import given, settings
from hypothesis import strategies as st

from reports.summary.compute import summarise
from reports.summary.inputs import (
    EXCLUSION_REASONS,
    SINGLE_VALUED_KINDS,
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

CATEGORIES = ("public", "bank", "otc_shop", "association")
KINDS = ("agree", "yes_no_unsure", "single", "multiple", "number", "text")
SECTION = SectionMeta(order=1, title=Text("Section", "部分"))
MOMENT = dt.datetime(2026, 4, 1, tzinfo=dt.UTC)


@st.composite
def consultations(draw):
    """Random questions, respondents and answer rows, including rows that must be ignored."""
    kinds = draw(st.lists(st.sampled_from(KINDS), min_size=1, max_size=5))
    questions = []
    next_choice = 1000
    for index, kind in enumerate(kinds, start=1):
        choices = ()
        if kind in {"agree", "yes_no_unsure", "single", "multiple"}:
            size = 5 if kind == "agree" else draw(st.integers(min_value=1, max_value=4))
            values = (
                ["strongly_agree", "agree", "neutral", "disagree", "strongly_disagree"]
                if kind == "agree"
                else [f"c{i}" for i in range(size)]
            )
            choices = tuple(
                ChoiceMeta(next_choice + i, value, Text(value.upper(), value))
                for i, value in enumerate(values)
            )
            next_choice += 10
        questions.append(
            QuestionMeta(index, f"Q{index}", kind, index, SECTION, Text(f"Q{index}?"), choices)
        )
    n = draw(st.integers(min_value=0, max_value=25))
    respondents = [
        (
            submission_id,
            draw(st.sampled_from(["individual", "organisation", ""])),
            draw(st.sampled_from([*CATEGORIES, ""])),
            draw(st.sampled_from(["name_and_response", "response_only", "confidential"])),
            draw(st.booleans()),
            draw(st.sampled_from([None, None, "C1", "C2"])),
            None,
            draw(st.sampled_from(["en", "zh-hant"])),
        )
        for submission_id in range(1, n + 1)
    ]
    answers, texts = [], []
    # Submission n + 1 is not counted: its rows must be ignored.
    for submission_id in range(1, n + 2):
        for question in questions:
            if not draw(st.booleans()):
                continue
            if question.kind == "multiple":
                picked = draw(st.sets(st.sampled_from(question.choices), max_size=3))
                answers += [(submission_id, question.id, c.id, None) for c in picked]
            elif question.choices:
                # Now and then a choice of another question: not an answer to this one.
                pool = [c for q in questions for c in q.choices]
                choice = draw(st.sampled_from(question.choices if draw(st.booleans()) else pool))
                answers.append((submission_id, question.id, choice.id, None))
            elif question.kind == "number":
                value = draw(st.integers(min_value=-5, max_value=10**9))
                answers.append((submission_id, question.id, None, value))
            else:
                text = draw(st.sampled_from(["", "  ", "retail investors", "客戶資產保障"]))
                texts.append((submission_id, question.id, text, ()))
    meta = ConsultationMeta(
        slug="random",
        reference_prefix="RND",
        title=Text("Random"),
        opens_at=MOMENT,
        closes_at=MOMENT,
        questions=tuple(questions),
        categories=tuple(Option(value, Text(value)) for value in CATEGORIES),
        respondent_types=(
            Option("individual", Text("Individual")),
            Option("organisation", Text("Organisation")),
        ),
        consents=(),
    )
    return ReportInputs(
        meta=meta,
        respondents=respondents_frame(respondents),
        answers=answers_frame(answers),
        texts=texts_frame(texts),
        themes=themes_frame([]),
        snapshot=Snapshot(
            count=n, sha256="0" * 64, as_of=MOMENT, excluded=dict.fromkeys(EXCLUSION_REASONS, 0)
        ),
    )


def recount(inputs):
    """The figures recomputed row by row with plain Python, as an independent oracle."""
    category = {
        row.submission_id: row.category or "not_stated" for row in inputs.respondents.itertuples()
    }
    by_id = {q.id: q for q in inputs.meta.questions}
    answered = defaultdict(set)
    counts = Counter()
    by_category = Counter()
    for row in inputs.answers.itertuples():
        if row.submission_id not in category:
            continue
        question = by_id[row.question_id]
        if question.choices:
            value = next((c.value for c in question.choices if c.id == row.choice_id), None)
            if value is None:
                continue
            counts[(question.code, value)] += 1
            by_category[(question.code, category[row.submission_id], value)] += 1
            answered[question.code].add(row.submission_id)
        elif question.kind == "number":
            answered[question.code].add(row.submission_id)
    for row in inputs.texts.itertuples():
        if row.submission_id in category and row.text.strip():
            answered[by_id[row.question_id].code].add(row.submission_id)
    return answered, counts, by_category


@settings(max_examples=60, deadline=None)
@given(consultations())
def test_figures_add_up_and_match_a_plain_recount(inputs):
    summary = summarise(inputs)
    total = len(inputs.respondents)
    answered, counts, by_category = recount(inputs)
    category_totals = Counter(
        row.category or "not_stated" for row in inputs.respondents.itertuples()
    )
    assert summary.respondents.total == total
    assert sum(summary.respondents.by_category.values()) == total
    assert sum(summary.respondents.by_type.values()) == total
    for question in summary.questions:
        code = question.meta.code
        assert question.answered + question.not_answered == total
        assert question.answered == len(answered[code])
        assert sum(question.answered_by_category.values()) == question.answered
        for value, n in question.counts.items():
            assert n == counts[(code, value)]
        if question.meta.kind in SINGLE_VALUED_KINDS:
            assert sum(question.counts.values()) == question.answered
        if question.meta.kind == "multiple":
            assert all(n <= question.answered for n in question.counts.values())
        for cat, row in question.by_category.items():
            answered_here = question.answered_by_category[cat]
            not_answered_here = question.total_by_category[cat] - answered_here
            # Each cross-tab row adds up to the category's respondents.
            assert answered_here + not_answered_here == category_totals[cat]
            if question.meta.kind in SINGLE_VALUED_KINDS:
                assert sum(row.values()) + not_answered_here == category_totals[cat]
            for value, n in row.items():
                assert n == by_category[(code, cat, value)]
        for value, n in question.counts.items():
            assert sum(row[value] for row in question.by_category.values()) == n


updates = st.dictionaries(
    st.integers(min_value=1, max_value=10**9),
    # hypothesis takes naive bounds and adds the zone itself.
    st.datetimes(
        min_value=dt.datetime(2020, 1, 1),  # noqa: DTZ001
        max_value=dt.datetime(2030, 1, 1),  # noqa: DTZ001
        timezones=st.just(dt.UTC),
    ),
    min_size=1,
    max_size=30,
)


@given(updates, st.randoms(use_true_random=False))
def test_snapshot_hash_ignores_order(rows, random):
    pairs = list(rows.items())
    shuffled = pairs[:]
    random.shuffle(shuffled)
    assert check_sha256(pairs) == check_sha256(shuffled)
    # The same moment written in Hong Kong time is the same version.
    hkt = dt.timezone(dt.timedelta(hours=8))
    assert check_sha256(pairs) == check_sha256([(i, t.astimezone(hkt)) for i, t in pairs])


@given(updates, st.data())
def test_snapshot_hash_changes_when_a_counted_submission_changes(rows, data):
    pairs = sorted(rows.items())
    original = check_sha256(pairs)
    index = data.draw(st.integers(min_value=0, max_value=len(pairs) - 1))
    submission_id, updated_at = pairs[index]
    later = updated_at + dt.timedelta(microseconds=data.draw(st.integers(1, 10**12)))
    modified = pairs[:index] + [(submission_id, later)] + pairs[index + 1 :]
    assert check_sha256(modified) != original
    # Leaving one out, or counting one more, changes it too.
    assert check_sha256(pairs[:index] + pairs[index + 1 :]) != original
    extra = max(rows) + 1
    assert check_sha256([*pairs, (extra, updated_at)]) != original
