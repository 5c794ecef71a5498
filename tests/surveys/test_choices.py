"""Which answer rows a report counts, by question kind and the row's "multiple" flag: one rule
(``QuestionKind.counts_row``) behind the answer rows the report reads and the grouped counts."""

from __future__ import annotations

import pytest

from surveys.choices import QuestionKind


@pytest.mark.parametrize(
    ("kind", "flagged", "counted"),
    [
        ("multiple", True, True),
        ("multiple", False, False),
        ("single", False, True),
        ("single", True, False),
        ("agree", False, True),
        ("yes_no_unsure", True, False),
        ("number", False, True),
        ("number", True, False),
        ("text", False, False),
        ("text", True, False),
    ],
)
def test_a_row_counts_when_its_flag_agrees_with_its_kind(kind, flagged, counted):
    assert QuestionKind.counts_row(kind, flagged) is counted


def test_the_counted_kinds_are_read_off_the_same_rule():
    assert QuestionKind.counted_kinds(multiple=True) == ["multiple"]
    assert set(QuestionKind.counted_kinds(multiple=False)) == {
        "agree",
        "yes_no_unsure",
        "single",
        "number",
    }
