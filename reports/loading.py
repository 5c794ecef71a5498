"""What a summary report reads from the database: the only module that reads surveys' tables.

``report_inputs`` fills a :class:`reports.summary.inputs.ReportInputs` for the pure summary code
(``reports.summary``): the consultation's questions and labels, the counted respondents, their
choice and number answers (one streamed query: a binary COPY on PostgreSQL), their free text with
the staff's theme codes, and the snapshot that identifies what was counted. ``report_chunk_plan``
cuts a large consultation into chunks of counted submissions for the chunked job.

What counts is one rule, ``SubmissionQuerySet.counted``, cut off at the report's ``as_of``.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Sequence
from typing import TYPE_CHECKING, cast

import pandas as pd
from django.db import connections, models, router, transaction
from django.db.models import Case, OuterRef, Q, QuerySet, Subquery, Value, When
from django.utils import timezone, translation

from reports.answer_rows import answers_copy_sql, answers_queryset, answers_read
from reports.beside import SideReader, read_settings
from reports.grouped_read import grouped_answers, grouped_answers_beside
from reports.summary.chunks import ChunkPlanner, ChunkSpec
from reports.summary.fingerprint import (
    FingerprintParts,
    fingerprint_of,
    header_digest,
    left_out_digest,
)
from reports.summary.inputs import (
    EXCLUSION_REASONS,
    RESPONDENT_COLUMNS,
    ChoiceMeta,
    Condition,
    ConsultationMeta,
    Option,
    QuestionMeta,
    ReportInputs,
    SectionMeta,
    Snapshot,
    answers_frame,
    check_sha256,
    respondents_typed,
    texts_frame,
    themes_frame,
)
from reports.summary.inputs import Text as ReportText
from reports.summary.register import RegisterRow
from reports.text_rows import texts_read
from surveys.models import (
    Answer,
    CampaignGroup,
    Choice,
    Consent,
    Consultation,
    ExclusionReason,
    Petition,
    Question,
    RespondentCategory,
    RespondentType,
    ReviewEvent,
    ReviewStatus,
    Submission,
    SubmissionState,
    Theme,
)
from surveys.querysets import awaiting_confirmation_condition, counted_condition
from surveys.review.services import FIELD_REASON

if TYPE_CHECKING:
    from django.db.backends.base.base import BaseDatabaseWrapper

    from surveys.querysets import SubmissionQuerySet


def report_inputs(
    *,
    consultation: Consultation,
    as_of: dt.datetime,
    id_range: tuple[int, int] | None = None,
    texts: bool = True,
    grouped: bool | None = None,
) -> ReportInputs:
    """Everything a summary report of ``consultation`` reads, counting submissions up to ``as_of``.

    ``id_range=(first, last)`` reads only the counted submissions with ids in that closed range
    (one chunk of a chunked report; its snapshot covers the chunk, has no exclusion counts, and
    its ``sha256`` is the chunk's check hash: the merge makes the fingerprint from the chunks'
    ``inputs.fingerprint`` parts). ``texts=False`` skips the free-text answers (the bench's
    aggregation of closed questions) and with them the fingerprint (``sha256`` is empty).

    ``grouped``: the choice and number answers counted by the database (``inputs.grouped``,
    ``reports.grouped_read``) instead of read as rows (``inputs.answers``, then empty), and the
    fingerprint's answers written by it too. By default on PostgreSQL for a whole report, where
    it is exact and faster (bench/notes-groupby.md); never for a chunk (its partial needs rows).

    The fingerprint (``reports.summary.fingerprint``, defined in the README) is computed from the
    rows read here, in the same repeatable-read snapshot as the figures.

    Counted: submitted (not drafts, not withdrawn), not excluded by review, submitted at or before
    ``as_of``. The answers of every question arrive from one streamed query (COPY), or on
    PostgreSQL as the counts of two GROUP BYs and the fingerprint's strings
    (``reports.grouped_read``, this module's helper); the rest is a handful of small queries,
    whatever the number of responses. On PostgreSQL the
    reads share one repeatable-read snapshot, so a response submitted or withdrawn while the report
    reads cannot be counted in one table and missing from another.
    """
    if timezone.is_naive(as_of):
        raise ValueError("report_inputs needs an aware as_of datetime")
    connection = connections[router.db_for_read(Submission)]
    if connection.vendor == "postgresql" and not connection.in_atomic_block:
        with transaction.atomic(using=connection.alias):
            with connection.cursor() as cursor:
                # Raw SQL: Django sets an isolation level per connection only (OPTIONS), not
                # for one transaction; the one-snapshot test of the loader covers it.
                cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY")
                read_settings(cursor)
                # For the side reader's queries to run in this snapshot (``reports.beside``).
                cursor.execute("SELECT pg_export_snapshot()")
                exported = cursor.fetchone()
                snapshot = str(exported[0]) if exported else None
            side = None
            if snapshot is not None and (grouped or (grouped is None and id_range is None)):
                # The database counts, and writes each batch's answers for the fingerprint, on
                # a second connection while this process reads the respondents and the texts.
                side = SideReader(alias=connection.alias, snapshot=snapshot)
            try:
                return _report_inputs_read(
                    consultation, as_of, connection, id_range, texts, grouped, side
                )
            finally:
                if side is not None:
                    side.close()
    return _report_inputs_read(consultation, as_of, connection, id_range, texts, grouped, None)


def _report_counted(
    consultation: Consultation, as_of: dt.datetime, id_range: tuple[int, int] | None = None
) -> SubmissionQuerySet:
    counted = Submission.objects.filter(
        consultation=consultation, submitted_at__lte=as_of
    ).counted()
    if id_range is not None:
        counted = counted.filter(pk__gte=id_range[0], pk__lte=id_range[1])
    return counted


def _report_inputs_read(
    consultation: Consultation,
    as_of: dt.datetime,
    connection: BaseDatabaseWrapper,
    id_range: tuple[int, int] | None,
    with_texts: bool,
    grouped: bool | None,
    side: SideReader | None,
) -> ReportInputs:
    counted = _report_counted(consultation, as_of, id_range)
    meta = _report_meta(consultation)
    if grouped is None:
        grouped = connection.vendor == "postgresql" and id_range is None
    beside = None
    if side is not None:
        beside = grouped_answers_beside(
            side=side,
            consultation_id=consultation.pk,
            counted=counted,
            meta=meta,
            alias=connection.alias,
        )
    respondents, check_rows, review = _report_respondents(counted, versions=id_range is not None)
    if id_range is None:
        excluded, left_out = _report_left_out(consultation, as_of)
    else:
        excluded, left_out = {}, None
    counts = None
    if grouped:
        answers = answers_frame([])
        if beside is None:
            counts = grouped_answers(
                consultation_id=consultation.pk,
                counted=counted,
                meta=meta,
                alias=connection.alias,
            )
    else:
        answers = answers_read(consultation, counted, connection)
    themes = themes_frame(
        Theme.objects.filter(consultation=consultation)
        .order_by("pk")
        .values_list("pk", "name_en", "name_zh", "parent_id")
    )
    texts = texts_frame([])
    parts = None
    if with_texts:
        # The fingerprint's answers: written by PostgreSQL on the grouped path, else the rows
        # (grouped elsewhere than on PostgreSQL, in tests: read for the fingerprint only).
        written = grouped and connection.vendor == "postgresql"
        fingerprint_answers = None
        if not written:
            fingerprint_answers = (
                answers_read(consultation, counted, connection) if grouped else answers
            )
        texts, lines = texts_read(
            consultation=consultation,
            counted=counted,
            respondents=respondents.assign(**review),
            meta=meta,
            answers=fingerprint_answers,
            written=written,
            # A chunk's partial samples the words itself.
            keep_words=id_range is not None,
            side=side,
        )
        parts = FingerprintParts(
            header=header_digest(meta, themes), counted=lines, left_out=left_out
        )
    if id_range is not None:
        sha256 = check_sha256(check_rows)
    else:
        # Without the free text there is no fingerprint (the bench's closed-question read).
        sha256 = fingerprint_of(parts) if parts is not None else ""
    snapshot_read = Snapshot(
        count=len(respondents),
        sha256=sha256,
        as_of=as_of,
        excluded=excluded,
        excluded_other_reasons=_report_other_reasons(consultation, as_of, excluded),
    )
    return ReportInputs(
        meta=meta,
        respondents=respondents,
        answers=answers,
        texts=texts,
        themes=themes,
        snapshot=snapshot_read,
        fingerprint=parts,
        grouped=counts if beside is None else beside(),
    )


def _options(choices: type[models.TextChoices]) -> tuple[Option, ...]:
    """Stable values with their labels in both languages (from the gettext catalog)."""
    options = []
    for value, label in choices.choices:
        with translation.override("en"):
            english = str(label)
        with translation.override("zh-hant"):
            chinese = str(label)
        options.append(Option(value=value, label=ReportText(en=english, zh=chinese)))
    return tuple(options)


def _report_meta(consultation: Consultation) -> ConsultationMeta:
    choices_by_question: dict[int, list[ChoiceMeta]] = {}
    for choice in Choice.objects.filter(question__consultation=consultation).order_by(
        "question_id", "order", "pk"
    ):
        choices_by_question.setdefault(choice.question_id, []).append(
            ChoiceMeta(
                id=choice.pk,
                value=choice.value,
                label=ReportText(en=choice.label_en, zh=choice.label_zh),
                exclusive=choice.exclusive,
            )
        )
    questions = []
    for question in (
        Question.objects.filter(consultation=consultation)
        .select_related("section", "condition_question", "condition_choice")
        .order_by("order", "pk")
    ):
        condition = None
        if question.condition_question_id and question.condition_choice_id:
            # Both are set with their ids.
            condition_question = cast(Question, question.condition_question)
            condition_choice = cast(Choice, question.condition_choice)
            condition = Condition(
                question_id=question.condition_question_id,
                question_code=condition_question.code,
                choice_id=question.condition_choice_id,
                choice_value=condition_choice.value,
            )
        questions.append(
            QuestionMeta(
                id=question.pk,
                code=question.code,
                kind=question.kind,
                order=question.order,
                section=SectionMeta(
                    order=question.section.order,
                    title=ReportText(en=question.section.title_en, zh=question.section.title_zh),
                ),
                text=ReportText(en=question.text_en, zh=question.text_zh),
                choices=tuple(choices_by_question.get(question.pk, ())),
                condition=condition,
                required=question.required,
            )
        )
    campaigns = _report_campaigns(consultation)
    return ConsultationMeta(
        slug=consultation.slug,
        reference_prefix=consultation.reference_prefix,
        title=ReportText(en=consultation.title_en, zh=consultation.title_zh),
        opens_at=consultation.opens_at,
        closes_at=consultation.closes_at,
        questions=tuple(questions),
        categories=_options(RespondentCategory),
        respondent_types=_options(RespondentType),
        consents=_options(Consent),
        campaigns_confirmed={label: confirmed for label, confirmed, _text in campaigns},
        campaign_texts={label: text for label, _confirmed, text in campaigns},
    )


def _report_campaigns(consultation: Consultation) -> list[tuple[str, bool, str]]:
    """Each campaign group's label, confirmation and standard text (a petition's as staff
    entered it, otherwise the text most of a detected group's members sent), in one query."""
    petition_text = Petition.objects.filter(submission__campaign_group=OuterRef("pk")).values(
        "standard_text"
    )[:1]
    rows = (
        CampaignGroup.objects.filter(consultation=consultation)
        .annotate(petition_text=Subquery(petition_text))
        .values_list("label", "confirmed", "representative_text", "petition_text")
    )
    return [(label, confirmed, petition or text) for label, confirmed, text, petition in rows]


# Respondents read per query, in id order (keyset pages, all in the report's snapshot): Django
# makes a tuple of Python objects of each row, about 800 bytes per respondent, 2,941 MiB peak at
# 1,000,000 with every other read (bench/notes-groupby.md, round 3). A page's values go into
# columns at once, the few distinct values of each small vocabulary shared. A page's rows are
# freed as the next is read, but the memory they took stays with the process where a kept value
# (a name) sits among them: 25,000 a page held 457 MiB after reading 1,000,000 respondents where
# 100,000 held 579 MiB, in the same time (bench/README.md, round 4).
_RESPONDENT_PAGE = 25_000
_RESPONDENT_FIELDS = (
    "pk",
    "respondent_type",
    "category",
    "consent",
    "is_late",
    "campaign_group__label",
    "public_name",
    "language",
    "signatories",
    "channel",
    "licence_status",
    "review_status",
    "exclusion_reason",
)
# The fields whose values come from a small vocabulary (labels, codes).
_SHARED_FIELDS = frozenset(_RESPONDENT_FIELDS) - {"pk", "is_late", "public_name", "signatories"}


def _report_respondents(
    counted: SubmissionQuerySet, *, versions: bool
) -> tuple[pd.DataFrame, list[tuple[int, dt.datetime]], dict[str, list[str]]]:
    """The counted respondents; with ``versions``, their (id, updated_at) pairs (a chunk's
    check); and their review status and reason (for the fingerprint), both in the respondents'
    order."""
    fields = (*_RESPONDENT_FIELDS, "updated_at") if versions else _RESPONDENT_FIELDS
    query = counted.order_by("pk").with_public_name().values_list(*fields)
    columns: dict[str, list[object]] = {field: [] for field in fields}
    shared: dict[str, dict[object, object]] = {field: {} for field in _SHARED_FIELDS}
    last = None
    while True:
        page = list((query if last is None else query.filter(pk__gt=last))[:_RESPONDENT_PAGE])
        for index, field in enumerate(fields):
            values = columns[field]
            if field in shared:
                known = shared[field]
                values.extend(known.setdefault(row[index], row[index]) for row in page)
            else:
                values.extend(row[index] for row in page)
        if len(page) < _RESPONDENT_PAGE:
            break
        last = page[-1][0]
    check_rows = (
        [
            (cast(int, i), cast(dt.datetime, at))
            for i, at in zip(columns["pk"], columns["updated_at"], strict=True)
        ]
        if versions
        else []
    )
    review = {
        name: cast(list[str], columns.pop(name)) for name in ("review_status", "exclusion_reason")
    }
    frame = pd.DataFrame(
        {
            name: pd.Series(columns.pop(field), dtype=_RESPONDENT_DTYPES.get(name, object))
            for name, field in zip(RESPONDENT_COLUMNS, _RESPONDENT_FIELDS, strict=False)
        }
    )
    return respondents_typed(frame), check_rows, review


_RESPONDENT_DTYPES = {"submission_id": "int64", "is_late": "bool", "weight": "int64"}


def left_out_reason(as_of: dt.datetime) -> Case:
    """Why a report as of ``as_of`` leaves a submission out: one of ``EXCLUSION_REASONS``, ""
    when it is counted, NULL for a draft (not a response). The one rule behind the left-out
    counts, the fingerprint's left-out records and the register; each submission gets one
    reason only, the first that applies."""
    submitted = Q(state=SubmissionState.SUBMITTED)
    excluded = submitted & Q(review_status=ReviewStatus.EXCLUDED)
    named = [ExclusionReason.DUPLICATE, ExclusionReason.SPAM, ExclusionReason.OUT_OF_SCOPE]
    return Case(
        When(
            Q(state=SubmissionState.WITHDRAWN)
            | (excluded & Q(exclusion_reason=ExclusionReason.WITHDRAWN)),
            then=Value("withdrawn"),
        ),
        *(
            When(excluded & Q(exclusion_reason=reason), then=Value(reason.value))
            for reason in named
        ),
        When(excluded, then=Value("other")),
        # Not counted until its email is confirmed, whenever it was submitted: the reason that
        # tells staff what would make it count.
        When(submitted & awaiting_confirmation_condition(), then=Value("unconfirmed")),
        When(counted_condition() & Q(submitted_at__gt=as_of), then=Value("after_cutoff")),
        When(counted_condition(), then=Value("")),
        default=None,
        output_field=models.CharField(),
    )


def _report_left_out(consultation: Consultation, as_of: dt.datetime) -> tuple[dict[str, int], str]:
    """How many submissions were left out, by reason, and the fingerprint's left-out section."""
    rows = list(
        Submission.objects.filter(consultation=consultation)
        .annotate(left_out=left_out_reason(as_of))
        .exclude(left_out__isnull=True)
        .exclude(left_out="")
        .order_by("pk")
        .values_list("pk", "left_out")
    )
    counts = Counter(reason for _pk, reason in rows)
    # "unconfirmed" is a line of the report only where it can apply: a consultation that
    # requires email confirmation (or had responses left unconfirmed when it did).
    shown = [
        reason
        for reason in EXCLUSION_REASONS
        if reason != "unconfirmed" or counts[reason] or consultation.requires_email_confirmation
    ]
    return {reason: counts[reason] for reason in shown}, left_out_digest(rows)


def report_register(*, consultation: Consultation, as_of: dt.datetime) -> list[RegisterRow]:
    """Every response to ``consultation`` (not drafts), counted or left out as a report as of
    ``as_of`` counts them, in reference order."""
    rows = (
        Submission.objects.filter(consultation=consultation)
        .annotate(left_out=left_out_reason(as_of))
        .exclude(left_out__isnull=True)
        .order_by("reference", "pk")
        .values_list(
            "pk",
            "reference",
            "submitted_at",
            "left_out",
            "campaign_group__label",
            "campaign_group__confirmed",
            "is_late",
            "channel",
            "signatories",
        )
    )
    return [
        RegisterRow(
            submission_id=row[0],
            reference=row[1],
            submitted_at=row[2],
            left_out=row[3],
            campaign=row[4],
            campaign_confirmed=bool(row[5]),
            is_late=row[6],
            channel=row[7],
            weight=row[8],
        )
        for row in rows.iterator(chunk_size=10_000)
    ]


def _report_other_reasons(
    consultation: Consultation, as_of: dt.datetime, excluded: dict[str, int]
) -> dict[str, int]:
    """The reasons reviewers gave for the submissions excluded for another reason: reason ->
    submissions, most frequent first ("" where none was recorded).

    A submission's reason is the note of the latest audit event that set its exclusion reason
    (``review_set`` requires one for "other"). One query, and none when ``excluded`` (the
    counts of ``_report_left_out``) has no submission left out for another reason."""
    if not excluded.get("other"):
        return {}
    latest_note = (
        ReviewEvent.objects.filter(submission=OuterRef("pk"), field=FIELD_REASON)
        .order_by("-at", "-pk")
        .values("reason")[:1]
    )
    notes = (
        Submission.objects.filter(consultation=consultation)
        .annotate(left_out=left_out_reason(as_of))
        .filter(left_out="other")
        .annotate(note=Subquery(latest_note))
        .order_by("pk")
        .values_list("note", flat=True)
    )
    counts: dict[str, int] = {}
    for note in notes:
        reason = " ".join((note or "").split())
        counts[reason] = counts.get(reason, 0) + 1
    return dict(sorted(counts.items(), key=lambda item: (-item[1], item[0])))


def report_answers_sql(
    *, consultation: Consultation, as_of: dt.datetime
) -> tuple[str, Sequence[object]]:
    """The SQL (and parameters) of the answer rows a report of ``consultation`` reads.

    The benchmark streams it once with ``COPY ... TO STDOUT`` as the floor that aggregation is
    compared with.
    """
    return answers_copy_sql(consultation, _report_counted(consultation, as_of))


def report_chunk_plan(
    *, consultation: Consultation, as_of: dt.datetime, chunk_size: int
) -> tuple[Snapshot, str, list[ChunkSpec]]:
    """The snapshot of a chunked report (its fingerprint still empty), the fingerprint's left-out
    section, and its chunks of ``chunk_size`` counted submissions.

    Streams the counted submissions' (id, updated_at) in id order through a server-side cursor,
    so memory stays flat however many there are. Each chunk's check hash lets the merge see that
    its chunk read the same submissions, in the same versions.
    """
    planner = ChunkPlanner(size=chunk_size)
    rows = (
        _report_counted(consultation, as_of)
        .order_by("pk")
        .values_list("pk", "updated_at")
        .iterator(chunk_size=20_000)
    )
    with transaction.atomic():
        for submission_id, updated_at in rows:
            planner.add(submission_id, updated_at)
        excluded, left_out = _report_left_out(consultation, as_of)
        other_reasons = _report_other_reasons(consultation, as_of, excluded)
    chunks, _check = planner.finish()
    # The fingerprint is the merge's to make, from the chunks' records and this left-out section.
    snapshot = Snapshot(
        count=planner.count,
        sha256="",
        as_of=as_of,
        excluded=excluded,
        excluded_other_reasons=other_reasons,
    )
    return snapshot, left_out, chunks


def report_counted(*, consultation: Consultation, as_of: dt.datetime) -> SubmissionQuerySet:
    """The submissions a report of ``consultation`` as of ``as_of`` counts."""
    return _report_counted(consultation, as_of)


def report_answers(
    *, consultation: Consultation, counted: QuerySet[Submission]
) -> QuerySet[Answer, tuple[int, int, int | None, int | None]]:
    """The choice and number answers of ``counted`` that a report counts, as
    ``(submission, question, choice, number)`` rows."""
    return answers_queryset(consultation, counted)


def report_counted_count(*, consultation: Consultation, as_of: dt.datetime) -> int:
    """How many submissions a report of ``consultation`` as of ``as_of`` counts."""
    return _report_counted(consultation, as_of).count()


def report_meta_and_themes(*, consultation: Consultation) -> tuple[ConsultationMeta, pd.DataFrame]:
    """The questions, labels and staff themes a merged (chunked) summary needs."""
    themes = themes_frame(
        Theme.objects.filter(consultation=consultation)
        .order_by("pk")
        .values_list("pk", "name_en", "name_zh", "parent_id")
    )
    return _report_meta(consultation), themes
