"""The audit pack of a consultation's published conclusions: one ZIP with both conclusions PDFs,
the figures (the published ``summary.json``, the frozen report's XLSX), the register of every
submission with the answers the figures are counted from, the dispositions, the audit trail, the
method and a manifest of SHA-256 digests signed with HMAC-SHA256 (``reports.audit.verify``).

Nothing personal goes in (the pack may go to the legislature): no names, emails, contact details
or free text; a submission is its reference, staff are their user ids.
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import io
import json
import zipfile
from collections.abc import Iterable, Iterator
from typing import IO, Any

import pandas as pd
from django.conf import settings
from django.db import connections, router, transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from reports.audit.method import METHOD_TEXT
from reports.audit.verify import (
    MANIFEST,
    REGISTER,
    SIGNATURE,
    SUMMARY,
    SigningKeyError,
    manifest_signature,
    signing_key,
)
from reports.loading import report_inputs, report_register
from reports.models import (
    CheckWaiver,
    Disposition,
    Publication,
    PublicationFileKind,
    Report,
    ReportFormat,
)
from surveys.models import Consultation, ReviewEvent, Submission

REGISTER_COLUMNS = (
    "reference",
    "submitted_at",
    "status",
    "reason",
    "channel",
    "campaign",
    "campaign_confirmed",
    "late",
    "weight",
    "licence_status",
    "category",
    "respondent_type",
)


class AuditPackRefused(Exception):
    """No pack can be made (the message, translated, says why)."""


def audit_pack_key() -> bytes:
    """The signing key from the environment, or ``AuditPackRefused`` saying what is wrong."""
    try:
        return signing_key(settings.AUDIT_PACK_SIGNING_KEY)
    except SigningKeyError as error:
        raise AuditPackRefused(
            _(
                "The audit pack cannot be signed: AUDIT_PACK_SIGNING_KEY must be set to the "
                "base64 of at least 32 bytes (%(problem)s)."
            )
            % {"problem": error}
        ) from error


def audit_pack_publication(*, consultation: Consultation) -> Publication:
    """The live publication a pack documents, or ``AuditPackRefused``."""
    publication = (
        Publication.objects.filter(consultation=consultation, unpublished_at__isnull=True)
        .select_related("report_en", "report_zh")
        .first()
    )
    if publication is None:
        raise AuditPackRefused(
            _(
                "The conclusions of this consultation are not published: an audit pack documents "
                "published conclusions."
            )
        )
    return publication


def audit_pack_write(*, consultation: Consultation, out: IO[bytes]) -> list[str]:
    """Write the pack of ``consultation``'s live publication to ``out``; the names written.

    Reads only, in one transaction (one snapshot on PostgreSQL); refuses without a signing key
    or a live publication before writing anything."""
    key = audit_pack_key()
    connection = connections[router.db_for_read(Submission)]
    outermost = not connection.in_atomic_block
    with transaction.atomic(using=connection.alias):
        if connection.vendor == "postgresql" and outermost:
            with connection.cursor() as cursor:
                # Raw SQL: Django sets an isolation level per connection only; every file of
                # the pack is read from this one snapshot (as reports.loading does).
                cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY")
        publication = audit_pack_publication(consultation=consultation)
        digests: dict[str, str] = {}
        with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as archive:

            def add(name: str, chunks: Iterable[bytes]) -> None:
                digest = hashlib.sha256()
                with archive.open(name, "w", force_zip64=True) as member:
                    for chunk in chunks:
                        digest.update(chunk)
                        member.write(chunk)
                digests[name] = digest.hexdigest()

            files = {item.kind: item for item in publication.files.all()}
            for kind, name in (
                (PublicationFileKind.PDF_EN, "conclusions-en.pdf"),
                (PublicationFileKind.PDF_ZH, "conclusions-zh-hant.pdf"),
                (PublicationFileKind.JSON, SUMMARY),
            ):
                if kind in files:
                    add(name, _file_chunks(files[kind].file))
            for report, language in (
                (publication.report_en, "en"),
                (publication.report_zh, "zh-hant"),
            ):
                xlsx = report.files.filter(format=ReportFormat.XLSX).first()
                if xlsx is not None:
                    add(f"figures-{language}.xlsx", _file_chunks(xlsx.file))
            fingerprint: list[str] = []
            add(
                REGISTER,
                _csv_chunks(_register_rows(consultation, publication.report_en, fingerprint)),
            )
            dispositions = _dispositions(consultation)
            add("dispositions.csv", _csv_chunks(_table(dispositions)))
            add("dispositions.json", [_json_bytes(dispositions)])
            add("audit/review_events.csv", _csv_chunks(_review_events(consultation)))
            add("audit/check_waivers.csv", _csv_chunks(_waivers(consultation)))
            add("audit/publications.csv", _csv_chunks(_publications(consultation)))
            add("audit/reports.csv", _csv_chunks(_reports(consultation)))
            add("method.md", [METHOD_TEXT.encode("utf-8")])
            manifest = _json_bytes(
                {
                    "consultation": consultation.slug,
                    "publication": publication.pk,
                    "published_at": publication.published_at.isoformat(),
                    "snapshot_sha256": publication.report_en.snapshot_sha256,
                    # False when the record changed after the report (a review, a withdrawal):
                    # the register is today's, and verifying shows which figures moved.
                    "register_matches_snapshot": fingerprint
                    == [publication.report_en.snapshot_sha256],
                    "created_at": timezone.now().isoformat(),
                    "algorithm": "HMAC-SHA256 over the bytes of manifest.json",
                    "files": digests,
                }
            )
            archive.writestr(MANIFEST, manifest)
            archive.writestr(SIGNATURE, manifest_signature(key, manifest) + "\n")
    return [*digests, MANIFEST, SIGNATURE]


def _json_bytes(data: Any) -> bytes:
    return (json.dumps(data, ensure_ascii=False, indent=2, sort_keys=True) + "\n").encode("utf-8")


def _file_chunks(field: Any) -> Iterator[bytes]:
    with field.open("rb") as handle:
        yield from iter(lambda: handle.read(1 << 20), b"")


def _csv_chunks(rows: Iterable[Iterable[Any]]) -> Iterator[bytes]:
    """CSV lines, a few thousand at a time (a 100,000-row register is never one string)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    for count, row in enumerate(rows, start=1):
        writer.writerow(row)
        if count % 2000 == 0:
            yield buffer.getvalue().encode("utf-8")
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue().encode("utf-8")


def _flag(value: bool) -> str:
    return "1" if value else "0"


def _stamp(value: dt.datetime | None) -> str:
    return "" if value is None else value.isoformat()


def _register_rows(
    consultation: Consultation, report: Report, fingerprint: list[str]
) -> Iterator[list[Any]]:
    """The register as the report counted it (as of its snapshot), with each counted
    submission's answers: choice values, numbers, and for free text only whether answered and
    the themes it was coded with."""
    as_of = report.snapshot_as_of or report.queued_at
    # Each submission's answers, so the rows (not the database's grouped counts).
    inputs = report_inputs(consultation=consultation, as_of=as_of, grouped=False)
    fingerprint.append(inputs.snapshot.sha256)
    questions = list(inputs.meta.questions)
    value_of = {choice.id: choice.value for q in questions for choice in q.choices}
    header = list(REGISTER_COLUMNS)
    for question in questions:
        if question.kind == "text":
            header += [f"q:{question.code}:answered", f"q:{question.code}:themes"]
        else:
            header.append(f"q:{question.code}")
    yield header
    answers: dict[int, dict[int, list[str]]] = {}
    for submission_id, question_id, choice_id, number in inputs.answers[
        ["submission_id", "question_id", "choice_id", "number"]
    ].itertuples(index=False):
        cell = answers.setdefault(int(submission_id), {}).setdefault(int(question_id), [])
        # Nullable columns: a missing choice or number is pandas' NA.
        if not pd.isna(choice_id) and int(choice_id) in value_of:
            cell.append(value_of[int(choice_id)])
        elif not pd.isna(number):
            cell.append(str(int(number)))
    texts: dict[int, dict[int, list[int]]] = {}
    for submission_id, question_id, theme_ids in inputs.texts[
        ["submission_id", "question_id", "theme_ids"]
    ].itertuples(index=False):
        texts.setdefault(int(submission_id), {})[int(question_id)] = sorted(theme_ids)
    profile = dict(_profiles(consultation))
    for row in report_register(consultation=consultation, as_of=as_of):
        licence, category, kind = profile.get(row.submission_id, ("", "", ""))
        line: list[Any] = [
            row.reference,
            _stamp(row.submitted_at),
            "counted" if row.counted else "left_out",
            row.left_out,
            row.channel,
            row.campaign or "",
            _flag(row.campaign_confirmed),
            _flag(row.is_late),
            row.weight,
            licence,
            category,
            kind,
        ]
        mine = answers.get(row.submission_id, {}) if row.counted else {}
        coded = texts.get(row.submission_id, {}) if row.counted else {}
        for question in questions:
            if question.kind == "text":
                themes = coded.get(question.id)
                if not row.counted:
                    line += ["", ""]
                else:
                    line += [_flag(themes is not None), "|".join(map(str, themes or []))]
            else:
                line.append("|".join(sorted(mine.get(question.id, []))))
        yield line


def _profiles(consultation: Consultation) -> Iterator[tuple[int, tuple[str, str, str]]]:
    rows = (
        Submission.objects.filter(consultation=consultation)
        .order_by()
        .values_list("pk", "licence_status", "category", "respondent_type")
    )
    for pk, licence, category, kind in rows.iterator(chunk_size=10_000):
        yield pk, (licence or "", category or "", kind or "")


def _dispositions(consultation: Consultation) -> list[dict[str, Any]]:
    """The latest disposition of each point raised (question, theme)."""
    latest: dict[tuple[int, int], Disposition] = {}
    rows = (
        Disposition.objects.filter(consultation=consultation)
        .select_related("question", "theme")
        .order_by("decided_at", "pk")
    )
    for disposition in rows:
        latest[(disposition.question_id, disposition.theme_id)] = disposition
    return [
        {
            "question": item.question.code,
            "theme_id": item.theme_id,
            "theme_en": item.theme.name_en,
            "theme_zh": item.theme.name_zh,
            "outcome": item.outcome,
            "reason_en": item.reason_en,
            "reason_zh": item.reason_zh,
            "decided_by": item.decided_by_id,
            "decided_at": _stamp(item.decided_at),
        }
        for item in sorted(latest.values(), key=lambda d: (d.question.order, d.theme.name_en))
    ]


def _table(records: list[dict[str, Any]]) -> Iterator[list[Any]]:
    if not records:
        return
    yield list(records[0])
    for record in records:
        yield list(record.values())


def _review_events(consultation: Consultation) -> Iterator[list[Any]]:
    """What reviewers did to each submission; the reviewers' own notes are left out (they may
    name a respondent)."""
    yield ["reference", "at", "actor", "field", "old_value", "new_value"]
    rows: QuerySet[ReviewEvent, tuple[Any, ...]] = (
        ReviewEvent.objects.filter(submission__consultation=consultation)
        .order_by("at", "pk")
        .values_list("submission__reference", "at", "actor_id", "field", "old_value", "new_value")
    )
    for reference, at, actor, name, old, new in rows.iterator(chunk_size=10_000):
        yield [reference, _stamp(at), actor or "", name, old, new]


def _waivers(consultation: Consultation) -> Iterator[list[Any]]:
    yield ["key", "flagged", "reason", "waived_by", "waived_at"]
    for waiver in CheckWaiver.objects.filter(consultation=consultation).order_by("waived_at", "pk"):
        yield [
            waiver.key,
            waiver.flagged,
            waiver.reason,
            waiver.waived_by_id,
            _stamp(waiver.waived_at),
        ]


def _publications(consultation: Consultation) -> Iterator[list[Any]]:
    yield [
        "publication",
        "report_en",
        "report_zh",
        "draft_version",
        "published_by",
        "published_at",
        "unpublished_by",
        "unpublished_at",
        "files",
    ]
    rows = (
        Publication.objects.filter(consultation=consultation)
        .select_related("draft")
        .prefetch_related("files")
        .order_by("published_at", "pk")
    )
    for item in rows:
        yield [
            item.pk,
            item.report_en_id,
            item.report_zh_id,
            item.draft.version,
            item.published_by_id or "",
            _stamp(item.published_at),
            item.unpublished_by_id or "",
            _stamp(item.unpublished_at),
            " ".join(f"{f.kind}:{f.sha256}" for f in item.files.all()),
        ]


def _reports(consultation: Consultation) -> Iterator[list[Any]]:
    yield [
        "report",
        "language",
        "status",
        "requested_by",
        "queued_at",
        "finished_at",
        "snapshot_count",
        "snapshot_as_of",
        "snapshot_sha256",
    ]
    for report in Report.objects.filter(consultation=consultation).order_by("queued_at", "pk"):
        yield [
            report.pk,
            report.language,
            report.status,
            report.requested_by_id or "",
            _stamp(report.queued_at),
            _stamp(report.finished_at),
            report.snapshot_count,
            _stamp(report.snapshot_as_of),
            report.snapshot_sha256,
        ]
