"""The free-text answers a report reads and the fingerprint's counted records, a batch of
respondents at a time. Part of the report's reading (``reports.loading``), apart so that each
module keeps to one job.

The fingerprint covers every word of every answer, while the summary reads the words of its
samples only (``reports.summary.text_kept``): each batch's texts are written into the batch's
records, then, for a whole report, only the words some figure can read are kept. At 1,000,000
submissions the two million answers' words (about 370 MB as UTF-8, twice that as Python strings)
were most of the one-pass summary's memory (bench/notes-groupby.md, round 3).
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd
from django.db.models import QuerySet

from reports.answer_rows import answers_queryset
from reports.beside import SideReader
from reports.grouped_read import counted_lines_written, written_between
from reports.summary.fingerprint import counted_lines
from reports.summary.inputs import ConsultationMeta, texts_frame
from reports.summary.text_kept import TextsKept
from surveys.models import Answer, Consultation, QuestionKind, Submission

if TYPE_CHECKING:
    from collections.abc import Iterator

# Respondents whose texts are read, and fingerprint records written, at a time: the batch of
# ``counted_lines_written``, so that each of its queries covers one batch.
TEXT_BATCH = 25_000


def texts_read(
    *,
    consultation: Consultation,
    counted: QuerySet[Submission],
    respondents: pd.DataFrame,
    meta: ConsultationMeta,
    answers: pd.DataFrame | None,
    written: bool,
    keep_words: bool,
    side: SideReader | None = None,
) -> tuple[pd.DataFrame, bytes]:
    """The free-text answers of ``respondents`` (the counted ones, ascending ids, with the review
    columns) and their fingerprint records (``counted_lines``), read a batch at a time.

    The records' answers come from ``answers`` (rows), or ``written`` by the database
    (``counted_lines_written``): on ``side`` (``reports.beside``), the next batch's while this
    one's texts are read and hashed. With ``keep_words`` every answer's words stay in the frame
    (a chunk's partial samples them itself); without, a whole report's frame keeps only those a
    summary reads (``TextsKept``), with each answer's ``units``."""
    kept = None if keep_words else TextsKept(respondents)
    parts = []
    lines = bytearray()
    writers = [_writer(consultation, counted, first, last) for first, last in _ranges(respondents)]
    tickets = [side.add(writer, held=True) for writer in writers] if side and written else None
    for index, (batch, texts) in enumerate(_batches(consultation, respondents)):
        if written and index < len(writers):  # (no batch at all: no respondent to write)
            lines += counted_lines_written(
                written=side.take(tickets[index]) if side and tickets else writers[index](),
                respondents=batch,
                texts=texts,
                meta=meta,
            )
        elif not written:
            lines += counted_lines(
                respondents=batch,
                answers=answers,
                texts=texts,
                campaigns_confirmed=meta.campaigns_confirmed,
            )
        if kept is None:
            parts.append(texts)
        else:
            kept.add(texts)
    if kept is not None:
        return kept.frame(), bytes(lines)
    frame = pd.concat(parts, ignore_index=True) if parts else texts_frame([])
    return frame, bytes(lines)


def _ranges(respondents: pd.DataFrame) -> list[tuple[int, int]]:
    """The first and last submission id of each batch of ``respondents``."""
    ids = respondents["submission_id"].to_numpy()
    return [
        (int(ids[start]), int(ids[min(start + TEXT_BATCH, len(ids)) - 1]))
        for start in range(0, len(ids), TEXT_BATCH)
    ]


def _writer(
    consultation: Consultation, counted: QuerySet[Submission], first: int, last: int
) -> Callable[[], list[tuple[int, str]]]:
    """The database's writing of the answers of the counted submissions with ids from ``first``
    to ``last`` (``written_between``), to run on whichever connection calls it. The counted rule
    is bounded to the batch's ids too: unbounded, each batch's query hashed every counted
    submission of the consultation (1,000,000 at the bench's largest size, 20 times over;
    bench/README.md, round 4)."""
    within = counted.filter(pk__gte=first, pk__lte=last)
    return partial(
        written_between, answers=answers_queryset(consultation, within), first=first, last=last
    )


def _batches(
    consultation: Consultation, respondents: pd.DataFrame
) -> Iterator[tuple[pd.DataFrame, pd.DataFrame]]:
    """Each batch of ``respondents`` with the free-text answers of its id range (``_ranges``)."""
    for index, (first, last) in enumerate(_ranges(respondents)):
        batch = respondents.iloc[index * TEXT_BATCH : (index + 1) * TEXT_BATCH]
        texts = _texts_between(consultation, first, last)
        # The counted ones among the submissions of the range: the batch's (``counted`` is the
        # rule the respondents were read by, in the same snapshot).
        counted_ids = batch["submission_id"].to_numpy()
        yield batch, texts[np.isin(texts["submission_id"].to_numpy(), counted_ids)]
    if not len(respondents):
        yield respondents, texts_frame([])


def _texts_between(consultation: Consultation, first: int, last: int) -> pd.DataFrame:
    """Free-text answers of the submissions with ids from ``first`` to ``last``, each with the
    ids of its staff themes. A range of the submission index, without the counted rule's
    subquery (the caller keeps the counted ones): with it, on statistics a bulk load had left
    stale, PostgreSQL chose nested loops over the whole consultation for each batch (the first
    batch ran 7 minutes at 640,000 submissions)."""
    answers = (
        Answer.objects.filter(
            consultation=consultation,
            submission_id__gte=first,
            submission_id__lte=last,
            question__kind=QuestionKind.TEXT,
            multiple=False,
        )
        .exclude(text="")
        .order_by()
    )
    rows = list(answers.values_list("pk", "submission_id", "question_id", "text"))
    themes: dict[int, list[int]] = {}
    for answer_id, theme_id in (
        Answer.themes.through.objects.filter(answer__in=answers.values("pk"))
        .order_by("answer_id", "theme_id")
        .values_list("answer_id", "theme_id")
    ):
        themes.setdefault(answer_id, []).append(theme_id)
    return texts_frame(
        (submission_id, question_id, text, themes.get(answer_id, ()))
        for answer_id, submission_id, question_id, text in rows
        if text.strip()
    )
