"""``python -m bench.raw_sql``: what the product's raw SQL statements gain over the ORM.

The code keeps raw SQL in three places only, each with its measured gain written beside it:

* ``reports.loading``: the report's answer rows through a binary ``COPY`` read by numpy, against
  the same queryset's rows through the ORM (``values_list``) into the same frame;
* ``surveys.journey.services._reference_allocate``: a response's reference raised and read by
  one ``UPDATE ... RETURNING``, against the ORM's ``update(F() + 1)`` then a read of the value;
* ``surveys.journey.sql`` (``--pages``): the statements every respondent page runs, each against
  its ORM twin, in CPU per call.

Run against the bench database (PostgreSQL), alternating the two ways so that the machine's
drift falls on both:

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/consult_bench \\
        .venv/bin/python -m bench.raw_sql --size 100000
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import secrets
import statistics
import time
from collections.abc import Callable

import pandas as pd

from bench.data import consultation_ensure, database_ensure


def _best(runs: int, *ways: Callable[[], object]) -> list[float]:
    """Each way's median wall time over ``runs`` alternating rounds."""
    times: list[list[float]] = [[] for _ in ways]
    for _ in range(runs):
        for index, way in enumerate(ways):
            started = time.perf_counter()
            way()
            times[index].append(time.perf_counter() - started)
    return [statistics.median(t) for t in times]


def answer_rows(size: int, runs: int) -> None:
    from django.db import connection, transaction

    from reports import answer_rows as rows_read
    from reports import loading
    from reports.summary.inputs import answers_frame
    from surveys.models import Consultation

    slug, _ = consultation_ensure(size=size)
    consultation = Consultation.objects.get(slug=slug)
    as_of = dt.datetime.now(tz=dt.UTC)
    counted = loading._report_counted(consultation, as_of)

    def orm() -> object:
        with transaction.atomic():
            return answers_frame(rows_read.answers_queryset(consultation, counted))

    def copy() -> pd.DataFrame:
        with transaction.atomic():
            return rows_read.answers_read(consultation, counted, connection)

    rows = len(copy())
    orm_s, copy_s = _best(runs, orm, copy)
    print(f"answer rows at {size:,} submissions ({rows:,} rows, median of {runs}):")
    print(f"  ORM values_list into a frame  {orm_s:7.2f} s")
    print(f"  binary COPY read by numpy     {copy_s:7.2f} s   ({orm_s / copy_s:.1f}x faster)")


def references(count: int, runs: int) -> None:
    from django.db import transaction
    from django.db.models import F

    from surveys.journey import services
    from surveys.models import Consultation

    consultation = Consultation.objects.order_by("pk").first()
    assert consultation is not None, "run the bench once first: it needs a consultation"
    start = consultation.last_reference_number

    def orm() -> None:
        for _ in range(count):
            with transaction.atomic():
                Consultation.objects.filter(pk=consultation.pk).update(
                    last_reference_number=F("last_reference_number") + 1
                )
                Consultation.objects.filter(pk=consultation.pk).values_list(
                    "last_reference_number", flat=True
                ).get()

    def returning() -> None:
        for _ in range(count):
            with transaction.atomic():
                services._reference_allocate(consultation)

    try:
        orm_s, returning_s = _best(runs, orm, returning)
    finally:
        Consultation.objects.filter(pk=consultation.pk).update(last_reference_number=start)
    print(f"reference allocation, {count:,} transactions (median of {runs}):")
    print(f"  ORM update(F() + 1), then read  {orm_s / count * 1000:6.3f} ms each")
    print(
        f"  UPDATE ... RETURNING            {returning_s / count * 1000:6.3f} ms each"
        f"   ({orm_s / returning_s:.2f}x faster; the consultation's row is locked meanwhile)"
    )


def _cpu_each(runs: int, count: int, *ways: Callable[[], object]) -> list[float]:
    """Each way's median process CPU per call (ms) over ``runs`` alternating rounds."""
    times: list[list[float]] = [[] for _ in ways]
    for _ in range(runs):
        for index, way in enumerate(ways):
            started = time.process_time()
            for _ in range(count):
                way()
            times[index].append((time.process_time() - started) / count * 1000)
    return [statistics.median(t) for t in times]


def page_statements(count: int, runs: int) -> None:
    """The respondent pages' statements (``surveys.journey.sql``) against their ORM twins."""
    from django.db import transaction
    from django.utils import timezone

    from surveys.journey import sql
    from surveys.models import Answer, Submission, SubmissionState

    slug, _ = consultation_ensure(size=10_000, purpose="load", exact=False)
    submission = (
        Submission.objects.filter(consultation__slug=slug, answers__multiple=False)
        .order_by("pk")
        .first()
    )
    assert submission is not None
    now = timezone.now()
    # A section's worth of answers, inserted again for a scratch draft (removed at the end).
    rows = list(Answer.objects.filter(submission=submission, multiple=False).order_by("pk")[:8])
    assert len(rows) == 8
    scratch = Submission.objects.create(
        consultation_id=submission.consultation_id,
        reference=f"BENCH-{secrets.token_hex(6)}",
        created_at=now,
        updated_at=now,
    )

    def progress(update: Callable[..., bool]) -> Callable[[], object]:
        def run() -> object:
            # Guarded as a page save is; the guard does not match, so nothing is written.
            return update(
                submission_id=submission.pk,
                step=submission.current_step,
                language="en",
                now=now,
                unchanged_since=(now, SubmissionState.DRAFT.value, 0),
            )

        return run

    def inserted(insert: Callable[[list[Answer]], None]) -> Callable[[], object]:
        def run() -> None:
            copies = [
                Answer(
                    consultation_id=a.consultation_id,
                    submission_id=scratch.pk,
                    question_id=a.question_id,
                    choice_id=a.choice_id,
                    multiple=False,
                    text=a.text,
                    number=a.number,
                )
                for a in rows
            ]
            with transaction.atomic():
                insert(copies)
                transaction.set_rollback(True)

        return run

    def _locked(read: Callable[[int], object], pk: int) -> object:
        with transaction.atomic():
            return read(pk)

    ids = [submission.pk]
    cases = [
        (
            "a response with its consultation",
            lambda: sql.submissions_with_consultation_orm(ids),
            lambda: sql.submissions_with_consultation(ids),
        ),
        (
            "a response's answer rows",
            lambda: sql.answer_rows_orm(submission.pk),
            lambda: sql.answer_rows(submission.pk),
        ),
        (
            "a published consultation by its slug",
            lambda: sql.consultation_published_orm(slug),
            lambda: sql.consultation_published(slug),
        ),
        (
            "a response's files",
            lambda: sql.attachments_of_orm(submission.pk),
            lambda: sql.attachments_of(submission.pk),
        ),
        (
            "a response read under its row lock",
            lambda: _locked(sql.submission_locked_orm, submission.pk),
            lambda: _locked(sql.submission_locked, submission.pk),
        ),
        (
            "a page save's progress (guarded)",
            progress(sql.progress_update_orm),
            progress(sql.progress_update),
        ),
        (
            f"{len(rows)} answer rows inserted (+ a rollback)",
            inserted(sql.answers_insert_orm),
            inserted(sql.answers_insert),
        ),
    ]
    print(f"respondent page statements, CPU per call (median of {runs} rounds of {count:,}):")
    try:
        for name, orm, written in cases:
            orm_ms, sql_ms = _cpu_each(runs, count, orm, written)
            print(f"  {name:<40} ORM {orm_ms:6.3f} ms   SQL {sql_ms:6.3f} ms")
    finally:
        scratch.delete()


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--size", type=int, default=100_000, help="Submissions (answer rows).")
    parser.add_argument("--runs", type=int, default=5, help="Alternating rounds per way.")
    parser.add_argument("--references", type=int, default=2000, help="Transactions per round.")
    parser.add_argument(
        "--pages", action="store_true", help="Only the respondent pages' statements."
    )
    args = parser.parse_args(argv)
    database_ensure(os.environ.get("DATABASE_URL", ""))
    os.environ.setdefault("SECRET_KEY", "bench-" + secrets.token_hex(16))
    os.environ["DEBUG"] = "0"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "consultation.settings")
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    if args.pages:
        page_statements(2000, args.runs)
        return
    answer_rows(args.size, args.runs)
    references(args.references, args.runs)


if __name__ == "__main__":
    main()
