"""The workbench of one question (Consultation editors): its figures on the left, the themes
coded on its answers and the answers behind a theme in the middle, the regulator's response being
drafted, in English and Chinese side by side, on the right.

Thin: the reads are ``workbench_data``, the save is ``question_services.question_text_save``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import translation
from django.utils.http import urlencode
from django.utils.translation import gettext
from django.views.decorators.http import require_http_methods

from reports.conclusions import selectors, workbench_data
from reports.conclusions.forms import ConclusionsForm, initial_values
from reports.conclusions.public import figures_for_display
from reports.conclusions.question_services import question_text_save
from reports.conclusions.views import editors_only
from reports.models import ReportLanguage
from surveys.models import Consultation, Question

if TYPE_CHECKING:
    from consultation.http import StaffRequest

FILTER_NAMES = ("theme", "category", "campaign", "licence", "consent")


@require_http_methods(["GET", "POST"])
@editors_only
def question_workbench(request: StaffRequest, slug: str, code: str) -> HttpResponse:
    consultation = get_object_or_404(Consultation, slug=slug)
    question = get_object_or_404(
        Question.objects.select_related("section"), consultation=consultation, code=code[:12]
    )
    if request.method == "POST":
        form = ConclusionsForm(request.POST, questions=[question])
        if form.is_valid():
            try:
                draft, changed = question_text_save(
                    consultation=consultation,
                    author=request.user,
                    question=question,
                    text=form.question_texts()[question.pk],
                )
            except selectors.ConclusionsError as exc:
                form.add_error(None, str(exc))
            else:
                if changed:
                    messages.success(
                        request,
                        gettext("Saved as version %(version)s.") % {"version": draft.version},
                    )
                else:
                    messages.info(
                        request,
                        gettext("Nothing changed since version %(version)s; nothing was saved.")
                        % {"version": draft.version},
                    )
                # Back to the answers the editor was reading (the form posts to the page's URL).
                kept = {
                    name: request.GET.get(name, "")[:40]
                    for name in FILTER_NAMES
                    if request.GET.get(name)
                }
                url = reverse("reports:workbench", args=[consultation.slug, question.code])
                return redirect(f"{url}?{urlencode(kept)}" if kept else url)
        return _page(request, consultation, question, form, status=400)
    latest = selectors.draft_latest(consultation=consultation)
    form = ConclusionsForm(
        questions=[question],
        initial=initial_values(
            questions=[question],
            intro_en="",
            intro_zh="",
            texts=selectors.draft_texts(draft=latest),
        ),
    )
    return _page(request, consultation, question, form)


def _page(
    request: HttpRequest,
    consultation: Consultation,
    question: Question,
    form: ConclusionsForm,
    *,
    status: int = 200,
) -> HttpResponse:
    language = translation.get_language() or "en"
    context: dict[str, Any] = {
        "consultation": consultation,
        "question": question,
        "form": form,
        "fields": form.question_fields(question),
        "is_closed": selectors.conclusions_open_for(consultation),
        "latest": selectors.draft_latest(consultation=consultation),
    }
    context.update(_figures(consultation, question, language))
    themes = workbench_data.themes_coded(question=question)
    filters = workbench_data.AnswerFilterForm(request.GET or None, themes=themes)
    context.update({"themes": themes, "filters": filters, "chosen": None})
    if filters.is_bound:
        if not filters.is_valid():
            status = 400
        elif filters.cleaned_data.get("theme"):
            theme = filters.themes[filters.cleaned_data["theme"]]
            page, answers = workbench_data.answers_behind(
                question=question,
                theme=theme,
                filters=filters.cleaned_data,
                page=filters.cleaned_data.get("page") or 1,
            )
            kept = {
                name: filters.cleaned_data[name]
                for name in FILTER_NAMES
                if filters.cleaned_data.get(name)
            }
            context.update(
                {
                    "chosen": theme,
                    "chosen_name": theme.localized("name", language),
                    "page": page,
                    "answers": answers,
                    "kept": kept,
                    "kept_query": urlencode(kept),
                }
            )
    return render(request, "reports/conclusions/workbench.html", context, status=status)


def _figures(consultation: Consultation, question: Question, language: str) -> dict[str, Any]:
    own = ReportLanguage.ZH_HANT if language.startswith("zh") else ReportLanguage.EN
    other = ReportLanguage.EN if own == ReportLanguage.ZH_HANT else ReportLanguage.ZH_HANT
    report = selectors.report_latest(
        consultation=consultation, language=own
    ) or selectors.report_latest(consultation=consultation, language=other)
    found: dict[str, Any] = {"report": report, "figures": None, "figures_error": ""}
    if report is None:
        return found
    try:
        data = selectors.report_json(report=report)
    except selectors.ConclusionsError as exc:
        found["figures_error"] = str(exc)
        return found
    summary = workbench_data.question_summary(data, question.code)
    if summary is None:
        return found
    found["figures"] = next(
        (item for item in figures_for_display(data, language) if item.code == question.code),
        None,
    )
    found["by_category"] = workbench_data.by_category_table(summary, language)
    found["by_type"] = workbench_data.by_type_table(summary, language)
    return found
