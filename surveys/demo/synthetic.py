"""Synthetic submitted responses for an existing consultation (``manage.py generate_responses``).

Used to fill a demo and to load-test reports with realistic data. The model is deliberately small:

* Each respondent has a latent *support* score for the proposals: the mean of their category
  (``CATEGORY_PROFILES``: OTC shops and online platforms lean against, consumer groups, banks and
  licensed platforms lean in favour) plus personal noise. Agreeing, answering "yes" and picking the
  earlier options of a single choice all count as support.
* Each question gets a few parameters drawn once per run (how strongly it follows support, how
  popular it is overall, how noisy it is), so questions differ without a per-question table.
* Conditional questions are answered only when the respondent's earlier answer meets the condition;
  optional questions are skipped at a rate that varies by respondent; required ones never are.
* About 5 % of respondents (when there are at least 20) belong to one to three campaigns: they share
  one stance and paste a near-identical standard text into every free-text question.

Output is a function of (seed, count, batch_size) and the consultation's questions: the same seed on
a fresh database gives the same references, respondents, answers, texts and timestamps. Only numpy
Generators seeded from ``seed`` are used, never the global random state; the current time decides
only whether the consultation has closed (see ``_submission_window``).

Rows are written a batch at a time, each batch in its own transaction, so memory stays bounded: on
PostgreSQL submissions go in with ``bulk_create`` (which returns their ids) and answers with COPY;
other databases use ``bulk_create`` for both.
"""

from __future__ import annotations

import datetime as dt
import math
from typing import TYPE_CHECKING, Any, cast

import numpy as np
from django.db import connections, router, transaction
from django.db.models import F, Q

from surveys.demo.draw import AnswerRows, answers_draw, respondents_draw
from surveys.demo.plans import arrival_plan, campaigns_plan, questions_plan, submission_window
from surveys.journey.structure import journey_load
from surveys.models import (
    Answer,
    Consultation,
    ReviewStatus,
    Submission,
    SubmissionState,
)

if TYPE_CHECKING:
    from django.db.models import Field

DEFAULT_BATCH_SIZE = 5000


# --- Writing -------------------------------------------------------------------------------------


def references_reserve(consultation: Consultation, count: int, using: str) -> int:
    """Raise the consultation's reference counter by ``count``; return the last number before.

    The UPDATE ... SET n = n + count locks the row until commit, so a concurrent submission (or a
    second generator) waits and then takes the numbers after ours: references never collide.
    """
    with transaction.atomic(using=using):
        rows = Consultation.objects.using(using).filter(pk=consultation.pk)
        rows.update(last_reference_number=F("last_reference_number") + count)
        last = rows.values_list("last_reference_number", flat=True).get()
    consultation.last_reference_number = last
    return last - count


def answers_write(consultation_id: int, ids: list[int], rows: AnswerRows, using: str) -> None:
    """Store a batch's answer rows.

    On PostgreSQL through ``COPY`` (raw SQL: Django has none), for a measured gain: 5,000
    responses (about 100,000 answer rows) are generated in 3.1 s against 5.8 s with
    ``bulk_create`` (the million of ``make bench`` in about 10 minutes instead of 19).
    """
    connection = connections[using]
    if connection.vendor == "postgresql":
        meta = Answer._meta
        # Concrete fields, no reverse relations: each has its column.
        fields = [
            cast("Field[Any, Any]", meta.get_field(name))
            for name in ("consultation", "submission", "question", "choice", "multiple", "text")
        ]
        columns = ", ".join(connection.ops.quote_name(cast(str, f.column)) for f in fields)
        number_column = connection.ops.quote_name(cast(str, meta.get_field("number").column))
        table = connection.ops.quote_name(meta.db_table)
        sql = f"COPY {table} ({columns}, {number_column}) FROM STDIN"
        with connection.cursor() as cursor, cursor.copy(sql) as copy:
            for row in zip(
                rows.position,
                rows.question_id,
                rows.choice_id,
                rows.multiple,
                rows.text,
                rows.number,
                strict=True,
            ):
                position, question_id, choice_id, multiple, text, number = row
                copy.write_row(
                    (consultation_id, ids[position], question_id, choice_id, multiple, text, number)
                )
        return
    Answer.objects.using(using).bulk_create(
        [
            Answer(
                consultation_id=consultation_id,
                submission_id=ids[position],
                question_id=question_id,
                choice_id=choice_id,
                multiple=multiple,
                text=text,
                number=number,
            )
            for position, question_id, choice_id, multiple, text, number in zip(
                rows.position,
                rows.question_id,
                rows.choice_id,
                rows.multiple,
                rows.text,
                rows.number,
                strict=True,
            )
        ],
        batch_size=2000,
    )


def responses_generate(
    *, consultation: Consultation, count: int, seed: int, batch_size: int = DEFAULT_BATCH_SIZE
) -> int:
    """Create ``count`` submitted responses with answers; return how many were created.

    References continue from the consultation's counter, which is raised once for the whole run
    before anything is written: if a batch fails, the numbers it reserved are left unused (gaps,
    never duplicates), and the batches already committed stay.
    """
    if count < 0 or seed < 0 or batch_size < 1:
        raise ValueError("count and seed must not be negative; batch_size must be positive")
    if count == 0:
        return 0
    using = router.db_for_write(Submission)
    plans = questions_plan(consultation, np.random.default_rng([seed, 0]))
    plan_rng = np.random.default_rng([seed, 1])
    campaigns, sizes = campaigns_plan(count, plan_rng)
    position, campaign_index = arrival_plan(count, sizes, plan_rng)
    window_start, window = submission_window(consultation)
    # Where the form leaves a submitted response: its review page, as submission_submit does.
    review_step = journey_load(consultation=consultation).review_step
    # Whole seconds: timestamps are exact and identical on every database.
    offsets = np.floor(position * window.total_seconds()).astype(np.int64)
    first = references_reserve(consultation, count, using) + 1

    for batch, start in enumerate(range(0, count, batch_size)):
        stop = min(count, start + batch_size)
        rng = np.random.default_rng([seed, 2, batch])
        respondents, fields = respondents_draw(
            stop - start, campaign_index[start:stop], campaigns, rng
        )
        answers = answers_draw(plans, respondents, rng)
        # Filling in the form: minutes to days before submitting; the last save just before.
        filling = np.clip(np.exp(rng.normal(math.log(1200), 1.2, stop - start)), 90, 5 * 86400)
        last_save = rng.integers(1, 30, stop - start)
        submissions = []
        for i, respondent in enumerate(fields):
            offset = int(offsets[start + i])
            submitted_at = window_start + dt.timedelta(seconds=offset)
            updated_at = window_start + dt.timedelta(seconds=max(0, offset - int(last_save[i])))
            created_at = window_start + dt.timedelta(seconds=max(0, offset - int(filling[i])))
            submissions.append(
                Submission(
                    consultation=consultation,
                    reference=f"{consultation.reference_prefix}-{first + start + i:06d}",
                    state=SubmissionState.SUBMITTED,
                    privacy_acknowledged=True,
                    current_step=review_step,
                    created_at=min(created_at, updated_at),
                    updated_at=updated_at,
                    submitted_at=submitted_at,
                    review_status=ReviewStatus.NEW,
                    **respondent,
                )
            )
        with transaction.atomic(using=using):
            Submission.objects.using(using).bulk_create(submissions, batch_size=1000)
            ids = [submission.pk for submission in submissions]
            if None in ids:  # a backend that cannot return ids from a bulk insert
                by_reference = dict(
                    Submission.objects.using(using)
                    .filter(reference__in=[s.reference for s in submissions])
                    .values_list("reference", "pk")
                )
                ids = [by_reference[s.reference] for s in submissions]
            answers_write(consultation.pk, ids, answers, using)
    statistics_refresh(using)
    return count


def statistics_refresh(using: str) -> None:
    """After a bulk load PostgreSQL's planner statistics are stale and it picks slow plans."""
    connection = connections[using]
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE surveys_submission")
            cursor.execute("ANALYZE surveys_answer")


# The generator's addresses are all on these (example.com, .net and .org are reserved for
# examples, RFC 2606; example.hk is the demo's own).
SYNTHETIC_DOMAINS = ("example.com", "example.hk", "example.net", "example.org")


def real_responses_count(*, using: str = "default") -> int:
    """How many responses in the database were not made by this generator: those whose email
    is not at one of its domains (an erased or blank address counts as real, to be safe).

    ``generate_responses`` refuses to add synthetic responses to a database that holds any.
    """
    synthetic = Q()
    for domain in SYNTHETIC_DOMAINS:
        synthetic |= Q(email__iendswith=f"@{domain}") | Q(email__iendswith=f".{domain}")
    return Submission.objects.using(using).exclude(synthetic).count()
