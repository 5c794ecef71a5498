"""The summary from answer counts grouped by respondent profile equals the one from answer rows.

``reports.summary.grouped.answers_grouped`` groups the rows in pandas exactly as the database's
GROUP BY does (``reports.grouped_read``; tests/reports/test_grouped_read.py compares the two on
PostgreSQL); here every figure of the summary built from the grouped counts must be identical to
the one-pass summary of the rows: hand-made data, petitions (weights), random consultations.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import replace

import pytest
from hypothesis import given, settings

from reports.render.json import summary_to_dict
from reports.summary.compute import summarise
from reports.summary.grouped import answers_grouped
from reports.summary.inputs import ReportInputs, answers_frame
from tests.reports.summary.datasets import handmade_inputs
from tests.reports.summary.petition_data import petition_inputs
from tests.reports.summary.test_compute_properties import consultations
from tests.reports.summary.test_partials import _large_inputs

GENERATED = dt.datetime(2026, 4, 13, 9, 0, tzinfo=dt.UTC)


def _grouped(inputs: ReportInputs) -> ReportInputs:
    """``inputs`` as the grouped loader gives them: counts instead of answer rows."""
    grouped = answers_grouped(inputs.meta, inputs.respondents, inputs.answers)
    return replace(inputs, answers=answers_frame([]), grouped=grouped)


def _assert_same(inputs: ReportInputs) -> None:
    rows = summarise(inputs, generated_at=GENERATED)
    grouped = summarise(_grouped(inputs), generated_at=GENERATED)
    assert grouped == rows
    assert json.dumps(summary_to_dict(grouped), ensure_ascii=False) == json.dumps(
        summary_to_dict(rows), ensure_ascii=False
    )


def test_grouped_summary_equals_rows_on_the_handmade_consultation():
    _assert_same(handmade_inputs())


@pytest.mark.parametrize("signatories", [1, 250, 2**40])
def test_grouped_summary_equals_rows_with_petition_weights(signatories):
    _assert_same(petition_inputs(signatories=signatories))


def test_grouped_summary_equals_rows_on_a_large_consultation():
    _assert_same(_large_inputs(3000, seed=11))


@settings(max_examples=80, deadline=None)
@given(inputs=consultations())
def test_grouped_summary_equals_rows_on_random_consultations(inputs):
    _assert_same(inputs)
