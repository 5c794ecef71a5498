"""The PDF's method note names the responses left out while they await email confirmation, in
both languages, and says nothing of it when there are none (hand-made consultation, no database)."""

from dataclasses import replace

import pytest

from reports.summary.compute import summarise
from reports.summary.inputs import EXCLUSION_REASONS
from tests.reports.render.test_wording import GENERATED, _pdf_text, needs_poppler
from tests.reports.summary.datasets import handmade_inputs


def _summary(unconfirmed: int | None):
    inputs = handmade_inputs()
    # In the loader's order (EXCLUSION_REASONS), "unconfirmed" only where it applies.
    excluded = {
        reason: inputs.snapshot.excluded.get(reason, unconfirmed)
        for reason in EXCLUSION_REASONS
        if reason != "unconfirmed" or unconfirmed is not None
    }
    snapshot = replace(inputs.snapshot, excluded=excluded)
    return summarise(replace(inputs, snapshot=snapshot), generated_at=GENERATED)


@needs_poppler
@pytest.mark.parametrize(
    ("language", "sentence", "row"),
    [
        (
            "en",
            "5 responses awaiting email confirmation are not counted",
            # The table's label (its cell may wrap before "counted)").
            "Awaiting email confirmation (not",
        ),
        ("zh-hant", "5 份等待電郵確認的回應不計算在內", "等待電郵確認（不"),
    ],
)
def test_method_note_names_the_responses_awaiting_confirmation(tmp_path, language, sentence, row):
    text = _pdf_text(_summary(5), tmp_path, language=language)
    assert sentence in text
    assert row in text  # its line in the table of submissions left out


@needs_poppler
def test_method_note_is_silent_without_unconfirmed_responses(tmp_path):
    text = _pdf_text(_summary(None), tmp_path)
    assert "awaiting email confirmation" not in text.lower()
