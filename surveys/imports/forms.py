"""The admin import page's forms: which consultation, which file, which template format."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from surveys.imports.reading import ImportFileError, file_format
from surveys.imports.services import MAX_FILE_BYTES
from surveys.imports.template import FORMATS
from surveys.models import Consultation


class ConsultationField(forms.ModelChoiceField[Consultation]):
    def label_from_instance(self, obj: Consultation) -> str:
        return obj.localized("title")


def _consultations() -> ConsultationField:
    return ConsultationField(
        label=_("Consultation"),
        queryset=Consultation.objects.order_by("-opens_at"),
        error_messages={"required": _("Choose the consultation.")},
    )


class TemplateForm(forms.Form):
    consultation = _consultations()
    format = forms.ChoiceField(
        label=_("Format"), choices=[(f, f.upper()) for f in FORMATS], initial="xlsx"
    )


class UploadForm(forms.Form):
    consultation = _consultations()
    file = forms.FileField(
        label=_("Filled-in template"),
        help_text=_("A .csv (UTF-8) or .xlsx file of up to 100 MB, made from the template."),
        error_messages={"required": _("Choose the file to check.")},
        widget=forms.ClearableFileInput(attrs={"accept": ".csv,.xlsx"}),
    )

    def clean_file(self) -> object:
        upload = self.cleaned_data["file"]
        try:
            file_format(upload.name)
        except ImportFileError as error:
            raise forms.ValidationError(error.message, code="format") from error
        if upload.size > MAX_FILE_BYTES:
            raise forms.ValidationError(_("The file is larger than 100 MB."), code="size")
        return upload
