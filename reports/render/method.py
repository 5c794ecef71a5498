"""The wording of a report's method note ("About this summary") and of what it says was left
out, generated from the summary so that every claim follows the data it describes: which
questions were required, which groups are campaigns, which answers the terms were counted in.

Shared by the PDF's editions: ``public`` is the conclusions edition, which never shows a
reviewer's note and counts terms only over answers that may be published.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.utils.translation import gettext, ngettext

from reports.render import labels
from reports.summary.types import Summary


@dataclass
class Row:
    """A table row: a label and its cells; ``total`` rows are set in bold, ``sub`` rows (a
    detail of the row above) indented."""

    label: str
    cells: list[Any]
    total: bool = False
    sub: bool = False


def excluded_rows(summary: Summary, *, public: bool) -> list[Row]:
    """The submissions left out by reason; in a staff edition, the reasons reviewers gave for
    "another reason" below it (a reviewer's note is never published)."""
    rows = []
    for reason, n in summary.snapshot.excluded.items():
        rows.append(Row(labels.exclusion_label(reason), [labels.count_text(n)]))
        if reason == "other" and not public:
            rows += [
                Row(
                    gettext("Reason given: “%(reason)s”") % {"reason": note}
                    if note
                    else gettext("No reason recorded"),
                    [labels.count_text(count)],
                    sub=True,
                )
                for note, count in summary.snapshot.excluded_other_reasons.items()
            ]
    return rows


def required_text(summary: Summary) -> str:
    """Which questions the form required an answer to, from the questions' own flags."""
    questions = summary.meta.questions
    required = [q.code for q in questions if q.required]
    if not required:
        text = gettext("No question required an answer.")
    elif len(required) == len(questions):
        text = gettext("Every question required an answer.")
    else:
        text = ngettext(
            "Question %(codes)s required an answer; the others were optional.",
            "Questions %(codes)s required an answer; the others were optional.",
            len(required),
        ) % {"codes": labels.list_text(required)}
    if any(q.condition is not None for q in questions):
        if any(q.required and q.condition is not None for q in questions):
            text += " " + gettext(
                "A conditional question was shown only to respondents whose earlier answer "
                "called for it, and required an answer only from them."
            )
        else:
            text += " " + gettext(
                "A conditional question was shown only to respondents whose earlier answer "
                "called for it."
            )
    return text


def method_texts(summary: Summary, language: str, *, public: bool) -> dict[str, Any]:
    respondents = summary.respondents
    confidential = respondents.by_consent.get("confidential", 0)
    return {
        "required_text": required_text(summary),
        "terms_text": (
            gettext(
                "In this edition they are counted only over the answers of respondents who "
                "agreed to the publication of their response."
            )
            if public
            else gettext(
                "In this staff edition they are counted over all answers, including those of "
                "respondents who asked for their response to be kept confidential or did not "
                "agree to its publication; the public edition counts them only over answers that "
                "may be published."
            )
        ),
        "late": respondents.late,
        "late_text": ngettext(
            "%(n)s late submission was accepted and is counted.",
            "%(n)s late submissions were accepted and are counted.",
            respondents.late,
        )
        % {"n": labels.count_text(respondents.late)},
        "confidential_text": ngettext(
            "%(n)s respondent asked for their response to be kept confidential: it is counted "
            "in every table, but never quoted or named.",
            "%(n)s respondents asked for their responses to be kept confidential: they are "
            "counted in every table, but never quoted or named.",
            confidential,
        )
        % {"n": labels.count_text(confidential)},
        "campaign_text": ngettext(
            "%(n)s submission belongs to a campaign of standard or near-identical texts "
            "confirmed by a reviewer.",
            "%(n)s submissions belong to campaigns of standard or near-identical texts "
            "confirmed by a reviewer.",
            respondents.in_confirmed_campaigns,
        )
        % {"n": labels.count_text(respondents.in_confirmed_campaigns)},
        "unconfirmed_text": unconfirmed_text(summary),
        "suggested_text": (
            ngettext(
                "%(n)s further submission is in a group of similar texts detected automatically "
                "but not confirmed by a reviewer: a suggested campaign only, not counted as one.",
                "%(n)s further submissions are in groups of similar texts detected "
                "automatically but not confirmed by a reviewer: suggested campaigns only, not "
                "counted as campaigns.",
                respondents.in_suggested_groups,
            )
            % {"n": labels.count_text(respondents.in_suggested_groups)}
            if respondents.in_suggested_groups
            else ""
        ),
    }


def unconfirmed_text(summary: Summary) -> str:
    """The responses left out because the consultation counts a web response only once its
    email is confirmed; empty when there are none."""
    n = summary.snapshot.excluded.get("unconfirmed", 0)
    if not n:
        return ""
    return ngettext(
        "%(n)s response awaiting email confirmation is not counted: this consultation counts a "
        "response sent through the web form only once its respondent has confirmed their email "
        "address.",
        "%(n)s responses awaiting email confirmation are not counted: this consultation counts a "
        "response sent through the web form only once its respondent has confirmed their email "
        "address.",
        n,
    ) % {"n": labels.count_text(n)}


def terms_note(counted_over: int, *, sampled: bool, public: bool) -> str:
    """Which answers a question's terms and phrases were counted in."""
    n = {"n": labels.count_text(counted_over)}
    if public and sampled:
        return (
            gettext(
                "Counted in a sample of %(n)s answers that may be published, outside campaigns and "
                "suggested campaigns, chosen evenly over the consultation period."
            )
            % n
        )
    if public:
        return (
            gettext(
                "Counted in the %(n)s answers that may be published, outside campaigns and "
                "suggested campaigns."
            )
            % n
        )
    if sampled:
        return (
            gettext(
                "Counted in a sample of %(n)s answers outside campaigns and suggested campaigns, "
                "chosen evenly over the consultation period, including answers not for publication."
            )
            % n
        )
    return (
        gettext(
            "Counted in the %(n)s answers outside campaigns and suggested campaigns, including "
            "answers not for publication."
        )
        % n
    )
