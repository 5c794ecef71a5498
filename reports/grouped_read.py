"""The choice and number answers of a report counted by the database: GROUP BY, not rows.

A helper of ``reports.loading`` (which passes it the answer rows a report counts,
``report_answers``: one rule for which rows are answers). ``grouped_answers`` runs two grouped
queries over them and returns their counts per respondent profile
(``reports.summary.grouped.PROFILE_COLUMNS``), for the pure code to turn into the same tables as
the rows give; ``grouped_answers_beside`` runs them on a second connection in the report's
snapshot; ``counted_lines_written`` makes the fingerprint's counted section with each
submission's answers written by the database (``written_answers``). Django's ORM writes the
grouped queries (``values().annotate()``, they run on SQLite too); the written answers need
PostgreSQL's ``string_agg``, and the report takes this path on PostgreSQL only.

Measured on bench-otc-100000 (1.93 million answer rows), see bench/notes-groupby.md.
"""

from __future__ import annotations

import re
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any

import pandas as pd
from django.contrib.postgres.aggregates import StringAgg
from django.db import connections, transaction
from django.db.models import BooleanField, Case, CharField, Count, F, Q, QuerySet, Value, When
from django.db.models.functions import Cast, Coalesce, Concat

from reports.summary.fingerprint import counted_lines
from reports.summary.grouped import GroupedAnswers, grouped_frames
from reports.summary.inputs import ConsultationMeta
from surveys.models import Answer, QuestionKind

# The respondent's profile (PROFILE_COLUMNS, in that order) as seen from an answer row: the
# campaign is the label of a confirmed one only (``_confirmed_campaign``).
_PROFILE = (
    "submission__category",
    "submission__respondent_type",
    "submission__is_late",
    "confirmed_campaign",
    "submission__licence_status",
    "submission__signatories",
)


def _confirmed_campaign(answers: QuerySet[Answer, Any]) -> QuerySet[Answer, Any]:
    """``answers`` with their respondent's campaign label where a reviewer confirmed the
    campaign, else null. A figure splits by confirmed campaigns only (``context.group_codes``),
    and detection suggests a group for every pair of similar texts: with every label in the key,
    the 32,174 suggested groups of bench-otc-1000000 multiplied the grouped rows until the
    one-pass summary held 3 GB (bench/README.md, round 4)."""
    return answers.annotate(
        confirmed_campaign=Case(
            When(
                submission__campaign_group__confirmed=True,
                then=F("submission__campaign_group__label"),
            ),
            default=Value(None),
            output_field=CharField(),
        )
    )


def grouped_answers(*, answers: QuerySet[Answer, Any], meta: ConsultationMeta) -> GroupedAnswers:
    """The counts of the answer rows ``answers`` (``reports.loading.report_answers``) by
    respondent profile (``GroupedAnswers``).

    Two grouped queries: every answer row by (question, choice, number, profile), which the pure
    code checks as it checks rows (a choice counts for its own closed question only, a number for
    a number question); and, for the multiple-choice questions only, distinct respondents per
    (question, profile, whether the row's choice is one of the question's own). A respondent
    answers a single-valued question at most once (the ``answer_one_per_question`` constraint;
    ``report_answers`` keeps only the ``multiple=False`` rows of those), so its respondents
    answering are its valid rows summed over the choices, with no DISTINCT to sort.

    Which choice is a question's own is a column of the result, not a filter: as a filter (an OR
    of (question, choices) pairs, or a join to the choice table, seldom analysed) it made
    PostgreSQL expect a handful of rows and choose nested loops, 10 to 50 times slower.
    """
    closed = [q for q in meta.questions if q.kind in QuestionKind.closed()]
    answers = _confirmed_campaign(answers)
    rows = (
        answers.values("question_id", "choice_id", "number", *_PROFILE)
        .annotate(rows=Count("*"))
        .order_by()
        .values_list("question_id", "choice_id", "number", *_PROFILE, "rows")
    )
    own = {c.id: q.id for q in closed for c in q.choices}
    numbered = {q.id for q in meta.questions if q.kind == QuestionKind.NUMBER}
    single_ids = {q.id for q in closed if q.kind != QuestionKind.MULTIPLE}
    choices: list[tuple[object, ...]] = []
    numbers: list[tuple[object, ...]] = []
    single: dict[tuple[object, ...], int] = {}
    for question_id, choice_id, number, *profile, n in rows:
        if choice_id is not None and own.get(choice_id) == question_id:
            choices.append((question_id, choice_id, *profile, n))
            if question_id in single_ids:
                key = (question_id, *profile)
                single[key] = single.get(key, 0) + n
        if number is not None and question_id in numbered:
            numbers.append((question_id, number, *profile, n))
    answered = [(*key, n) for key, n in single.items()]
    multiple = [q for q in closed if q.kind == QuestionKind.MULTIPLE and q.choices]
    if multiple:
        own_choice = Q(pk__in=[])
        for question in multiple:
            own_choice |= Q(question_id=question.id, choice_id__in=[c.id for c in question.choices])
        answered += [
            (question_id, *profile, n)
            for question_id, valid, *profile, n in answers.filter(
                question_id__in=[q.id for q in multiple]
            )
            .annotate(
                own=Case(When(own_choice, then=True), default=False, output_field=BooleanField())
            )
            .values("question_id", "own", *_PROFILE)
            .annotate(respondents=Count("submission_id", distinct=True))
            .order_by()
            .values_list("question_id", "own", *_PROFILE, "respondents")
            if valid
        ]
    return grouped_frames(choices, answered, numbers)


# The memory PostgreSQL may give each sort and hash of a report's reading (``SET LOCAL``, the
# report's transactions only). At the server's default (4 MB) the grouped counts of
# bench-otc-100000 (23,067 groups of 1.9 million answer rows) were sorted on disk by their wide
# key: 4.7-5.1 s; with 64 MB PostgreSQL hashes them in memory: 2.6-2.8 s, measured alternately
# in the same minutes (bench/README.md, round 4).
REPORT_WORK_MEM = "64MB"

_SNAPSHOT_ID = re.compile(r"[0-9A-F]+-[0-9A-F]+(-[0-9]+)?")


def grouped_answers_beside(
    *, answers: QuerySet[Answer, Any], meta: ConsultationMeta, alias: str, snapshot: str
) -> Future[GroupedAnswers]:
    """``grouped_answers`` run on a second connection, in a thread, while the caller reads the
    rest: in the same snapshot of the database, the one the caller's repeatable-read transaction
    exported (``pg_export_snapshot()``; the caller keeps it open until the result is in).

    The grouped queries keep the database busy and this process waiting, while reading the
    respondents and the free text keeps this process busy (psycopg makes each row's Python
    objects): side by side they take about the longer of the two (bench/notes-groupby.md).
    Raw SQL: Django has no API to import a snapshot or set a transaction's isolation level.
    """
    if not _SNAPSHOT_ID.fullmatch(snapshot):
        raise ValueError(f"not a snapshot id: {snapshot!r}")

    def run() -> GroupedAnswers:
        try:
            with transaction.atomic(using=alias), connections[alias].cursor() as cursor:
                cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY")
                # The id comes from the database and was checked above: SET takes no parameters.
                cursor.execute(f"SET TRANSACTION SNAPSHOT '{snapshot}'")
                cursor.execute("SET LOCAL jit = off")
                cursor.execute(f"SET LOCAL work_mem = '{REPORT_WORK_MEM}'")
                return grouped_answers(answers=answers, meta=meta)
        finally:
            connections[alias].close()

    executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="grouped-answers")
    future = executor.submit(run)
    executor.shutdown(wait=False)
    return future


def _text(field: str, *, null: bool) -> Any:
    text = Cast(field, CharField())
    return Coalesce(text, Value("null"), output_field=CharField()) if null else text


def written_answers(*, answers: QuerySet[Answer, Any]) -> list[tuple[int, str]]:
    """Each submission's answer rows written as the fingerprint writes them
    (``reports.summary.fingerprint``: ``[question,choice,number],...`` ordered by question, then
    choice, then number, a null first), by the database, in ascending submission id.

    A string per submission instead of a row per answer: on bench-otc-100000 the database writes
    the 100,000 strings in less time than the COPY of the 1.93 million rows takes (10.8 s against
    14.8 s measured together on a loaded machine, see bench/notes-groupby.md), and the rows never
    reach Python. PostgreSQL only (``string_agg``); the row path writes the same bytes. One
    plain query (a server-side cursor made PostgreSQL plan for the first rows: 10 times slower):
    the caller asks for a batch of submissions at a time.
    """
    part = Concat(
        Value("["),
        _text("question_id", null=False),
        Value(","),
        _text("choice_id", null=True),
        Value(","),
        _text("number", null=True),
        Value("]"),
        output_field=CharField(),
    )
    rows = (
        answers.values("submission_id")
        .annotate(
            parts=StringAgg(
                part,
                delimiter=",",
                order_by=(
                    "question_id",
                    F("choice_id").asc(nulls_first=True),
                    F("number").asc(nulls_first=True),
                ),
            )
        )
        .order_by("submission_id")
        .values_list("submission_id", "parts")
    )
    return list(rows)


# Respondents whose fingerprint records are written at a time from the database's written
# answers (``written_answers``): memory follows the batch, not the consultation.
_WRITTEN_BATCH = 50_000


def counted_lines_written(
    *,
    answers: QuerySet[Answer, Any],
    respondents: pd.DataFrame,
    texts: pd.DataFrame,
    meta: ConsultationMeta,
) -> bytes:
    """``counted_lines`` of the respondents (ascending ids, as ``reports.loading`` reads them,
    with the review columns), their answer rows ``answers`` written by the database
    (``written_answers``), a batch of respondents at a time."""
    text_ids = texts["submission_id"].to_numpy()
    lines = bytearray()
    for start in range(0, len(respondents), _WRITTEN_BATCH):
        batch = respondents.iloc[start : start + _WRITTEN_BATCH]
        ids = batch["submission_id"].tolist()
        parts = dict.fromkeys(ids, "")
        within_ids = answers.filter(submission_id__gte=ids[0], submission_id__lte=ids[-1])
        for submission_id, written in written_answers(answers=within_ids):
            if submission_id in parts:
                parts[submission_id] = written
        within = (text_ids >= ids[0]) & (text_ids <= ids[-1])
        lines += counted_lines(
            respondents=batch,
            answers=None,
            texts=texts[within],
            campaigns_confirmed=meta.campaigns_confirmed,
            answer_parts=list(parts.values()),
        )
    return bytes(lines)
