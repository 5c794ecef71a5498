"""The HTML of a section's questions, written with ``format_html`` instead of crispy-forms.

A section page is the page respondents load most. Rendering it through crispy-forms' template
per field and Django's template per radio button cost about 5 ms of CPU a page, most of the
page's cost; these few functions build the same Bootstrap 5 markup (ids, labels, fieldsets,
``aria-describedby``, error messages) in well under a millisecond. The other forms, seen once per
response, stay with crispy-forms.

Everything is built by ``format_html`` and ``format_html_join``, which escape every value from
the database or the respondent; the form's help texts are markup already (``SectionForm``).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, cast
from weakref import WeakKeyDictionary

from django import forms
from django.utils.html import conditional_escape, format_html, format_html_join
from django.utils.safestring import SafeString, mark_safe

from surveys.journey.structure import FormStructure

if TYPE_CHECKING:
    from surveys.journey.forms import SectionForm

CHECKED = mark_safe(" checked")  # noqa: S308 - a constant attribute, no data in it


def section_fields_html(form: SectionForm) -> SafeString:
    """Every question of ``form`` in order, conditional ones inside their show/hide wrapper."""
    parts = []
    for question in form.questions:
        html = field_html(form[f"q_{question.code}"])
        condition = form.conditions.get(question.pk)
        if condition is not None:
            html = format_html(
                '<div class="chk-conditional" data-condition-field="{}" '
                'data-condition-value="{}">{}</div>',
                condition[0],
                condition[1],
                html,
            )
        parts.append(html)
    return format_html_join("\n", "{}", ((part,) for part in parts))


# A question's markup before anything is chosen, typed or wrong is the same for every
# respondent of a form structure (one per consultation form_version) and language: it is kept per
# structure, by language and field name. About half of a section page's CPU otherwise.
_BLANK: WeakKeyDictionary[FormStructure, dict[tuple[str | None, str, str], SafeString]] = (
    WeakKeyDictionary()
)


def field_html(field: forms.BoundField) -> SafeString:
    """One question: a fieldset of options, a text box or a number box, with help and errors."""
    form = cast("SectionForm", field.form)
    if field.errors or field.value() not in (None, "", [], ()):
        return _field_html(field)
    blank = _BLANK.setdefault(form.journey.structure, {})
    key = (form.language, field.html_name, str(field.auto_id))
    if key not in blank:
        blank[key] = _field_html(field)
    return blank[key]


def _field_html(field: forms.BoundField) -> SafeString:
    widget = field.field.widget
    if isinstance(widget, (forms.RadioSelect, forms.CheckboxSelectMultiple)):
        return _options_html(field, multiple=isinstance(widget, forms.CheckboxSelectMultiple))
    return _text_html(field, area=isinstance(widget, forms.Textarea))


def _described_by(field: forms.BoundField) -> str:
    ids = []
    if field.help_text:
        ids.append(f"{field.auto_id}_helptext")
    if field.errors:
        ids.append(f"{field.auto_id}_error")
    return " ".join(ids)


def _label_text(field: forms.BoundField) -> SafeString:
    if field.field.required:
        return format_html('{}<span class="asteriskField">*</span>', field.label)
    return conditional_escape(field.label)


def _help_and_errors(field: forms.BoundField) -> SafeString:
    errors = help_text = SafeString()
    if field.errors:
        messages = format_html_join(
            "",
            '<p id="error_{}_{}"><strong>{}</strong></p>',
            ((number, field.auto_id, error) for number, error in enumerate(field.errors, start=1)),
        )
        errors = format_html(
            '<div id="{}_error" class="invalid-feedback">{}</div>', field.auto_id, messages
        )
    if field.help_text:
        # Markup already: SectionForm escapes each part of it.
        help_text = format_html(
            '<div id="{}_helptext" class="form-text">{}</div>', field.auto_id, field.help_text
        )
    return format_html("{}{}", errors, help_text)


def _selected(field: forms.BoundField) -> set[str]:
    value = field.value()
    if value is None or value == "":
        return set()
    if isinstance(value, (list, tuple)):
        return {str(v) for v in value}
    return {str(value)}


def _options_html(field: forms.BoundField, *, multiple: bool) -> SafeString:
    selected = _selected(field)
    invalid = bool(field.errors)
    # Like Django: a radio group may be required; a checkbox group never is (one box is enough).
    # The same on every option: built once.
    extra = _attributes(
        {
            "required": field.field.required and not multiple,
            "aria-invalid": "true" if invalid else None,
            # The options ticked alone, for the page's script (``SectionForm``).
            "data-exclusive": field.field.widget.attrs.get("data-exclusive"),
        }
    )
    # A choice field: Django reads its choices back as (value, label) pairs (the stubs give the
    # type of what may be set).
    choice_field = cast(forms.ChoiceField, field.field)
    choices = cast("Iterable[tuple[object, object]]", choice_field.choices)
    options = format_html_join(
        "",
        '<div class="form-check"><input type="{}" class="{}" name="{}" value="{}" id="{}_{}"{}{}> '
        '<label for="{}_{}" class="form-check-label">{}</label></div>',
        (
            (
                "checkbox" if multiple else "radio",
                "form-check-input is-invalid" if invalid else "form-check-input",
                field.html_name,
                value,
                field.auto_id,
                index,
                CHECKED if str(value) in selected else "",
                extra,
                field.auto_id,
                index,
                label,
            )
            for index, (value, label) in enumerate(choices)
        ),
    )
    return format_html(
        '<div id="div_{}" class="mb-3"><fieldset{}>'
        '<legend class="form-label{} fs-6">{}</legend>'
        "<div>{}</div>{}</fieldset></div>",
        field.auto_id,
        _attributes({"aria-describedby": _described_by(field) or None}),
        " requiredField" if field.field.required else "",
        _label_text(field),
        options,
        _help_and_errors(field),
    )


def _text_html(field: forms.BoundField, *, area: bool) -> SafeString:
    invalid = bool(field.errors)
    attrs: dict[str, object] = dict(field.field.widget.attrs)
    attrs["class"] = " ".join(
        part
        for part in (
            str(attrs.pop("class", "")),
            "textarea" if area else "textinput",
            "form-control",
            "is-invalid" if invalid else "",
        )
        if part
    )
    attrs["aria-describedby"] = _described_by(field) or None
    attrs["required"] = bool(field.field.required)
    attrs["aria-invalid"] = "true" if invalid else None
    value = field.value()
    value = "" if value is None else str(value)
    if area:
        attrs.setdefault("cols", "40")
        box = format_html(
            '<textarea name="{}"{} id="{}">\n{}</textarea>',
            field.html_name,
            _attributes(attrs),
            field.auto_id,
            value,
        )
    else:
        box = format_html(
            '<input type="text" name="{}"{}{} id="{}">',
            field.html_name,
            _attributes({"value": value or None}),
            _attributes(attrs),
            field.auto_id,
        )
    return format_html(
        '<div id="div_{}" class="mb-3"><label for="{}" class="form-label{}">{}</label>{}{}</div>',
        field.auto_id,
        field.auto_id,
        " requiredField" if field.field.required else "",
        _label_text(field),
        box,
        _help_and_errors(field),
    )


def _attributes(attrs: Mapping[str, object]) -> SafeString:
    """HTML attributes in the order given (Django's ``flatatt`` sorts them): ``True`` as a bare
    name, ``None`` and ``False`` left out, every value escaped."""
    return format_html_join(
        "",
        "{}",
        (
            (format_html(" {}", name) if value is True else format_html(' {}="{}"', name, value),)
            for name, value in attrs.items()
            if value is not None and value is not False
        ),
    )
