"""The respondent tables: by category, type, consent, language, late, campaign, channel.

They are counted from ``respondent_groups``: how many respondents share each combination of the
columns, which adds up over chunks, so one pass and a merge of chunks give the same tables.
Each respondent counts with its weight (a petition record its signatories): ``n`` sums the
weights, ``records`` counts the submissions.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import SupportsInt, cast

import pandas as pd

from reports.summary.context import Context
from reports.summary.inputs import CHANNELS, NOT_STATED, weighted
from reports.summary.types import Campaign, RespondentSummary

# The columns a respondent summary counts by; ``respondent_groups`` counts each combination.
RESPONDENT_GROUP_COLUMNS = (
    "category",
    "respondent_type",
    "consent",
    "language",
    "is_late",
    "campaign_group",
    "channel",
)
# What ``respondent_groups`` counts for each combination: respondents (weighted) and records.
RESPONDENT_GROUP_COUNTS = ("n", "records")


def respondent_groups(respondents: pd.DataFrame) -> pd.DataFrame:
    """How many respondents share each combination of ``RESPONDENT_GROUP_COLUMNS`` (column ``n``,
    each with its weight; column ``records``, each submission once).

    Counts are additive: the groups of two sets of respondents, concatenated and summed, are the
    groups of their union. That is what lets chunks of a large consultation be summarised apart.
    """
    columns = list(RESPONDENT_GROUP_COLUMNS)
    respondents = weighted(respondents)
    frame = respondents[[*columns, "weight"]].assign(
        is_late=respondents["is_late"].astype(bool),
        campaign_group=respondents["campaign_group"].astype("object").fillna(""),
        channel=respondents["channel"].astype("object").fillna("").replace("", "web"),
    )
    grouped = frame.groupby(columns, sort=True)["weight"]
    result = pd.DataFrame({"n": grouped.sum(), "records": grouped.size()}).reset_index()
    return result.astype({"n": "int64", "records": "int64"})


def _weighted_counts(groups: pd.DataFrame, column: str) -> pd.Series:
    counts = groups.groupby(column, sort=False)["n"].sum()
    return counts[counts > 0]


def respondent_summary(context: Context, groups: pd.DataFrame) -> RespondentSummary:
    """The respondent tables from ``respondent_groups`` counts (of one pass or of merged chunks)."""
    meta = context.meta
    by_category = {
        value: int(n)
        for value, n in zip(context.categories, context.category_totals, strict=True)
        if n or value in {option.value for option in meta.categories}
    }
    types = [option.value for option in meta.respondent_types]
    groups = groups.assign(
        respondent_type=groups["respondent_type"].where(
            groups["respondent_type"].isin(types), NOT_STATED
        )
    )
    by_type = _ordered_counts(_weighted_counts(groups, "respondent_type"), types)
    table = groups.pivot_table(
        index="category", columns="respondent_type", values="n", aggfunc="sum", fill_value=0
    ).reindex(index=list(context.categories), columns=[*types, NOT_STATED], fill_value=0)
    by_category_type = {
        category: {
            kind: int(cast(SupportsInt, table.loc[category, kind]))  # a count
            for kind in table.columns
            if kind != NOT_STATED or by_type.get(NOT_STATED)
        }
        for category in by_category
    }
    consents = [option.value for option in meta.consents]
    if "records" not in groups.columns:
        groups = groups.assign(records=groups["n"])
    if "channel" not in groups.columns:
        groups = groups.assign(channel="web")
    members = groups[groups["campaign_group"] != ""]
    campaign_sizes = _weighted_counts(members, "campaign_group")
    campaign_records = members.groupby("campaign_group", sort=False)["records"].sum()
    campaigns = tuple(
        sorted(
            (
                Campaign(
                    label=str(label),
                    size=int(size),
                    confirmed=bool(meta.campaigns_confirmed.get(str(label), False)),
                    records=int(campaign_records.get(label, 0)),
                    text=str(meta.campaign_texts.get(str(label), "")),
                )
                for label, size in campaign_sizes.items()
            ),
            key=lambda campaign: (-campaign.size, campaign.label),
        )
    )
    return RespondentSummary(
        total=context.total,
        by_category=by_category,
        by_type=by_type,
        by_category_type=by_category_type,
        by_consent=_ordered_counts(_weighted_counts(groups, "consent"), consents),
        by_language=_ordered_counts(_weighted_counts(groups, "language"), ["en", "zh-hant"]),
        late=int(groups.loc[groups["is_late"].astype(bool), "n"].sum()),
        campaigns=campaigns,
        in_campaigns=int(campaign_sizes.sum()),
        in_confirmed_campaigns=sum(c.size for c in campaigns if c.confirmed),
        in_suggested_groups=sum(c.size for c in campaigns if not c.confirmed),
        records=int(groups["records"].sum()),
        by_channel={
            channel: n
            for channel, n in _ordered_counts(_weighted_counts(groups, "channel"), CHANNELS).items()
            if n
        },
    )


def _ordered_counts(counts: pd.Series, order: Sequence[str]) -> dict[str, int]:
    """Counts (a series indexed by value) of each value in ``order``, zeros kept, then any
    other value found."""
    result = {value: int(counts.get(value, 0)) for value in order}
    for value in sorted(set(counts.index) - set(order)):
        result[str(value)] = int(counts[value])
    return result
