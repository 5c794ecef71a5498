"""Template tags for a response's answers, written by ``surveys.answer_markup``.

``{% answers_page sections change_links=True %}`` on the review and "your response" pages;
``{% answers_email_html sections %}`` and ``{% answers_email_text sections %}`` in the receipt.
"""

from __future__ import annotations

from django import template
from django.template import Context
from django.urls import reverse
from django.utils.safestring import SafeString

from surveys import answer_markup
from surveys.services import ShownSection
from surveys.templatetags.bilingual import page_language

register = template.Library()


@register.simple_tag(takes_context=True)
def answers_page(
    context: Context, sections: list[ShownSection], change_links: bool = False
) -> SafeString:
    change_url = None
    if change_links:
        slug = context["consultation"].slug

        def change_url(number: int) -> str:
            return reverse("surveys:step", args=[slug, number])

    return answer_markup.answers_page_html(
        sections, language=page_language(context), change_url=change_url
    )


@register.simple_tag(takes_context=True)
def answers_email_html(context: Context, sections: list[ShownSection]) -> SafeString:
    return answer_markup.answers_email_html(sections, language=page_language(context))


@register.simple_tag(takes_context=True)
def answers_email_text(context: Context, sections: list[ShownSection]) -> str:
    return answer_markup.answers_email_text(sections, language=page_language(context))
