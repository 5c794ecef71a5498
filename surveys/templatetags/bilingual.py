"""Template helpers for bilingual content fields."""

from typing import Protocol

from django import template
from django.utils.translation import get_language, gettext

register = template.Library()


class Localized(Protocol):
    """A model with bilingual fields (``surveys.models.Bilingual``)."""

    def localized(self, name: str, language: str | None = None) -> str: ...


def page_language(context: template.Context) -> str:
    """The language of the page being rendered: the request's, or the active one (an email)."""
    request = context.get("request")
    return getattr(request, "LANGUAGE_CODE", None) or get_language() or "en"


@register.simple_tag(takes_context=True)
def tr(context: template.Context, obj: Localized, name: str) -> str:
    """The ``name`` field of ``obj`` in the page's language: ``{% tr consultation "title" %}``."""
    return obj.localized(name, page_language(context))


@register.filter
def your_answer_to(code: str) -> str:
    """The hidden words after a "Change" link: "your answer to Q4", in the active language."""
    return gettext("your answer to %(code)s") % {"code": code}
