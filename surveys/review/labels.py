"""How review data reads to staff: times in Hong Kong to the minute, audit fields and values."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from django.utils.translation import gettext

from surveys.journey import confirmation
from surveys.models import Channel, ExclusionReason, LicenceStatus, ReviewStatus
from surveys.review import services as review

HKT = ZoneInfo("Asia/Hong_Kong")


def hkt(moment: dt.datetime | None) -> str:
    """A moment as Hong Kong time, to the minute."""
    if moment is None:
        return "—"
    return moment.astimezone(HKT).strftime("%Y-%m-%d %H:%M")


def event_value(field: str, value: str) -> str:
    """An audit value as staff read it: the label of a status or reason, the text otherwise."""
    labels = {
        review.FIELD_STATUS: dict(ReviewStatus.choices),
        review.FIELD_REASON: dict(ExclusionReason.choices),
        review.FIELD_ENTERED: dict(Channel.choices),
        "licence_status": dict(LicenceStatus.choices),
    }.get(field)
    if labels is None or not value:
        return value
    return str(labels.get(value, value))


def field_label(name: str) -> str:
    return {
        review.FIELD_STATUS: gettext("Review status"),
        review.FIELD_REASON: gettext("Exclusion reason"),
        review.FIELD_NOTES: gettext("Reviewer notes"),
        review.FIELD_THEMES: gettext("Themes"),
        review.FIELD_CAMPAIGN: gettext("Campaign group"),
        review.FIELD_ENTERED: gettext("Entered by staff (channel)"),
        confirmation.FIELD_CONFIRMED: gettext("Email confirmed"),
        confirmation.FIELD_LINK_SENT: gettext("Email confirmation link sent"),
        "licence_status": gettext("Licence status"),
    }.get(name, name)
