"""The licence number on "About you": one format rule per register, a specific error for each."""

import pytest
from django.core.exceptions import ValidationError

from surveys.journey.forms import AboutYouForm
from surveys.licensing.numbers import licence_number_normalised

ABOUT = {
    "respondent_type": "organisation",
    "organisation_name": "Harbour Digital Ltd",
    "category": "online_platform",
    "contact_name": "Chan Tai Man",
    "email": "chan@example.com",
    "consent": "response_only",
    "privacy_acknowledged": "on",
}


@pytest.mark.parametrize(
    ("register", "typed", "stored"),
    [
        ("sfc", "ABC123", "ABC123"),
        ("sfc", " abc123 ", "ABC123"),  # case-insensitive, stored upper-case
        ("sfc", "ABC 123", "ABC123"),
        ("sfc", "ＡＢＣ１２３", "ABC123"),  # full-width, as a Chinese input method types it
        ("customs", "16-03-01869", "16-03-01869"),
        ("customs", "vaotc0001", "VAOTC0001"),
    ],
)
def test_a_well_formed_number_is_stored_normalised(register, typed, stored):
    assert licence_number_normalised(register=register, number=typed) == stored


@pytest.mark.parametrize(
    ("register", "typed", "words"),
    [
        ("sfc", "AB1234", "three letters followed by three digits"),
        ("sfc", "ABCD123", "three letters followed by three digits"),
        ("sfc", "ABC12", "three letters followed by three digits"),
        ("sfc", "ABC-123", "three letters followed by three digits"),
        ("customs", "123", "4 to 20 letters and digits"),
        ("customs", "16--03", "4 to 20 letters and digits"),
        ("customs", "-1603", "4 to 20 letters and digits"),
        ("customs", "1" * 21, "4 to 20 letters and digits"),
        ("customs", "16/03/01869", "4 to 20 letters and digits"),
        ("hkma", "ABC123", "Choose which register"),
    ],
)
def test_a_malformed_number_is_refused_with_the_format_expected(register, typed, words):
    with pytest.raises(ValidationError) as refused:
        licence_number_normalised(register=register, number=typed)
    assert words in refused.value.messages[0]


def test_about_you_stores_the_number_upper_case():
    form = AboutYouForm({**ABOUT, "licence_register": "sfc", "licence_number": "abc123"})
    assert form.is_valid(), form.errors
    assert form.respondent()["licence_register"] == "sfc"
    assert form.respondent()["licence_number"] == "ABC123"


def test_a_number_without_its_register_is_refused():
    form = AboutYouForm({**ABOUT, "licence_number": "ABC123"})
    assert not form.is_valid()
    assert form.errors["licence_register"] == ["Choose which register your licence number is in."]


def test_about_you_without_a_number_is_valid_and_stores_none():
    form = AboutYouForm(ABOUT)
    assert form.is_valid(), form.errors
    assert form.respondent()["licence_register"] == ""
    assert form.respondent()["licence_number"] == ""


@pytest.mark.parametrize(
    ("data", "field", "words"),
    [
        ({"licence_register": "sfc", "licence_number": "12ABC3"}, "licence_number", "ABC123"),
        ({"licence_register": "sfc", "licence_number": ""}, "licence_number", "No licence"),
        ({"licence_register": "customs", "licence_number": "1?"}, "licence_number", "4 to 20"),
        ({"licence_register": "hkma", "licence_number": "ABC123"}, "licence_register", "valid"),
        ({"licence_register": "sfc", "licence_number": "A" * 41}, "licence_number", "40"),
    ],
)
def test_about_you_licence_errors_name_the_field(data, field, words):
    form = AboutYouForm({**ABOUT, **data})
    assert not form.is_valid()
    assert list(form.errors) == [field]
    assert words in form.errors[field][0]
