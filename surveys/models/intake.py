"""What staff keep when they enter a response received by email, post or fax.

- ``OriginalDocument``: the letter, email or scan as it arrived, in private storage. Apart from
  ``Attachment`` (a position paper the respondent uploads and may remove while drafting): the
  original is the regulator's evidence of what was received, added by staff only, of more types
  (EML, scans), and never shown on the respondent's pages.
- ``GeneralComment``: the paragraphs of a letter that answer no question, kept whole. Not an
  ``Answer``: answers are counted per question by the reports, and these paragraphs belong to no
  question; one row per submission, so that a response without such paragraphs costs nothing.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from surveys.models.base import private_storage
from surveys.models.responses import Submission


class OriginalDocument(models.Model):
    """A letter, email (EML) or scan received from a respondent, as staff uploaded it."""

    submission = models.ForeignKey(
        Submission, on_delete=models.CASCADE, related_name="original_documents"
    )
    file = models.FileField(storage=private_storage, upload_to="originals/%Y/%m/")
    original_name = models.CharField(max_length=255)
    content_type = models.CharField(max_length=100)
    size = models.PositiveIntegerField()
    sha256 = models.CharField(max_length=64)
    uploaded_at = models.DateTimeField(default=timezone.now)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["submission", "uploaded_at", "pk"]
        verbose_name = _("original document")
        verbose_name_plural = _("original documents")

    def __str__(self) -> str:
        return self.original_name


class GeneralComment(models.Model):
    """Paragraphs of a response received by email, post or fax that answer no question."""

    submission = models.OneToOneField(
        Submission, on_delete=models.CASCADE, related_name="general_comment"
    )
    text = models.TextField(_("general comments"))
    updated_at = models.DateTimeField(default=timezone.now)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        verbose_name = _("general comments")
        verbose_name_plural = _("general comments")

    def __str__(self) -> str:
        return f"{self.submission_id}"
