"""Quotes from the responses in the conclusions text, each kept linked to its response.

An editor inserts a quote from the workbench as the answer's text in quotation marks followed by
a marker ``[[quote:REFERENCE]]``. The marker stays in the saved text, so the link to the response
travels with every version of the draft (no second table to keep in step with the text), and the
checks read it on every save and on publishing: a marker of a response that is not counted, or
whose respondent asked for confidentiality, is refused. The published PDF and JSON show the
marker as its attribution, no more than the consent allows: the name with ``name_and_response``
consent, the respondent's category otherwise.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping

from django.utils import translation
from django.utils.translation import gettext

from reports.conclusions.selectors import TEXT_FIELDS, ConclusionsError, QuestionText
from surveys.models import Consent, Consultation, RespondentCategory, Submission
from surveys.names import public_name

MARKER = re.compile(r"\[\[quote:([A-Za-z0-9_-]{1,40})\]\]")
# A quote is a sentence or two, not the whole answer: 300 characters keep a paragraph readable.
QUOTE_MAX = 300


def quote_text(text: str) -> str:
    """The answer as a quote: whitespace collapsed, cut at a word near ``QUOTE_MAX``."""
    flat = " ".join(text.split())
    if len(flat) > QUOTE_MAX:
        cut = flat[:QUOTE_MAX]
        space = cut.rfind(" ")
        flat = (cut[:space] if space > QUOTE_MAX // 2 else cut).rstrip(" ,;:") + "…"
    return f"“{flat}”"


def quote_references(texts: Iterable[str]) -> set[str]:
    """The response references the markers of ``texts`` point to."""
    return {match.group(1) for text in texts for match in MARKER.finditer(text)}


def quotes_check(*, consultation: Consultation, texts: Iterable[QuestionText]) -> None:
    """Refuse markers of responses that may not be quoted: unknown to this consultation, not
    counted, or confidential. The message names them."""
    references = quote_references(value for text in texts for value in _values(text))
    if not references:
        return
    quotable = set(
        Submission.objects.filter(consultation=consultation, reference__in=references)
        .counted()
        .exclude(consent=Consent.CONFIDENTIAL)
        .values_list("reference", flat=True)
    )
    refused = sorted(references - quotable)
    if refused:
        raise ConclusionsError(
            gettext(
                "These responses may not be quoted (confidential, not counted or not in this "
                "consultation); remove their quotes: %(references)s"
            )
            % {"references": ", ".join(refused)}
        )


def texts_published(
    *, consultation: Consultation, texts: Mapping[int, QuestionText]
) -> dict[int, QuestionText]:
    """The texts with each marker shown as its attribution, in the language of each field."""
    references = quote_references(value for text in texts.values() for value in _values(text))
    rows = (
        Submission.objects.filter(consultation=consultation, reference__in=references)
        .counted()
        .exclude(consent=Consent.CONFIDENTIAL)
        .values_list(
            "reference",
            "consent",
            "respondent_type",
            "organisation_name",
            "contact_name",
            "personal_data_erased_at",
            "category",
        )
    )
    found = {
        reference: (
            public_name(
                consent=consent,
                respondent_type=kind,
                organisation_name=organisation,
                contact_name=contact,
                personal_data_erased_at=erased,
            ),
            category,
        )
        for reference, consent, kind, organisation, contact, erased, category in rows
    }
    published = {}
    for pk, text in texts.items():
        values = {}
        for name in TEXT_FIELDS:
            with translation.override("zh-hant" if name.endswith("_zh") else "en"):
                values[name] = _rendered(getattr(text, name), found)
        published[pk] = QuestionText(**values)
    return published


def _rendered(text: str, found: Mapping[str, tuple[str | None, str]]) -> str:
    categories = dict(RespondentCategory.choices)

    def attribution(match: re.Match[str]) -> str:
        name, category = found.get(match.group(1), (None, ""))
        if name:
            return gettext("(%(name)s)") % {"name": name}
        if category:
            return gettext("(a respondent: %(category)s)") % {
                "category": categories.get(category, category)
            }
        return ""

    return MARKER.sub(attribution, text)


def _values(text: QuestionText) -> tuple[str, ...]:
    return tuple(getattr(text, name) for name in TEXT_FIELDS)
