"""What a respondent is called, and who may see it: the one rule, in Python and in SQL.

* A respondent's **name** is their organisation's name when they answer for an organisation and
  gave one, otherwise their own name (either may be blank).
* Their **public name**, the only one a publication (a report's quotes, the conclusions'
  appendix, the published responses) may show, is that name when they chose "publish my name and
  my response" and their personal data has not been erased since; otherwise there is none.
* Staff without the right to see personal data see an organisation's name (not personal data)
  and "withheld" for a person.

Names are compared without the spaces around them, in Python and in SQL alike: a name of spaces
is no name. The SQL expressions (for querysets that read many rows) and the functions (for a row
already in memory) give the same answer; a test holds them to it.
"""

from __future__ import annotations

import datetime as dt

from django.db.models import Case, CharField, F, Q, Value, When
from django.db.models.functions import Length, Trim
from django.db.models.lookups import GreaterThan
from django.utils.translation import gettext

from surveys.choices import Consent, RespondentType

# SQL's TRIM takes off spaces only; so does this, so that both agree on every stored name.
_SPACE = " "


def respondent_name(*, respondent_type: str, organisation_name: str, contact_name: str) -> str:
    """The organisation's name for an organisation that gave one, else the person's ("" if
    neither)."""
    organisation = organisation_name.strip(_SPACE)
    if respondent_type == RespondentType.ORGANISATION and organisation:
        return organisation
    return contact_name.strip(_SPACE)


def public_name(
    *,
    consent: str,
    respondent_type: str,
    organisation_name: str,
    contact_name: str,
    personal_data_erased_at: dt.datetime | None,
) -> str | None:
    """The name a publication may show, or None."""
    if consent != Consent.NAME_AND_RESPONSE or personal_data_erased_at is not None:
        return None
    return (
        respondent_name(
            respondent_type=respondent_type,
            organisation_name=organisation_name,
            contact_name=contact_name,
        )
        or None
    )


def _given(field: str) -> GreaterThan:
    return GreaterThan(Length(Trim(field)), 0)


def respondent_name_expression() -> Case:
    """``respondent_name`` in SQL; NULL when there is no name."""
    return Case(
        When(
            Q(respondent_type=RespondentType.ORGANISATION) & Q(_given("organisation_name")),
            then=Trim("organisation_name"),
        ),
        When(_given("contact_name"), then=Trim("contact_name")),
        default=Value(None),
        output_field=CharField(),
    )


def public_name_expression() -> Case:
    """``public_name`` in SQL: a name leaves the database only when its respondent agreed."""
    return Case(
        When(
            Q(consent=Consent.NAME_AND_RESPONSE) & Q(personal_data_erased_at__isnull=True),
            then=respondent_name_expression(),
        ),
        default=Value(None),
        output_field=CharField(),
    )


def staff_label_expression(*, personal: bool) -> Case:
    """How a submission is named in staff lists: an organisation's name; a person's name only
    for staff who may see personal data ("withheld" otherwise); "—" when no name was given."""
    person = F("contact_name") if personal else Value(gettext("withheld"))
    return Case(
        When(
            Q(respondent_type=RespondentType.ORGANISATION) & Q(_given("organisation_name")),
            then=Trim("organisation_name"),
        ),
        When(~Q(_given("organisation_name")) & ~Q(_given("contact_name")), then=Value("—")),
        default=person,
        output_field=CharField(),
    )


def organisation_name_shown(*, respondent_type: str, personal: bool) -> bool:
    """Whether staff without the right to see personal data see the organisation name given:
    an organisation's is public; an individual's (a workplace) is personal data."""
    return personal or respondent_type == RespondentType.ORGANISATION
