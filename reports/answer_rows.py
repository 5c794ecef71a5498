"""The answer rows a report counts: which rows they are (one queryset), and reading them, through
PostgreSQL's binary COPY where there is one (``reports.copy_reader``). Part of the report's reading
(``reports.loading``), apart so that each module keeps to one job."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

import pandas as pd
from django.db.models import Q, QuerySet

from reports.copy_reader import answers_copy_frame
from reports.summary.inputs import answers_frame
from surveys.models import Answer, Consultation, QuestionKind, Submission

if TYPE_CHECKING:
    from django.db.backends.base.base import BaseDatabaseWrapper


# An answer row that holds a choice or a number (what the closed and number questions count).
ANSWERED = Q(choice__isnull=False) | Q(number__isnull=False)


def answers_queryset(
    consultation: Consultation, counted: QuerySet[Submission]
) -> QuerySet[Answer, tuple[int, int, int | None, int | None]]:
    return (
        Answer.objects.filter(consultation=consultation, submission__in=counted.values("pk"))
        # Free text is not here, and a stray row whose "multiple" flag disagrees with its
        # question's kind is not an answer (``QuestionKind.counts_row``).
        .filter(
            Q(question__kind__in=QuestionKind.counted_kinds(multiple=True), multiple=True)
            | Q(question__kind__in=QuestionKind.counted_kinds(multiple=False), multiple=False)
        )
        .filter(ANSWERED)
        .order_by()
        .values_list("submission_id", "question_id", "choice_id", "number")
    )


def answers_copy_sql(
    consultation: Consultation, counted: QuerySet[Submission]
) -> tuple[str, Sequence[object]]:
    """The answer rows as five non-null int8 columns, so that a binary COPY row has a fixed size:
    submission, question, choice (-1 for none), number (0 for none), has-number flag."""
    sql, params = answers_queryset(consultation, counted).query.sql_with_params()
    # ``sql`` is Django's own compiled query; the values stay in ``params``.
    columns = (
        "a.submission_id::int8, a.question_id::int8, COALESCE(a.choice_id, -1)::int8,"
        " COALESCE(a.number, 0)::int8, (a.number IS NOT NULL)::int::int8"
    )
    wrapped = f"SELECT {columns} FROM ({sql}) AS a(submission_id, question_id, choice_id, number)"  # noqa: S608
    return wrapped, params


def answers_read(
    consultation: Consultation, counted: QuerySet[Submission], connection: BaseDatabaseWrapper
) -> pd.DataFrame:
    """One row per choice or number answer of the counted submissions, from one streamed query."""
    if connection.vendor == "postgresql":
        sql, params = answers_copy_sql(consultation, counted)
        with connection.cursor() as cursor:
            return answers_copy_frame(cursor, sql, params)
    return answers_frame(answers_queryset(consultation, counted))
