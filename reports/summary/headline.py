"""The report's headline counts: "N submissions, of which M in K campaigns, P received by email,
post or fax, L late", and the campaigns whose standard text is published.

How weights count (the README, "Campaigns and petitions", says the same):

* A petition or standard-text campaign received as one document is one record whose weight is
  its number of signatories; every other submission weighs 1.
* Every total and every figure "with campaign responses" counts respondents, each record with its
  weight: a petition of 500 signatories is 500 submissions in N, in M, in its channel's count, in
  L if it came late, and 500 in each question's "not answered" unless it answered.
* The figures "without campaign responses" leave out every confirmed campaign, petitions and
  detected campaigns alike, each record with all its weight. Nothing else leaves a counted
  record out of a total.
* ``records`` counts each record once, so N - records is what the signatories add.

Pure: plain data in (``RespondentSummary``), plain data out.
"""

from __future__ import annotations

from dataclasses import dataclass

from reports.summary.inputs import WRITTEN_CHANNELS
from reports.summary.types import Campaign, RespondentSummary


@dataclass(frozen=True)
class Headline:
    total: int  # N: respondents, each record with its weight
    records: int  # the records behind N, each once
    in_campaigns: int  # M: in campaigns a reviewer confirmed (petitions included)
    campaigns: int  # K: confirmed campaigns with at least one counted record
    written: int  # P: received by email, post or fax
    # The written channels with at least one respondent, in ``WRITTEN_CHANNELS`` order, and
    # each one's count: a channel that brought nothing is never named.
    written_channels: tuple[tuple[str, int], ...]
    late: int  # L


def headline_of(respondents: RespondentSummary) -> Headline:
    confirmed = published_campaigns(respondents)
    channels = tuple(
        (channel, respondents.by_channel[channel])
        for channel in WRITTEN_CHANNELS
        if respondents.by_channel.get(channel, 0)
    )
    return Headline(
        total=respondents.total,
        records=respondents.records or respondents.total,
        in_campaigns=respondents.in_confirmed_campaigns,
        campaigns=len(confirmed),
        written=sum(n for _channel, n in channels),
        written_channels=channels,
        late=respondents.late,
    )


def published_campaigns(respondents: RespondentSummary) -> tuple[Campaign, ...]:
    """The campaigns a reviewer confirmed, largest first: each published once, with its standard
    text and its count (records and respondents). Suggested groups are not campaigns."""
    return tuple(campaign for campaign in respondents.campaigns if campaign.confirmed)
