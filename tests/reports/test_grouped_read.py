"""On PostgreSQL the report counts choice and number answers with GROUP BY
(``reports.grouped_read``) and has the fingerprint's answers written by the database: the summary
and its fingerprint must be identical to those of the row path (the COPY of every answer row).

Each test reads the same data both ways (``report_inputs(grouped=...)``) and compares every figure
(dataclass equality and summary.json) and the fingerprint: random synthetic responses to both
demo consultations, left-out submissions, campaigns, petitions (weights), licence statuses, blank
profiles, stray rows, and numbers past 2**53.
"""

from __future__ import annotations

import datetime as dt
import json

import pytest
from django.db import connection
from django.db.models import Count
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from reports.loading import report_inputs
from reports.render.json import summary_to_dict
from reports.summary.compute import summarise
from surveys.demo.synthetic import responses_generate
from surveys.models import Answer, CampaignGroup, Question, Submission
from tests.reports.test_loading import _leave_some_out, submission_ids

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(
        connection.vendor != "postgresql", reason="the grouped read is PostgreSQL's"
    ),
]

GENERATED = dt.datetime(2026, 4, 13, 9, 0, tzinfo=dt.UTC)


def _assert_same(consultation, as_of) -> None:
    rows = report_inputs(consultation=consultation, as_of=as_of, grouped=False)
    grouped = report_inputs(consultation=consultation, as_of=as_of, grouped=True)
    assert rows.grouped is None
    assert grouped.grouped is not None and grouped.answers.empty
    assert grouped.snapshot == rows.snapshot  # the fingerprint too
    assert grouped.fingerprint == rows.fingerprint
    by_rows = summarise(rows, generated_at=GENERATED)
    by_groups = summarise(grouped, generated_at=GENERATED)
    assert by_groups == by_rows
    assert json.dumps(summary_to_dict(by_groups), ensure_ascii=False) == json.dumps(
        summary_to_dict(by_rows), ensure_ascii=False
    )


@pytest.mark.parametrize("slug", ["va-otc-dealing", "va-custody"])
@pytest.mark.parametrize("seed", [1, 7])
def test_grouped_read_equals_rows_on_the_demo_consultations(demo_consultations, slug, seed):
    consultation = demo_consultations[slug]
    responses_generate(consultation=consultation, count=90, seed=seed)
    as_of = timezone.now()
    _leave_some_out(consultation, as_of)
    _assert_same(consultation, as_of)


def test_suggested_groups_do_not_multiply_the_grouped_rows(demo_consultations):
    # Detection suggests a group for every pair of similar texts; a figure splits by confirmed
    # campaigns only, so twenty suggested pairs must not add a profile each to the grouped counts.
    consultation = demo_consultations["va-otc-dealing"]
    responses_generate(consultation=consultation, count=60, seed=5)
    as_of = timezone.now()
    before = report_inputs(consultation=consultation, as_of=as_of, grouped=True).grouped
    ids = submission_ids(consultation)
    for pair in range(20):
        group = CampaignGroup.objects.create(consultation=consultation, label=f"S{pair + 1}")
        Submission.objects.filter(pk__in=ids[2 * pair : 2 * pair + 2]).update(campaign_group=group)
    after = report_inputs(consultation=consultation, as_of=as_of, grouped=True).grouped
    assert before is not None and after is not None
    assert len(after.choices) == len(before.choices)
    assert len(after.answered) == len(before.answered)
    assert after.choices["campaign_group"].isna().all()
    # Confirmed, two of them are a campaign of their own in the profile again.
    CampaignGroup.objects.filter(consultation=consultation, label="S1").update(confirmed=True)
    confirmed = report_inputs(consultation=consultation, as_of=as_of, grouped=True).grouped
    assert confirmed is not None
    assert set(confirmed.choices["campaign_group"].dropna()) == {"S1"}
    _assert_same(consultation, as_of)


def test_grouped_read_equals_rows_with_campaigns_petitions_and_odd_rows(demo_consultations):
    consultation = demo_consultations["va-otc-dealing"]
    responses_generate(consultation=consultation, count=60, seed=3)
    as_of = timezone.now()
    ids = submission_ids(consultation)
    confirmed = CampaignGroup.objects.create(consultation=consultation, label="C1", confirmed=True)
    suggested = CampaignGroup.objects.create(consultation=consultation, label="S1")
    Submission.objects.filter(pk__in=ids[:6]).update(campaign_group=confirmed)
    Submission.objects.filter(pk__in=ids[6:9]).update(campaign_group=suggested)
    Submission.objects.filter(pk=ids[10]).update(signatories=2_000_000_000)
    Submission.objects.filter(pk=ids[11]).update(signatories=350, is_late=True)
    Submission.objects.filter(pk__in=ids[12:15]).update(licence_status="licensed")
    Submission.objects.filter(pk=ids[15]).update(licence_status="applicant", is_late=True)
    Submission.objects.filter(pk__in=ids[16:19]).update(category="", respondent_type="")
    submission = Submission.objects.get(pk=ids[20])
    questions = {q.code: q for q in Question.objects.filter(consultation=consultation)}
    multiple = next(q for q in questions.values() if q.kind == "multiple")
    single = next(q for q in questions.values() if q.kind == "single")
    number = next(q for q in questions.values() if q.kind == "number")
    # Stray rows: a choice of another question, on a multiple-choice question (the only row of
    # that question for one respondent); a "multiple" row on a single-choice question.
    Answer.objects.filter(submission_id=ids[21], question=multiple).delete()
    Answer.objects.create(
        consultation=consultation,
        submission_id=ids[21],
        question=multiple,
        choice=single.choices.first(),
        multiple=True,
    )
    Answer.objects.create(
        consultation=consultation,
        submission=submission,
        question=single,
        choice=single.choices.last(),
        multiple=True,
    )
    # Numbers past float64's exact integers, and below zero.
    Answer.objects.filter(submission_id__in=ids[22:25], question=number).delete()
    for pk, value in zip(ids[22:25], [2**60 + 1, -(2**53) - 3, 0], strict=True):
        Answer.objects.create(
            consultation=consultation, submission_id=pk, question=number, number=value
        )
    _assert_same(consultation, as_of)


@settings(
    max_examples=4,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(count=st.integers(min_value=0, max_value=40), seed=st.integers(0, 10_000))
def test_grouped_read_equals_rows_on_random_responses(demo_consultations, count, seed):
    consultation = demo_consultations["va-custody"]
    Submission.objects.filter(consultation=consultation).delete()
    responses_generate(consultation=consultation, count=count, seed=seed)
    _assert_same(consultation, timezone.now())


def test_the_grouped_read_counts_with_group_by(demo_consultations):
    """The choice answers come as counts per profile, never as one row per answer."""
    consultation = demo_consultations["va-otc-dealing"]
    responses_generate(consultation=consultation, count=40, seed=2)
    inputs = report_inputs(consultation=consultation, as_of=timezone.now())
    assert inputs.answers.empty and inputs.grouped is not None
    picked = Answer.objects.filter(
        consultation=consultation, question__kind__in=["agree", "single", "yes_no_unsure"]
    ).exclude(choice=None)
    assert inputs.grouped.choices["rows"].sum() >= picked.count() > len(inputs.grouped.choices)
    per_choice = dict(picked.values_list("choice_id").annotate(n=Count("pk")))
    grouped = inputs.grouped.choices.groupby("choice_id")["rows"].sum()
    assert {c: int(grouped[c]) for c in per_choice} == per_choice
