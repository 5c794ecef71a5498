"""The choice and number answers of a report counted by the database: GROUP BY, not rows.

A helper of ``reports.loading``. ``grouped_answers`` groups the answer rows of the counted
submissions by question, choice, number and respondent *profile*, one integer per respondent
(``_people_sql``), then reads the fields of each profile and keeps the rows a report counts (the
rule of ``reports.answer_rows.answers_queryset``, ``QuestionKind.counts_row``), for the pure code
(``reports.summary.grouped``) to turn into the same tables as the rows give.
``grouped_answers_beside`` runs the grouped queries beside the caller's reading, in its snapshot;
``counted_lines_written`` makes the fingerprint's counted section with each submission's answers
written by the database (``written_answers``). The grouped queries are Django's compiled
querysets joined in a few lines of SQL (the ORM cannot join a subquery); they and the written
answers (``string_agg``) are PostgreSQL's, and the report takes this path on PostgreSQL only.

Measured on bench-otc-100000 (1.93 million answer rows): bench/notes-groupby.md and
bench/README.md (round 5).
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import Any

import pandas as pd
from django.contrib.postgres.aggregates import StringAgg
from django.db import connections
from django.db.models import Case, CharField, F, Min, Q, QuerySet, Value, When, Window
from django.db.models.functions import Cast, Coalesce, Concat

from reports.answer_rows import ANSWERED
from reports.beside import SideReader
from reports.summary.fingerprint import counted_lines
from reports.summary.grouped import GroupedAnswers, grouped_frames
from reports.summary.inputs import ConsultationMeta
from surveys.models import Answer, QuestionKind, Submission

# A query as SQL and its parameters.
Statement = tuple[str, tuple[Any, ...]]

# The respondent's profile (PROFILE_COLUMNS, in that order) as a submission's fields: the
# campaign is the label of a confirmed one only (``_confirmed_campaign``).
_PROFILE = (
    "category",
    "respondent_type",
    "is_late",
    "confirmed_campaign",
    "licence_status",
    "signatories",
)


def _confirmed_campaign(submissions: QuerySet[Submission, Any]) -> QuerySet[Submission, Any]:
    """``submissions`` with their campaign label where a reviewer confirmed the campaign, else
    null. A figure splits by confirmed campaigns only (``context.group_codes``), and detection
    suggests a group for every pair of similar texts: with every label in the key, the 32,174
    suggested groups of bench-otc-1000000 multiplied the grouped rows until the one-pass summary
    held 3 GB (bench/README.md, round 4)."""
    return submissions.annotate(
        confirmed_campaign=Case(
            When(campaign_group__confirmed=True, then=F("campaign_group__label")),
            default=Value(None),
            output_field=CharField(),
        )
    )


def _people_sql(counted: QuerySet[Submission, Any]) -> Statement:
    """The counted submissions as ``(id, profile)``: the profile is the smallest id among the
    counted submissions with the same ``_PROFILE`` fields (a window over them), so that the
    answers are grouped by one integer instead of six columns, four of them text, and without
    joining every answer row to its submission's fields (bench/README.md, round 5)."""
    people = (
        _confirmed_campaign(counted.order_by())
        .annotate(profile=Window(Min("pk"), partition_by=[F(field) for field in _PROFILE]))
        .values_list("pk", "profile")
    )
    sql, params = people.query.sql_with_params()
    return sql, tuple(params)


def _grouped_sql(
    inner: QuerySet[Answer, Any], columns: str, people: Statement, group: str
) -> Statement:
    """``SELECT {group}, profile, COUNT(*)`` over the rows of ``inner`` (named ``columns``, the
    first one the submission) joined to their submission's profile (``_people_sql``). Raw SQL
    around Django's compiled queries: the ORM cannot join a subquery."""
    inner_sql, inner_params = inner.query.sql_with_params()
    people_sql, people_params = people
    sql = (
        f"SELECT {group}, p.profile, COUNT(*) FROM ({inner_sql}) AS a({columns})"  # noqa: S608
        f" INNER JOIN ({people_sql}) AS p(id, profile) ON p.id = a.submission_id"
        f" GROUP BY {group}, p.profile"
    )
    return sql, (*inner_params, *people_params)


def _fetch(alias: str, statement: Statement) -> list[tuple[Any, ...]]:
    with connections[alias].cursor() as cursor:
        sql, params = statement
        cursor.execute(sql, params)
        return list(cursor.fetchall())


def grouped_statements(
    *, consultation_id: int, counted: QuerySet[Submission, Any], meta: ConsultationMeta
) -> list[Statement]:
    """The grouped queries of ``grouped_answers``: the answer rows holding a choice or a
    number by (question, choice, number, multiple flag, profile), and, where the consultation
    has multiple-choice questions, the respondents who picked at least one of the question's own
    choices by (question, profile)."""
    people = _people_sql(counted)
    rows = Answer.objects.filter(consultation_id=consultation_id).filter(ANSWERED).order_by()
    every = _grouped_sql(
        rows.values_list("submission_id", "question_id", "choice_id", "number", "multiple"),
        "submission_id, question_id, choice_id, number, multiple",
        people,
        "a.question_id, a.choice_id, a.number, a.multiple",
    )
    multiple = [q for q in meta.questions if q.kind == QuestionKind.MULTIPLE and q.choices]
    if not multiple:
        return [every]
    own_choice = Q(pk__in=[])
    for question in multiple:
        own_choice |= Q(question_id=question.id, choice_id__in=[c.id for c in question.choices])
    # The question's own choices as a filter (bitmap scans of the (consultation, question,
    # choice) index, then a hash join: 0.42-0.45 s at 100,000). Round 2 found such a filter made
    # PostgreSQL choose nested loops when it joined every row to the submission's fields; as a
    # column here instead it took 0.86-0.98 s (bench/README.md, round 5).
    flagged = [
        flag for flag in (True, False) if QuestionKind.counts_row(QuestionKind.MULTIPLE, flag)
    ]
    picked = (
        rows.filter(own_choice)
        .filter(multiple__in=flagged)
        .values_list("submission_id", "question_id")
        .distinct()
    )
    answered = _grouped_sql(picked, "submission_id, question_id", people, "a.question_id")
    return [every, answered]


def grouped_answers(
    *,
    consultation_id: int,
    counted: QuerySet[Submission, Any],
    meta: ConsultationMeta,
    alias: str = "default",
) -> GroupedAnswers:
    """The counts of the choice and number answers of the ``counted`` submissions by respondent
    profile (``GroupedAnswers``); the same counts the answer rows a report reads
    (``reports.answer_rows.answers_queryset``) give. The queries run one after the other on
    ``alias``; ``grouped_answers_beside`` runs them beside the caller's reading."""
    statements = grouped_statements(consultation_id=consultation_id, counted=counted, meta=meta)
    results = [_fetch(alias, statement) for statement in statements]
    return _assembled(results, meta, alias)


def _assembled(
    results: list[list[tuple[Any, ...]]], meta: ConsultationMeta, alias: str
) -> GroupedAnswers:
    """``GroupedAnswers`` from the results of ``grouped_statements``, with one small query on
    ``alias`` for the fields of each profile they count by.

    Each grouped row is checked here as the row path checks each answer row: its question's
    kind and multiple flag (``QuestionKind.counts_row``), a choice counting for its own closed
    question only, a number for a number question. A respondent answers a single-valued question
    at most once (the ``answer_one_per_question`` constraint), so its respondents answering are
    its valid rows summed over the choices; a multiple-choice question's are counted by the
    second query.
    """
    rows, picked = results[0], (results[1] if len(results) > 1 else [])
    ids = sorted({profile for *_key, profile, _n in rows} | {profile for _q, profile, _n in picked})
    profiles: dict[int, tuple[object, ...]] = {}
    for start in range(0, len(ids), _PROFILES_AT_ONCE):
        for pk, *fields in (
            _confirmed_campaign(
                Submission.objects.using(alias).filter(
                    pk__in=ids[start : start + _PROFILES_AT_ONCE]
                )
            )
            .order_by()
            .values_list("pk", *_PROFILE)
        ):
            profiles[pk] = tuple(fields)

    kinds = {q.id: q.kind for q in meta.questions}
    closed = [q for q in meta.questions if q.kind in QuestionKind.closed()]
    own = {c.id: q.id for q in closed for c in q.choices}
    single_ids = {q.id for q in closed if q.kind != QuestionKind.MULTIPLE}
    choices: list[tuple[object, ...]] = []
    numbers: list[tuple[object, ...]] = []
    single: dict[tuple[object, ...], int] = {}
    for question_id, choice_id, number, multiple, profile_id, n in rows:
        kind = kinds.get(question_id)
        if kind is None or not QuestionKind.counts_row(kind, multiple):
            continue
        profile = profiles[profile_id]
        if choice_id is not None and own.get(choice_id) == question_id:
            choices.append((question_id, choice_id, *profile, n))
            if question_id in single_ids:
                key = (question_id, *profile)
                single[key] = single.get(key, 0) + n
        if number is not None and kind == QuestionKind.NUMBER:
            numbers.append((question_id, number, *profile, n))
    answered = [(*key, n) for key, n in single.items()]
    answered += [(question_id, *profiles[profile_id], n) for question_id, profile_id, n in picked]
    return grouped_frames(choices, answered, numbers)


# Profiles whose fields are read per query (ids as parameters).
_PROFILES_AT_ONCE = 10_000


def grouped_answers_beside(
    *,
    side: SideReader,
    consultation_id: int,
    counted: QuerySet[Submission, Any],
    meta: ConsultationMeta,
    alias: str,
) -> Callable[[], GroupedAnswers]:
    """``grouped_answers`` started on ``side``, beside the reader (``reports.beside``): the
    grouped queries keep the database busy and the reader waiting, while reading the respondents
    and the free text keeps the reader busy; side by side they take about the longer of the two
    (bench/notes-groupby.md). Returns the function the reader calls for the counts once it is
    done reading: it takes the queries' results (running any the side thread has not started)
    and reads the profiles' fields on the reader's connection."""
    statements = grouped_statements(consultation_id=consultation_id, counted=counted, meta=meta)
    tickets = [side.add(partial(_fetch, alias, statement)) for statement in statements]
    return lambda: _assembled([side.take(ticket) for ticket in tickets], meta, alias)


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


def written_between(
    *, answers: QuerySet[Answer, Any], first: int, last: int
) -> list[tuple[int, str]]:
    """``written_answers`` of the submissions with ids from ``first`` to ``last``."""
    return written_answers(
        answers=answers.filter(submission_id__gte=first, submission_id__lte=last)
    )


def counted_lines_written(
    *,
    written: list[tuple[int, str]],
    respondents: pd.DataFrame,
    texts: pd.DataFrame,
    meta: ConsultationMeta,
) -> bytes:
    """``counted_lines`` of a batch of respondents (ascending ids, as ``reports.loading`` reads
    them, with the review columns) and their free text, with their answer rows ``written`` by
    the database (``written_between`` over the batch's ids)."""
    parts = dict.fromkeys(respondents["submission_id"].tolist(), "")
    for submission_id, answers in written:
        if submission_id in parts:
            parts[submission_id] = answers
    return counted_lines(
        respondents=respondents,
        answers=None,
        texts=texts,
        campaigns_confirmed=meta.campaigns_confirmed,
        answer_parts=list(parts.values()),
    )
