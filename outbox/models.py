"""One row per email to send: what to render (a kind registered by an app, and its context) and
what became of it."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class EmailStatus(models.TextChoices):
    PENDING = "pending", _("Waiting to be sent")
    SENT = "sent", _("Sent")
    FAILED = "failed", _("Failed: not retried")


class Email(models.Model):
    # A kind registered with ``outbox.registry.register`` ("surveys.receipt", ...).
    kind = models.CharField(_("kind"), max_length=64)
    to = models.EmailField(_("recipient"))
    language = models.CharField(_("language"), max_length=16)
    # What the kind's renderer needs (ids, a private link). Never shown in the admin; a private
    # link is removed once the email has been sent.
    context = models.JSONField(default=dict, blank=True)
    status = models.CharField(
        _("status"), max_length=16, choices=EmailStatus.choices, default=EmailStatus.PENDING
    )
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    last_error = models.TextField(_("last error"), blank=True)
    subject = models.CharField(_("subject"), max_length=300, blank=True)  # as sent
    created_at = models.DateTimeField(_("queued at"))
    next_attempt_at = models.DateTimeField(_("next attempt at"))
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)

    class Meta:
        verbose_name = _("email")
        verbose_name_plural = _("emails")
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["status", "next_attempt_at"], name="email_due_idx")]

    def __str__(self) -> str:
        return f"{self.kind} #{self.pk}"
