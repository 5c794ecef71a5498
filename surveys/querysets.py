"""QuerySets of the surveys models: the rules that decide which rows count, in one place each."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, TypedDict, cast

from django.db import models
from django.db.models import Q

from surveys.choices import Channel, Consent, ReviewStatus, SubmissionState
from surveys.names import public_name_expression

if TYPE_CHECKING:
    from django_stubs_ext import WithAnnotations

    from surveys.models import Consultation, Submission  # noqa: F401 - named in the base classes

    class _PublicName(TypedDict):
        public_name: str | None


class ConsultationQuerySet(models.QuerySet["Consultation"]):
    def published(self) -> ConsultationQuerySet:
        return self.filter(is_draft=False)

    def open_at(self, moment: dt.datetime) -> ConsultationQuerySet:
        return self.published().filter(opens_at__lte=moment, closes_at__gt=moment)


def awaiting_confirmation_condition(prefix: str = "") -> Q:
    """A response that waits for its email confirmation: its consultation requires one, it came
    through the web form (responses staff enter or import are confirmed by how they arrived) and
    the respondent has not opened the link yet. Whatever its state: ``counted_condition`` and
    ``reports.loading.left_out_reason`` combine it with theirs."""
    return (
        Q(**{f"{prefix}consultation__requires_email_confirmation": True})
        & Q(**{f"{prefix}channel": Channel.WEB})
        & Q(**{f"{prefix}email_confirmed_at__isnull": True})
    )


def counted_condition(prefix: str = "") -> Q:
    """The one rule of what a report counts: submitted (not a draft, not withdrawn), not
    excluded by review, and not awaiting an email confirmation its consultation requires.
    ``prefix`` reaches a submission through a relation (``"submission__"``).
    ``SubmissionQuerySet.counted`` and every aggregate that counts use it."""
    return (
        Q(**{f"{prefix}state": SubmissionState.SUBMITTED})
        & ~Q(**{f"{prefix}review_status": ReviewStatus.EXCLUDED})
        & ~awaiting_confirmation_condition(prefix)
    )


class SubmissionQuerySet(models.QuerySet["Submission"]):
    def submitted(self) -> SubmissionQuerySet:
        return self.filter(state=SubmissionState.SUBMITTED)

    def counted(self) -> SubmissionQuerySet:
        """The submissions a report counts: submitted, not withdrawn, not excluded by review,
        not awaiting a required email confirmation (``counted_condition``)."""
        return self.filter(counted_condition())

    def publishable(self) -> SubmissionQuerySet:
        return self.counted().exclude(consent=Consent.CONFIDENTIAL)

    def with_public_name(self) -> models.QuerySet[WithAnnotations[Submission, _PublicName]]:
        """Each row with ``public_name``: the name a publication may show, or None
        (``surveys.names``)."""
        return cast(
            "models.QuerySet[WithAnnotations[Submission, _PublicName]]",
            self.annotate(public_name=public_name_expression()),
        )
