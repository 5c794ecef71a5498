"""QuerySets of the surveys models: the rules that decide which rows count, in one place each."""

from __future__ import annotations

import datetime as dt

from django.db import models

from surveys.choices import Consent, ReviewStatus, SubmissionState
from surveys.names import public_name_expression


class ConsultationQuerySet(models.QuerySet):
    def published(self) -> ConsultationQuerySet:
        return self.filter(is_draft=False)

    def open_at(self, moment: dt.datetime) -> ConsultationQuerySet:
        return self.published().filter(opens_at__lte=moment, closes_at__gt=moment)


class SubmissionQuerySet(models.QuerySet):
    def submitted(self) -> SubmissionQuerySet:
        return self.filter(state=SubmissionState.SUBMITTED)

    def counted(self) -> SubmissionQuerySet:
        """The submissions a report counts: submitted, not withdrawn, not excluded by review."""
        return self.submitted().exclude(review_status=ReviewStatus.EXCLUDED)

    def publishable(self) -> SubmissionQuerySet:
        return self.counted().exclude(consent=Consent.CONFIDENTIAL)

    def with_public_name(self) -> SubmissionQuerySet:
        """Each row with ``public_name``: the name a publication may show, or None
        (``surveys.names``)."""
        return self.annotate(public_name=public_name_expression())
