"""The chunk plan travels to the merge task as JSON and comes back as the same plan; a message
queued in the shape the plan has always had is still understood."""

import datetime as dt
import json
from dataclasses import replace

import pytest

from reports.jobs.chunked import ChunkPlan
from reports.summary.chunks import ChunkSpec, PartialMismatch
from reports.summary.inputs import Snapshot
from reports.summary.partials import PartialMerge
from tests.reports.summary.datasets import handmade_inputs

PLAN = ChunkPlan(
    report_id=7,
    attempt=2,
    snapshot=Snapshot(
        count=250_000,
        sha256="ab" * 32,
        as_of=dt.datetime(2026, 4, 12, 15, 59, tzinfo=dt.UTC),
        excluded={"withdrawn": 3, "spam": 1},
    ),
    chunks=(
        ChunkSpec(index=0, first_id=1, last_id=150_000, count=150_000, sha256="cd" * 32),
        ChunkSpec(index=1, first_id=150_001, last_id=260_000, count=100_000, sha256="ef" * 32),
    ),
)


def test_a_plan_survives_the_trip_through_json():
    message = json.loads(json.dumps(PLAN.message()))
    assert ChunkPlan.from_message(message) == PLAN


def test_the_message_keeps_the_shape_of_queued_merges():
    assert PLAN.message() == {
        "report_id": 7,
        "attempt": 2,
        "as_of": "2026-04-12T15:59:00+00:00",
        "count": 250_000,
        "sha256": "ab" * 32,
        "excluded": {"withdrawn": 3, "spam": 1},
        "chunks": [
            {"index": 0, "first_id": 1, "last_id": 150_000, "count": 150_000, "sha256": "cd" * 32},
            {
                "index": 1,
                "first_id": 150_001,
                "last_id": 260_000,
                "count": 100_000,
                "sha256": "ef" * 32,
            },
        ],
        "left_out_sha256": None,
    }
    assert PLAN.folder == "reports/partials/report-7/attempt-2"


def test_the_reviewers_reasons_for_other_exclusions_reach_the_merge():
    snapshot = replace(
        PLAN.snapshot,
        excluded={"other": 3},
        excluded_other_reasons={"A test account": 2, "": 1},
    )
    plan = replace(PLAN, snapshot=snapshot)
    message = json.loads(json.dumps(plan.message()))
    assert message["excluded_other_reasons"] == {"A test account": 2, "": 1}
    assert ChunkPlan.from_message(message) == plan
    # A merge queued before the reasons were carried has none.
    del message["excluded_other_reasons"]
    assert ChunkPlan.from_message(message).snapshot.excluded_other_reasons == {}


def test_a_message_from_before_the_fingerprint_is_read_and_its_merge_refused():
    message = PLAN.message()
    del message["left_out_sha256"]
    plan = ChunkPlan.from_message(message)
    assert plan.left_out_sha256 is None
    merge = PartialMerge(meta=handmade_inputs().meta, themes=handmade_inputs().themes)
    # Without the plan's left-out section there is no fingerprint to give: the report fails
    # as "the responses changed", and building it again makes a new plan.
    with pytest.raises(PartialMismatch):
        plan.snapshot_with(merge)
