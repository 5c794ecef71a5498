"""The drafting form: an introduction and, per question, four text boxes (two per language)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from reports.conclusions.selectors import MAX_TEXT, QuestionText
from surveys.models import Question

FIELD_LABELS = {
    "views_summary_en": _("Summary of views (English)"),
    "views_summary_zh": _("Summary of views (Chinese)"),
    "response_en": _("Our response (English)"),
    "response_zh": _("Our response (Chinese)"),
}


def field_name(question: Question, name: str) -> str:
    return f"q{question.pk}_{name}"


class ConclusionsForm(forms.Form):
    intro_en = forms.CharField(
        label=_("Introduction (English)"),
        required=False,
        max_length=MAX_TEXT,
        widget=forms.Textarea(attrs={"rows": 5, "lang": "en"}),
    )
    intro_zh = forms.CharField(
        label=_("Introduction (Chinese)"),
        required=False,
        max_length=MAX_TEXT,
        widget=forms.Textarea(attrs={"rows": 5, "lang": "zh-Hant-HK"}),
    )

    def __init__(self, *args: Any, questions: Iterable[Question], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.questions = list(questions)
        for question in self.questions:
            for name, label in FIELD_LABELS.items():
                self.fields[field_name(question, name)] = forms.CharField(
                    label=label,
                    required=False,
                    max_length=MAX_TEXT,
                    widget=forms.Textarea(
                        attrs={"rows": 4, "lang": "zh-Hant-HK" if name.endswith("_zh") else "en"}
                    ),
                )

    def question_fields(self, question: Question) -> list[forms.BoundField]:
        return [self[field_name(question, name)] for name in FIELD_LABELS]

    def question_texts(self) -> dict[int, QuestionText]:
        data = self.cleaned_data
        return {
            question.pk: QuestionText(
                **{name: data.get(field_name(question, name), "") for name in FIELD_LABELS}
            )
            for question in self.questions
        }


def initial_values(
    *, questions: Iterable[Question], intro_en: str, intro_zh: str, texts: dict[int, QuestionText]
) -> dict[str, str]:
    initial = {"intro_en": intro_en, "intro_zh": intro_zh}
    for question in questions:
        text = texts.get(question.pk, QuestionText())
        for name in FIELD_LABELS:
            initial[field_name(question, name)] = getattr(text, name)
    return initial
