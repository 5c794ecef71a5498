"""Summarise one consultation's counted responses: pure pandas and numpy, no ORM, no Celery.

``summarise`` turns :class:`reports.summary.inputs.ReportInputs` into a
:class:`reports.summary.types.Summary`. Counting is vectorised over whole columns: every answer
row is mapped to integer codes (its choice's position among all choices of the consultation, its
respondent's category) and counted with one ``np.bincount`` per table, so the cost grows with the
number of rows only through numpy, and the Python loops run once per question, never once per
answer. Free text cannot avoid looking at each text, but it too is scanned once per question.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

import pandas as pd

from reports.summary.closed import ClosedTables, closed_question, closed_tables
from reports.summary.context import Context, answer_arrays, context_of
from reports.summary.grouped import grouped_tables
from reports.summary.inputs import ReportInputs
from reports.summary.numbers import number_question, number_tables
from reports.summary.respondents import respondent_groups, respondent_summary
from reports.summary.text import question_texts, text_question, texts_prepared, themes_by_id
from reports.summary.types import Summary


def summarise(
    inputs: ReportInputs,
    *,
    generated_at: dt.datetime | None = None,
    on_question: Callable[[int, int, str], None] | None = None,
) -> Summary:
    """The summary of ``inputs``. ``on_question(done, total, code)`` is told of each question."""
    meta = inputs.meta
    context, respondents = context_of(inputs)
    closed, numbers = _tables(context, inputs)
    texts = texts_prepared(context, inputs.texts, respondents)
    themes = themes_by_id(inputs.themes)

    questions = []
    total_questions = len(meta.questions)
    for done, question in enumerate(meta.questions, start=1):
        if question.is_closed:
            summary = closed_question(context, question, closed)
        elif question.kind == "number":
            summary = number_question(context, question, closed, numbers)
        else:
            rows = question_texts(context, texts, respondents, question.id)
            summary = text_question(context, question, closed, rows, themes)
        questions.append(summary)
        if on_question is not None:
            on_question(done, total_questions, question.code)

    return Summary(
        meta=meta,
        generated_at=generated_at or dt.datetime.now(tz=dt.UTC),
        snapshot=inputs.snapshot,
        respondents=respondent_summary(context, respondent_groups(respondents)),
        questions=tuple(questions),
    )


def closed_and_number_tables(inputs: ReportInputs) -> int:
    """Count the choice and number answers of ``inputs`` (the tables every closed and number
    question's figures are read from); return how many answer rows were counted. The benchmark
    times this against the cost of reading the same rows (see bench/README.md)."""
    context, _respondents = context_of(inputs)
    _tables(context, inputs)
    if inputs.grouped is not None:
        return int(inputs.grouped.choices["rows"].sum() + inputs.grouped.numbers["rows"].sum())
    return len(inputs.answers)


def _tables(context: Context, inputs: ReportInputs) -> tuple[ClosedTables, pd.DataFrame]:
    """The closed questions' tables and the number answers: from the database's grouped counts
    when the loader read them (``inputs.grouped``), else counted from the answer rows."""
    if inputs.grouped is not None:
        return grouped_tables(context, inputs.grouped)
    answers = answer_arrays(context, inputs.answers)
    return closed_tables(context, answers), number_tables(context, answers)
