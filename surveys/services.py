"""Every write a respondent makes: start and save a draft, submit, amend, withdraw, resume links.

Each service is one transaction. Answers travel as plain dicts keyed by question code:
a choice value for agree / yes-no-unsure / single choice, a list of choice values for multiple
choice, a string for free text and an int for numbers; a missing key means "not answered". The same
shape is frozen into ``SubmissionRevision.answers`` at every submit and amendment.

The server alone decides which questions apply: answers to questions whose condition does not hold
are discarded on every save (``answers_prune``).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
import uuid
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from django.db import connections, router, transaction
from django.db.models import Prefetch
from django.utils import timezone

from surveys.attachments import MAX_FILES, AttachmentRejected
from surveys.models import (
    Answer,
    Attachment,
    Choice,
    Consultation,
    ConsultationStatus,
    Question,
    QuestionKind,
    RespondentType,
    Section,
    Submission,
    SubmissionRevision,
    SubmissionState,
)
from surveys.prepared import PreparedRead

AnswerValue = str | int | list[str]
Answers = dict[str, AnswerValue]

# The "About you" fields a respondent fills in at step 1, in the order a receipt lists them.
RESPONDENT_FIELDS = (
    "respondent_type",
    "category",
    "category_other",
    "organisation_name",
    "contact_name",
    "email",
    "consent",
    "privacy_acknowledged",
)
DRAFT_REFERENCE_PREFIX = "DRAFT-"


class JourneyError(Exception):
    """A respondent write that cannot happen now; ``code`` says why (for the page to explain)."""

    code = "invalid"


class ConsultationNotOpen(JourneyError):
    code = "not_open"


class ConsultationClosed(JourneyError):
    code = "closed"


class SubmissionNotEditable(JourneyError):
    code = "not_editable"


class SubmissionIncomplete(JourneyError):
    """Required questions are unanswered; ``missing`` lists their codes."""

    code = "incomplete"

    def __init__(self, missing: list[str]) -> None:
        super().__init__(f"unanswered required questions: {', '.join(missing)}")
        self.missing = missing


# --- The shape of the form ---------------------------------------------------------------------


@dataclass(frozen=True)
class Step:
    """One page of the form. ``number`` starts at 1 ("About you")."""

    number: int
    kind: str  # "about", "section", "attachments" or "review"
    section: Section | None = None


@dataclass(frozen=True, eq=False)  # compared and hashed by identity: a cache key
class FormStructure:
    """A consultation's sections, questions (choices prefetched) and steps, with lookups.

    Built once per ``form_version`` and shared by every request of a process (``journey_cached``),
    so nothing may modify it or the model instances it holds.
    """

    sections: list[Section]
    questions: list[Question]
    steps: list[Step]
    by_code: dict[str, Question]
    by_id: dict[int, Question]
    choice_by_id: dict[int, Choice]
    questions_by_section: dict[int, list[Question]]

    @classmethod
    def build(cls, sections: list[Section], questions: list[Question]) -> FormStructure:
        steps = [Step(1, "about")]
        steps += [Step(i + 2, "section", s) for i, s in enumerate(sections)]
        steps.append(Step(len(steps) + 1, "attachments"))
        steps.append(Step(len(steps) + 1, "review"))
        by_section: dict[int, list[Question]] = {s.pk: [] for s in sections}
        for question in questions:
            by_section.setdefault(question.section_id, []).append(question)
        return cls(
            sections=sections,
            questions=questions,
            steps=steps,
            by_code={q.code: q for q in questions},
            by_id={q.pk: q for q in questions},
            choice_by_id={c.pk: c for q in questions for c in q.choices.all()},
            questions_by_section=by_section,
        )


@dataclass(frozen=True)
class Journey:
    """A consultation's pages and questions, in form order, for one request."""

    consultation: Consultation
    structure: FormStructure

    @property
    def sections(self) -> list[Section]:
        return self.structure.sections

    @property
    def questions(self) -> list[Question]:
        return self.structure.questions

    @property
    def steps(self) -> list[Step]:
        return self.structure.steps

    @property
    def by_code(self) -> dict[str, Question]:
        return self.structure.by_code

    @property
    def by_id(self) -> dict[int, Question]:
        return self.structure.by_id

    @property
    def choice_by_id(self) -> dict[int, Choice]:
        return self.structure.choice_by_id

    @property
    def total(self) -> int:
        return len(self.structure.steps)

    @property
    def review_step(self) -> int:
        return self.total

    def step(self, number: int) -> Step | None:
        return self.steps[number - 1] if 1 <= number <= self.total else None

    def section_questions(self, section: Section) -> list[Question]:
        """The section's questions in order (a new list: the cached one is shared)."""
        return list(self.structure.questions_by_section.get(section.pk, ()))


def _structure_load(consultation: Consultation) -> tuple[list[Section], list[Question]]:
    sections = list(consultation.sections.order_by("order"))
    questions = list(
        consultation.questions.order_by("order")
        .select_related("condition_choice")
        .prefetch_related(Prefetch("choices", queryset=Choice.objects.order_by("order")))
    )
    return sections, questions


def journey_load(*, consultation: Consultation) -> Journey:
    """The sections, questions and choices of ``consultation`` in form order (three queries)."""
    structure = FormStructure.build(*_structure_load(consultation))
    return Journey(consultation=consultation, structure=structure)


# Per process: consultation pk -> (form_version, structure). One entry per consultation; a new
# form_version (surveys.signals) replaces it.
_STRUCTURES: dict[int, tuple[uuid.UUID, FormStructure]] = {}


def journey_cached(*, consultation: Consultation) -> Journey:
    """``journey_load`` without queries when this process has already loaded the consultation's
    current ``form_version``. ``consultation`` must be freshly read (its version current): the
    respondent pages read it on every request."""
    cached = _STRUCTURES.get(consultation.pk)
    if cached is None or cached[0] != consultation.form_version:
        cached = (consultation.form_version, FormStructure.build(*_structure_load(consultation)))
        _STRUCTURES[consultation.pk] = cached
    return Journey(consultation=consultation, structure=cached[1])


def question_is_shown(question: Question, answers: Mapping[str, Any], journey: Journey) -> bool:
    """Whether ``question`` applies given ``answers``: its condition (and its parent's) holds."""
    if not question.is_conditional:
        return True
    parent = journey.by_id.get(question.condition_question_id)
    if parent is None or not question_is_shown(parent, answers, journey):
        return False
    given = answers.get(parent.code)
    wanted = question.condition_choice.value
    if isinstance(given, list):
        return wanted in given
    return given == wanted


def answers_prune(*, answers: Mapping[str, Any], journey: Journey) -> Answers:
    """``answers`` without unknown codes, empty values and answers to questions not shown."""
    kept: Answers = {}
    for question in journey.questions:  # in order, so conditions see their parents first
        value = answers.get(question.code)
        if value in (None, "", []):
            continue
        if question_is_shown(question, kept, journey):
            kept[question.code] = value
    return kept


def answers_missing(*, answers: Mapping[str, Any], journey: Journey) -> list[str]:
    """Codes of required questions that are shown and unanswered."""
    return [
        q.code
        for q in journey.questions
        if q.required
        and question_is_shown(q, answers, journey)
        and answers.get(q.code) in (None, "", [])
    ]


# --- Reading a submission ----------------------------------------------------------------------


def submission_answers(*, submission: Submission, journey: Journey | None = None) -> Answers:
    """The stored answers of ``submission`` as a dict by question code.

    One query with the consultation's ``journey``; without it the journey is loaded too.
    """
    if journey is None:
        journey = journey_load(consultation=submission.consultation)
    return answers_from_rows(rows=submission_answer_rows(submission=submission), journey=journey)


# An answer row as stored: (pk, question_id, choice_id, number, text).
AnswerRow = tuple[int, int, int | None, int | None, str]


# order_by(): no join for the model's default ordering; answers_from_rows orders them. Read on
# every form page, so its SQL is built once per process.
_ANSWER_ROWS: PreparedRead[AnswerRow] = PreparedRead(
    lambda submission_id: (
        Answer.objects.filter(submission_id=submission_id)
        .order_by()
        .values_list("pk", "question_id", "choice_id", "number", "text")
    )
)


def submission_answer_rows(*, submission: Submission) -> list[AnswerRow]:
    """The submission's answer rows as stored (one query, no joins)."""
    return _ANSWER_ROWS.read(submission_id=submission.pk)


_ATTACHMENTS: PreparedRead[Attachment] = PreparedRead(
    lambda submission_id: Attachment.objects.filter(submission_id=submission_id).order_by(
        "uploaded_at", "pk"
    )
)


def submission_attachments(*, submission: Submission) -> list[Attachment]:
    """The response's files, oldest first (one prepared query: the attachments page, the review
    page and the submit read them)."""
    return _ATTACHMENTS.read(submission_id=submission.pk)


def answers_from_rows(*, rows: Iterable[AnswerRow], journey: Journey) -> Answers:
    """Rows as answers, in form order and, for multiple choice, in choice order."""
    by_question: dict[int, list[AnswerRow]] = {}
    for row in rows:
        by_question.setdefault(row[1], []).append(row)
    answers: Answers = {}
    for question in journey.questions:
        found = by_question.get(question.pk)
        if not found:
            continue
        if question.kind == QuestionKind.MULTIPLE:
            picked = sorted((journey.choice_by_id[r[2]] for r in found), key=lambda c: c.order)  # type: ignore[index]
            answers[question.code] = [c.value for c in picked]
        elif question.is_closed:
            answers[question.code] = journey.choice_by_id[found[0][2]].value  # type: ignore[index]
        elif question.kind == QuestionKind.NUMBER:
            answers[question.code] = found[0][3]  # type: ignore[assignment]
        else:
            answers[question.code] = found[0][4]
    return answers


def submission_respondent(*, submission: Submission) -> dict[str, Any]:
    return {name: getattr(submission, name) for name in RESPONDENT_FIELDS}


def submission_by_token(*, token: str) -> Submission | None:
    """The submission whose resume link carries ``token``, or None. Compares hashes only."""
    if not token or len(token) > 128:
        return None
    return (
        Submission.objects.select_related("consultation")
        .filter(resume_token_hash=_token_hash(token))
        .first()
    )


def consultation_accepts_responses(*, consultation: Consultation, now: dt.datetime) -> bool:
    """Open, or closed but accepting late responses."""
    status = consultation.status_at(now)
    return status == ConsultationStatus.OPEN or (
        status == ConsultationStatus.CLOSED and consultation.accepts_late
    )


def submission_can_change(*, submission: Submission, now: dt.datetime) -> bool:
    """A submitted response may be amended or withdrawn until the consultation closes."""
    return (
        submission.state == SubmissionState.SUBMITTED
        and submission.consultation.status_at(now) == ConsultationStatus.OPEN
    )


# --- Writes ------------------------------------------------------------------------------------


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _require_accepting(consultation: Consultation, now: dt.datetime) -> None:
    status = consultation.status_at(now)
    if status in (ConsultationStatus.DRAFT, ConsultationStatus.UPCOMING):
        raise ConsultationNotOpen
    if status == ConsultationStatus.CLOSED and not consultation.accepts_late:
        raise ConsultationClosed


_LOCKED_SUBMISSION: PreparedRead[Submission] = PreparedRead(
    lambda pk: Submission.objects.select_for_update().filter(pk=pk).order_by()
)


def _progress_write(
    submission: Submission,
    *,
    step: int,
    language: str,
    now: dt.datetime,
    read_at: dt.datetime | None = None,
) -> bool:
    """Store a page save's progress (the furthest step, never moved back; the language; the
    time) in one plain UPDATE, which also locks the row. The ORM's costs more to build than to
    run, on every saved page.

    With ``read_at``, only if nothing has written to the draft since it was read with
    ``updated_at == read_at`` (every write of a response sets it). Returns whether it wrote: when
    not, nothing changed and the caller locks the row and reads it again.
    """
    connection = connections[router.db_for_write(Submission)]
    name = connection.ops.quote_name
    # As the ORM stores them: on SQLite a text that must match exactly.
    adapt = connection.ops.adapt_datetimefield_value
    table = name(Submission._meta.db_table)
    step_, language_, updated, state, pk = (
        name(Submission._meta.get_field(f).column)
        for f in ("current_step", "language", "updated_at", "state", "id")
    )
    sql = (
        f"UPDATE {table} SET {step_} = CASE WHEN {step_} > %s THEN {step_} ELSE %s END,"  # noqa: S608 - names from the model
        f" {language_} = %s, {updated} = %s WHERE {pk} = %s"
    )
    params = [step, step, language, adapt(now), submission.pk]
    if read_at is not None:
        sql += f" AND {updated} = %s AND {state} = %s"
        params += [adapt(read_at), SubmissionState.DRAFT.value]
    with connection.cursor() as cursor:
        cursor.execute(f"{sql} RETURNING {step_}", params)
        row = cursor.fetchone()
    if row is None:
        return False
    submission.current_step, submission.language, submission.updated_at = row[0], language, now
    return True


def _lock(submission: Submission) -> Submission:
    """Re-read ``submission`` under a row lock so that concurrent requests queue up."""
    found = _LOCKED_SUBMISSION.read(pk=submission.pk)
    if not found:
        raise Submission.DoesNotExist
    locked = found[0]
    # The consultation the caller read with the response (moments ago) serves for the checks; the
    # lock covers the response only, so other respondents keep writing to the consultation.
    locked.consultation = submission.consultation
    return locked


@transaction.atomic
def draft_start(
    *,
    consultation: Consultation,
    respondent: Mapping[str, Any],
    language: str,
    client_address: str | None = None,
    now: dt.datetime | None = None,
) -> tuple[Submission, str]:
    """Create a draft from the "About you" answers; return it and its resume token.

    The token is returned once, for the resume email, and only its SHA-256 is stored.
    """
    now = now or timezone.now()
    _require_accepting(consultation, now)
    token = secrets.token_urlsafe(32)
    submission = Submission.objects.create(
        consultation=consultation,
        reference=DRAFT_REFERENCE_PREFIX + secrets.token_hex(7),
        state=SubmissionState.DRAFT,
        language=language,
        current_step=2,
        resume_token_hash=_token_hash(token),
        client_address=client_address,
        created_at=now,
        updated_at=now,
        **_respondent_values(respondent),
    )
    return submission, token


def _respondent_values(respondent: Mapping[str, Any]) -> dict[str, Any]:
    values = {name: respondent.get(name, "") for name in RESPONDENT_FIELDS}
    values["privacy_acknowledged"] = bool(respondent.get("privacy_acknowledged"))
    if values["respondent_type"] != RespondentType.ORGANISATION:
        values["organisation_name"] = ""
    if values["category"] != "other":
        values["category_other"] = ""
    return values


def _check_editable(submission: Submission, now: dt.datetime) -> None:
    if submission.state != SubmissionState.DRAFT:
        raise SubmissionNotEditable
    _require_accepting(submission.consultation, now)


@transaction.atomic
def draft_save_respondent(
    *,
    submission: Submission,
    respondent: Mapping[str, Any],
    language: str,
    now: dt.datetime | None = None,
) -> Submission:
    """Save step 1 ("About you") of a draft."""
    now = now or timezone.now()
    submission = _lock(submission)
    _check_editable(submission, now)
    for name, value in _respondent_values(respondent).items():
        setattr(submission, name, value)
    submission.language = language
    submission.current_step = max(submission.current_step, 2)
    submission.updated_at = now
    submission.save()
    return submission


@transaction.atomic
def draft_save(
    *,
    submission: Submission,
    journey: Journey,
    section: Section,
    answers: Mapping[str, Any],
    step: int,
    language: str,
    now: dt.datetime | None = None,
    rows_read: list[AnswerRow] | None = None,
) -> Submission:
    """Replace the answers to ``section``'s questions and remember how far the respondent got.

    Answers elsewhere whose condition no longer holds are discarded too. ``rows_read`` are the
    answer rows the caller read (before the lock) along with ``submission``: they are used if the
    response has not changed since, which every answer write would show in ``updated_at``.
    """
    now = now or timezone.now()
    if _progress_write(
        submission, step=step + 1, language=language, now=now, read_at=submission.updated_at
    ):
        # Locked, and not written since the caller read it and its answers: still a draft.
        _require_accepting(submission.consultation, now)
    else:
        # Written since the caller read it (another tab), or no longer a draft: start again from
        # the stored row, under a lock.
        submission, rows_read = _lock(submission), None
        _check_editable(submission, now)
        _progress_write(submission, step=step + 1, language=language, now=now)
    stored = rows_read if rows_read is not None else submission_answer_rows(submission=submission)
    section_codes = {q.code for q in journey.section_questions(section)}
    merged = {
        code: value
        for code, value in answers_from_rows(rows=stored, journey=journey).items()
        if code not in section_codes
    }
    merged.update({code: value for code, value in answers.items() if code in section_codes})
    _answers_replace(
        submission, journey, answers_prune(answers=merged, journey=journey), stored=stored
    )
    return submission


@transaction.atomic
def draft_advance(*, submission: Submission, step: int, now: dt.datetime | None = None) -> None:
    """Record that the respondent has passed a page that holds no answers (attachments)."""
    now = now or timezone.now()
    submission = _lock(submission)
    _check_editable(submission, now)
    if submission.current_step < step + 1:
        submission.current_step = step + 1
        submission.updated_at = now
        submission.save(update_fields=["current_step", "updated_at"])


def _answers_replace(
    submission: Submission,
    journey: Journey,
    answers: Answers,
    stored: list[AnswerRow] | None = None,
) -> None:
    """Make ``answers`` (already validated and pruned) the submission's only answer rows.

    Only rows that differ are written: saving one page of a draft inserts that page's answers
    and leaves the rest alone. ``stored`` is the rows as read under the submission's lock.
    """
    if stored is None:
        stored = submission_answer_rows(submission=submission)
    wanted: list[tuple[int, int | None, int | None, str]] = []
    for code, value in answers.items():
        question = journey.by_code[code]
        choices = {c.value: c.pk for c in question.choices.all()}
        if question.kind == QuestionKind.MULTIPLE:
            values = value if isinstance(value, list) else [value]
            wanted += [(question.pk, choices[v], None, "") for v in dict.fromkeys(values)]
        elif question.is_closed:
            wanted.append((question.pk, choices[str(value)], None, ""))
        elif question.kind == QuestionKind.NUMBER:
            wanted.append((question.pk, None, int(value), ""))  # type: ignore[arg-type]
        else:
            wanted.append((question.pk, None, None, str(value)))
    keep = set(wanted)
    kept: set[tuple[int, int | None, int | None, str]] = set()
    stale: list[int] = []
    for pk, *values in stored:
        key = tuple(values)
        if key in keep and key not in kept:
            kept.add(key)  # type: ignore[arg-type]
        else:
            stale.append(pk)
    if stale:
        Answer.objects.filter(pk__in=stale).delete()
    _answers_insert(
        [
            (
                submission.consultation_id,
                submission.pk,
                question_id,
                choice_id,
                journey.by_id[question_id].kind == QuestionKind.MULTIPLE,
                text,
                number,
            )
            for question_id, choice_id, number, text in wanted
            if (question_id, choice_id, number, text) not in kept
        ]
    )


# The columns _answers_insert writes, in its rows' order.
_ANSWER_COLUMNS = ("consultation", "submission", "question", "choice", "multiple", "text", "number")
_INSERT_ROWS_AT_ONCE = 500


def _answers_insert(rows: list[tuple[Any, ...]]) -> None:
    """Insert answer rows, ordered as _ANSWER_COLUMNS, in one statement (per 500 rows).

    Every page save writes a few rows and needs neither model instances nor their new ids:
    built by bulk_create, those cost more CPU than the database spends on the insert.
    """
    connection = connections[router.db_for_write(Answer)]
    name = connection.ops.quote_name
    columns = ", ".join(name(Answer._meta.get_field(c).column) for c in _ANSWER_COLUMNS)
    placeholders = "(" + ", ".join(["%s"] * len(_ANSWER_COLUMNS)) + ")"
    for start in range(0, len(rows), _INSERT_ROWS_AT_ONCE):
        chunk = rows[start : start + _INSERT_ROWS_AT_ONCE]
        values = ", ".join([placeholders] * len(chunk))
        with connection.cursor() as cursor:
            cursor.execute(
                f"INSERT INTO {name(Answer._meta.db_table)} ({columns}) VALUES {values}",  # noqa: S608 - names from the model
                [value for row in chunk for value in row],
            )


def _reference_allocate(consultation: Consultation) -> str:
    """The next reference of ``consultation``: raise its counter and read it in one statement."""
    connection = connections[router.db_for_write(Consultation)]
    name = connection.ops.quote_name
    table = name(Consultation._meta.db_table)
    counter = name(Consultation._meta.get_field("last_reference_number").column)
    pk = name(Consultation._meta.pk.column)
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {table} SET {counter} = {counter} + 1 WHERE {pk} = %s RETURNING {counter}",  # noqa: S608 - names from the model
            [consultation.pk],
        )
        (number,) = cursor.fetchone()
    return f"{consultation.reference_prefix}-{number:06d}"


def _revision_add(
    submission: Submission,
    journey: Journey,
    answers: Answers,
    now: dt.datetime,
    attachments: list[Attachment] | None = None,
) -> SubmissionRevision:
    respondent = submission_respondent(submission=submission)
    respondent["language"] = submission.language
    if attachments is None:
        attachments = submission_attachments(submission=submission)
    respondent["attachments"] = [
        {"name": a.original_name, "sha256": a.sha256, "size": a.size} for a in attachments
    ]
    number = submission.revisions.count() + 1
    return SubmissionRevision.objects.create(
        submission=submission,
        number=number,
        created_at=now,
        state=submission.state,
        respondent=respondent,
        answers=answers,
    )


@dataclass(frozen=True)
class SubmitResult:
    submission: Submission
    created: bool  # False when this call found the response already submitted (a replay)
    answers: Answers = field(default_factory=dict)  # what was submitted (none for a replay)
    attachments: list[Attachment] = field(default_factory=list)  # the files submitted with it
    resume_token: str = ""  # the receipt's private link (a replay issues none)


@transaction.atomic
def submission_submit(
    *,
    submission: Submission,
    journey: Journey,
    client_address: str | None = None,
    now: dt.datetime | None = None,
) -> SubmitResult:
    """Submit a draft: allocate its reference, freeze a revision, issue a new resume link for the
    receipt (earlier links stop working). Safe to call twice.

    The row lock makes a double click or a replayed request wait for the first call, then find
    the response already submitted and return it unchanged (``created=False``).
    """
    now = now or timezone.now()
    submission = _lock(submission)
    if submission.state != SubmissionState.DRAFT:
        return SubmitResult(submission=submission, created=False)
    consultation = submission.consultation
    _require_accepting(consultation, now)
    answers = answers_prune(
        answers=submission_answers(submission=submission, journey=journey), journey=journey
    )
    missing = answers_missing(answers=answers, journey=journey)
    if missing:
        raise SubmissionIncomplete(missing)
    if not (submission.privacy_acknowledged and submission.email and submission.consent):
        raise SubmissionIncomplete(["about"])
    submission.reference = _reference_allocate(consultation)
    submission.state = SubmissionState.SUBMITTED
    submission.submitted_at = now
    submission.updated_at = now
    submission.is_late = now >= consultation.closes_at
    if client_address:
        submission.client_address = client_address
    token = secrets.token_urlsafe(32)
    submission.resume_token_hash = _token_hash(token)
    submission.save()
    attachments = submission_attachments(submission=submission)
    _revision_add(submission, journey, answers, now, attachments)
    return SubmitResult(
        submission=submission,
        created=True,
        answers=answers,
        attachments=attachments,
        resume_token=token,
    )


@transaction.atomic
def submission_amend(
    *,
    submission: Submission,
    journey: Journey,
    respondent: Mapping[str, Any],
    answers: Mapping[str, Any],
    language: str,
    now: dt.datetime | None = None,
) -> Submission:
    """Replace a submitted response's details and answers; the earlier version stays as history."""
    now = now or timezone.now()
    submission = _lock(submission)
    if not submission_can_change(submission=submission, now=now):
        if submission.consultation.status_at(now) == ConsultationStatus.CLOSED:
            raise ConsultationClosed
        raise SubmissionNotEditable
    pruned = answers_prune(answers=answers, journey=journey)
    missing = answers_missing(answers=pruned, journey=journey)
    if missing:
        raise SubmissionIncomplete(missing)
    for name, value in _respondent_values(respondent).items():
        setattr(submission, name, value)
    submission.language = language
    submission.updated_at = now
    submission.save()
    _answers_replace(submission, journey, pruned)
    _revision_add(submission, journey, pruned, now)
    return submission


@transaction.atomic
def submission_withdraw(*, submission: Submission, now: dt.datetime | None = None) -> Submission:
    """Withdraw a submitted response. Withdrawing again changes nothing."""
    now = now or timezone.now()
    submission = _lock(submission)
    if submission.state == SubmissionState.WITHDRAWN:
        return submission
    if not submission_can_change(submission=submission, now=now):
        if submission.consultation.status_at(now) == ConsultationStatus.CLOSED:
            raise ConsultationClosed
        raise SubmissionNotEditable
    submission.state = SubmissionState.WITHDRAWN
    submission.withdrawn_at = now
    submission.updated_at = now
    submission.save()
    revision = submission.revisions.order_by("-number").first()
    SubmissionRevision.objects.create(
        submission=submission,
        number=(revision.number if revision else 0) + 1,
        created_at=now,
        state=SubmissionState.WITHDRAWN,
        respondent=revision.respondent if revision else {},
        answers=revision.answers if revision else {},
    )
    return submission


@transaction.atomic
def resume_link_issue(*, submission: Submission) -> str:
    """A new resume token for ``submission`` (any earlier link stops working)."""
    token = secrets.token_urlsafe(32)
    Submission.objects.filter(pk=submission.pk).update(resume_token_hash=_token_hash(token))
    submission.resume_token_hash = _token_hash(token)
    return token


def resume_link_request(
    *, consultation: Consultation, email: str, now: dt.datetime | None = None
) -> tuple[Submission, str] | None:
    """A fresh resume token for the respondent's latest live response, when there is one.

    Returns None when no draft or changeable response uses ``email``; the page says the same
    thing either way, so that it does not reveal who has responded.
    """
    now = now or timezone.now()
    submission = (
        Submission.objects.select_related("consultation")
        .filter(
            consultation=consultation,
            email__iexact=email.strip(),
            state__in=[SubmissionState.DRAFT, SubmissionState.SUBMITTED],
        )
        .order_by("-updated_at")
        .first()
    )
    if submission is None or not resume_link_valid(submission=submission, now=now):
        return None
    return submission, resume_link_issue(submission=submission)


def resume_link_valid(*, submission: Submission, now: dt.datetime) -> bool:
    """A link works until the consultation closes (for drafts of late-accepting ones, after too)."""
    consultation = submission.consultation
    status = consultation.status_at(now)
    if submission.state == SubmissionState.DRAFT:
        return consultation_accepts_responses(consultation=consultation, now=now)
    return status == ConsultationStatus.OPEN


def _check_attachments_editable(submission: Submission, now: dt.datetime) -> None:
    if submission.state == SubmissionState.DRAFT:
        _require_accepting(submission.consultation, now)
    elif not submission_can_change(submission=submission, now=now):
        raise SubmissionNotEditable


@transaction.atomic
def attachment_add(
    *, submission: Submission, upload: Any, checked: Any, now: dt.datetime | None = None
) -> Attachment:
    """Store an uploaded position paper already checked by ``surveys.attachments.check``."""
    now = now or timezone.now()
    submission = _lock(submission)
    _check_attachments_editable(submission, now)
    if submission.attachments.count() >= MAX_FILES:
        raise AttachmentRejected("too_many")
    upload.name = f"{secrets.token_hex(12)}{checked.extension}"
    attachment = Attachment(
        submission=submission,
        original_name=checked.original_name,
        content_type=checked.content_type,
        size=checked.size,
        sha256=checked.sha256,
        uploaded_at=now,
    )
    attachment.file.save(upload.name, upload, save=False)
    attachment.save()
    return attachment


@transaction.atomic
def attachment_remove(
    *, submission: Submission, attachment_id: int, now: dt.datetime | None = None
) -> bool:
    """Delete one of ``submission``'s own attachments; False if it has none with that id."""
    now = now or timezone.now()
    submission = _lock(submission)
    _check_attachments_editable(submission, now)
    attachment = submission.attachments.filter(pk=attachment_id).first()
    if attachment is None:
        return False
    stored = attachment.file
    attachment.delete()
    transaction.on_commit(lambda: stored.storage.delete(stored.name))
    return True


def answer_labels(*, question: Question, value: AnswerValue | None, language: str) -> list[str]:
    """What the respondent chose or typed, as display strings in ``language``."""
    if value in (None, "", []):
        return []
    if question.is_closed:
        labels = {c.value: c.localized("label", language) for c in question.choices.all()}
        values: Iterable[Any] = value if isinstance(value, list) else [value]
        return [labels.get(str(v), str(v)) for v in values]
    return [str(value)]


@dataclass(frozen=True)
class ShownAnswer:
    question: Question
    labels: list[str]


@dataclass(frozen=True)
class ShownSection:
    step: Step
    title: str
    answers: list[ShownAnswer]


def answers_display(
    *, journey: Journey, answers: Mapping[str, Any], language: str
) -> list[ShownSection]:
    """Each section's shown questions with the answer labels, for the review page and receipts."""
    shown = []
    for step in journey.steps:
        if step.section is None:
            continue
        rows = [
            ShownAnswer(
                question=q,
                labels=answer_labels(question=q, value=answers.get(q.code), language=language),
            )
            for q in journey.section_questions(step.section)
            if question_is_shown(q, answers, journey)
        ]
        title = step.section.localized("title", language)
        shown.append(ShownSection(step=step, title=title, answers=rows))
    return shown
