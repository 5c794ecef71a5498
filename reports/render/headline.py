"""The headline sentence and the campaigns' standard texts, in the active language, for the PDF,
the workbook and the CSV (``reports.summary.headline`` computes the numbers)."""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.translation import gettext, ngettext, pgettext

from reports.render import labels
from reports.summary.headline import headline_of, published_campaigns
from reports.summary.types import RespondentSummary


def channel_label(channel: str) -> str:
    names = {
        "web": gettext("Web form"),
        "email": gettext("Email"),
        "post": gettext("Post"),
        "fax": gettext("Fax"),
        "import": gettext("Bulk import"),
    }
    return names.get(channel, channel)


def _channel_word(channel: str) -> str:
    """A channel as the sentence "received by …" names it."""
    words = {
        "email": pgettext("received by", "email"),
        "post": pgettext("received by", "post"),
        "fax": pgettext("received by", "fax"),
    }
    return words.get(channel, channel)


def _or_list(items: list[str]) -> str:
    """ "a", "a or b", "a, b or c" (in Chinese "甲、乙或丙")."""
    if len(items) <= 1:
        return "".join(items)
    return pgettext("list", "%(items)s or %(last)s") % {
        "items": pgettext("list separator", ", ").join(items[:-1]),
        "last": items[-1],
    }


def headline_text(respondents: RespondentSummary) -> str:
    """ "N submissions, of which M in K campaigns, P received by email or post, L late." Only
    the channels that brought something are named; the records behind N are given when
    petitions' signatories make them differ."""
    headline = headline_of(respondents)
    total = labels.count_text(headline.total)
    if headline.records != headline.total:
        opening = ngettext(
            "%(n)s submission (%(records)s records: each petition counts its signatories)",
            "%(n)s submissions (%(records)s records: each petition counts its signatories)",
            headline.total,
        ) % {"n": total, "records": labels.count_text(headline.records)}
    else:
        opening = ngettext("%(n)s submission", "%(n)s submissions", headline.total) % {"n": total}
    clauses = [
        ngettext("%(m)s in %(k)s campaign", "%(m)s in %(k)s campaigns", headline.campaigns)
        % {
            "m": labels.count_text(headline.in_campaigns),
            "k": labels.count_text(headline.campaigns),
        }
    ]
    if headline.written:
        clauses.append(
            gettext("%(p)s received by %(channels)s")
            % {
                "p": labels.count_text(headline.written),
                "channels": _or_list([_channel_word(c) for c, _n in headline.written_channels]),
            }
        )
    clauses.append(gettext("%(l)s late") % {"l": labels.count_text(headline.late)})
    return gettext("%(opening)s, of which %(clauses)s.") % {
        "opening": opening,
        "clauses": pgettext("clause separator", ", ").join(clauses),
    }


@dataclass(frozen=True)
class CampaignText:
    label: str
    records: str
    respondents: str
    text: str


def campaign_texts(respondents: RespondentSummary) -> list[CampaignText]:
    """Each confirmed campaign once: its standard text, its records and its respondents."""
    return [
        CampaignText(
            label=campaign.label,
            records=labels.count_text(campaign.records or campaign.size),
            respondents=labels.count_text(campaign.size),
            text=campaign.text,
        )
        for campaign in published_campaigns(respondents)
    ]
