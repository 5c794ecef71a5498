"""The statements behind every respondent page, in hand-written SQL.

Every step of the form reads the browser's own response with its consultation, most read the
response's answer rows, the first pages read the consultation by its slug, and saving a page
stores the furthest step reached and inserts the page's answers. Through the ORM each of these
costs more CPU to compile than PostgreSQL takes to run it: Django builds the SQL again on every
evaluation. Written out once per process, they cost a quarter to a half of that
(``python -m bench.raw_sql --pages``, CPU per statement against the bench database):

=====================================  =======  =======
statement                                ORM      SQL
=====================================  =======  =======
a response with its consultation        0.70 ms  0.15 ms
a response's answer rows                0.34 ms  0.08 ms
a published consultation by its slug    0.45 ms  0.11 ms
a response read under its row lock      0.79 ms  0.24 ms  (with its transaction)
a page save's progress                  0.31 ms  0.08 ms
a page's 8 answer rows inserted         0.71 ms  0.45 ms  (with a rollback)
a response's files                      0.38 ms  0.08 ms
=====================================  =======  =======

Together they took a whole response (19 requests, ``python -m bench.pages``) from 65 to 50 ms of
CPU, and the pages' throughput under load from 0.25 to 0.29 of ``/healthz``'s (bench/README.md).

The SQL is made from the models' ``_meta`` (table and column names, quoted by the connection), so
a field added to a model is read without a change here. Every function has its ORM twin beside it
(``*_orm``), and the tests check on PostgreSQL and on SQLite that both give the same objects and
rows (``tests/surveys/journey/test_sql.py``). The reads of whole rows use their twin on any
database but PostgreSQL (SQLite for ``make run``, whose raw values need Django's conversions); the
answer rows (integers and text) and the writes (values converted by each model field's
``get_db_prep_value``) are the same SQL everywhere.

The consultation paper's text (``body_en``, ``body_zh``), shown only on the consultation's own
page, is never read here: an instance has those two fields deferred.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from functools import cache
from typing import Any, cast

from django.db import connections, router
from django.db.models import Field, Model

from surveys.models import Answer, Attachment, Consultation, Submission

# An answer row as stored: (pk, question_id, choice_id, number, text).
AnswerRow = tuple[int, int, int | None, int | None, str]

# Read on the consultation's own page only.
PAPER_FIELDS = ("body_en", "body_zh")


def _alias(model: type[Model]) -> str:
    return router.db_for_read(model) or "default"


def _raw(alias: str) -> bool:
    return connections[alias].vendor == "postgresql"


def _columns(model: type[Model], *, leave_out: Sequence[str] = ()) -> list[Field[Any, Any]]:
    return [f for f in model._meta.concrete_fields if f.name not in leave_out]


def _column(field: Field[Any, Any]) -> str:
    return cast(str, field.column)  # a concrete field always has its column


def _named(model: type[Model], name: str) -> str:
    """The column of ``model``'s concrete field ``name``."""
    return _column(cast("Field[Any, Any]", model._meta.get_field(name)))


@cache
def _submission_sql(alias: str) -> tuple[str, list[str], list[str]]:
    """The SELECT of responses by primary key joined to their consultations, and the two
    models' attribute names in the order of its columns."""
    q = connections[alias].ops.quote_name
    submission_fields = _columns(Submission)
    consultation_fields = _columns(Consultation, leave_out=PAPER_FIELDS)
    columns = [f"s.{q(_column(f))}" for f in submission_fields]
    columns += [f"c.{q(_column(f))}" for f in consultation_fields]
    pk = q(_named(Submission, "id"))
    consultation_pk = q(_named(Consultation, "id"))
    join = q(_named(Submission, "consultation"))
    sql = (
        f"SELECT {', '.join(columns)} FROM {q(Submission._meta.db_table)} s"  # noqa: S608 - names from the models
        f" JOIN {q(Consultation._meta.db_table)} c ON c.{consultation_pk} = s.{join}"
        f" WHERE s.{pk} = ANY(%s)"
    )
    return sql, [f.attname for f in submission_fields], [f.attname for f in consultation_fields]


def submissions_with_consultation(ids: Sequence[int]) -> list[Submission]:
    """The responses ``ids`` (those that exist, in no order), each with its consultation."""
    alias = _alias(Submission)
    if not _raw(alias):
        return submissions_with_consultation_orm(ids)
    sql, submission_names, consultation_names = _submission_sql(alias)
    with connections[alias].cursor() as cursor:
        cursor.execute(sql, [list(ids)])
        rows = cursor.fetchall()
    split = len(submission_names)
    found = []
    for row in rows:
        submission = Submission.from_db(alias, submission_names, row[:split])
        submission.consultation = Consultation.from_db(alias, consultation_names, row[split:])
        found.append(submission)
    return found


def submissions_with_consultation_orm(ids: Sequence[int]) -> list[Submission]:
    """``submissions_with_consultation`` through the ORM."""
    # order_by(): the model's default ordering costs a tenth of the query, for one or two rows.
    return list(
        Submission.objects.select_related("consultation")
        .defer(*(f"consultation__{name}" for name in PAPER_FIELDS))
        .filter(pk__in=list(ids))
        .order_by()
    )


@cache
def _consultation_sql(alias: str) -> tuple[str, list[str]]:
    q = connections[alias].ops.quote_name
    fields = _columns(Consultation, leave_out=PAPER_FIELDS)
    slug = q(_named(Consultation, "slug"))
    draft = q(_named(Consultation, "is_draft"))
    sql = (
        f"SELECT {', '.join(q(_column(f)) for f in fields)}"  # noqa: S608 - names from the model
        f" FROM {q(Consultation._meta.db_table)} WHERE {slug} = %s AND NOT {draft}"
    )
    return sql, [f.attname for f in fields]


def consultation_published(slug: str) -> Consultation | None:
    """The published consultation ``slug`` (its paper's text deferred), or None."""
    alias = _alias(Consultation)
    if not _raw(alias):
        return consultation_published_orm(slug)
    sql, names = _consultation_sql(alias)
    with connections[alias].cursor() as cursor:
        cursor.execute(sql, [slug])
        row = cursor.fetchone()
    return None if row is None else Consultation.from_db(alias, names, row)


def consultation_published_orm(slug: str) -> Consultation | None:
    """``consultation_published`` through the ORM."""
    try:
        return Consultation.objects.published().defer(*PAPER_FIELDS).order_by().get(slug=slug)
    except Consultation.DoesNotExist:
        return None


@cache
def _answer_sql(alias: str) -> str:
    q = connections[alias].ops.quote_name
    names = ("id", "question", "choice", "number", "text", "submission")
    pk, question, choice, number, text, submission = (q(_named(Answer, name)) for name in names)
    return (
        f"SELECT {pk}, {question}, {choice}, {number}, {text}"  # noqa: S608 - names from the model
        f" FROM {q(Answer._meta.db_table)} WHERE {submission} = %s"
    )


def answer_rows(submission_id: int) -> list[AnswerRow]:
    """The response's answer rows as stored, in no order (``selectors.answers_from_rows`` puts
    them in form order). Integers and text only: no conversion on any database."""
    alias = _alias(Answer)
    with connections[alias].cursor() as cursor:
        cursor.execute(_answer_sql(alias), [submission_id])
        return [cast(AnswerRow, tuple(row)) for row in cursor.fetchall()]


def answer_rows_orm(submission_id: int) -> list[AnswerRow]:
    """``answer_rows`` through the ORM."""
    return list(
        Answer.objects.filter(submission_id=submission_id)
        .order_by()
        .values_list("pk", "question_id", "choice_id", "number", "text")
    )


@cache
def _locked_sql(alias: str) -> tuple[str, list[str]]:
    q = connections[alias].ops.quote_name
    fields = _columns(Submission)
    pk = q(_named(Submission, "id"))
    sql = (
        f"SELECT {', '.join(q(_column(f)) for f in fields)}"  # noqa: S608 - names from the model
        f" FROM {q(Submission._meta.db_table)} WHERE {pk} = %s FOR UPDATE"
    )
    return sql, [f.attname for f in fields]


def submission_locked(submission_id: int) -> Submission | None:
    """The response ``submission_id`` read under a row lock (inside a transaction), or None."""
    alias = router.db_for_write(Submission) or "default"
    if not _raw(alias):
        return submission_locked_orm(submission_id)
    sql, names = _locked_sql(alias)
    with connections[alias].cursor() as cursor:
        cursor.execute(sql, [submission_id])
        row = cursor.fetchone()
    return None if row is None else Submission.from_db(alias, names, row)


def submission_locked_orm(submission_id: int) -> Submission | None:
    """``submission_locked`` through the ORM."""
    return Submission.objects.select_for_update().filter(pk=submission_id).order_by().first()


@cache
def _attachments_sql(alias: str) -> tuple[str, list[str]]:
    q = connections[alias].ops.quote_name
    fields = _columns(Attachment)
    submission = q(_named(Attachment, "submission"))
    order = f"{q(_named(Attachment, 'uploaded_at'))}, {q(_named(Attachment, 'id'))}"
    sql = (
        f"SELECT {', '.join(q(_column(f)) for f in fields)}"  # noqa: S608 - names from the model
        f" FROM {q(Attachment._meta.db_table)} WHERE {submission} = %s ORDER BY {order}"
    )
    return sql, [f.attname for f in fields]


def attachments_of(submission_id: int) -> list[Attachment]:
    """The response's files, oldest first."""
    alias = _alias(Attachment)
    if not _raw(alias):
        return attachments_of_orm(submission_id)
    sql, names = _attachments_sql(alias)
    with connections[alias].cursor() as cursor:
        cursor.execute(sql, [submission_id])
        return [Attachment.from_db(alias, names, row) for row in cursor.fetchall()]


def attachments_of_orm(submission_id: int) -> list[Attachment]:
    """``attachments_of`` through the ORM."""
    return list(
        Attachment.objects.filter(submission_id=submission_id).order_by("uploaded_at", "pk")
    )


# --- The page save ------------------------------------------------------------------------------
# Both statements are written with Django's own conversion of each value for the database
# (``Field.get_db_prep_value``), so the same SQL serves PostgreSQL and SQLite.


@cache
def _progress_sql(alias: str, guarded: bool) -> str:
    q = connections[alias].ops.quote_name
    column = {
        name: q(_named(Submission, name))
        for name in ("id", "current_step", "language", "updated_at", "state")
    }
    sql = (
        f"UPDATE {q(Submission._meta.db_table)} SET {column['current_step']} = %s,"  # noqa: S608 - names from the model
        f" {column['language']} = %s, {column['updated_at']} = %s WHERE {column['id']} = %s"
    )
    if guarded:
        sql += (
            f" AND {column['updated_at']} = %s AND {column['state']} = %s"
            f" AND {column['current_step']} = %s"
        )
    return sql


def progress_update(
    *,
    submission_id: int,
    step: int,
    language: str,
    now: dt.datetime,
    unchanged_since: tuple[dt.datetime, str, int] | None = None,
) -> bool:
    """Set a response's furthest step, language and ``updated_at``; with ``unchanged_since``
    (``updated_at``, ``state`` and ``current_step`` as read), only if the row still holds them.
    Returns whether the row was written."""
    alias = router.db_for_write(Submission) or "default"
    connection = connections[alias]
    stamp = cast("Field[Any, Any]", Submission._meta.get_field("updated_at"))
    params: list[Any] = [
        step,
        language,
        stamp.get_db_prep_value(now, connection),
        submission_id,
    ]
    if unchanged_since is not None:
        read_at, state, current_step = unchanged_since
        params += [stamp.get_db_prep_value(read_at, connection), state, current_step]
    with connection.cursor() as cursor:
        cursor.execute(_progress_sql(alias, unchanged_since is not None), params)
        return bool(cursor.rowcount > 0)


def progress_update_orm(
    *,
    submission_id: int,
    step: int,
    language: str,
    now: dt.datetime,
    unchanged_since: tuple[dt.datetime, str, int] | None = None,
) -> bool:
    """``progress_update`` through the ORM."""
    rows = Submission.objects.filter(pk=submission_id)
    if unchanged_since is not None:
        read_at, state, current_step = unchanged_since
        rows = rows.filter(updated_at=read_at, state=state, current_step=current_step)
    return rows.update(current_step=step, language=language, updated_at=now) > 0


# Rows per INSERT: 7 parameters each stays far below SQLite's 999 (a section holds a few dozen).
_INSERT_BATCH = 100


@cache
def _answer_insert_fields() -> list[Field[Any, Any]]:
    return [f for f in Answer._meta.concrete_fields if not f.primary_key]


def answers_insert(answers: Sequence[Answer]) -> None:
    """Insert new answer rows (their primary keys are not read back)."""
    alias = router.db_for_write(Answer) or "default"
    connection = connections[alias]
    q = connection.ops.quote_name
    fields = _answer_insert_fields()
    head = (
        f"INSERT INTO {q(Answer._meta.db_table)} ({', '.join(q(_column(f)) for f in fields)})"  # noqa: S608 - names from the model
        " VALUES "
    )
    row = "(" + ", ".join(["%s"] * len(fields)) + ")"
    with connection.cursor() as cursor:
        for start in range(0, len(answers), _INSERT_BATCH):
            batch = answers[start : start + _INSERT_BATCH]
            params = [
                f.get_db_prep_save(f.pre_save(answer, add=True), connection)
                for answer in batch
                for f in fields
            ]
            cursor.execute(head + ", ".join([row] * len(batch)), params)


def answers_insert_orm(answers: Sequence[Answer]) -> None:
    """``answers_insert`` through the ORM."""
    Answer.objects.bulk_create(answers)
