"""The import's one raw statement: the answer rows written with PostgreSQL's ``COPY``.

Measured gain (``python -m bench.imports --rows 2000`` under cProfile, bench/README.md "Bulk
import"): the 45,070 answer rows of 2,000 imported responses took about 10.9 s through
``bulk_create`` (batches of 5,000) and 13.5 s through the journey's multi-row ``INSERT`` of 100
rows (``surveys.journey.sql.answers_insert``), against 1.2 s through ``COPY ... FROM STDIN``, on
this 2-core machine at a load average of 8. Other databases (SQLite for ``make run``) go through
``bulk_create``. Covered by tests/surveys/imports (PostgreSQL in ``make test``).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import cast

from django.db import connections, router
from django.db.models import Field

from surveys.models import Answer

# (consultation, submission, question, choice, multiple, text, number)
AnswerValues = tuple[int, int, int, int | None, bool, str, int | None]
_FIELDS = ("consultation", "submission", "question", "choice", "multiple", "text", "number")
_ATTRIBUTES = tuple(f"{name}_id" if i < 4 else name for i, name in enumerate(_FIELDS))
BATCH = 5000


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
    with connection.cursor() as cursor, cursor.cursor.copy(statement) as copy:
        for row in rows:
            copy.write_row(row)
