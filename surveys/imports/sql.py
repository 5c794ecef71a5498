"""The import's raw statements: its rows written with PostgreSQL's ``COPY``, in one transaction.

Measured gains (``python -m bench.imports``, bench/README.md "Bulk import"), on this 2-core
machine under load:

- answers: the 45,070 answer rows of 2,000 imported responses took about 10.9 s through
  ``bulk_create`` (batches of 5,000) and 13.5 s through the journey's multi-row ``INSERT`` of 100
  rows (``surveys.journey.sql.answers_insert``), against 1.2 s through ``COPY ... FROM STDIN``
  (load average 8);
- submissions and revisions: ``bulk_create`` spent 2.6 s of a 7.7 s write of 5,000 responses
  dumping its ``UNNEST`` arrays (psycopg's Python escaping of every string, 684,000 regex
  replacements) and 0.7 s building model rows; ``COPY`` of the same rows (their ids taken from
  the table's sequence in one query) took the write to 4.0 s (load average 6).

Other databases (SQLite for ``make run``) go through ``bulk_create``. Covered by
tests/surveys/imports (PostgreSQL in ``make test``).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, cast

from django.db import connections, router
from django.db.models import Field, Model

from surveys.models import Answer

# (consultation, submission, question, choice, multiple, text, number)
AnswerValues = tuple[int, int, int, int | None, bool, str, int | None]
_FIELDS = ("consultation", "submission", "question", "choice", "multiple", "text", "number")
_ATTRIBUTES = tuple(f"{name}_id" if i < 4 else name for i, name in enumerate(_FIELDS))
BATCH = 5000


def constraints_immediate(model: type[Model]) -> None:
    """Check this transaction's foreign keys at the end of each statement, not at ``COMMIT``.

    Django creates them ``DEFERRABLE INITIALLY DEFERRED``: an import of 100,000 responses queued
    about 9 million checks (2.2 million answer rows, four keys each) for its ``COMMIT``, held in
    the server's memory until then. Checked after each ``COPY``, the same checks run batch by
    batch; nothing is disabled. ``SET CONSTRAINTS`` lasts until the transaction ends.
    """
    connection = connections[router.db_for_write(model) or "default"]
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")


def objects_write(objects: Sequence[Model]) -> None:
    """Insert the new rows ``objects`` (of one model, with no primary key yet), setting it."""
    if not objects:
        return
    model = type(objects[0])
    alias = router.db_for_write(model) or "default"
    connection = connections[alias]
    if connection.vendor != "postgresql":
        model.objects.using(alias).bulk_create(objects)  # type: ignore[attr-defined]
        return
    meta = model._meta
    quote = connection.ops.quote_name
    pk = meta.pk
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT nextval(pg_get_serial_sequence(%s, %s)) FROM generate_series(1, %s)",
            [meta.db_table, pk.column, len(objects)],
        )
        for obj, (pk_value,) in zip(objects, cursor.fetchall(), strict=True):
            obj.pk = pk_value
            obj._state.adding = False
            obj._state.db = alias
    fields = cast(list[Field], list(meta.concrete_fields))  # type: ignore[type-arg]
    columns = ", ".join(quote(cast(str, field.column)) for field in fields)
    statement = f"COPY {quote(meta.db_table)} ({columns}) FROM STDIN"  # noqa: S608 - names from the model
    # The raw cursor's errors are psycopg's: wrapped, a row key another import added meanwhile
    # is Django's IntegrityError, as it was from ``bulk_create``.
    with (
        connection.wrap_database_errors,
        connection.cursor() as cursor,
        cursor.cursor.copy(statement) as copy,
    ):
        for obj in objects:
            values: list[Any] = [
                field.get_db_prep_save(field.pre_save(obj, True), connection) for field in fields
            ]
            copy.write_row(values)


def answers_write(rows: Sequence[AnswerValues]) -> None:
    """Insert the answer rows ``rows`` (their primary keys are not read back)."""
    alias = router.db_for_write(Answer) or "default"
    connection = connections[alias]
    if connection.vendor != "postgresql":
        Answer.objects.using(alias).bulk_create(
            [Answer(**dict(zip(_ATTRIBUTES, row, strict=True))) for row in rows],
            batch_size=BATCH,
        )
        return
    quote = connection.ops.quote_name
    # Concrete fields: each has its column.
    fields = [cast(Field, Answer._meta.get_field(name)) for name in _FIELDS]  # type: ignore[type-arg]
    columns = ", ".join(quote(cast(str, field.column)) for field in fields)
    statement = f"COPY {quote(Answer._meta.db_table)} ({columns}) FROM STDIN"  # noqa: S608 - names from the model
    # Django's cursor wraps psycopg's; its ``copy`` streams the rows in one statement.
    with (
        connection.wrap_database_errors,
        connection.cursor() as cursor,
        cursor.cursor.copy(statement) as copy,
    ):
        for row in rows:
            copy.write_row(row)
