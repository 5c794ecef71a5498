"""``{% crispy_shared form %}``: ``{% crispy form %}``, with a blank form's markup rendered once.

A form nobody has filled in yet renders the same for every respondent in a language, and
crispy-forms' templates cost milliseconds per form. A form class that sets
``blank_markup_is_shared = True`` (its fields and layout never depend on the request) has its
blank markup kept per process, language and field naming. A bound form or one with initial
values is rendered each time, as ``{% crispy %}`` would.
"""

from __future__ import annotations

from crispy_forms.templatetags.crispy_forms_tags import CrispyFormNode
from django import forms, template
from django.template import Context
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import get_language

register = template.Library()

_BLANK: dict[tuple[type[forms.BaseForm], str, str | None, str | bool], SafeString] = {}


def _is_blank_and_shared(form: forms.BaseForm) -> bool:
    return getattr(form, "blank_markup_is_shared", False) and not form.is_bound and not form.initial


@register.simple_tag(takes_context=True)
def crispy_shared(context: Context, form: forms.BaseForm) -> SafeString:
    key = (type(form), get_language(), form.prefix, form.auto_id)
    if _is_blank_and_shared(form) and key in _BLANK:
        return _BLANK[key]
    with context.push(form=form):
        html = mark_safe(CrispyFormNode("form", None).render(context))  # noqa: S308 - crispy's escaped output
    if _is_blank_and_shared(form):
        _BLANK[key] = html
    return html
