"""Drafting a response together: the colleagues the respondent who started a draft invites, and
who changed which answers of the draft, and when."""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.db.models.functions import Lower
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from surveys.models.responses import Submission


class DraftCollaborator(models.Model):
    """A colleague invited by email to help draft a response. Only a hash of the private link's
    token is kept, as for the resume link."""

    class Role(models.TextChoices):
        EDITOR = "editor", _("Editor")

    submission = models.ForeignKey(
        Submission, on_delete=models.CASCADE, related_name="collaborators"
    )
    email = models.EmailField(_("email"))
    role = models.CharField(_("role"), max_length=10, choices=Role.choices, default=Role.EDITOR)
    can_submit = models.BooleanField(
        _("may submit"),
        default=False,
        help_text=_("Named by the respondent who started the draft to submit it."),
    )
    invited_by = models.EmailField(
        _("invited by"), help_text=_("The respondent who started the draft.")
    )
    invited_at = models.DateTimeField(_("invited at"), default=timezone.now)
    accepted_at = models.DateTimeField(_("first opened at"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True)
    token_hash = models.CharField(max_length=64, unique=True, editable=False)

    class Meta:
        ordering = ["submission", "invited_at", "pk"]
        verbose_name = _("colleague drafting a response")
        verbose_name_plural = _("colleagues drafting a response")
        constraints = [
            models.UniqueConstraint(
                Lower("email"),
                "submission",
                condition=Q(revoked_at__isnull=True),
                name="collaborator_one_live_invitation",
            )
        ]

    def __str__(self) -> str:
        return self.email

    @property
    def active(self) -> bool:
        return self.revoked_at is None


class DraftChange(models.Model):
    """One save of a draft that changed answers: who made it (the respondent who started the
    draft, or a colleague), when, and which questions changed."""

    submission = models.ForeignKey(
        Submission, on_delete=models.CASCADE, related_name="draft_changes"
    )
    collaborator = models.ForeignKey(
        DraftCollaborator,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="changes",
        help_text=_("Empty when the respondent who started the draft made the change."),
    )
    author = models.CharField(
        _("made by"), max_length=254, help_text=_("The email address of whoever saved.")
    )
    changed_at = models.DateTimeField(_("changed at"), default=timezone.now)
    questions = models.JSONField(
        _("questions changed"), default=list, help_text=_("Codes of the questions changed.")
    )

    class Meta:
        ordering = ["submission", "changed_at", "pk"]
        verbose_name = _("change to a draft")
        verbose_name_plural = _("changes to a draft")

    def __str__(self) -> str:
        return f"{self.submission_id} {self.author} {self.changed_at:%Y-%m-%d %H:%M}"
