"""The invitation to draft a response together, queued in the outbox like the respondents' other
emails and sent in the draft's language, with the colleague's private link."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext

from outbox import registry
from outbox.registry import Rendered
from outbox.services import email_queue
from surveys.models import DraftCollaborator

INVITATION = "surveys.draft_invitation"


def invitation_url(site_url: str, token: str) -> str:
    """The colleague's private link carrying ``token``, on the site at ``site_url``."""
    return site_url.rstrip("/") + reverse("surveys:draft_join", args=[token])


def invitation_queue(*, collaborator: DraftCollaborator, token: str, site_url: str) -> None:
    submission = collaborator.submission
    email_queue(
        kind=INVITATION,
        to=collaborator.email,
        language=submission.language,
        context={
            "submission": submission.pk,
            "collaborator": collaborator.pk,
            "private_link": invitation_url(site_url, token),
        },
    )


def render_invitation(context: Mapping[str, Any], language: str) -> Rendered:
    collaborator = DraftCollaborator.objects.select_related("submission__consultation").get(
        pk=context["collaborator"]
    )
    submission = collaborator.submission
    consultation = submission.consultation
    with translation.override(language):
        values: dict[str, Any] = {
            "submission": submission,
            "collaborator": collaborator,
            "consultation": consultation,
            "title": consultation.localized("title", language),
            "inviter": submission.contact_name or submission.email,
            "organisation": submission.organisation_name,
            "link": context["private_link"],
            "closes_at": timezone.localtime(consultation.closes_at),
        }
        return Rendered(
            subject=gettext("You are invited to help draft a response to a consultation"),
            text=render_to_string("surveys/email/draft_invitation.txt", values),
            html=render_to_string("surveys/email/draft_invitation.html", values),
        )


def renderers_register() -> None:
    """Called once when the app is ready."""
    registry.register(INVITATION, render_invitation)
