"""Respondents' personal data: erasure after the retention period, and data access requests.

The privacy statement promises that personal data is kept no longer than
``settings.PERSONAL_DATA_RETENTION_DAYS`` after a consultation's conclusions are published, and
that respondents may ask for a copy of what is held about them (Personal Data (Privacy)
Ordinance, data protection principles 2 and 6).

- ``personal_data_erase`` blanks the respondent's name, organisation name, email address, resume
  link and network address on every response of a consultation that is due, and in the frozen
  copies of those details in each revision. The answers, the respondent's category and type and
  the publication choice stay: the statistics and the published conclusions need them, and
  without a name or a contact they no longer identify anyone. Drafts that were never submitted
  are not part of the record at all and are deleted with their files. The originals of responses
  received by email, post or fax (letters, emails, scans: they carry names, addresses and
  signatures) are deleted too; the answers typed from them stay.
- ``respondent_data_export`` writes a ZIP of everything held about the person who owns an email
  address, after checking it against one of their response references; with the subscriptions
  to notices held under that address (``surveys.subscriptions.privacy``), which a subscriber
  without a response may ask for with the address alone.
- The erasure ends the subscriptions to a consultation that is due, keeping no address, and
  deletes the subscriptions never confirmed in time.

Both are audited with a ``PrivacyAction`` row, written in the same transaction as the erasure.
The audit names responses by reference only and keeps no copy of the personal data.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import json
import zipfile
from collections.abc import Iterable
from dataclasses import dataclass
from functools import partial
from importlib import import_module
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import F, QuerySet, Value
from django.db.models.functions import Coalesce
from django.utils import timezone

from outbox.services import emails_erase
from surveys.journey import selectors
from surveys.journey.structure import journey_load
from surveys.models import (
    Attachment,
    Consent,
    Consultation,
    DraftChange,
    DraftCollaborator,
    GeneralComment,
    OriginalDocument,
    PetitionSignatory,
    PrivacyAction,
    PrivacyActionKind,
    RespondentCategory,
    RespondentType,
    ReviewEvent,
    Submission,
    SubmissionRevision,
    SubmissionState,
)
from surveys.subscriptions.privacy import consultation_subscriptions_erase, subscriber_records
from surveys.subscriptions.services import subscriptions_expire

# The columns that identify a respondent, and the value each is erased to.
ERASED_FIELDS: dict[str, Any] = {
    "contact_name": "",
    "organisation_name": "",
    "email": "",
    "resume_token_hash": "",
    "client_address": None,
}
# The same details as frozen into ``SubmissionRevision.respondent`` at each submit.
ERASED_REVISION_KEYS = ("contact_name", "organisation_name", "email", "drafted_by")
_BATCH = 1000


# --- Erasure -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ErasureResult:
    consultation: Consultation
    erased: int  # responses whose personal data was (or, in a dry run, would be) erased
    drafts_deleted: int
    revisions_scrubbed: int
    action: PrivacyAction | None  # None in a dry run


def erasure_due(*, now: dt.datetime) -> QuerySet[Consultation]:
    """Consultations whose conclusions were published at least the retention period ago."""
    cutoff = now - dt.timedelta(days=settings.PERSONAL_DATA_RETENTION_DAYS)
    return Consultation.objects.filter(
        conclusions_published_at__isnull=False, conclusions_published_at__lte=cutoff
    ).order_by("conclusions_published_at", "pk")


def personal_data_erase(
    *,
    operator: str,
    now: dt.datetime | None = None,
    consultation: Consultation | None = None,
    dry_run: bool = False,
) -> list[ErasureResult]:
    """Erase the personal data of every consultation that is due (or only ``consultation``).

    Each consultation is erased in its own transaction, together with its audit row; running it
    again erases nothing twice and writes an audit row only where something was erased.
    A consultation that is not yet due is never touched, even when named.
    """
    now = now or timezone.now()
    due = erasure_due(now=now)
    if consultation is not None:
        due = due.filter(pk=consultation.pk)
    results = [
        _erase_consultation(item, operator=operator, now=now, dry_run=dry_run) for item in due
    ]
    if not dry_run:
        _sessions_clear_expired()
        subscriptions_expire(now=now)
    return results


def _erase_consultation(
    consultation: Consultation, *, operator: str, now: dt.datetime, dry_run: bool
) -> ErasureResult:
    with transaction.atomic():
        pending = Submission.objects.filter(
            consultation=consultation, personal_data_erased_at__isnull=True
        )
        # Lock the rows first: a staff edit or an export running now waits for the erasure.
        list(pending.select_for_update().values_list("pk", flat=True))
        drafts = pending.filter(state=SubmissionState.DRAFT)
        kept = pending.exclude(state=SubmissionState.DRAFT)
        references = list(kept.order_by("pk").values_list("reference", flat=True))
        revisions = SubmissionRevision.objects.filter(submission__in=kept)
        if dry_run:
            return ErasureResult(
                consultation=consultation,
                erased=len(references),
                drafts_deleted=drafts.count(),
                revisions_scrubbed=revisions.count(),
                action=None,
            )
        # The emails to these respondents keep no address either (sent or not).
        emails_erased = emails_erase(
            kind_prefix="surveys.",
            key="submission",
            values=list(pending.values_list("pk", flat=True)),
        )
        originals_deleted = _originals_delete(pending)
        drafts_deleted = _drafts_delete(drafts)
        scrubbed = _revisions_scrub(revisions)
        _drafting_erase(kept, now=now)
        # A petition's list of names goes too; its count stays on the record (``signatories``).
        names_deleted, _by_model = PetitionSignatory.objects.filter(
            petition__submission__in=kept
        ).delete()
        erased = kept.update(**ERASED_FIELDS, personal_data_erased_at=now)
        subscriptions_ended = consultation_subscriptions_erase(consultation=consultation, now=now)
        action = None
        if erased or drafts_deleted or originals_deleted or subscriptions_ended:
            action = PrivacyAction.objects.create(
                kind=PrivacyActionKind.ERASURE,
                at=now,
                operator=operator,
                reason=_erasure_reason(consultation),
                consultation=consultation,
                references=references,
                submission_count=erased,
                details={
                    "fields": list(ERASED_FIELDS),
                    "revisions_scrubbed": scrubbed,
                    "drafts_deleted": drafts_deleted,
                    "originals_deleted": originals_deleted,
                    "emails_erased": emails_erased,
                    "subscriptions_erased": subscriptions_ended,
                    "signatory_names_deleted": names_deleted,
                    "retention_days": settings.PERSONAL_DATA_RETENTION_DAYS,
                },
            )
    return ErasureResult(
        consultation=consultation,
        erased=erased,
        drafts_deleted=drafts_deleted,
        revisions_scrubbed=scrubbed,
        action=action,
    )


def _erasure_reason(consultation: Consultation) -> str:
    published = timezone.localtime(consultation.conclusions_published_at)
    return (
        f"Retention period: {settings.PERSONAL_DATA_RETENTION_DAYS} days after the conclusions "
        f"were published on {published:%Y-%m-%d} (HKT)."
    )


def _drafts_delete(drafts: QuerySet[Submission]) -> int:
    """Delete never-submitted drafts; their uploaded files go once the transaction commits."""
    files = list(Attachment.objects.filter(submission__in=drafts).values_list("file", flat=True))
    count = drafts.count()
    drafts.delete()
    if files:
        transaction.on_commit(partial(_files_delete, files))
    return count


def _drafting_erase(submissions: QuerySet[Submission], *, now: dt.datetime) -> None:
    """Blank the addresses of the colleagues who drafted ``submissions`` (the invitations end:
    a blank address leaves the one-live-invitation-per-address constraint)."""
    DraftCollaborator.objects.filter(submission__in=submissions).update(
        email="", invited_by="", revoked_at=Coalesce(F("revoked_at"), Value(now))
    )
    DraftChange.objects.filter(submission__in=submissions).update(author="")


def _originals_delete(submissions: QuerySet[Submission]) -> int:
    """Delete the originals of ``submissions``; their files go once the transaction commits."""
    originals = OriginalDocument.objects.filter(submission__in=submissions)
    files = list(originals.values_list("file", flat=True))
    count, _ = originals.delete()
    if files:
        transaction.on_commit(partial(_files_delete, files, model=OriginalDocument))
    return count


def _files_delete(
    names: Iterable[str], model: type[Attachment | OriginalDocument] = Attachment
) -> None:
    storage = model._meta.get_field("file").storage
    for name in names:
        storage.delete(name)


def _revisions_scrub(revisions: QuerySet[SubmissionRevision]) -> int:
    """Blank the respondent's details in the frozen copies, a batch at a time."""
    scrubbed = 0
    batch: list[SubmissionRevision] = []
    for revision in revisions.only("pk", "respondent").order_by("pk").iterator(chunk_size=_BATCH):
        respondent = dict(revision.respondent or {})
        for key in ERASED_REVISION_KEYS:
            if key in respondent:
                respondent[key] = ""
        revision.respondent = respondent
        batch.append(revision)
        if len(batch) >= _BATCH:
            scrubbed += SubmissionRevision.objects.bulk_update(batch, ["respondent"])
            batch = []
    if batch:
        scrubbed += SubmissionRevision.objects.bulk_update(batch, ["respondent"])
    return scrubbed


def _sessions_clear_expired() -> None:
    # An amendment's working copy (name and email included) lives in the session until it ends.
    engine = import_module(settings.SESSION_ENGINE)
    engine.SessionStore.clear_expired()


# --- Access requests -----------------------------------------------------------------------------


class RespondentNotFound(Exception):
    """No response with that reference was given with that email address."""


def _email_digest(email: str) -> str:
    return hashlib.sha256(email.strip().lower().encode()).hexdigest()


def respondent_submissions(*, reference: str, email: str) -> list[Submission]:
    """Every response held under ``email``, once ``reference`` proves it is one of theirs.

    Both must match: a reference alone, or an email address alone, reveals nothing.
    """
    email = email.strip()
    if not email or not reference.strip():
        raise RespondentNotFound
    anchor = Submission.objects.filter(
        reference__iexact=reference.strip(), email__iexact=email
    ).exists()
    if not anchor:
        raise RespondentNotFound
    return list(
        Submission.objects.filter(email__iexact=email)
        .select_related("consultation", "campaign_group")
        .order_by("created_at", "pk")
    )


def _iso(moment: dt.datetime | None) -> str | None:
    return timezone.localtime(moment).isoformat() if moment else None


def _label(choices: Any, value: str) -> str:
    return str(dict(choices.choices).get(value, "")) if value else ""


def submission_personal_record(
    submission: Submission,
    *,
    attachment_paths: dict[int, str],
    original_paths: dict[int, str] | None = None,
) -> dict[str, Any]:
    """Everything held about one response, as plain JSON-ready data (English labels)."""
    journey = journey_load(consultation=submission.consultation)
    answers = selectors.submission_answers(submission=submission, journey=journey)
    themes: dict[str, list[str]] = {}  # by question code
    for answer in submission.answers.prefetch_related("themes").select_related("question"):
        names = [theme.name_en for theme in answer.themes.all()]
        if names:
            themes.setdefault(answer.question.code, []).extend(names)
    consultation = submission.consultation
    return {
        "reference": submission.reference,
        "consultation": {
            "slug": consultation.slug,
            "title_en": consultation.title_en,
            "title_zh": consultation.title_zh,
        },
        "state": submission.state,
        "created_at": _iso(submission.created_at),
        "updated_at": _iso(submission.updated_at),
        "submitted_at": _iso(submission.submitted_at),
        "withdrawn_at": _iso(submission.withdrawn_at),
        "late": submission.is_late,
        "channel": submission.channel,
        "received_at": _iso(submission.received_at),
        "language": submission.language,
        "respondent": {
            "respondent_type": submission.respondent_type,
            "respondent_type_label": _label(RespondentType, submission.respondent_type),
            "category": submission.category,
            "category_label": _label(RespondentCategory, submission.category),
            "category_other": submission.category_other,
            "organisation_name": submission.organisation_name,
            "contact_name": submission.contact_name,
            "email": submission.email,
            "consent": submission.consent,
            "consent_label": _label(Consent, submission.consent),
            "privacy_statement_acknowledged": submission.privacy_acknowledged,
        },
        "client_address": submission.client_address,
        "resume_link_active": bool(submission.resume_token_hash),
        "personal_data_erased_at": _iso(submission.personal_data_erased_at),
        "answers": [
            {
                "question": question.code,
                "question_text": question.text_en,
                "answer": answers[question.code],
                "answer_labels": selectors.answer_labels(
                    question=question, value=answers[question.code], language="en"
                ),
            }
            for question in journey.questions
            if question.code in answers
        ],
        "revisions": [
            {
                "number": revision.number,
                "created_at": _iso(revision.created_at),
                "state": revision.state,
                "respondent": revision.respondent,
                "answers": revision.answers,
            }
            for revision in submission.revisions.order_by("number")
        ],
        "attachments": [
            {
                "name": attachment.original_name,
                "content_type": attachment.content_type,
                "size": attachment.size,
                "sha256": attachment.sha256,
                "uploaded_at": _iso(attachment.uploaded_at),
                "file_in_this_archive": attachment_paths.get(attachment.pk),
            }
            for attachment in submission.attachments.order_by("uploaded_at", "pk")
        ],
        "general_comments": comment.text
        if (comment := GeneralComment.objects.filter(submission=submission).first())
        else "",
        "original_documents": [
            {
                "name": document.original_name,
                "content_type": document.content_type,
                "size": document.size,
                "sha256": document.sha256,
                "uploaded_at": _iso(document.uploaded_at),
                "file_in_this_archive": (original_paths or {}).get(document.pk),
            }
            for document in submission.original_documents.order_by("uploaded_at", "pk")
        ],
        "review": {
            "status": submission.review_status,
            "exclusion_reason": submission.exclusion_reason,
            "reviewer_notes": submission.reviewer_notes,
            "campaign_group": (
                submission.campaign_group.label if submission.campaign_group else None
            ),
            "themes_by_question": themes,
            "history": [
                {
                    "at": _iso(event.at),
                    "field": event.field,
                    "from": event.old_value,
                    "to": event.new_value,
                    "reason": event.reason,
                }
                for event in ReviewEvent.objects.filter(submission=submission).order_by("at", "pk")
            ],
        },
    }


README = """Personal data held by Consult HK / Consult HK 持有的個人資料
=====================================================

respondent-data.json lists every response given with your email address: your details, your
answers, each version you submitted, the files you attached (in attachments/), and how staff
reviewed the response; and your subscriptions to notices by email, with the notices sent. For a
response you sent by email, post or fax, it also gives how and when we received it and the
paragraphs we kept as general comments, and originals/ holds the letter, email or scan as we
received it. We do not keep copies of the emails we sent you.

respondent-data.json 列出以您的電郵地址提交的每份回應：您的資料、您的答案、您每次提交的版本、
您附上的檔案（見 attachments/），以及職員審閱該回應的紀錄；以及您以電郵訂閱的通知和已寄出的通知。
如您以電郵、郵寄或傳真提交回應，檔案亦列出我們收到回應的方式和時間，以及我們作為一般意見保存的段落；
originals/ 存有我們收到的信件、電郵或掃描本原件。我們不保留寄給您的電郵副本。
"""


def personal_data_seen(
    *,
    kind: PrivacyActionKind,
    operator: str,
    consultation: Consultation,
    references: list[str],
    details: dict[str, Any] | None = None,
    now: dt.datetime | None = None,
) -> PrivacyAction:
    """Record that staff saw (``STAFF_VIEW``) or exported (``STAFF_EXPORT``) the personal data
    of the responses ``references``: who, when and what, never the data itself."""
    return PrivacyAction.objects.create(
        kind=kind,
        at=now or timezone.now(),
        operator=operator,
        consultation=consultation,
        references=references,
        submission_count=len(references),
        details=details or {},
    )


def respondent_data_export(
    *, reference: str, email: str, output: Path, operator: str, reason: str = ""
) -> PrivacyAction:
    """Write a ZIP of everything held about the owner of ``email`` to ``output``; audit it.

    With a ``reference``: every response under ``email`` once the reference proves it is one of
    theirs, and the subscriptions to notices under ``email``. Without one (a subscriber, who
    has no reference): the subscriptions only. A request that matches nothing is audited too
    (with the email address only as a hash) and raises ``RespondentNotFound``. ``output`` must
    not exist yet: an export never overwrites.
    """
    audit = {
        "kind": PrivacyActionKind.ACCESS_EXPORT,
        "operator": operator,
        "reason": reason,
    }
    requested = {"reference_requested": reference.strip(), "email_sha256": _email_digest(email)}
    subscriptions = subscriber_records(email=email)
    try:
        submissions = (
            respondent_submissions(reference=reference, email=email) if reference.strip() else []
        )
        if not submissions and not subscriptions:
            raise RespondentNotFound
    except RespondentNotFound:
        PrivacyAction.objects.create(**audit, details={**requested, "found": False})
        raise
    if output.exists():
        raise FileExistsError(output)
    data, files = _archive_contents(submissions)
    data["subscriptions"] = subscriptions
    payload = _zip(data, files)
    anchor = next(
        (s for s in submissions if s.reference.lower() == reference.strip().lower()), None
    )
    # The file is written inside the audit row's transaction: no export without its record.
    with transaction.atomic():
        action = PrivacyAction.objects.create(
            **audit,
            consultation=anchor.consultation if anchor else None,
            references=[s.reference for s in submissions],
            submission_count=len(submissions),
            details={
                **requested,
                "found": True,
                "file_name": output.name,
                "file_sha256": hashlib.sha256(payload).hexdigest(),
                "attachments": len(files),
                "subscriptions": len(subscriptions),
            },
        )
        with output.open("xb") as handle:
            handle.write(payload)
    return action


def _archive_contents(
    submissions: list[Submission],
) -> tuple[dict[str, Any], dict[str, Attachment | OriginalDocument]]:
    files: dict[str, Attachment | OriginalDocument] = {}
    records = []
    for submission in submissions:
        paths = {}
        for number, attachment in enumerate(
            submission.attachments.order_by("uploaded_at", "pk"), start=1
        ):
            path = f"attachments/{submission.reference}/{number}-{attachment.original_name}"
            paths[attachment.pk] = path
            files[path] = attachment
        originals = {}
        for number, document in enumerate(
            submission.original_documents.order_by("uploaded_at", "pk"), start=1
        ):
            path = f"originals/{submission.reference}/{number}-{document.original_name}"
            originals[document.pk] = path
            files[path] = document
        records.append(
            submission_personal_record(submission, attachment_paths=paths, original_paths=originals)
        )
    data = {
        "exported_at": _iso(timezone.now()),
        "responses": records,
    }
    return data, files


def _zip(data: dict[str, Any], files: dict[str, Attachment | OriginalDocument]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("README.txt", README)
        archive.writestr(
            "respondent-data.json", json.dumps(data, ensure_ascii=False, indent=2) + "\n"
        )
        for path, attachment in files.items():
            with attachment.file.open("rb") as handle:
                archive.writestr(path, handle.read())
    return buffer.getvalue()
