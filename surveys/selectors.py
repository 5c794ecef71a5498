"""Reads that span relations: what the public pages list, what reports aggregate."""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Sequence
from contextlib import nullcontext
from typing import TYPE_CHECKING

import pandas as pd
from django.db import connections, models, router, transaction
from django.db.models import Case, Count, F, Prefetch, Q, QuerySet, Value, When
from django.utils import timezone, translation

from reports.inputs import (
    ANSWER_COLUMNS,
    EXCLUSION_REASONS,
    ChoiceMeta,
    Condition,
    ConsultationMeta,
    Option,
    QuestionMeta,
    ReportInputs,
    SectionMeta,
    Snapshot,
    answers_frame,
    answers_typed,
    respondents_frame,
    snapshot_sha256,
    texts_frame,
    themes_frame,
)
from reports.inputs import Text as ReportText
from surveys.models import (
    Answer,
    CampaignGroup,
    Choice,
    Consent,
    Consultation,
    ConsultationDocument,
    ExclusionReason,
    Question,
    QuestionKind,
    RespondentCategory,
    RespondentType,
    ReviewStatus,
    Submission,
    SubmissionState,
    Theme,
)

if TYPE_CHECKING:
    from django.db.backends.base.base import BaseDatabaseWrapper
    from django.db.backends.utils import CursorWrapper


def consultation_list(*, now: dt.datetime | None = None) -> dict[str, list[Consultation]]:
    """Published consultations grouped as open, upcoming and closed (soonest first within each)."""
    now = now or timezone.now()
    grouped: dict[str, list[Consultation]] = {"open": [], "upcoming": [], "closed": []}
    for consultation in Consultation.objects.published().order_by("closes_at"):
        grouped[consultation.status_at(now)].append(consultation)
    grouped["closed"].reverse()  # most recently closed first
    return grouped


def consultation_public_detail(*, slug: str) -> Consultation:
    """A published consultation with its documents, or Consultation.DoesNotExist."""
    queryset: QuerySet[Consultation] = Consultation.objects.published().prefetch_related(
        Prefetch("documents", queryset=ConsultationDocument.objects.order_by("order", "pk"))
    )
    return queryset.get(slug=slug)


# --- Summary reports ------------------------------------------------------------------------------

# Rows of the COPY stream are parsed this many bytes at a time: large enough for pandas' C parser
# to be efficient, small enough that the raw text never holds a whole large consultation at once.
_COPY_PARSE_BYTES = 16 * 1024 * 1024


def report_inputs(*, consultation: Consultation, as_of: dt.datetime) -> ReportInputs:
    """Everything a summary report of ``consultation`` reads, counting submissions up to ``as_of``.

    Counted: submitted (not drafts, not withdrawn), not excluded by review, submitted at or before
    ``as_of``. The answers of every question arrive from one streamed query (COPY on PostgreSQL);
    the rest is a handful of small queries, whatever the number of responses. On PostgreSQL the
    reads share one repeatable-read snapshot, so a response submitted or withdrawn while the report
    reads cannot be counted in one table and missing from another.
    """
    if timezone.is_naive(as_of):
        raise ValueError("report_inputs needs an aware as_of datetime")
    connection = connections[router.db_for_read(Submission)]
    if connection.vendor == "postgresql" and not connection.in_atomic_block:
        with transaction.atomic(using=connection.alias):
            with connection.cursor() as cursor:
                cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY")
            return _report_inputs_read(consultation, as_of, connection)
    return _report_inputs_read(consultation, as_of, connection)


def _report_inputs_read(
    consultation: Consultation, as_of: dt.datetime, connection: BaseDatabaseWrapper
) -> ReportInputs:
    counted = Submission.objects.filter(
        consultation=consultation, submitted_at__lte=as_of
    ).counted()
    meta = _report_meta(consultation)
    respondents, snapshot_rows = _report_respondents(counted)
    snapshot = Snapshot(
        count=len(respondents),
        sha256=snapshot_sha256(snapshot_rows),
        as_of=as_of,
        excluded=_report_excluded(consultation, as_of),
    )
    answers = _report_answers(consultation, counted, connection)
    texts = _report_texts(consultation, counted)
    themes = themes_frame(
        Theme.objects.filter(consultation=consultation)
        .order_by("pk")
        .values_list("pk", "name_en", "name_zh", "parent_id")
    )
    return ReportInputs(
        meta=meta,
        respondents=respondents,
        answers=answers,
        texts=texts,
        themes=themes,
        snapshot=snapshot,
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
            condition = Condition(
                question_id=question.condition_question_id,
                question_code=question.condition_question.code,
                choice_id=question.condition_choice_id,
                choice_value=question.condition_choice.value,
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
            )
        )
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
        campaigns_confirmed=dict(
            CampaignGroup.objects.filter(consultation=consultation).values_list(
                "label", "confirmed"
            )
        ),
    )


def _report_respondents(
    counted: QuerySet[Submission],
) -> tuple[pd.DataFrame, list[tuple[int, dt.datetime]]]:
    """The counted respondents, and the (id, updated_at) pairs that identify the snapshot."""
    # A name leaves the database only when the respondent agreed to its publication.
    display_name = Case(
        When(
            Q(consent=Consent.NAME_AND_RESPONSE) & Q(personal_data_erased_at__isnull=True),
            then=Case(
                When(
                    Q(respondent_type=RespondentType.ORGANISATION) & ~Q(organisation_name=""),
                    then=F("organisation_name"),
                ),
                When(~Q(contact_name=""), then=F("contact_name")),
                default=Value(None),
            ),
        ),
        default=Value(None),
        output_field=models.CharField(),
    )
    rows = list(
        counted.order_by("pk")
        .annotate(report_display_name=display_name)
        .values_list(
            "pk",
            "respondent_type",
            "category",
            "consent",
            "is_late",
            "campaign_group__label",
            "report_display_name",
            "language",
            "updated_at",
        )
    )
    snapshot_rows = [(row[0], row[8]) for row in rows]
    return respondents_frame(row[:8] for row in rows), snapshot_rows


def _report_excluded(consultation: Consultation, as_of: dt.datetime) -> dict[str, int]:
    """How many submissions were left out, by reason; each is counted under one reason only."""
    submitted = Q(state=SubmissionState.SUBMITTED)
    excluded = submitted & Q(review_status=ReviewStatus.EXCLUDED)
    named = [ExclusionReason.DUPLICATE, ExclusionReason.SPAM, ExclusionReason.OUT_OF_SCOPE]
    counts = Submission.objects.filter(consultation=consultation).aggregate(
        withdrawn=Count(
            "pk",
            filter=Q(state=SubmissionState.WITHDRAWN)
            | (excluded & Q(exclusion_reason=ExclusionReason.WITHDRAWN)),
        ),
        **{
            reason.value: Count("pk", filter=excluded & Q(exclusion_reason=reason))
            for reason in named
        },
        other=Count(
            "pk",
            filter=excluded & ~Q(exclusion_reason__in=[*named, ExclusionReason.WITHDRAWN]),
        ),
        after_cutoff=Count(
            "pk",
            filter=submitted & ~Q(review_status=ReviewStatus.EXCLUDED) & Q(submitted_at__gt=as_of),
        ),
    )
    return {reason: int(counts[reason]) for reason in EXCLUSION_REASONS}


def _report_answers(
    consultation: Consultation, counted: QuerySet[Submission], connection: BaseDatabaseWrapper
) -> pd.DataFrame:
    """One row per choice or number answer of the counted submissions, from one streamed query."""
    queryset = (
        Answer.objects.filter(consultation=consultation, submission__in=counted.values("pk"))
        .exclude(question__kind=QuestionKind.TEXT)
        # A stray row whose "multiple" flag disagrees with its question's kind is not an answer.
        .filter(
            Q(question__kind=QuestionKind.MULTIPLE, multiple=True)
            | (~Q(question__kind=QuestionKind.MULTIPLE) & Q(multiple=False))
        )
        .filter(Q(choice__isnull=False) | Q(number__isnull=False))
        .order_by()
        .values_list("submission_id", "question_id", "choice_id", "number")
    )
    sql, params = queryset.query.sql_with_params()
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            return _copy_frame(cursor, sql, params)
        cursor.execute(sql, params)
        return answers_frame(cursor.fetchall())


def _copy_frame(cursor: CursorWrapper, sql: str, params: Sequence[object]) -> pd.DataFrame:
    """Stream ``sql`` through PostgreSQL's COPY into an answers frame, parsing in large pieces."""
    statement = f"COPY ({sql}) TO STDOUT (FORMAT csv)"
    # COPY bypasses Django's cursor wrapper: record it like any query so query counts see it.
    debug = cursor.debug_sql(statement, params) if hasattr(cursor, "debug_sql") else nullcontext()
    pieces: list[pd.DataFrame] = []
    pending: list[bytes] = []
    size = 0
    with debug, cursor.cursor.copy(statement, params) as copy:
        for block in copy:
            pending.append(bytes(block))
            size += len(block)
            if size >= _COPY_PARSE_BYTES:
                data = b"".join(pending)
                cut = data.rfind(b"\n") + 1
                pieces.append(_parse_answer_csv(data[:cut]))
                pending, size = [data[cut:]], len(data) - cut
    pieces.append(_parse_answer_csv(b"".join(pending)))
    frame = pd.concat(pieces, ignore_index=True) if len(pieces) > 1 else pieces[0]
    return answers_typed(frame)


def _parse_answer_csv(data: bytes) -> pd.DataFrame:
    if not data.strip():
        return answers_frame([])
    return pd.read_csv(
        io.BytesIO(data),
        header=None,
        names=list(ANSWER_COLUMNS),
        dtype={
            "submission_id": "int64",
            "question_id": "int64",
            "choice_id": "Int64",
            "number": "Int64",
        },
    )


def _report_texts(consultation: Consultation, counted: QuerySet[Submission]) -> pd.DataFrame:
    """Free-text answers of the counted submissions, each with the ids of its staff themes."""
    answers = (
        Answer.objects.filter(
            consultation=consultation,
            submission__in=counted.values("pk"),
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
