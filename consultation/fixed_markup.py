"""``{% fixed "name" %}...{% endfixed %}``: markup rendered once per process and language.

Every page repeats the same header, stylesheet links and footer. Rendered each time, their
``{% static %}``, ``{% url %}`` and ``{% translate %}`` tags cost about a tenth of a millisecond
a page, on pages that cost one or two. A block marked ``fixed`` is rendered the first time a
process shows it in a language and its markup is reused from then on.

Only markup that is the same for every request in a language may go inside: no form token, no
path, nothing of the visitor's. The names must be unique within a template. With ``DEBUG`` on
nothing is kept, so that an edited template shows at once.
"""

from __future__ import annotations

from django import template
from django.conf import settings
from django.template import Context
from django.template.base import NodeList, Parser, Token
from django.template.loader_tags import BlockNode
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import get_language

register = template.Library()

_RENDERED: dict[tuple[str, str, str | None], SafeString] = {}


class FixedNode(template.Node):
    # Not searched for {% block %} tags (a block inside would be frozen with the rest): every
    # page that extends the base template walks it for them.
    child_nodelists = ()

    def __init__(self, name: str, nodelist: NodeList) -> None:
        self.name = name
        self.nodelist = nodelist

    def render(self, context: Context) -> SafeString:
        origin = self.origin.name if self.origin is not None else ""
        key = (origin, self.name, get_language())
        html = _RENDERED.get(key)
        if html is None:
            html = mark_safe(self.nodelist.render(context))  # noqa: S308 - rendered by the template engine
            if not settings.DEBUG:
                _RENDERED[key] = html
        return html


@register.tag("fixed")
def fixed(parser: Parser, token: Token) -> FixedNode:
    bits = token.split_contents()
    if len(bits) != 2 or bits[1][0] not in "\"'" or bits[1][0] != bits[1][-1]:
        raise template.TemplateSyntaxError('Usage: {% fixed "name" %}...{% endfixed %}')
    nodelist = parser.parse(("endfixed",))
    parser.delete_first_token()
    if nodelist.get_nodes_by_type(BlockNode):
        raise template.TemplateSyntaxError("{% fixed %} cannot hold a {% block %}")
    return FixedNode(bits[1][1:-1], nodelist)
