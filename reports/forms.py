"""The staff form that requests a new summary report."""

from django import forms
from django.utils.translation import gettext_lazy as _

from reports.models import ReportLanguage


class ReportRequestForm(forms.Form):
    language = forms.ChoiceField(
        label=_("Edition"),
        choices=ReportLanguage.choices,
        initial=ReportLanguage.EN,
        help_text=_("The language of the PDF; the figures are the same in both."),
    )
