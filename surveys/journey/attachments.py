"""Position papers: checking an upload (its real type from its content, its size, how many) and
storing or removing it (services, one transaction each).

The file name and the browser's declared type are not trusted. A PDF starts with ``%PDF-``; a
DOCX is a ZIP archive holding ``word/document.xml`` (and no macros). Only the archive's list of
members is read, never its contents, so a ZIP bomb costs nothing.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
import unicodedata
import zipfile
from dataclasses import dataclass
from pathlib import PurePath
from typing import IO, Any, cast

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from surveys.journey.errors import SubmissionNotEditable
from surveys.journey.rules import require_accepting, submission_can_change
from surveys.journey.selectors import submission_locked
from surveys.models import Attachment, Submission, SubmissionState

MAX_SIZE = 10 * 1024 * 1024
MAX_FILES = 3
PDF = "application/pdf"
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
EXTENSIONS = {PDF: ".pdf", DOCX: ".docx"}

MESSAGES = {
    "empty": _("The selected file is empty."),
    "too_big": _("The selected file must be smaller than 10 MB."),
    "wrong_type": _("The selected file must be a PDF or a Word (DOCX) document."),
    "macros": _("The selected Word document contains macros. Save it as a DOCX without macros."),
    "too_many": _("You can attach at most 3 files. Remove one before adding another."),
}


class AttachmentRejected(Exception):
    def __init__(self, code: str) -> None:
        super().__init__(code)
        self.code = code

    @property
    def message(self) -> str:
        return str(MESSAGES[self.code])


@dataclass(frozen=True)
class CheckedFile:
    original_name: str
    content_type: str
    extension: str
    size: int
    sha256: str


def sniff(stream: IO[bytes]) -> str | None:
    """The content type of ``stream`` (PDF or DOCX), judged from its bytes, or None."""
    stream.seek(0)
    head = stream.read(8)
    stream.seek(0)
    if head.startswith(b"%PDF-"):
        return PDF
    if head.startswith(b"PK\x03\x04"):
        try:
            with zipfile.ZipFile(stream) as archive:
                names = set(archive.namelist())
        except (zipfile.BadZipFile, OSError, ValueError):
            return None
        finally:
            stream.seek(0)
        if "word/document.xml" in names and "[Content_Types].xml" in names:
            if any(name.lower().endswith("vbaproject.bin") for name in names):
                raise AttachmentRejected("macros")
            return DOCX
    return None


def clean_name(name: str) -> str:
    """A display name without any path, control characters or excess length."""
    base = PurePath(name.replace("\\", "/")).name
    base = "".join(ch for ch in base if unicodedata.category(ch)[0] != "C").strip()
    return (base or "attachment")[:200]


def check(upload: IO[bytes], *, name: str, size: int) -> CheckedFile:
    """Accept ``upload`` as a PDF or DOCX of at most 10 MB, or raise AttachmentRejected."""
    if size <= 0:
        raise AttachmentRejected("empty")
    if size > MAX_SIZE:
        raise AttachmentRejected("too_big")
    content_type = sniff(upload)
    if content_type is None:
        raise AttachmentRejected("wrong_type")
    digest = hashlib.sha256()
    upload.seek(0)
    for chunk in iter(lambda: upload.read(64 * 1024), b""):
        digest.update(chunk)
    upload.seek(0)
    return CheckedFile(
        original_name=clean_name(name),
        content_type=content_type,
        extension=EXTENSIONS[content_type],
        size=size,
        sha256=digest.hexdigest(),
    )


def _check_attachments_editable(submission: Submission, now: dt.datetime) -> None:
    if submission.state == SubmissionState.DRAFT:
        require_accepting(submission.consultation, now)
    elif not submission_can_change(submission=submission, now=now):
        raise SubmissionNotEditable


@transaction.atomic
def attachment_add(
    *, submission: Submission, upload: Any, checked: Any, now: dt.datetime | None = None
) -> Attachment:
    """Store an uploaded position paper already checked by ``check``."""
    now = now or timezone.now()
    submission = submission_locked(submission)
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
    submission = submission_locked(submission)
    _check_attachments_editable(submission, now)
    attachment = submission.attachments.filter(pk=attachment_id).first()
    if attachment is None:
        return False
    stored = attachment.file
    attachment.delete()
    transaction.on_commit(lambda: stored.storage.delete(cast(str, stored.name)))  # a stored file
    return True
