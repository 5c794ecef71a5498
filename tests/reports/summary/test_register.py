"""The register agrees with the snapshot only when every counted and left-out number matches."""

from __future__ import annotations

import datetime as dt

from reports.summary.inputs import EXCLUSION_REASONS, Snapshot
from reports.summary.register import RegisterRow, register_mismatch

AS_OF = dt.datetime(2026, 4, 13, tzinfo=dt.UTC)


def _row(pk: int, left_out: str = "") -> RegisterRow:
    return RegisterRow(
        submission_id=pk,
        reference=f"OTC-{pk:06d}",
        submitted_at=AS_OF,
        left_out=left_out,
        campaign=None,
        campaign_confirmed=False,
        is_late=False,
    )


def _snapshot(count: int, **excluded: int) -> Snapshot:
    return Snapshot(
        count=count,
        sha256="0" * 64,
        as_of=AS_OF,
        excluded={reason: excluded.get(reason, 0) for reason in EXCLUSION_REASONS},
    )


def test_a_register_matching_the_snapshot_has_no_mismatch():
    rows = [_row(1), _row(2), _row(3, "spam"), _row(4, "withdrawn")]
    assert register_mismatch(rows, _snapshot(2, spam=1, withdrawn=1)) is None


def test_a_different_count_or_reason_is_a_mismatch():
    rows = [_row(1), _row(2), _row(3, "spam")]
    assert "counts 2" in register_mismatch(rows, _snapshot(3, spam=1))
    assert "as spam" in register_mismatch(rows, _snapshot(2, spam=0))
    assert "as duplicate" in register_mismatch(rows, _snapshot(2, spam=1, duplicate=1))
