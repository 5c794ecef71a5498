"""Position papers: checking an upload (its real type from its content, its size, how many) and
storing or removing it (services, one transaction each).

The file name and the browser's declared type are not trusted. A PDF starts with ``%PDF-``; a
DOCX is a ZIP archive holding ``word/document.xml`` (and no macros). Only the archive's list of
members is read, never its contents, so a ZIP bomb costs nothing.

The original of a response received by email, post or fax (``surveys.intake``) is checked the
same way, with more types accepted (``ORIGINAL_TYPES``): an email saved as EML (a header block of
printable ASCII naming its sender and date) and scans (JPEG, PNG, TIFF, by their signatures).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
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
EML = "message/rfc822"
JPEG = "image/jpeg"
PNG = "image/png"
TIFF = "image/tiff"
EXTENSIONS = {PDF: ".pdf", DOCX: ".docx", EML: ".eml", JPEG: ".jpg", PNG: ".png", TIFF: ".tif"}
# What a respondent may attach, and what staff may keep as the original of a response.
PAPER_TYPES = frozenset({PDF, DOCX})
ORIGINAL_TYPES = frozenset({PDF, DOCX, EML, JPEG, PNG, TIFF})
_IMAGE_SIGNATURES = (
    (b"\xff\xd8\xff", JPEG),
    (b"\x89PNG\r\n\x1a\n", PNG),
    (b"II*\x00", TIFF),
    (b"MM\x00*", TIFF),
)
# An email's header block: "Name: value" lines; these show it is a message, not any text file.
_EML_HEADER = re.compile(rb"^[!-9;-~]+:[ \t]", re.MULTILINE)
_EML_NEEDS = ({b"from"}, {b"date", b"received", b"message-id"})

MESSAGES = {
    "empty": _("The selected file is empty."),
    "too_big": _("The selected file must be smaller than 10 MB."),
    "wrong_type": _("The selected file must be a PDF or a Word (DOCX) document."),
    "wrong_original_type": _(
        "The original must be a PDF, a Word (DOCX) document, an email saved as EML, or a scan "
        "(JPEG, PNG or TIFF)."
    ),
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


def _is_email(stream: IO[bytes]) -> bool:
    """Whether ``stream`` starts with an email's header block naming its sender and date."""
    stream.seek(0)
    head = stream.read(64 * 1024)
    stream.seek(0)
    block = head.replace(b"\r\n", b"\n").split(b"\n\n", 1)[0]
    if not block or not block.isascii() or not _EML_HEADER.match(block):
        return False
    names = {m.group(0)[:-2].lower() for m in _EML_HEADER.finditer(block)}
    return all(names & wanted for wanted in _EML_NEEDS)


def sniff(stream: IO[bytes], *, accept: frozenset[str] = PAPER_TYPES) -> str | None:
    """The content type of ``stream`` among ``accept``, judged from its bytes, or None."""
    stream.seek(0)
    head = stream.read(8)
    stream.seek(0)
    if head.startswith(b"%PDF-"):
        return PDF
    for signature, image_type in _IMAGE_SIGNATURES:
        if head.startswith(signature):
            return image_type if image_type in accept else None
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
    if EML in accept and _is_email(stream):
        return EML
    return None


def clean_name(name: str) -> str:
    """A display name without any path, control characters or excess length."""
    base = PurePath(name.replace("\\", "/")).name
    base = "".join(ch for ch in base if unicodedata.category(ch)[0] != "C").strip()
    return (base or "attachment")[:200]


def check(
    upload: IO[bytes], *, name: str, size: int, accept: frozenset[str] = PAPER_TYPES
) -> CheckedFile:
    """Accept ``upload`` as one of ``accept`` (by default a PDF or DOCX) of at most 10 MB, or
    raise AttachmentRejected."""
    if size <= 0:
        raise AttachmentRejected("empty")
    if size > MAX_SIZE:
        raise AttachmentRejected("too_big")
    content_type = sniff(upload, accept=accept)
    if content_type is None or content_type not in accept:
        raise AttachmentRejected("wrong_type" if accept == PAPER_TYPES else "wrong_original_type")
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
