"""``{% section_fields form %}``: a section's questions (``surveys.journey.question_markup``)."""

from django import template
from django.utils.safestring import SafeString

from surveys.journey.forms import SectionForm
from surveys.journey.question_markup import section_fields_html

register = template.Library()


@register.simple_tag
def section_fields(form: SectionForm) -> SafeString:
    return section_fields_html(form)
