"""The form that invites a colleague to help draft a response."""

from __future__ import annotations

from typing import Any

from crispy_forms.helper import FormHelper
from crispy_forms.layout import Field, Layout
from django import forms
from django.utils.translation import gettext_lazy as _


class InviteForm(forms.Form):
    email = forms.EmailField(
        label=_("Your colleague's email address"),
        max_length=254,
        help_text=_("We will email them a private link to this draft."),
        error_messages={
            "required": _("Enter your colleague's email address."),
            "invalid": _("Enter an email address in the correct format, like name@example.com."),
        },
        widget=forms.EmailInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
    )
    can_submit = forms.BooleanField(
        label=_("They may submit the response"),
        required=False,
        help_text=_("Otherwise only you can submit it. Colleagues can always change answers."),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.helper = FormHelper()
        self.helper.form_tag = False
        self.helper.disable_csrf = True
        self.helper.layout = Layout(Field("email", css_class="chk-width-30"), "can_submit")
