"""``summary.json``: the summary's figures keyed by stable values (schema in the README)."""

from __future__ import annotations

import json
from pathlib import Path

from reports.aggregate import summary_to_dict
from reports.summary_types import Summary


def write_json(*, summary: Summary, path: Path) -> None:
    data = summary_to_dict(summary)
    # allow_nan=False: a share of nobody is null, never NaN, which is not JSON.
    path.write_text(
        json.dumps(data, ensure_ascii=False, indent=2, allow_nan=False) + "\n", encoding="utf-8"
    )
