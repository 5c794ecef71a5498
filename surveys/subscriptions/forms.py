"""The subscribe form: an email address, which consultation (none: all), and the honeypot."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from surveys.journey.forms import HoneypotMixin
from surveys.models import Consultation


class SubscribeForm(HoneypotMixin):
    email = forms.EmailField(
        label=_("Your email address"),
        max_length=254,
        error_messages={
            "required": _("Enter your email address."),
            "invalid": _("Enter an email address in the correct format, like name@example.com."),
            "max_length": _("Enter an email address of at most 254 characters."),
        },
        widget=forms.EmailInput(attrs={"autocomplete": "email", "spellcheck": "false"}),
    )
    # The consultation's slug; empty for every consultation.
    consultation = forms.CharField(required=False, max_length=80, widget=forms.HiddenInput)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["website"].widget.attrs["aria-hidden"] = "true"

    def clean_consultation(self) -> Consultation | None:
        slug = self.cleaned_data.get("consultation") or ""
        if not slug:
            return None
        consultation = Consultation.objects.published().filter(slug=slug).first()
        if consultation is None:
            raise forms.ValidationError(
                _("This consultation cannot be followed. Go back to the list of consultations.")
            )
        return consultation
