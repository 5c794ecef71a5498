"""Emails to respondents: the private resume link, the receipt (with the email confirmation link
when the consultation requires one), the confirmation link sent again, the withdrawal notice.

The services queue each one in the outbox (``outbox.services.email_queue``) in the transaction of
the change that causes it, so an email exists exactly when its change was committed and an SMTP
outage neither loses it nor slows the page. A worker renders it later from what the row names:
the response, and for a receipt the revision frozen at that submit, so the receipt lists what was
submitted even if the response changes again before it is sent. Each is sent in the respondent's
language as plain text with an HTML alternative, from ``surveys/templates/surveys/email/``.
"""

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
from surveys.journey.selectors import answers_display
from surveys.journey.structure import RESPONDENT_FIELDS, journey_cached
from surveys.models import Submission, SubmissionRevision

RESUME_LINK = "surveys.resume_link"
RECEIPT = "surveys.receipt"
WITHDRAWAL = "surveys.withdrawal"
EMAIL_CONFIRMATION = "surveys.email_confirmation"


def resume_url(site_url: str, token: str) -> str:
    """The private link carrying ``token``, on the site at ``site_url`` ("https://host/")."""
    return site_url.rstrip("/") + reverse("surveys:resume", args=[token])


def confirm_url(site_url: str, token: str) -> str:
    """The email confirmation link carrying ``token`` (``surveys.journey.confirmation``)."""
    return site_url.rstrip("/") + reverse("surveys:confirm_email", args=[token])


# --- Queued by the services, inside their transactions -------------------------------------------


def resume_link_queue(*, submission: Submission, token: str, site_url: str) -> None:
    """The private link that continues this response in any browser."""
    email_queue(
        kind=RESUME_LINK,
        to=submission.email,
        language=submission.language,
        context={"submission": submission.pk, "private_link": resume_url(site_url, token)},
    )


def receipt_queue(
    *,
    submission: Submission,
    revision: SubmissionRevision,
    token: str,
    site_url: str,
    amended: bool = False,
    confirm_token: str | None = None,
) -> None:
    """The reference, the time of submission in HKT and a copy of what ``revision`` froze; with
    ``confirm_token``, the link that confirms the email address."""
    context = {
        "submission": submission.pk,
        "revision": revision.number,
        "amended": amended,
        "private_link": resume_url(site_url, token),
    }
    if confirm_token is not None:
        context["private_confirm_link"] = confirm_url(site_url, confirm_token)
    email_queue(kind=RECEIPT, to=submission.email, language=submission.language, context=context)


def email_confirmation_queue(*, submission: Submission, token: str, site_url: str) -> None:
    """The confirmation link alone, sent again at staff's request."""
    email_queue(
        kind=EMAIL_CONFIRMATION,
        to=submission.email,
        language=submission.language,
        context={"submission": submission.pk, "private_confirm_link": confirm_url(site_url, token)},
    )


def withdrawal_queue(*, submission: Submission) -> None:
    email_queue(
        kind=WITHDRAWAL,
        to=submission.email,
        language=submission.language,
        context={"submission": submission.pk},
    )


# --- Rendered by the outbox's worker ------------------------------------------------------------


def _render(subject: str, template: str, submission: Submission, **context: Any) -> Rendered:
    context = {"submission": submission, "consultation": submission.consultation, **context}
    context["title"] = submission.consultation.localized("title", translation.get_language())
    return Rendered(
        subject=subject,
        text=render_to_string(f"surveys/email/{template}.txt", context),
        html=render_to_string(f"surveys/email/{template}.html", context),
    )


def _submission(context: Mapping[str, Any]) -> Submission:
    return Submission.objects.select_related("consultation").get(pk=context["submission"])


def render_resume_link(context: Mapping[str, Any], language: str) -> Rendered:
    submission = _submission(context)
    with translation.override(language):
        return _render(
            gettext("Your link to continue your response"),
            "resume_link",
            submission,
            link=context["private_link"],
            closes_at=timezone.localtime(submission.consultation.closes_at),
        )


def render_receipt(context: Mapping[str, Any], language: str) -> Rendered:
    submission = _submission(context)
    revision = SubmissionRevision.objects.get(submission=submission, number=context["revision"])
    # The respondent's details as that submit froze them (the row may have changed since).
    frozen = revision.respondent
    for name in RESPONDENT_FIELDS:
        if name in frozen:
            setattr(submission, name, frozen[name])
    journey = journey_cached(consultation=submission.consultation)
    amended = bool(context.get("amended"))
    with translation.override(language):
        subject = (
            gettext("Your amended response %(reference)s")
            if amended
            else gettext("Your response %(reference)s has been received")
        ) % {"reference": submission.reference}
        return _render(
            subject,
            "receipt",
            submission,
            amended=amended,
            link=context["private_link"],
            confirm_link=context.get("private_confirm_link", ""),
            submitted_at=timezone.localtime(submission.submitted_at),
            changed_at=timezone.localtime(revision.created_at),
            sections=answers_display(journey=journey, answers=revision.answers, language=language),
            respondent_type=submission.get_respondent_type_display(),
            category=submission.get_category_display(),
            consent=submission.get_consent_display(),
            attachments=[{"original_name": a["name"]} for a in frozen.get("attachments", [])],
            drafted_by=frozen.get("drafted_by", []),
        )


def render_withdrawal(context: Mapping[str, Any], language: str) -> Rendered:
    submission = _submission(context)
    with translation.override(language):
        return _render(
            gettext("Your response %(reference)s has been withdrawn")
            % {"reference": submission.reference},
            "withdrawn",
            submission,
            withdrawn_at=timezone.localtime(submission.withdrawn_at),
        )


def render_email_confirmation(context: Mapping[str, Any], language: str) -> Rendered:
    submission = _submission(context)
    with translation.override(language):
        return _render(
            gettext("Please confirm your email address for response %(reference)s")
            % {"reference": submission.reference},
            "email_confirmation",
            submission,
            confirm_link=context["private_confirm_link"],
        )


def renderers_register() -> None:
    """Called once when the app is ready."""
    registry.register(RESUME_LINK, render_resume_link)
    registry.register(RECEIPT, render_receipt)
    registry.register(WITHDRAWAL, render_withdrawal)
    registry.register(EMAIL_CONFIRMATION, render_email_confirmation)
