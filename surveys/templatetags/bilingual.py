"""Template helpers for bilingual content fields."""

from django import template
from django.utils.html import linebreaks

register = template.Library()


@register.simple_tag(takes_context=True)
def tr(context: template.Context, obj: object, name: str) -> str:
    """The ``name`` field of ``obj`` in the page's language: ``{% tr consultation "title" %}``."""
    request = context.get("request")
    language = getattr(request, "LANGUAGE_CODE", None)
    return obj.localized(name, language)  # type: ignore[attr-defined]


@register.filter
def paragraphs(text: str) -> str:
    """Plain text with blank-line paragraphs as escaped HTML paragraphs."""
    return linebreaks(text, autoescape=True)
