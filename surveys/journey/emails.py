"""Emails to respondents: the private resume link, the receipt, the withdrawal notice.

Each is sent in the respondent's language (``Submission.language``) as plain text with an HTML
alternative, rendered from ``surveys/templates/surveys/email/``. Callers send them after the
transaction that made the change has committed; a failure to send is logged, not raised.
"""

from __future__ import annotations

import logging
import smtplib
from typing import Any

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.translation import gettext

from surveys.journey.selectors import answers_display, submission_attachments
from surveys.journey.structure import Journey
from surveys.models import Attachment, Submission

logger = logging.getLogger(__name__)


def _send(*, submission: Submission, subject: str, template: str, context: dict[str, Any]) -> None:
    context = {"submission": submission, "consultation": submission.consultation, **context}
    context["title"] = submission.consultation.localized("title", submission.language)
    text = render_to_string(f"surveys/email/{template}.txt", context)
    html = render_to_string(f"surveys/email/{template}.html", context)
    message = EmailMultiAlternatives(
        subject=subject,
        body=text,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[submission.email],
    )
    message.attach_alternative(html, "text/html")
    try:
        message.send()
    except (smtplib.SMTPException, OSError):
        # The response itself is safely stored; a mail outage must not turn that into an error.
        logger.exception("Could not send the %s email for submission %s", template, submission.pk)


def send_resume_link(*, submission: Submission, link: str) -> None:
    """The private link that continues this response in any browser."""
    with translation.override(submission.language):
        _send(
            submission=submission,
            subject=gettext("Your link to continue your response"),
            template="resume_link",
            context={
                "link": link,
                "closes_at": timezone.localtime(submission.consultation.closes_at),
            },
        )


def send_receipt(
    *,
    submission: Submission,
    journey: Journey,
    answers: dict[str, Any],
    link: str,
    amended: bool = False,
    attachments: list[Attachment] | None = None,
) -> None:
    """The reference, the time of submission in HKT and a copy of the answers.

    ``attachments``: the response's files when the caller has them (read here otherwise).
    """
    if attachments is None:
        attachments = submission_attachments(submission=submission)
    language = submission.language
    with translation.override(language):
        subject = (
            gettext("Your amended response %(reference)s")
            if amended
            else gettext("Your response %(reference)s has been received")
        ) % {"reference": submission.reference}
        _send(
            submission=submission,
            subject=subject,
            template="receipt",
            context={
                "amended": amended,
                "link": link,
                "submitted_at": timezone.localtime(submission.submitted_at),
                "changed_at": timezone.localtime(submission.updated_at),
                "sections": answers_display(journey=journey, answers=answers, language=language),
                "respondent_type": submission.get_respondent_type_display(),
                "category": submission.get_category_display(),
                "consent": submission.get_consent_display(),
                "attachments": attachments,
            },
        )


def send_withdrawal(*, submission: Submission) -> None:
    with translation.override(submission.language):
        _send(
            submission=submission,
            subject=gettext("Your response %(reference)s has been withdrawn")
            % {"reference": submission.reference},
            template="withdrawn",
            context={"withdrawn_at": timezone.localtime(submission.withdrawn_at)},
        )
