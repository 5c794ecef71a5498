"""The HTML of a section's questions, written directly instead of through crispy-forms.

A section page is the page respondents load most. Rendering it through crispy-forms' template
per field and Django's template per radio button cost about 5 ms of CPU a page, most of the
page's cost; these few functions build the same Bootstrap 5 markup (ids, labels, fieldsets,
``aria-describedby``, error messages) in well under a millisecond. The other forms, seen once per
response, stay with crispy-forms.

Every text from the database or the respondent is escaped here; the form's help texts are already
escaped HTML (see ``SectionForm._field``).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING
from weakref import WeakKeyDictionary

from django import forms
from django.utils.html import conditional_escape, escape, format_html
from django.utils.safestring import SafeString, mark_safe

if TYPE_CHECKING:
    from surveys.forms import SectionForm


def section_fields_html(form: SectionForm) -> SafeString:
    """Every question of ``form`` in order, conditional ones inside their show/hide wrapper."""
    parts: list[str] = []
    for question in form.questions:
        field = form[f"q_{question.code}"]
        html = field_html(field)
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
    return mark_safe("\n".join(parts))  # noqa: S308 - every part is built by format_html


# A question's markup before anything is chosen, typed or wrong is the same for every respondent.
# Section forms share their fields across requests (surveys.forms), so it is kept per field.
_BLANK: WeakKeyDictionary[forms.Field, dict[tuple[str, str], SafeString]] = WeakKeyDictionary()


def field_html(field: forms.BoundField) -> SafeString:
    """One question: a fieldset of options, a text box or a number box, with help and errors."""
    if field.errors or field.value() not in (None, "", [], ()):
        return _field_html(field)
    by_name = _BLANK.setdefault(field.field, {})
    key = (field.html_name, field.auto_id)
    html = by_name.get(key)
    if html is None:
        html = by_name[key] = _field_html(field)
    return html


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
    parts = []
    if field.errors:
        messages = (
            format_html('<p id="error_{}_{}"><strong>{}</strong></p>', number, field.auto_id, error)
            for number, error in enumerate(field.errors, start=1)
        )
        parts.append(
            format_html(
                '<div id="{}_error" class="invalid-feedback">{}</div>',
                field.auto_id,
                mark_safe("".join(messages)),  # noqa: S308 - built by format_html
            )
        )
    if field.help_text:
        # The help text is escaped HTML already (SectionForm._field).
        parts.append(
            format_html(
                '<div id="{}_helptext" class="form-text">{}</div>',
                field.auto_id,
                mark_safe(field.help_text),  # noqa: S308 - escaped part by part by the form
            )
        )
    return mark_safe("".join(parts))  # noqa: S308 - built by format_html


def _selected(field: forms.BoundField) -> set[str]:
    value = field.value()
    if value is None or value == "":
        return set()
    if isinstance(value, (list, tuple)):
        return {str(v) for v in value}
    return {str(value)}


def _options_html(field: forms.BoundField, *, multiple: bool) -> SafeString:
    kind = "checkbox" if multiple else "radio"
    selected = _selected(field)
    invalid = bool(field.errors)
    # Like Django: a radio group may be required; a checkbox group never is (one box is enough).
    required = field.field.required and not multiple
    extra = (" required" if required else "") + (' aria-invalid="true"' if invalid else "")
    css = "form-check-input is-invalid" if invalid else "form-check-input"
    options = _option_rows(field, kind, css, extra, selected)
    described = _described_by(field)
    return format_html(
        '<div id="div_{id}" class="mb-3"><fieldset{described}>'
        '<legend class="form-label{required} fs-6">{label}</legend>'
        "<div>{options}</div>{help}</fieldset></div>",
        id=field.auto_id,
        described=format_html(' aria-describedby="{}"', described) if described else "",
        required=" requiredField" if field.field.required else "",
        label=_label_text(field),
        options=options,
        help=_help_and_errors(field),
    )


def _option_rows(
    field: forms.BoundField, kind: str, css: str, extra: str, selected: set[str]
) -> SafeString:
    rows: Iterable[str] = (
        format_html(
            '<div class="form-check"><input type="{kind}" class="{css}" name="{name}" '
            'value="{value}" id="{id}_{index}"{checked}{extra}> '
            '<label for="{id}_{index}" class="form-check-label">{label}</label></div>',
            kind=kind,
            css=css,
            name=field.html_name,
            value=value,
            id=field.auto_id,
            index=index,
            checked=mark_safe(" checked") if str(value) in selected else "",
            extra=mark_safe(extra),  # noqa: S308 - fixed attributes chosen above
            label=label,
        )
        for index, (value, label) in enumerate(field.field.choices)
    )
    return mark_safe("".join(rows))  # noqa: S308 - built by format_html


def _text_html(field: forms.BoundField, *, area: bool) -> SafeString:
    invalid = bool(field.errors)
    attrs = dict(field.field.widget.attrs)
    css = " ".join(
        part
        for part in (
            attrs.pop("class", ""),
            "textarea" if area else "textinput",
            "form-control",
            "is-invalid" if invalid else "",
        )
        if part
    )
    attrs["class"] = css
    described = _described_by(field)
    if described:
        attrs["aria-describedby"] = described
    if field.field.required:
        attrs["required"] = True
    if invalid:
        attrs["aria-invalid"] = "true"
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
            format_html(' value="{}"', value) if value else "",
            _attributes(attrs),
            field.auto_id,
        )
    return format_html(
        '<div id="div_{id}" class="mb-3"><label for="{id}" class="form-label{required}">'
        "{label}</label>{box}{help}</div>",
        id=field.auto_id,
        required=" requiredField" if field.field.required else "",
        label=_label_text(field),
        box=box,
        help=_help_and_errors(field),
    )


def _attributes(attrs: dict[str, object]) -> SafeString:
    parts = []
    for name, value in attrs.items():
        if value is True:
            parts.append(f" {escape(name)}")
        elif value not in (False, None):
            parts.append(format_html(' {}="{}"', name, value))
    return mark_safe("".join(parts))  # noqa: S308 - names are ours, values escaped
