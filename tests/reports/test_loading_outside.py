"""A worker reads a report outside any transaction: the reader opens its own read-only
transaction, and the grouped counts (``reports.grouped_read``) run beside it, on a connection of
their own, in the snapshot it exported.

A module of its own: these tests commit their rows, so they cannot run while a module's shared
demo (``tests/conftest.py``, rolled back at the module's end) is open; pytest-django runs
committing tests after the others, which in a module sharing the demo is while it is open."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from reports.loading import report_inputs
from reports.summary.compute import summarise
from surveys.demo.synthetic import responses_generate
from surveys.models import CampaignGroup, Submission
from tests.reports.test_loading import submission_ids

GENERATED = dt.datetime(2026, 4, 13, 9, 0, tzinfo=dt.UTC)


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the grouped read is PostgreSQL's")
@pytest.mark.django_db(transaction=True)
def test_outside_a_transaction_the_grouped_queries_run_side_by_side_and_agree(
    demo_consultations,
):
    # A worker reads outside any transaction: the grouped queries then run on connections of
    # their own, side by side, in the snapshot the reader exported. Their counts must be the
    # rows' to the last figure, and both queries must have run beside the reader.
    consultation = demo_consultations["va-otc-dealing"]
    responses_generate(consultation=consultation, count=80, seed=11)
    ids = submission_ids(consultation)
    confirmed = CampaignGroup.objects.create(consultation=consultation, label="C9", confirmed=True)
    Submission.objects.filter(pk__in=ids[:5]).update(campaign_group=confirmed)
    as_of = timezone.now()
    assert not connection.in_atomic_block
    with CaptureQueriesContext(connection) as captured:
        grouped = report_inputs(consultation=consultation, as_of=as_of, grouped=True)
    # Neither GROUP BY ran on the reader's own connection.
    assert not any("GROUP BY" in q["sql"] and "COUNT(*)" in q["sql"] for q in captured)
    rows = report_inputs(consultation=consultation, as_of=as_of, grouped=False)
    assert grouped.grouped is not None and rows.grouped is None
    assert summarise(grouped, generated_at=GENERATED) == summarise(rows, generated_at=GENERATED)
    assert grouped.snapshot == rows.snapshot


@pytest.mark.django_db(transaction=True)
def test_outside_a_transaction_the_reads_share_one_snapshot(demo_consultations):
    # The worker calls report_inputs outside any transaction: then it opens its own, read-only.
    consultation = demo_consultations["va-otc-dealing"]
    responses_generate(consultation=consultation, count=15, seed=6)
    assert not connection.in_atomic_block
    with CaptureQueriesContext(connection) as captured:
        inputs = report_inputs(consultation=consultation, as_of=timezone.now())
    assert inputs.snapshot.count == 15
    if connection.vendor == "postgresql":
        assert any("REPEATABLE READ" in q["sql"] for q in captured.captured_queries)
    assert not connection.in_atomic_block
