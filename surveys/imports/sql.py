"""The import's one raw statement: the answer rows written with PostgreSQL's ``COPY``.

Measured gain (bench/README.md, "Bulk import"): writing the answers of 2,000 imported responses
(about 25 rows each) took 15.0 s through ``bulk_create`` (model instances built, each value
prepared, arrays sent) and <COPY> s through ``COPY ... FROM STDIN``, on this loaded 2-core
machine. Other databases (SQLite for ``make run``) go through ``bulk_create``. Covered by
tests/surveys/imports (PostgreSQL in ``make test``).
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
