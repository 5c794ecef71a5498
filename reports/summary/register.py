"""The register of a report: every submission of the consultation, counted or left out, and why.

One row per response that reached the regulator (submitted, withdrawn or excluded by review;
drafts are not responses), so that each figure can be followed back to the responses behind it
and each left-out count to the responses it names. The rows come from ``reports.loading``; this
module only describes them and checks them against the snapshot the summary counted.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass

from reports.summary.inputs import CHANNEL_WEB, EXCLUSION_REASONS, Snapshot

__all__ = ["CHANNEL_WEB", "RegisterRow", "register_mismatch"]


@dataclass(frozen=True, slots=True)
class RegisterRow:
    submission_id: int
    reference: str
    submitted_at: dt.datetime | None
    # "" when the report counted it, otherwise one of ``EXCLUSION_REASONS``.
    left_out: str
    campaign: str | None
    campaign_confirmed: bool
    is_late: bool
    channel: str = CHANNEL_WEB
    # The respondents the record counts for: a petition's signatories, 1 otherwise.
    weight: int = 1

    @property
    def counted(self) -> bool:
        return not self.left_out


def register_mismatch(rows: Iterable[RegisterRow], snapshot: Snapshot) -> str | None:
    """Why ``rows`` do not agree with ``snapshot`` (counted and left out, reason by reason), or
    None when they do. A register read after the summary disagrees only if the record changed
    in between."""
    reasons: Counter[str] = Counter()
    counted = 0
    for row in rows:
        if row.counted:
            counted += 1
        else:
            reasons[row.left_out] += 1
    if counted != snapshot.count:
        return f"the register counts {counted} submissions, the summary {snapshot.count}"
    if snapshot.excluded:
        for reason in EXCLUSION_REASONS:
            if reasons[reason] != snapshot.excluded.get(reason, 0):
                return (
                    f"the register leaves out {reasons[reason]} as {reason}, "
                    f"the summary {snapshot.excluded.get(reason, 0)}"
                )
    return None
