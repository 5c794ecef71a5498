"""Subscriptions by email to a consultation (or to all of them) and the notices sent to them.

A subscription waits for its confirmation (double opt-in) until ``confirmed_at`` is set; until
then it receives nothing but the confirmation email, and it expires. Links carry random tokens;
only their SHA-256 hashes are stored. Unsubscribing keeps no address: ``email`` is blanked.
"""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from surveys.models.consultations import Consultation


class NoticeEvent(models.TextChoices):
    OPENED = "opened", _("The consultation opened")
    CLOSING_SOON = "closing_soon", _("The consultation closes in 7 days")
    CLOSED = "closed", _("The consultation closed")
    CONCLUDED = "concluded", _("The conclusions were published")


class Subscription(models.Model):
    email = models.EmailField(_("email address"), blank=True)
    # None: every consultation.
    consultation = models.ForeignKey(
        Consultation,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="subscriptions",
        verbose_name=_("consultation"),
    )
    language = models.CharField(_("language"), max_length=16)
    # The confirmation link's token (hash); it also unsubscribes once confirmed.
    token_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(_("requested at"))
    confirmation_sent_at = models.DateTimeField(_("confirmation sent at"))
    confirmed_at = models.DateTimeField(_("confirmed at"), null=True, blank=True)
    unsubscribed_at = models.DateTimeField(_("unsubscribed at"), null=True, blank=True)

    class Meta:
        verbose_name = _("subscription")
        verbose_name_plural = _("subscriptions")
        ordering = ["-created_at", "-pk"]
        constraints = [
            # One live subscription per address and consultation, and one to all consultations.
            models.UniqueConstraint(
                fields=["email", "consultation"],
                condition=Q(unsubscribed_at__isnull=True, consultation__isnull=False),
                name="subscription_one_per_consultation",
            ),
            models.UniqueConstraint(
                fields=["email"],
                condition=Q(unsubscribed_at__isnull=True, consultation__isnull=True),
                name="subscription_one_to_all",
            ),
            models.CheckConstraint(
                condition=Q(unsubscribed_at__isnull=False) | ~Q(email=""),
                name="subscription_live_has_address",
            ),
        ]
        indexes = [models.Index(fields=["email"], name="subscription_email_idx")]

    def __str__(self) -> str:
        return f"subscription #{self.pk}"


class SubscriptionNotice(models.Model):
    """One notice sent (queued in the outbox) to one subscription about one event: the unique
    constraint means a beat run twice, or two beats, never send a notice twice."""

    subscription = models.ForeignKey(Subscription, on_delete=models.CASCADE, related_name="notices")
    consultation = models.ForeignKey(Consultation, on_delete=models.CASCADE, related_name="+")
    event = models.CharField(max_length=16, choices=NoticeEvent.choices)
    queued_at = models.DateTimeField()
    # The unsubscribe link's token (hash), one per notice.
    token_hash = models.CharField(max_length=64, unique=True)

    class Meta:
        verbose_name = _("notice sent")
        verbose_name_plural = _("notices sent")
        ordering = ["-queued_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["subscription", "consultation", "event"], name="notice_once_per_event"
            )
        ]

    def __str__(self) -> str:
        return f"{self.event} #{self.pk}"
