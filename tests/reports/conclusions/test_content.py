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
