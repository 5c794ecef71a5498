"""The columns of an import file and how a cell's text becomes a stored value.

Choices are matched by their stable value code or by either language's label, ignoring case and
spaces, so a sheet typed in English or Chinese imports the same.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.utils import translation
from django.utils.translation import gettext_lazy as _

from surveys.choices import Channel, Consent, RespondentCategory, RespondentType
from surveys.models import LicenceRegister, Question, QuestionKind

ROW_KEY = "row_key"
# The respondent's columns, in template order; then one column per question code.
RESPONDENT_COLUMNS = (
    ROW_KEY,
    "respondent_type",
    "category",
    "category_other",
    "organisation_name",
    "contact_name",
    "email",
    "consent",
    "language",
    "channel",
    "received_at",
    "licence_register",
    "licence_number",
)
# A row whose key starts with this is a note (the template's second row), not a response.
NOTE_MARK = "#"
# Several choices of a multiple-choice answer in one cell; the full-width form is accepted too.
SEPARATOR = ";"
SEPARATORS = (";", "；")
IMPORT_CHANNELS = (Channel.EMAIL, Channel.POST, Channel.FAX, Channel.IMPORT)
LANGUAGES = {
    "en": "en",
    "english": "en",
    "英文": "en",
    "zh-hant": "zh-hant",
    "zh": "zh-hant",
    "chinese": "zh-hant",
    "中文": "zh-hant",
    "繁體中文": "zh-hant",
}
MAX_KEY_LENGTH = 100


def normalise(text: str) -> str:
    """Case and spaces do not matter when a label is matched."""
    return "".join(text.split()).casefold()


def label_lookup(pairs: Iterable[tuple[str, object]]) -> dict[str, str]:
    """value -> value, English label -> value and Chinese label -> value, normalised."""
    lookup: dict[str, str] = {}
    for value, label in pairs:
        lookup[normalise(value)] = value
        with translation.override("en"):
            lookup.setdefault(normalise(str(label)), value)
        with translation.override("zh-hant"):
            lookup.setdefault(normalise(str(label)), value)
    return lookup


def respondent_lookups() -> dict[str, dict[str, str]]:
    """The label lookups of the respondent's choice columns."""
    return {
        "respondent_type": label_lookup(RespondentType.choices),
        "category": label_lookup(RespondentCategory.choices),
        "consent": label_lookup(Consent.choices),
        "channel": label_lookup((c.value, c.label) for c in IMPORT_CHANNELS),
    }


def question_lookup(question: Question) -> dict[str, str]:
    lookup: dict[str, str] = {}
    for choice in question.choices.all():
        lookup[normalise(choice.value)] = choice.value
        lookup.setdefault(normalise(choice.label_en), choice.value)
        lookup.setdefault(normalise(choice.label_zh), choice.value)
    return lookup


def column_note(question: Question) -> str:
    """What a question's column accepts, for the template's notes row (in the active language)."""
    if question.kind == QuestionKind.MULTIPLE:
        codes = " | ".join(c.value for c in question.choices.all())
        return str(_("One or more of: %(codes)s, separated by ;")) % {"codes": codes}
    if question.is_closed:
        codes = " | ".join(c.value for c in question.choices.all())
        return str(_("One of: %(codes)s")) % {"codes": codes}
    if question.kind == QuestionKind.NUMBER:
        low = "" if question.min_value is None else question.min_value
        high = "" if question.max_value is None else question.max_value
        return str(_("A whole number (from %(low)s to %(high)s)")) % {"low": low, "high": high}
    return str(_("Text of up to %(n)s characters")) % {"n": question.max_length}


def respondent_notes() -> dict[str, str]:
    """What each respondent column accepts, for the template's notes row."""

    def codes(pairs: Iterable[tuple[str, object]]) -> str:
        return " | ".join(value for value, _label in pairs)

    return {
        ROW_KEY: NOTE_MARK
        + " "
        + str(
            _(
                "A key of your own for each row, unique in the file (e.g. the letter's file "
                "number). Rows whose key starts with # are notes and are not imported."
            )
        ),
        "respondent_type": codes(RespondentType.choices),
        "category": codes(RespondentCategory.choices),
        "category_other": str(_("When the category is other")),
        "organisation_name": str(_("When responding for an organisation")),
        "contact_name": str(_("Required")),
        "email": str(_("Required")),
        "consent": codes(Consent.choices),
        "language": "en | zh-hant",
        "channel": str(_("%(codes)s (default: import)"))
        % {"codes": " | ".join(str(c.value) for c in IMPORT_CHANNELS)},
        "received_at": str(_("YYYY-MM-DD or YYYY-MM-DD HH:MM, Hong Kong time")),
        "licence_register": codes(LicenceRegister.choices) + " " + str(_("(optional)")),
        "licence_number": str(_("With the register: e.g. ABC123 for an SFC CE number")),
    }
