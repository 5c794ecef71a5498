"""The staff entry's own forms: the first step is the respondent's "About you" form (the same
fields and checks) with how and when the response was received and its original; the questions
are the respondent's own section forms (``surveys.journey.forms.SectionForm``).

Two differences from the respondent's form, both because a letter is not a web form: an email
address is required only for a response received by email (a posted letter may give none), and
the privacy box records that the statement was given with the consultation paper.
"""

from __future__ import annotations

import datetime as dt
from typing import Any, cast

from crispy_forms.helper import FormHelper
from crispy_forms.layout import HTML, Div, Field, Layout
from django import forms
from django.conf import settings
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from surveys.intake.services import ENTRY_CHANNELS, GENERAL_COMMENTS_MAX
from surveys.journey import attachments
from surveys.journey.forms import AboutYouForm
from surveys.models import Channel, RespondentCategory, RespondentType

# No consultation on this platform predates it; far older dates are typing mistakes (and year 1
# would not fit a UTC timestamp).
EARLIEST_YEAR = 2000


def _helper(*layout: Any) -> FormHelper:
    helper = FormHelper()
    helper.form_tag = False
    helper.disable_csrf = True
    helper.layout = Layout(*layout)
    return helper


class EntryDetailsForm(AboutYouForm):
    """Step 1 of a staff entry: the channel, when it was received, the original, and the
    respondent's details as the respondent's own first page asks them."""

    channel = forms.ChoiceField(
        label=_("How was the response received?"),
        choices=[(c.value, c.label) for c in ENTRY_CHANNELS],
        widget=forms.RadioSelect,
        error_messages={
            "required": _("Choose how the response was received: email, post or fax."),
            "invalid_choice": _("Choose how the response was received: email, post or fax."),
        },
    )
    received_date = forms.DateField(
        label=_("Date received"),
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        error_messages={
            "required": _("Enter the date the response was received."),
            "invalid": _("Enter the date received as a real date, like 2026-03-31."),
        },
    )
    received_time = forms.TimeField(
        label=_("Time received (Hong Kong time)"),
        required=False,
        help_text=_("If you do not know the time, leave it blank: the start of the day is used."),
        widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
        error_messages={"invalid": _("Enter the time received like 14:30.")},
    )
    language = forms.ChoiceField(
        label=_("Language of the response"),
        choices=settings.LANGUAGES,
        widget=forms.RadioSelect,
        initial="en",
        error_messages={"required": _("Choose the language the response is written in.")},
    )
    original = forms.FileField(
        label=_("Original letter, email or scan"),
        help_text=_(
            "A PDF, Word (DOCX), email saved as EML, or scan (JPEG, PNG or TIFF) of up to 10 MB."
        ),
        required=False,
        widget=forms.ClearableFileInput(
            attrs={"accept": ".pdf,.docx,.eml,.jpg,.jpeg,.png,.tif,.tiff"}
        ),
    )

    def __init__(self, *args: Any, needs_original: bool = True, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.needs_original = needs_original
        self.checked: attachments.CheckedFile | None = None
        email = self.fields["email"]
        email.required = False
        email.help_text = _("Required for a response received by email; optional otherwise.")
        self.fields["contact_name"].label = _("Full name of the respondent or contact person")
        self.fields["privacy_acknowledged"].label = _(
            "The respondent was given the personal information collection statement above "
            "(it is printed in the consultation paper)."
        )
        self.fields["privacy_acknowledged"].error_messages["required"] = _(
            "Confirm that the respondent was given the personal information collection statement."
        )
        if not needs_original:
            self.fields["original"].label = _("Add another original (optional)")
        self.helper = _helper(
            "channel",
            Div(
                Field("received_date", css_class="chk-width-10"),
                Field("received_time", css_class="chk-width-10"),
                css_class="entry-when",
            ),
            "language",
            "original",
            HTML(format_html("<h2>{}</h2>", _("About the respondent"))),
            "respondent_type",
            Div(
                "organisation_name",
                css_class="chk-conditional",
                data_condition_field="respondent_type",
                data_condition_value=RespondentType.ORGANISATION,
            ),
            "category",
            Div(
                "category_other",
                css_class="chk-conditional",
                data_condition_field="category",
                data_condition_value=RespondentCategory.OTHER,
            ),
            Field("contact_name", css_class="chk-width-30"),
            Field("email", css_class="chk-width-30"),
            "consent",
            HTML('{% include "surveys/respond/_privacy_statement.html" %}'),
            "privacy_acknowledged",
        )

    def clean_original(self) -> Any:
        upload = self.cleaned_data.get("original")
        if not upload:
            if self.needs_original:
                raise forms.ValidationError(
                    _("Upload the original letter, email or scan of the response."),
                    code="required",
                )
            return None
        try:
            self.checked = attachments.check(
                upload, name=upload.name, size=upload.size, accept=attachments.ORIGINAL_TYPES
            )
        except attachments.AttachmentRejected as exc:
            raise forms.ValidationError(exc.message, code=exc.code) from exc
        return upload

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        if cleaned.get("channel") == Channel.EMAIL and not cleaned.get("email"):
            self.add_error("email", _("A response received by email needs the sender's address."))
        received_at = self.received_at()
        if received_at is not None and received_at.year < EARLIEST_YEAR:
            self.add_error("received_date", _("Enter a date received in 2000 or later."))
        elif received_at is not None and received_at > timezone.now():
            # The service refuses it too; said here with the page's other errors.
            self.add_error("received_date", _("The date received cannot be in the future."))
        return cleaned

    def received_at(self) -> dt.datetime | None:
        """When the response was received, as an aware datetime in Hong Kong time."""
        day = self.cleaned_data.get("received_date")
        if day is None:
            return None
        moment = dt.datetime.combine(day, self.cleaned_data.get("received_time") or dt.time())
        return timezone.make_aware(moment)

    @staticmethod
    def initial_from(submission: Any) -> dict[str, Any]:
        received = timezone.localtime(submission.received_at) if submission.received_at else None
        return {
            "channel": submission.channel,
            "received_date": received.date() if received else None,
            "received_time": received.time().replace(second=0, microsecond=0) if received else None,
            "language": submission.language,
            **{
                name: getattr(submission, name)
                for name in (
                    "respondent_type",
                    "organisation_name",
                    "category",
                    "category_other",
                    "contact_name",
                    "email",
                    "consent",
                    "privacy_acknowledged",
                )
            },
        }


class GeneralCommentsForm(forms.Form):
    text = forms.CharField(
        label=_("General comments"),
        required=False,
        max_length=GENERAL_COMMENTS_MAX,
        help_text=_(
            "Paragraphs of the letter or email that answer none of the questions. They are kept "
            "with the response, shown to reviewers and included in exports."
        ),
        widget=forms.Textarea(attrs={"rows": 12}),
        error_messages={
            "max_length": _("The general comments must be 100,000 characters or fewer.")
        },
    )

    def clean_text(self) -> str:
        return cast(str, self.cleaned_data.get("text", "")).strip()
