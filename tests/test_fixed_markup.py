"""``{% fixed %}``: markup the same for every visitor in a language, rendered once per process."""

import pytest
from django.template import Context, Engine, TemplateSyntaxError
from django.test import override_settings
from django.utils import translation

from consultation import fixed_markup

ENGINE = Engine(libraries={"fixed_markup": "consultation.fixed_markup"})


@pytest.fixture(autouse=True)
def _nothing_kept():
    fixed_markup._RENDERED.clear()
    yield
    fixed_markup._RENDERED.clear()


def _template(name: str = "greeting"):
    return ENGINE.from_string(
        "{% load fixed_markup %}[{% fixed '" + name + "' %}{{ word }}{% endfixed %}] {{ word }}"
    )


@override_settings(DEBUG=False)
def test_a_fixed_block_is_rendered_once_per_language_and_the_rest_every_time():
    template = _template()
    with translation.override("en"):
        assert template.render(Context({"word": "one"})) == "[one] one"
        # Kept: the block shows what it first rendered; the rest of the page is rendered anew.
        assert template.render(Context({"word": "two"})) == "[one] two"
    with translation.override("zh-hant"):
        assert template.render(Context({"word": "三"})) == "[三] 三"
    with translation.override("en"):
        assert template.render(Context({"word": "four"})) == "[one] four"


@override_settings(DEBUG=False)
def test_blocks_of_different_names_are_kept_apart():
    with translation.override("en"):
        assert _template("a").render(Context({"word": "one"})) == "[one] one"
        assert _template("b").render(Context({"word": "two"})) == "[two] two"


@override_settings(DEBUG=True)
def test_nothing_is_kept_while_debugging_so_edited_templates_show_at_once():
    template = _template()
    with translation.override("en"):
        assert template.render(Context({"word": "one"})) == "[one] one"
        assert template.render(Context({"word": "two"})) == "[two] two"


def test_a_block_needs_one_quoted_name_and_holds_no_template_block():
    for bad in (
        "{% fixed %}x{% endfixed %}",
        "{% fixed name %}x{% endfixed %}",
        # A page could not fill a block kept from the first page that showed it.
        "{% fixed 'a' %}{% block title %}{% endblock %}{% endfixed %}",
    ):
        with pytest.raises(TemplateSyntaxError):
            ENGINE.from_string("{% load fixed_markup %}" + bad)


@override_settings(DEBUG=False)
@pytest.mark.django_db
def test_each_language_gets_its_own_header_and_switch(client):
    english = client.get("/", headers={"accept-language": "en"}).content.decode()
    chinese = client.get("/", headers={"accept-language": "zh-hant"}).content.decode()
    english_again = client.get("/", headers={"accept-language": "en"}).content.decode()
    assert 'lang="en-HK"' in english and 'value="zh-hant"' in english
    assert 'lang="zh-Hant-HK"' in chinese and 'value="en"' in chinese
    assert "香港時間" in chinese
    assert english_again.count('lang="en-HK"') == 1
    # The form token is outside the fixed markup: a fresh one on every page.
    assert 'name="csrfmiddlewaretoken"' in english and 'name="csrfmiddlewaretoken"' in chinese
