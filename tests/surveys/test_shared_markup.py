"""``{% crispy_shared %}`` renders what ``{% crispy %}`` renders, reusing only blank forms."""

import pytest
from django.template import Context, Template
from django.utils import translation

from surveys.forms import AboutYouForm, SubmitForm

CRISPY = Template("{% load crispy_forms_tags %}{% crispy form %}")
SHARED = Template("{% load shared_markup %}{% crispy_shared form %}")


def render(template, form):
    return template.render(Context({"form": form}))


@pytest.mark.parametrize("form_class", [AboutYouForm, SubmitForm])
@pytest.mark.parametrize("language", ["en", "zh-hant"])
def test_a_blank_form_renders_as_crispy_renders_it(form_class, language):
    with translation.override(language):
        expected = render(CRISPY, form_class())
        assert render(SHARED, form_class()) == expected
        # The second time comes from the kept markup, and is the same.
        assert render(SHARED, form_class()) == expected


def test_each_language_keeps_its_own_markup():
    with translation.override("en"):
        english = render(SHARED, AboutYouForm())
    with translation.override("zh-hant"):
        chinese = render(SHARED, AboutYouForm())
    assert "Your full name" in english
    assert "Your full name" not in chinese


def test_a_filled_or_invalid_form_is_rendered_each_time():
    with translation.override("en"):
        render(SHARED, AboutYouForm())  # the blank markup is kept
        initial = {"contact_name": "Chan Tai Man", "email": "chan@example.com"}
        filled = render(SHARED, AboutYouForm(initial=initial))
        assert "Chan Tai Man" in filled
        assert filled == render(CRISPY, AboutYouForm(initial=initial))
        invalid = AboutYouForm({"email": "not an address"})
        assert not invalid.is_valid()
        shown = render(SHARED, invalid)
        assert "not an address" in shown
        assert "Enter your full name." in shown
        assert shown == render(CRISPY, invalid)
