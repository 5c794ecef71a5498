"""Staff pages for the consultation conclusions: draft the text beside the figures, publish.

Thin: each view checks that the user is a Consultation editor, calls ``reports.conclusions`` and
renders. Anonymous visitors go to the staff login; other signed-in users get 403.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import TYPE_CHECKING, Any

from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext
from django.views.decorators.http import require_http_methods, require_POST

from reports.conclusions import checks, selectors, services
from reports.conclusions import points as points_raised
from reports.conclusions.forms import ConclusionsForm, initial_values
from reports.conclusions.public import figures_for_display
from reports.models import (
    CheckWaiver,
    ConclusionsDraft,
    Outcome,
    Publication,
    ReportLanguage,
)
from surveys.models import Consultation, Question

if TYPE_CHECKING:
    from consultation.http import StaffRequest

View = Callable[..., HttpResponseBase]
VERSIONS_SHOWN = 20


def editors_only(view: View) -> View:
    @wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        if not selectors.conclusions_can_edit(request.user):
            raise PermissionDenied
        return view(request, *args, **kwargs)

    return wrapped


@require_http_methods(["GET", "POST"])
@editors_only
def conclusions_edit(request: StaffRequest, slug: str) -> HttpResponse:
    consultation = get_object_or_404(Consultation, slug=slug)
    questions = list(
        Question.objects.filter(consultation=consultation)
        .select_related("section")
        .order_by("order")
    )
    draft: ConclusionsDraft | None
    if request.method == "POST":
        form = ConclusionsForm(request.POST, questions=questions)
        if form.is_valid():
            try:
                draft, changed = services.draft_save(
                    consultation=consultation,
                    author=request.user,
                    intro_en=form.cleaned_data["intro_en"],
                    intro_zh=form.cleaned_data["intro_zh"],
                    questions=form.question_texts(),
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
                return redirect("reports:conclusions", slug=consultation.slug)
        return _page(request, consultation, questions, form, status=400)
    draft = _requested_draft(request, consultation)
    form = ConclusionsForm(
        questions=questions,
        initial=initial_values(
            questions=questions,
            intro_en=draft.intro_en if draft else "",
            intro_zh=draft.intro_zh if draft else "",
            texts=selectors.draft_texts(draft=draft),
        ),
    )
    return _page(request, consultation, questions, form, shown=draft)


@require_POST
@editors_only
def conclusions_publish(request: StaffRequest, slug: str) -> HttpResponse:
    consultation = get_object_or_404(Consultation, slug=slug)
    try:
        publication = services.conclusions_publish(consultation=consultation, user=request.user)
    except selectors.ConclusionsError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(
            request,
            gettext(
                "The conclusions are published (version %(version)s of the text, reports "
                "#%(en)s and #%(zh)s)."
            )
            % {
                "version": publication.draft.version,
                "en": publication.report_en_id,
                "zh": publication.report_zh_id,
            },
        )
    return redirect("reports:conclusions", slug=consultation.slug)


@require_POST
@editors_only
def conclusions_unpublish(request: StaffRequest, slug: str) -> HttpResponse:
    consultation = get_object_or_404(Consultation, slug=slug)
    try:
        services.conclusions_unpublish(consultation=consultation, user=request.user)
    except selectors.ConclusionsError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, gettext("The conclusions are withdrawn from the public pages."))
    return redirect("reports:conclusions", slug=consultation.slug)


@require_POST
@editors_only
def conclusions_waive(request: StaffRequest, slug: str) -> HttpResponse:
    """An editor keeps a flagged point of the text as it is, saying why."""
    consultation = get_object_or_404(Consultation, slug=slug)
    try:
        services.check_waive(
            consultation=consultation,
            user=request.user,
            key=request.POST.get("key", "")[:64],
            reason=request.POST.get("reason", ""),
        )
    except selectors.ConclusionsError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, gettext("The point is kept as written, with your reason."))
    return redirect(reverse("reports:conclusions", args=[consultation.slug]) + "#checks-heading")


@require_POST
@editors_only
def conclusions_disposition(request: StaffRequest, slug: str) -> HttpResponse:
    """An editor records what was decided on a point raised, and why, in both languages."""
    consultation = get_object_or_404(Consultation, slug=slug)
    question = Question.objects.filter(
        consultation=consultation, code=request.POST.get("question", "")[:12]
    ).first()
    theme = request.POST.get("theme", "")
    try:
        if question is None or not theme.isdigit():
            raise selectors.ConclusionsError(gettext("That point is not one of this report's."))
        services.disposition_record(
            consultation=consultation,
            user=request.user,
            question=question,
            theme_id=int(theme),
            outcome=request.POST.get("outcome", ""),
            reason_en=request.POST.get("reason_en", ""),
            reason_zh=request.POST.get("reason_zh", ""),
        )
    except selectors.ConclusionsError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, gettext("The decision on the point is recorded."))
    return redirect(reverse("reports:conclusions", args=[consultation.slug]) + "#points-heading")


def _requested_draft(request: HttpRequest, consultation: Consultation) -> ConclusionsDraft | None:
    version = request.GET.get("version", "")
    if version.isdigit():
        found = ConclusionsDraft.objects.filter(
            consultation=consultation, version=int(version)
        ).first()
        if found is not None:
            return found
        messages.warning(
            request, gettext("There is no version %(version)s.") % {"version": version}
        )
    return selectors.draft_latest(consultation=consultation)


def _page(
    request: HttpRequest,
    consultation: Consultation,
    questions: list[Question],
    form: ConclusionsForm,
    *,
    shown: ConclusionsDraft | None = None,
    status: int = 200,
) -> HttpResponse:
    language = translation.get_language() or "en"
    own = ReportLanguage.ZH_HANT if language.startswith("zh") else ReportLanguage.EN
    other = ReportLanguage.EN if own == ReportLanguage.ZH_HANT else ReportLanguage.ZH_HANT
    reports = {
        code: selectors.report_latest(consultation=consultation, language=code)
        for code in (own, other)
    }
    report = reports[own] or reports[other]
    figures: dict[str, Any] = {}
    figures_error = ""
    latest = selectors.draft_latest(consultation=consultation)
    points: list[checks.CheckIssue] = []
    raised: list[points_raised.PointState] = []
    if report is not None:
        try:
            data = selectors.report_json(report=report)
        except selectors.ConclusionsError as exc:
            figures_error = str(exc)
        else:
            figures = {item.code: item for item in figures_for_display(data, language)}
            points = checks.draft_check(consultation=consultation, draft=latest, summary=data)
            raised = points_raised.points_state(
                consultation=consultation, points=points_raised.points_raised(summary=data)
            )
    waivers = {
        waiver.key: waiver
        for waiver in CheckWaiver.objects.filter(
            consultation=consultation, key__in=[point.key for point in points]
        ).select_related("waived_by")
    }
    return render(
        request,
        "reports/conclusions/edit.html",
        {
            "consultation": consultation,
            "is_closed": selectors.conclusions_open_for(consultation),
            "form": form,
            "rows": [
                {"question": q, "fields": form.question_fields(q), "figures": figures.get(q.code)}
                for q in questions
            ],
            "report": report,
            "figures_error": figures_error,
            "reports": reports,
            "shown": shown,
            "latest": latest,
            "versions": ConclusionsDraft.objects.filter(consultation=consultation)
            .select_related("author")
            .order_by("-version")[:VERSIONS_SHOWN],
            "missing": selectors.draft_missing(consultation=consultation, draft=latest),
            "points": [(point, waivers.get(point.key)) for point in points],
            "points_open": sum(1 for point in points if point.key not in waivers),
            "raised": raised,
            "raised_open": sum(1 for state in raised if not state.decided),
            "outcomes": Outcome.choices,
            "live": selectors.publication_live(consultation=consultation),
            "history": Publication.objects.filter(consultation=consultation)
            .select_related("draft", "published_by", "unpublished_by")
            .order_by("-published_at")[:10],
        },
        status=status,
    )
