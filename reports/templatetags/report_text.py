"""Template helpers for the report's own prose, in either language.

``{% sentences %}...{% endsentences %}`` joins the sentences of a paragraph as its language
writes them: the template puts a space between sentences (and between a sentence and the next
one's template variable), which English wants and Chinese does not: after "。" or "）" a Chinese
reader sees the space as a gap. Only the report's own wording goes inside: never a respondent's
text, which is shown as typed.
"""

from __future__ import annotations

import re

from django import template
from django.template.base import NodeList, Parser, Token
from django.template.context import Context
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import get_language

register = template.Library()

# Whitespace after full-width punctuation (CJK symbols and punctuation, full-width forms).
_AFTER_CJK_PUNCTUATION = re.compile(r"(?<=[\u3000-\u303f\uff01-\uff60])\s+")


def sentences_joined(text: str, language: str | None) -> str:
    """``text`` with the spaces after Chinese punctuation removed when ``language`` is Chinese."""
    if not (language or "").lower().startswith("zh"):
        return text
    return _AFTER_CJK_PUNCTUATION.sub("", text)


class SentencesNode(template.Node):
    def __init__(self, nodelist: NodeList) -> None:
        self.nodelist = nodelist

    def render(self, context: Context) -> SafeString:
        # The content is rendered (and escaped) by the template first; removing whitespace
        # cannot make markup of it.
        return mark_safe(sentences_joined(self.nodelist.render(context), get_language()))  # noqa: S308


@register.tag
def sentences(parser: Parser, token: Token) -> SentencesNode:
    nodelist = parser.parse(("endsentences",))
    parser.delete_first_token()
    return SentencesNode(nodelist)
