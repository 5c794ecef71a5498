"""Petitions and standard-text campaigns received as one document: one record with a weight.

A petition is a :class:`~surveys.models.Submission` whose ``signatories`` say how many people it
speaks for, in a confirmed :class:`~surveys.models.CampaignGroup` of its own. Its standard text
is kept here, and the list of names it came with (personal data) in ``PetitionSignatory`` rows:
counted, never published.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from surveys.models.responses import Submission


class SignatoriesSource(models.TextChoices):
    NUMBER = "number", _("Entered as a number")
    LIST = "list", _("Counted from a list of names")


class Petition(models.Model):
    """The standard text of a petition or campaign and where its count of signatories came from."""

    # PROTECT: the standard text is never lost with its record.
    submission = models.OneToOneField(Submission, on_delete=models.PROTECT, related_name="petition")
    standard_text = models.TextField(_("standard text"))
    signatories_source = models.CharField(
        _("signatories from"), max_length=8, choices=SignatoriesSource.choices
    )
    # The list staff uploaded: its file name and how many of its names were repeats (not counted).
    list_name = models.CharField(_("list file"), max_length=255, blank=True)
    list_duplicates = models.PositiveIntegerField(_("names repeated in the list"), default=0)
    created_at = models.DateTimeField(default=timezone.now)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("petition")
        verbose_name_plural = _("petitions")

    def __str__(self) -> str:
        return str(self.submission)


class PetitionSignatory(models.Model):
    """One name on a petition's list: personal data, counted and never published."""

    petition = models.ForeignKey(Petition, on_delete=models.CASCADE, related_name="names")
    name = models.CharField(max_length=300)
    # The name folded for comparison (case, width and spacing): one row per person.
    name_key = models.CharField(max_length=300)

    class Meta:
        ordering = ["petition", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["petition", "name_key"], name="petition_signatory_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.petition_id}/{self.pk}"
