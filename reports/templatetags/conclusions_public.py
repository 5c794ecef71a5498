"""``{% conclusions_block consultation %}``: the conclusions on a consultation's public page.

Renders nothing unless the consultation's conclusions are published (and not withdrawn).
"""

from __future__ import annotations

from typing import Any

from django import template

from reports.conclusions.public import publication_for_consultation
from surveys.models import Consultation

register = template.Library()


@register.inclusion_tag("reports/conclusions/_consultation_block.html", takes_context=True)
def conclusions_block(context: template.Context, consultation: Consultation) -> dict[str, Any]:
    return {
        "request": context.get("request"),
        "consultation": consultation,
        "publication": publication_for_consultation(consultation=consultation),
    }
