"""Compute the summary of one consultation: read its counted responses, then aggregate them."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from django.utils.translation import gettext_noop

from reports.loading import report_inputs
from reports.summary.compute import summarise
from reports.summary.types import Summary
from surveys.models import Consultation

# Step names are stored untranslated; pages translate them in the reader's language.
STEP_READING = gettext_noop("Reading the responses")
STEP_RESPONDENTS = gettext_noop("Counting respondents")
STEP_QUESTIONS = gettext_noop("Summarising the answers")
# summary_compute reports 0-60 %: reading takes up to READ_DONE, each question an equal share of
# the rest (rendering, which follows, is the caller's 60-100 %).
READ_DONE = 20
AGGREGATE_DONE = 60


def summary_compute(
    *,
    consultation: Consultation,
    as_of: dt.datetime,
    on_progress: Callable[[int, str], None] | None = None,
) -> Summary:
    """The summary of ``consultation``'s responses submitted up to ``as_of``.

    ``on_progress(percent, step)`` is called as the work advances, from 0 to 60.
    """

    def progress(percent: int, step: str) -> None:
        if on_progress is not None:
            on_progress(percent, step)

    progress(0, STEP_READING)
    inputs = report_inputs(consultation=consultation, as_of=as_of)
    progress(READ_DONE, STEP_RESPONDENTS)

    def question_done(done: int, total: int, code: str) -> None:
        progress(READ_DONE + (AGGREGATE_DONE - READ_DONE) * done // max(total, 1), STEP_QUESTIONS)

    summary = summarise(inputs, on_question=question_done)
    progress(AGGREGATE_DONE, STEP_QUESTIONS)
    return summary
