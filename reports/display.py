"""How a report's job state reads to staff: times in HKT and the one-line snapshot summary.

Used by the staff pages and the admin, in the reader's active language.
"""

from __future__ import annotations

import datetime as dt

from django.utils import formats, timezone, translation
from django.utils.translation import gettext, ngettext

from reports.models import Report, ReportStatus

# What each exclusion reason reads as, with the count; unknown reasons fall back to their key.
_EXCLUDED_PHRASES = {
    "withdrawn": lambda n: ngettext("%(n)s withdrawn", "%(n)s withdrawn", n),
    "duplicate": lambda n: ngettext(
        "%(n)s excluded as a duplicate", "%(n)s excluded as duplicates", n
    ),
    "spam": lambda n: ngettext("%(n)s excluded as spam", "%(n)s excluded as spam", n),
    "out_of_scope": lambda n: ngettext(
        "%(n)s excluded as out of scope", "%(n)s excluded as out of scope", n
    ),
    "other": lambda n: ngettext(
        "%(n)s excluded for another reason", "%(n)s excluded for other reasons", n
    ),
    "unconfirmed": lambda n: ngettext(
        "%(n)s awaiting email confirmation", "%(n)s awaiting email confirmation", n
    ),
    "after_cutoff": lambda n: ngettext(
        "%(n)s received after the cut-off", "%(n)s received after the cut-off", n
    ),
}


def hkt(value: dt.datetime | None) -> str:
    """``24 Nov 2026 18:00 HKT`` in English, ``2026年11月24日 18:00 HKT`` in Chinese."""
    if value is None:
        return ""
    local = timezone.localtime(value)
    language = translation.get_language() or "en"
    pattern = "DATETIME_FORMAT" if language.lower().startswith("zh") else "j M Y H:i"
    return f"{formats.date_format(local, pattern)} HKT"


def number(n: int) -> str:
    return formats.number_format(n, force_grouping=True)


def excluded_phrase(reason: str, n: int) -> str:
    phrase = _EXCLUDED_PHRASES.get(reason)
    if phrase is None:
        return gettext("%(n)s left out (%(reason)s)") % {
            "n": number(n),
            "reason": reason.replace("_", " "),
        }
    return phrase(n) % {"n": number(n)}


def snapshot_line(report: Report) -> str:
    """The line under a report: "Counted 1,234 submissions as of 24 Nov 2026 18:00 HKT; ..."

    Empty until the report has counted something.
    """
    if report.snapshot_count is None or report.snapshot_as_of is None:
        return ""
    parts = [
        ngettext(
            "Counted %(n)s submission as of %(when)s",
            "Counted %(n)s submissions as of %(when)s",
            report.snapshot_count,
        )
        % {"n": number(report.snapshot_count), "when": hkt(report.snapshot_as_of)}
    ]
    left_out = [
        excluded_phrase(reason, n)
        for reason, n in sorted((report.snapshot_excluded or {}).items())
        if n
    ]
    if left_out:
        parts.append(gettext("left out: %(list)s") % {"list": ", ".join(left_out)})
    else:
        parts.append(gettext("none left out"))
    if report.snapshot_sha256:
        parts.append(f"SHA-256 {report.snapshot_sha256[:12]}…")
    return "; ".join(parts)


def job_reason(report: Report) -> str:
    """Why a report failed or was queued again, in the reader's language; when the watchdog
    acted, with the last time its worker was heard from (its last heartbeat)."""
    if not report.error:
        return ""
    reason = gettext(report.error)
    if report.heartbeat_at is not None and report.status != ReportStatus.SUCCEEDED:
        reason += " " + gettext("Last heartbeat from its worker: %(time)s.") % {
            "time": hkt(report.heartbeat_at)
        }
    return reason
