"""``{% section_fields form %}``: a section's questions (see ``surveys.question_markup``)."""

from django import template
from django.utils.safestring import SafeString

from surveys.forms import SectionForm
from surveys.question_markup import section_fields_html

register = template.Library()


@register.simple_tag
def section_fields(form: SectionForm) -> SafeString:
    return section_fields_html(form)
