"""What the conclusions (public) edition lists of campaigns: only groups a reviewer confirmed."""

from __future__ import annotations

import pytest
from django.utils import timezone

from reports.conclusions.content import respondents_appendix_rows
from surveys.models import CampaignGroup
from tests.reports.conclusions.conclusions_data import closed_consultation

pytestmark = pytest.mark.django_db


def test_members_of_an_unconfirmed_group_are_listed_as_respondents_not_a_campaign():
    consultation, known = closed_consultation(count=12)
    campaign = known["campaign"]

    rows = respondents_appendix_rows(consultation=consultation, as_of=timezone.now())
    assert sum(1 for row in rows if row.campaign == "C1") == 1

    CampaignGroup.objects.filter(consultation=consultation, label="C1").update(confirmed=False)
    rows = respondents_appendix_rows(consultation=consultation, as_of=timezone.now())
    assert all(row.campaign is None for row in rows)
    assert len(rows) == len(
        consultation.submissions.filter(submitted_at__lte=timezone.now()).counted()
    )
    assert campaign.campaign_group is not None  # still in the (suggested) group


def test_campaign_sizes_add_up_to_the_submissions_said_to_be_in_campaigns():
    from reports.conclusions.content import _appendix
    from reports.jobs.compute import summary_compute
    from surveys.models import Consent, Submission

    consultation, known = closed_consultation(count=12)
    group = known["campaign"].campaign_group
    # A second member, who asked for confidentiality: counted in the size, never named.
    other = (
        Submission.objects.filter(consultation=consultation, campaign_group__isnull=True)
        .counted()
        .exclude(pk=known["campaign"].pk)
        .first()
    )
    other.consent = Consent.CONFIDENTIAL
    other.campaign_group = group
    other.save(update_fields=["consent", "campaign_group"])
    as_of = timezone.now()
    rows = respondents_appendix_rows(consultation=consultation, as_of=as_of)
    summary = summary_compute(consultation=consultation, as_of=as_of)

    appendix = _appendix(rows, summary)
    assert summary.respondents.in_confirmed_campaigns == 2
    assert appendix["campaigns"][0]["text"].startswith("Campaign C1: 2 submissions")
    assert appendix["campaign_text"].startswith("2 submissions formed part of campaigns")
