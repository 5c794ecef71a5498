"""The respondent's forms: "About you", one form per section built from its Question rows, uploads.

Forms only validate; the views pass ``cleaned`` values to ``surveys.journey.services``. Conditional
questions on the same page are always rendered (so the form works without JavaScript) inside a
wrapper that ``surveys/static/surveys/journey.js`` shows and hides; ``SectionForm.answers()``
keeps only the answers whose condition holds, so the server alone decides.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping
from typing import Any, cast
from weakref import WeakKeyDictionary

from crispy_forms.helper import FormHelper
from crispy_forms.layout import HTML, Div, Field, Layout
from django import forms
from django.utils.formats import number_format
from django.utils.html import format_html, format_html_join
from django.utils.safestring import mark_safe
from django.utils.translation import gettext_lazy as _

from surveys.journey import attachments
from surveys.journey.structure import (
    FormStructure,
    Journey,
    exclusive_mixed,
    question_is_shown,
)
from surveys.licensing.numbers import licence_number_normalised
from surveys.models import (
    Choice,
    Consent,
    LicenceRegister,
    Question,
    QuestionKind,
    RespondentCategory,
    RespondentType,
)

LINE_BREAK = mark_safe("<br>")  # noqa: S308 - a constant tag, no data in it
# Far inside PostgreSQL's bigint, so that no number a respondent types can overflow the column.
NUMBER_LIMIT = 10**15


class HoneypotMixin(forms.Form):
    """A field people never see or fill in; a bot that fills it in is refused."""

    website = forms.CharField(
        label=_("Leave this field empty"),
        required=False,
        widget=forms.TextInput(attrs={"tabindex": "-1", "autocomplete": "off"}),
    )

    def honeypot_filled(self) -> bool:
        return bool(self.data.get(self.add_prefix("website")))


def honeypot_layout() -> Div:
    return Div("website", css_class="chk-hp", aria_hidden="true")


def _helper(*layout: Any) -> FormHelper:
    helper = FormHelper()
    helper.form_tag = False
    helper.disable_csrf = True
    helper.layout = Layout(*layout)
    return helper


class AboutYouForm(HoneypotMixin):
    """Step 1: who is responding, how to reach them, what may be published, the PICS."""

    respondent_type = forms.ChoiceField(
        label=_("Are you responding as an individual or on behalf of an organisation?"),
        choices=RespondentType.choices,
        widget=forms.RadioSelect,
        error_messages={
            "required": _(
                "Select whether you are responding as an individual or for an organisation."
            )
        },
    )
    organisation_name = forms.CharField(
        label=_("Name of the organisation"),
        max_length=300,
        required=False,
    )
    category = forms.ChoiceField(
        label=_("Which of these best describes you or your organisation?"),
        choices=[("", _("Choose a category"))] + RespondentCategory.choices,
        error_messages={"required": _("Choose the category that best describes you.")},
    )
    category_other = forms.CharField(
        label=_("Describe your category"), max_length=200, required=False
    )
    licence_register = forms.ChoiceField(
        label=_("Which register is your licence number in? (optional)"),
        choices=[("", _("No licence number"))] + LicenceRegister.choices,
        required=False,
        help_text=_(
            "A firm licensed by, or applying to, the SFC or the Customs and Excise Department "
            "may give its number: we check it against the regulator's public register."
        ),
    )
    licence_number = forms.CharField(
        label=_("Licence number"),
        max_length=40,
        required=False,
        widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
    )
    contact_name = forms.CharField(
        label=_("Your full name"),
        max_length=200,
        error_messages={"required": _("Enter your full name.")},
        widget=forms.TextInput(attrs={"autocomplete": "name"}),
    )
    email = forms.EmailField(
        label=_("Email address"),
        max_length=254,
        help_text=_("We send your private link to continue your response, and your receipt, here."),
        error_messages={
            "required": _("Enter your email address."),
            "invalid": _("Enter an email address in the correct format, like name@example.com."),
        },
        widget=forms.EmailInput(attrs={"autocomplete": "email", "spellcheck": "false"}),
    )
    consent = forms.ChoiceField(
        label=_("May we publish your response?"),
        choices=Consent.choices,
        widget=forms.RadioSelect,
        help_text=_("We may publish responses with the consultation conclusions."),
        error_messages={"required": _("Select whether we may publish your response.")},
    )
    privacy_acknowledged = forms.BooleanField(
        label=_("I have read the personal information collection statement above."),
        error_messages={
            "required": _(
                "Confirm that you have read the personal information collection statement."
            )
        },
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.helper = _helper(
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
            "licence_register",
            Field("licence_number", css_class="chk-width-10"),
            Field("contact_name", css_class="chk-width-30"),
            Field("email", css_class="chk-width-30"),
            "consent",
            HTML('{% include "surveys/respond/_privacy_statement.html" %}'),
            "privacy_acknowledged",
            honeypot_layout(),
        )

    def clean(self) -> dict[str, Any]:
        cleaned = cast("dict[str, Any]", super().clean())  # Django's returns cleaned_data
        if (
            cleaned.get("respondent_type") == RespondentType.ORGANISATION
            and not cleaned.get("organisation_name", "").strip()
        ):
            self.add_error("organisation_name", _("Enter the name of your organisation."))
        if (
            cleaned.get("category") == RespondentCategory.OTHER
            and not cleaned.get("category_other", "").strip()
        ):
            self.add_error("category_other", _("Describe your category."))
        self._clean_licence(cleaned)
        return cleaned

    def _clean_licence(self, cleaned: dict[str, Any]) -> None:
        register = cleaned.get("licence_register", "")
        number = cleaned.get("licence_number", "").strip()
        if not register:
            if number:
                self.add_error(
                    "licence_register", _("Choose which register your licence number is in.")
                )
            cleaned["licence_number"] = ""
            return
        if not number:
            self.add_error(
                "licence_number", _("Enter your licence number, or choose “No licence number”.")
            )
            return
        try:
            cleaned["licence_number"] = licence_number_normalised(register=register, number=number)
        except forms.ValidationError as error:
            self.add_error("licence_number", error)

    def respondent(self) -> dict[str, Any]:
        return {
            name: self.cleaned_data.get(name, "")
            for name in (
                "respondent_type",
                "organisation_name",
                "category",
                "category_other",
                "licence_register",
                "licence_number",
                "contact_name",
                "email",
                "consent",
                "privacy_acknowledged",
            )
        }


class WholeNumberField(forms.IntegerField):
    """A number typed the way people type money: "1,000,000" or "1 000 000" are fine."""

    def to_python(self, value: Any) -> int | None:
        if isinstance(value, str):
            value = value.replace(",", "").replace(" ", "").replace("\u00a0", "")
        return super().to_python(value)


def field_name(question: Question) -> str:
    return f"q_{question.code}"


# Per form structure (one per consultation form_version): each question's field in each
# language, built once; every form gets deep copies of them (as Django gives each form copies of
# its class's fields), never the fields themselves. Building a field costs about 0.1 ms, a copy a
# quarter of that: bench/README.md, "Restructure".
_FIELDS: WeakKeyDictionary[FormStructure, dict[tuple[int, str], forms.Field]] = WeakKeyDictionary()


class SectionForm(forms.Form):
    """The questions of one section, each as a field named ``q_<code>``."""

    def __init__(
        self,
        *args: Any,
        journey: Journey,
        questions: list[Question],
        prior_answers: Mapping[str, Any],
        language: str,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.journey = journey
        self.prior_answers = prior_answers
        self.language = language
        here = {q.pk for q in questions}
        # A question whose condition lies on an earlier page is decided now, from saved answers.
        self.questions = [
            q
            for q in questions
            if not q.is_conditional
            or self._parent_here(q, here)
            or question_is_shown(q, prior_answers, journey)
        ]
        # question pk -> (field, value): shown only when that field on this page has that value.
        self.conditions: dict[int, tuple[str, str]] = {}
        built = _FIELDS.setdefault(journey.structure, {})
        for question in self.questions:
            key = (question.pk, language)
            if key not in built:
                built[key] = self._field(question)
            # A copy of its own, as a form class's declared fields are copied for each form.
            self.fields[field_name(question)] = copy.deepcopy(built[key])
            if question.is_conditional and self._parent_here(question, here):
                parent = journey.by_id[question.condition_question_id]
                self.conditions[question.pk] = (
                    field_name(parent),
                    # A condition names a choice too (the question_condition_complete constraint).
                    cast(Choice, question.condition_choice).value,
                )

    def _parent_here(self, question: Question, here: set[int]) -> bool:
        """Whether ``question``'s condition (or its parent's) is asked on this same page."""
        parent = self.journey.by_id.get(question.condition_question_id)
        while parent is not None:
            if parent.pk in here:
                return True
            parent = self.journey.by_id.get(parent.condition_question_id)
        return False

    def _field(self, question: Question) -> forms.Field:
        language = self.language
        label = f"{question.code}. {question.localized('text', language)}"
        help_text = question.localized("help", language)
        hints: list[str] = [help_text] if help_text else []
        if question.is_conditional:
            parent = self.journey.by_id[question.condition_question_id]
            hints.append(
                _("Answer this if you chose “%(choice)s” in %(question)s.")
                % {
                    "choice": cast(Choice, question.condition_choice).localized("label", language),
                    "question": parent.code,
                }
            )
        # Required only where the question is shown; conditional ones are checked in clean().
        required = question.required and not question.is_conditional
        kind = question.kind
        if question.is_closed:
            choices = [(c.value, c.localized("label", language)) for c in question.choices.all()]
            if kind == QuestionKind.MULTIPLE:
                # The choices ticked alone ("None of these"): the page's script unticks the
                # others as one is ticked; ``clean`` refuses the mix without the script.
                alone = " ".join(c.value for c in question.choices.all() if c.exclusive)
                field: forms.Field = forms.MultipleChoiceField(
                    choices=choices,
                    widget=forms.CheckboxSelectMultiple(
                        attrs={"data-exclusive": alone} if alone else None
                    ),
                    error_messages={
                        "required": _("Select at least one option."),
                        "invalid_choice": _("Select only options from the list."),
                    },
                )
            else:
                field = forms.ChoiceField(
                    choices=choices,
                    widget=forms.RadioSelect,
                    error_messages={
                        "required": _("Select an answer."),
                        "invalid_choice": _("Select one of the options shown."),
                    },
                )
        elif kind == QuestionKind.NUMBER:
            low = question.min_value if question.min_value is not None else -NUMBER_LIMIT
            high = question.max_value if question.max_value is not None else NUMBER_LIMIT
            field = WholeNumberField(
                min_value=low,
                max_value=high,
                widget=forms.TextInput(attrs={"inputmode": "numeric", "class": "chk-width-10"}),
                error_messages={
                    "required": _("Enter a number."),
                    "invalid": _("Enter a whole number, like 25 or 1,000,000."),
                    "min_value": _("Enter a number of at least %(limit_value)s."),
                    "max_value": _("Enter a number no bigger than %(limit_value)s."),
                },
            )
            if question.min_value is not None or question.max_value is not None:
                hints.append(
                    _("Enter a whole number from %(low)s to %(high)s.")
                    % {
                        "low": number_format(low, force_grouping=True),
                        "high": number_format(high, force_grouping=True),
                    }
                )
        else:
            field = forms.CharField(
                max_length=question.max_length,
                widget=forms.Textarea(attrs={"rows": 6}),
                error_messages={
                    "required": _("Enter your answer."),
                    "max_length": _(
                        "Your answer must be %(limit_value)s characters or fewer "
                        "(it has %(show_value)s)."
                    ),
                },
            )
            # No maxlength attribute: the browser would cut pasted text silently; we say so.
            field.widget.attrs.pop("maxlength", None)
            field.widget.attrs["data-max-chars"] = str(question.max_length)
            hints.append(
                format_html(
                    '<span class="chk-count" data-count-for="id_{}" data-template-left="{}"'
                    ' data-template-over="{}">{}</span>',
                    field_name(question),
                    _("You have %(n)s characters remaining."),
                    _("You have %(n)s characters too many."),
                    _("You can enter up to %(n)s characters.")
                    % {"n": number_format(question.max_length, force_grouping=True)},
                )
            )
        field.required = required
        field.label = label
        # Markup: each hint escaped (the character count's is markup already), one per line.
        field.help_text = format_html_join(LINE_BREAK, "{}", ((hint,) for hint in hints))
        return field

    def clean(self) -> dict[str, Any]:
        cleaned = cast("dict[str, Any]", super().clean())  # Django's returns cleaned_data
        answers = self._merged(cleaned)
        for question in self.questions:
            name = field_name(question)
            alone = exclusive_mixed(question, cleaned.get(name))
            if alone is not None:
                self.add_error(
                    name,
                    _("“%(choice)s” cannot be chosen together with other answers.")
                    % {"choice": alone.localized("label", self.language)},
                )
                continue
            if question.is_conditional and not question_is_shown(question, answers, self.journey):
                # Hidden by an answer on this page: whatever it holds (even what its field would
                # refuse) is ignored and never stored, so it cannot block the page.
                self.errors.pop(name, None)
                cleaned.pop(name, None)
                continue
            if (
                question.required
                and question.is_conditional
                and name not in self.errors
                and cleaned.get(name) in (None, "", [])
            ):
                self.add_error(name, _("Answer this question."))
        return cleaned

    def _merged(self, cleaned: Mapping[str, Any]) -> dict[str, Any]:
        answers = dict(self.prior_answers)
        for question in self.questions:
            answers.pop(question.code, None)
            value = cleaned.get(field_name(question))
            if value not in (None, "", []):
                answers[question.code] = value
        return answers

    def answers(self) -> dict[str, Any]:
        """The valid answers to this page's questions that apply (hidden ones are dropped)."""
        merged = self._merged(self.cleaned_data)
        return {
            q.code: merged[q.code]
            for q in self.questions
            if q.code in merged and question_is_shown(q, merged, self.journey)
        }


def section_initial(questions: list[Question], answers: Mapping[str, Any]) -> dict[str, Any]:
    return {field_name(q): answers[q.code] for q in questions if q.code in answers}


class AttachmentForm(forms.Form):
    file = forms.FileField(
        label=_("Add a position paper"),
        help_text=_("A PDF or Word (DOCX) document of up to 10 MB. You can attach up to 3 files."),
        widget=forms.ClearableFileInput(
            attrs={"accept": ".pdf,.docx,application/pdf," + attachments.DOCX}
        ),
        # Not required for the page (the paper is optional), only for the upload button.
        required=False,
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.helper = _helper("file")

    def clean_file(self) -> Any:
        upload = self.cleaned_data.get("file")
        if not upload:
            raise forms.ValidationError(_("Select a file to upload."), code="required")
        try:
            self.checked = attachments.check(upload, name=upload.name, size=upload.size)
        except attachments.AttachmentRejected as exc:
            raise forms.ValidationError(exc.message, code=exc.code) from exc
        return upload


class ResumeRequestForm(HoneypotMixin):
    email = forms.EmailField(
        label=_("Email address"),
        help_text=_("The address you gave in the “About you” step."),
        error_messages={
            "required": _("Enter your email address."),
            "invalid": _("Enter an email address in the correct format, like name@example.com."),
        },
        widget=forms.EmailInput(attrs={"autocomplete": "email", "spellcheck": "false"}),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.helper = _helper(Field("email", css_class="chk-width-30"), honeypot_layout())


class SubmitForm(HoneypotMixin):
    """The submit button on the review page; carries only the honeypot."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.helper = _helper(honeypot_layout())
