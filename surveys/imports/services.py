"""Writers of bulk imports: record an upload, check it (a dry run), import it all or nothing.

The ``SubmissionImport`` row is the audit record: who, which file (SHA-256 and the file itself,
in private storage), when, and how many responses it added. An import writes nothing unless
every row is valid; a row whose key was imported before with the same content is skipped, with
other content it is a fault. References come from the consultation's counter like any other
response's, as one block.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Callable
from typing import Any

from django.contrib.auth.models import AbstractBaseUser
from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from surveys.imports.checks import CheckResult, Problem, RowData, rows_check
from surveys.imports.reading import ImportFileError, file_format, table_read
from surveys.imports.sql import (
    AnswerValues,
    answers_write,
    constraints_immediate,
    objects_write,
)
from surveys.journey.services import answer_row_values, references_allocate
from surveys.journey.structure import Journey, journey_load
from surveys.licensing.services import licence_statuses_of
from surveys.models import (
    Consultation,
    ImportState,
    LicenceStatus,
    QuestionKind,
    Submission,
    SubmissionImport,
    SubmissionRevision,
    SubmissionState,
)

Progress = Callable[[str, int, int], None]
# Rows per INSERT batch: 2,000 submissions (and their answers) per round trip.
BATCH = 2000
# Refused above this size: 100,000 rows of a 30-question consultation are about 40 MB of CSV.
MAX_FILE_BYTES = 100 * 1024 * 1024
# Distinct answers whose rows ``_write`` keeps (free texts rarely repeat).
ROWS_KEPT = 200_000


class ImportRefused(Exception):
    """The import cannot start or go on; ``message`` says why, for staff."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def submission_import_start(
    *,
    consultation: Consultation,
    data: bytes,
    name: str,
    operator: str,
    user: AbstractBaseUser | None = None,
) -> SubmissionImport:
    """Keep the uploaded file (private storage) and record who uploaded it: the job to check."""
    file_format(name)  # ImportFileError for a file that is not .csv or .xlsx
    if len(data) > MAX_FILE_BYTES:
        raise ImportFileError(_("The file is larger than 100 MB."))
    job = SubmissionImport(
        consultation=consultation,
        original_name=name[-255:],
        sha256=hashlib.sha256(data).hexdigest(),
        size=len(data),
        uploaded_by=user,  # type: ignore[misc]  # a User, the project's user model
        operator=operator[:150],
        state=ImportState.CHECKING,
    )
    job.file.save(name.rsplit("/", 1)[-1][-100:], ContentFile(data), save=False)
    job.save()
    return job


def _job_update(job: SubmissionImport, **values: Any) -> None:
    for key, value in values.items():
        setattr(job, key, value)
    SubmissionImport.objects.filter(pk=job.pk).update(**values)


def _checked(
    job: SubmissionImport, progress: Progress | None, now: dt.datetime
) -> tuple[Journey, CheckResult]:
    """Read and check the job's file, recording the rows checked as it goes."""
    journey = journey_load(consultation=job.consultation)
    with job.file.open("rb") as handle:
        data = handle.read()
    try:
        table = table_read(data=data, name=job.original_name)
    except ImportFileError as error:
        result = CheckResult(problems=[Problem(0, "", "", error.message)])
        return journey, result

    def step(done: int, total: int) -> None:
        _job_update(job, rows_done=done, rows_total=total)
        if progress is not None:
            progress("check", done, total)

    return journey, rows_check(journey=journey, table=table, now=now, progress=step)


def submission_import_check(
    *, job: SubmissionImport, progress: Progress | None = None, now: dt.datetime | None = None
) -> CheckResult:
    """The dry run: check every row and record every fault on the job; write no response."""
    now = now or timezone.now()
    _journey, result = _checked(job, progress, now)
    _job_update(
        job,
        state=ImportState.CHECKED if result.valid else ImportState.INVALID,
        rows_total=result.rows_total,
        rows_done=result.rows_total,
        skipped=len(result.already),
        problems=[p.as_dict() for p in result.problems],
        finished_at=timezone.now(),
    )
    return result


def submission_import_queue(*, job: SubmissionImport) -> SubmissionImport:
    """Mark a checked job to be imported (the admin then queues the task)."""
    with transaction.atomic():
        locked = SubmissionImport.objects.select_for_update().get(pk=job.pk)
        if locked.state != ImportState.CHECKED:
            raise ImportRefused(_("Only a file checked without faults can be imported."))
        locked.state = ImportState.QUEUED
        locked.save(update_fields=["state"])
    return locked


def submission_import_run(
    *, job: SubmissionImport, progress: Progress | None = None, now: dt.datetime | None = None
) -> SubmissionImport:
    """Check the file again (responses may have been imported since the dry run), then import
    every new row in one transaction, or none when any row has a fault."""
    now = now or timezone.now()
    if job.state == ImportState.DONE:
        return job  # a task delivered twice
    _job_update(job, state=ImportState.CHECKING, error="")
    journey, result = _checked(job, progress, now)
    if not result.valid:
        _job_update(
            job,
            state=ImportState.INVALID,
            problems=[p.as_dict() for p in result.problems],
            skipped=len(result.already),
            finished_at=timezone.now(),
        )
        return job
    _job_update(job, state=ImportState.IMPORTING)
    try:
        with transaction.atomic():
            _write(job, journey, result.rows, now, progress)
            _job_update(
                job,
                state=ImportState.DONE,
                imported=len(result.rows),
                skipped=len(result.already),
                problems=[],
                finished_at=timezone.now(),
            )
    except IntegrityError:
        # Another import added some of these row keys meanwhile: nothing of this one was written.
        _job_update(
            job,
            state=ImportState.FAILED,
            error=_("Another import added some of these rows at the same time; check it again."),
            finished_at=timezone.now(),
        )
    return job


def _write(
    job: SubmissionImport,
    journey: Journey,
    rows: list[RowData],
    now: dt.datetime,
    progress: Progress | None,
) -> None:
    consultation = job.consultation
    constraints_immediate(Submission)
    references = references_allocate(consultation=consultation, count=len(rows)) if rows else []
    multiple = {q.pk for q in journey.questions if q.kind == QuestionKind.MULTIPLE}
    # An answer's rows depend on its question and value alone, and most values repeat: the
    # journey's ``answer_row_values`` runs once per distinct answer (0.16 ms a response).
    kept: dict[tuple[str, Any], list[tuple[int, int | None, int | None, str]]] = {}

    def rows_of(code: str, value: Any) -> list[tuple[int, int | None, int | None, str]]:
        key = (code, tuple(value) if isinstance(value, list) else value)
        rows = kept.get(key)
        if rows is None:
            rows = answer_row_values(answers={code: value}, journey=journey)
            if len(kept) < ROWS_KEPT:
                kept[key] = rows
        return rows

    # A licence number in a row is matched against the register, as a web response's is.
    statuses = licence_statuses_of(
        (row.respondent.get("licence_register", ""), row.respondent.get("licence_number", ""))
        for row in rows
    )
    for start in range(0, len(rows), BATCH):
        batch = rows[start : start + BATCH]
        submissions = [
            _submission(job, row, reference, now, statuses)
            for row, reference in zip(batch, references[start : start + BATCH], strict=True)
        ]
        objects_write(submissions)
        answers: list[AnswerValues] = []
        revisions: list[SubmissionRevision] = []
        for submission, row in zip(submissions, batch, strict=True):
            answers += [
                (
                    consultation.pk,
                    submission.pk,
                    question_id,
                    choice_id,
                    question_id in multiple,
                    text,
                    number,
                )
                for code, value in row.answers.items()
                for question_id, choice_id, number, text in rows_of(code, value)
            ]
            revisions.append(
                SubmissionRevision(
                    submission=submission,
                    number=1,
                    created_at=now,
                    state=SubmissionState.SUBMITTED,
                    respondent={
                        **row.respondent,
                        "privacy_acknowledged": False,
                        "language": row.language,
                        "attachments": [],
                    },
                    answers=row.answers,
                )
            )
        answers_write(answers)
        objects_write(revisions)
        if progress is not None:
            progress("import", start + len(batch), len(rows))


def _submission(
    job: SubmissionImport,
    row: RowData,
    reference: str,
    now: dt.datetime,
    statuses: dict[tuple[str, str], str],
) -> Submission:
    received = row.received_at or now
    licence = (row.respondent.get("licence_register", ""), row.respondent.get("licence_number", ""))
    return Submission(
        consultation_id=job.consultation_id,
        reference=reference,
        state=SubmissionState.SUBMITTED,
        **row.respondent,
        # Received on paper or by email: nobody ticked the web form's statement.
        privacy_acknowledged=False,
        language=row.language,
        created_at=now,
        updated_at=now,
        submitted_at=received,
        is_late=received >= job.consultation.closes_at,
        channel=row.channel,
        received_at=received,
        entered_by_id=job.uploaded_by_id,
        import_key=row.key,
        import_digest=row.digest,
        licence_status=statuses.get(licence, LicenceStatus.OTHER),
    )


def responses_import(
    *,
    consultation: Consultation,
    data: bytes,
    name: str,
    operator: str,
    dry_run: bool,
    user: AbstractBaseUser | None = None,
    progress: Progress | None = None,
) -> SubmissionImport:
    """The whole import in this process (the management command): record, check, import."""
    job = submission_import_start(
        consultation=consultation, data=data, name=name, operator=operator, user=user
    )
    if dry_run:
        submission_import_check(job=job, progress=progress)
        return job
    return submission_import_run(job=job, progress=progress)
