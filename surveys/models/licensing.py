"""The public registers of licensed firms that staff upload, and which register a number is in.

A respondent may give its SFC central entity (CE) number or its Customs and Excise Department
(C&ED) licence number on "About you"; ``surveys.licensing`` matches it against the register staff
uploaded for that regulator (a file they provide: no network lookup) and marks the response a
licensed firm, an applicant or other.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class LicenceRegister(models.TextChoices):
    """Which regulator's register a licence number belongs to."""

    SFC = "sfc", _("SFC central entity (CE) number")
    CUSTOMS = "customs", _("Customs and Excise Department (C&ED) licence number")


class LicenceStatus(models.TextChoices):
    """A response's licence status, from the register: reports split figures by it."""

    LICENSED = "licensed", _("Licensed firm")
    APPLICANT = "applicant", _("Licence applicant")
    OTHER = "other", _("Other (not verified)")


class RegisterUpload(models.Model):
    """One upload of a register: the audit record of who replaced it, when, with which file."""

    register = models.CharField(_("register"), max_length=8, choices=LicenceRegister.choices)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    uploaded_at = models.DateTimeField(_("uploaded at"), default=timezone.now)
    original_name = models.CharField(_("file name"), max_length=255)
    sha256 = models.CharField(_("file SHA-256"), max_length=64)
    row_count = models.PositiveIntegerField(_("rows"))
    # Responses whose licence status the upload changed (each also has a ReviewEvent).
    responses_changed = models.PositiveIntegerField(_("responses changed"), default=0)

    class Meta:
        ordering = ["-uploaded_at", "-pk"]
        verbose_name = _("licence register upload")
        verbose_name_plural = _("licence register uploads")
        permissions = [
            ("manage_licence_register", "Can upload the public registers of licensed firms"),
        ]

    def __str__(self) -> str:
        return f"{self.get_register_display()} {self.uploaded_at:%Y-%m-%d %H:%M}"


class RegisterEntry(models.Model):
    """One firm of a register as last uploaded: its number (normalised), name and licence."""

    register = models.CharField(_("register"), max_length=8, choices=LicenceRegister.choices)
    number = models.CharField(_("number"), max_length=20)
    name = models.CharField(_("firm name"), max_length=300)
    licence_type = models.CharField(_("licence type"), max_length=200, blank=True)
    status = models.CharField(
        _("status"),
        max_length=10,
        choices=[
            (LicenceStatus.LICENSED, LicenceStatus.LICENSED.label),
            (LicenceStatus.APPLICANT, LicenceStatus.APPLICANT.label),
        ],
        default=LicenceStatus.LICENSED,
    )
    upload = models.ForeignKey(RegisterUpload, on_delete=models.PROTECT, related_name="entries")

    class Meta:
        ordering = ["register", "number"]
        verbose_name = _("register entry")
        verbose_name_plural = _("register entries")
        constraints = [
            models.UniqueConstraint(fields=["register", "number"], name="register_number_unique")
        ]

    def __str__(self) -> str:
        return f"{self.number} {self.name}"
