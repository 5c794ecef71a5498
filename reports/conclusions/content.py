"""What the conclusions say: the text, the respondents appendix and the public figures, for the
conclusions edition of the PDF and the public ``summary.json``."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, cast

from django.utils.translation import gettext, ngettext

from reports.conclusions.selectors import QuestionText
from reports.models import ConclusionsDraft
from reports.render import labels
from reports.summary.types import Summary
from surveys.models import Consent, Consultation, Submission


@dataclass(frozen=True)
class AppendixRow:
    """A counted respondent as the appendix may show it: no more than its consent allows."""

    name: str | None  # only with consent to publication of the name
    consent: str
    # The campaign's label, only for a group a reviewer confirmed as a campaign: a group merely
    # detected is a suggestion, and its members are listed like any other respondent.
    campaign: str | None
    is_late: bool


def respondents_appendix_rows(
    *, consultation: Consultation, as_of: dt.datetime
) -> list[AppendixRow]:
    """The respondents counted as of ``as_of``, with a name only where they agreed to it."""
    rows = (
        Submission.objects.filter(consultation=consultation, submitted_at__lte=as_of)
        .counted()
        .with_public_name()
        .order_by("pk")
        .values_list(
            "public_name",
            "consent",
            "campaign_group__label",
            "campaign_group__confirmed",
            "is_late",
        )
    )
    return [
        AppendixRow(
            name=name,
            consent=consent,
            campaign=campaign if confirmed else None,
            is_late=bool(is_late),
        )
        for name, consent, campaign, confirmed, is_late in rows
    ]


def conclusions_content(
    *,
    draft: ConclusionsDraft,
    texts: Mapping[str, QuestionText],
    summary: Summary,
    appendix: list[AppendixRow],
    language: str,
) -> dict[str, Any]:
    """The conclusions edition's text in ``language``, for ``reports.render.pdf``.

    Call it inside ``translation.override(language)``. ``texts`` is keyed by question code.
    """
    chinese = labels.is_chinese(language)
    questions = {
        code: {
            "views": text.views_summary_zh if chinese else text.views_summary_en,
            "response": text.response_zh if chinese else text.response_en,
        }
        for code, text in texts.items()
    }
    return {
        "intro": draft.localized("intro", language),
        "version": draft.version,
        "questions": questions,
        "appendix": _appendix(appendix, summary),
    }


def _appendix(rows: list[AppendixRow], summary: Summary) -> dict[str, Any]:
    listed = [row for row in rows if row.consent != Consent.CONFIDENTIAL and row.campaign is None]
    named = sorted(
        (row for row in listed if row.name), key=lambda row: cast(str, row.name).casefold()
    )
    withheld = [row for row in listed if not row.name]
    confidential = sum(1 for row in rows if row.consent == Consent.CONFIDENTIAL)
    # Every member counts in its campaign's size, confidential ones too (a size names nobody),
    # so that the sizes add up to the submissions the text says formed part of campaigns.
    campaigns: dict[str, int] = {}
    for row in rows:
        if row.campaign is not None:
            campaigns[row.campaign] = campaigns.get(row.campaign, 0) + 1
    late = sum(1 for row in rows if row.is_late)
    withheld_label = gettext("Name withheld at request")
    late_mark = gettext("late")
    entries = [{"name": row.name, "late": row.is_late, "withheld": False} for row in named] + [
        {"name": withheld_label, "late": row.is_late, "withheld": True} for row in withheld
    ]
    return {
        "entries": entries,
        "late_mark": late_mark,
        "count_text": labels.count_text(len(rows)),
        "named": labels.count_text(len(named)),
        "withheld": labels.count_text(len(withheld)),
        "confidential": confidential,
        "confidential_text": ngettext(
            "%(n)s submission was made in confidence. It is counted in the figures of this "
            "paper but is not listed or reproduced.",
            "%(n)s submissions were made in confidence. They are counted in the figures of this "
            "paper but are not listed or reproduced.",
            confidential,
        )
        % {"n": labels.count_text(confidential)},
        "late_text": ngettext(
            "%(n)s submission was received after the closing date. It was accepted, is counted "
            "and is marked “%(mark)s” in the list.",
            "%(n)s submissions were received after the closing date. They were accepted, are "
            "counted and are marked “%(mark)s” in the list.",
            late,
        )
        % {"n": labels.count_text(late), "mark": late_mark},
        "late": late,
        "campaigns": [
            {
                "label": label,
                "text": ngettext(
                    "Campaign %(label)s: %(n)s submission of a standard or near-identical text",
                    "Campaign %(label)s: %(n)s submissions of a standard or near-identical text",
                    n,
                )
                % {"label": label, "n": labels.count_text(n)},
            }
            for label, n in sorted(campaigns.items(), key=lambda item: (-item[1], item[0]))
        ],
        "campaign_text": ngettext(
            "%(n)s submission formed part of a campaign of standard or near-identical texts. "
            "Campaigns are counted as groups: each is listed once, with its number of "
            "submissions, and every submission in it is counted in the figures.",
            "%(n)s submissions formed part of campaigns of standard or near-identical texts. "
            "Campaigns are counted as groups: each is listed once, with its number of "
            "submissions, and every submission in them is counted in the figures.",
            summary.respondents.in_confirmed_campaigns,
        )
        % {"n": labels.count_text(summary.respondents.in_confirmed_campaigns)},
    }


def public_figures(
    *,
    figures: Mapping[str, Any],
    draft: ConclusionsDraft,
    texts: Mapping[int, QuestionText],
    codes: Mapping[str, int],
) -> dict[str, Any]:
    """The public ``summary.json``: the frozen report's figures, the conclusions text, and
    nothing personal: the report's quotes (which may name respondents), the terms and phrases
    counted over all answers (those not for publication too: only the ``public_`` ones, counted
    over answers that may be published, stay) and the reviewers' reasons for exclusions are
    left out."""
    data: dict[str, Any] = json.loads(json.dumps(figures))
    snapshot = data.get("snapshot")
    if isinstance(snapshot, dict):
        snapshot.pop("excluded_other_reasons", None)
    for question in data.get("questions", []):
        free_text = question.get("free_text")
        if isinstance(free_text, dict):
            for staff_only in ("quotes", "terms", "phrases", "terms_counted_over", "terms_sampled"):
                free_text.pop(staff_only, None)
        text = texts.get(codes.get(question.get("code"), -1), QuestionText())
        question["conclusions"] = {
            "views_summary": {"en": text.views_summary_en, "zh-hant": text.views_summary_zh},
            "response": {"en": text.response_en, "zh-hant": text.response_zh},
        }
    data["conclusions"] = {
        "version": draft.version,
        "introduction": {"en": draft.intro_en, "zh-hant": draft.intro_zh},
    }
    return data
