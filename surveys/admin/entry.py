"""Staff entry of a response received by email, post or fax, in the admin.

Step 1 records how and when the response arrived, keeps its original and asks the respondent's
details with the respondent's own "About you" form; then come the respondent's own question
pages, one per section (the same forms, validation and conditions); then a box for the
paragraphs that answer no question; then a check page that enters the response. Every page
saves the entry (a draft) through ``surveys.intake.services``, so nothing typed is lost.

Only staff with ``surveys.enter_submission`` (``roles.can_enter``) reach these pages; the others
get 403. The views parse and call services; the rules are in the services.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, cast

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import URLPattern, path, reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from surveys import roles
from surveys.admin.common import paper_download
from surveys.intake import selectors
from surveys.intake import services as intake
from surveys.intake.forms import EntryDetailsForm, GeneralCommentsForm
from surveys.journey.errors import SubmissionIncomplete
from surveys.journey.forms import SectionForm, section_initial
from surveys.journey.respondent import page_language
from surveys.journey.selectors import answers_display, submission_answers
from surveys.journey.structure import Journey, Step, answers_prune, journey_cached
from surveys.models import Consultation, OriginalDocument, Section, Submission

if TYPE_CHECKING:
    from django.contrib.admin import ModelAdmin

    from consultation.http import StaffRequest

# Which field of the first step each refusal of the service belongs to.
_DETAILS_FIELDS = {
    "channel": "channel",
    "received_missing": "received_date",
    "received_future": "received_date",
    "original_missing": "original",
    "too_many_originals": "original",
    "email_missing": "email",
}


def entry_urls(model_admin: ModelAdmin[Submission]) -> list[URLPattern]:
    """The entry pages, under the submission admin's URLs."""
    view = model_admin.admin_site.admin_view

    def bind(function: Any) -> Any:
        return view(lambda request, **kwargs: function(request, model_admin, **kwargs))

    return [
        path("enter/", bind(entry_index), name="surveys_submission_enter"),
        path(
            "enter/<int:consultation_id>/new/",
            bind(entry_new),
            name="surveys_submission_enter_new",
        ),
        path(
            "enter/<int:submission_id>/step/<int:number>/",
            bind(entry_step),
            name="surveys_submission_enter_step",
        ),
        path(
            "enter/<int:submission_id>/submit/",
            bind(require_POST(entry_submit)),
            name="surveys_submission_enter_submit",
        ),
        path(
            "<path:object_id>/originals/<int:document_id>/",
            bind(original_download),
            name="surveys_submission_original",
        ),
    ]


def _require_enter(request: HttpRequest) -> None:
    if not roles.can_enter(request.user):
        raise PermissionDenied


def _context(
    request: HttpRequest, model_admin: ModelAdmin[Submission], title: str, **extra: Any
) -> dict[str, Any]:
    return {
        **model_admin.admin_site.each_context(request),
        "opts": model_admin.model._meta,
        "title": title,
        **extra,
    }


def entry_index(request: HttpRequest, model_admin: ModelAdmin[Submission]) -> HttpResponse:
    """Choose the consultation to enter a response for; entries in progress to continue."""
    _require_enter(request)
    consultations = list(selectors.consultations_for_entry())
    chosen = request.GET.get("consultation", "")
    if chosen.isdigit() and any(c.pk == int(chosen) for c in consultations):
        return redirect("admin:surveys_submission_enter_new", int(chosen))
    return TemplateResponse(
        request,
        "admin/surveys/submission/entry_index.html",
        _context(
            request,
            model_admin,
            _("Enter a response received by email, post or fax"),
            consultations=consultations,
            entries=list(selectors.entries_in_progress()[:100]),
            personal=roles.can_view_personal_data(request.user),
        ),
    )


def _steps(journey: Journey) -> list[dict[str, Any]]:
    """The entry's pages: the journey's, with its attachments page for the general comments."""
    titles = {
        "about": _("How it was received, and the respondent"),
        "attachments": _("General comments"),
        "review": _("Check and enter"),
    }
    return [
        {
            "number": step.number,
            "title": step.section.localized("title") if step.section else titles[step.kind],
        }
        for step in journey.steps
    ]


def _details_page(
    request: HttpRequest,
    model_admin: ModelAdmin[Submission],
    consultation: Consultation,
    form: EntryDetailsForm,
    submission: Submission | None,
) -> TemplateResponse:
    journey = journey_cached(consultation=consultation)
    return TemplateResponse(
        request,
        "admin/surveys/submission/entry_details.html",
        _context(
            request,
            model_admin,
            _("Enter a response: how it was received, and the respondent"),
            consultation=consultation,
            submission=submission,
            form=form,
            steps=_steps(journey),
            number=1,
            originals=selectors.entry_originals(submission=submission) if submission else [],
        ),
    )


def _refusal_to_form(form: EntryDetailsForm, refused: intake.EntryRefused) -> None:
    form.add_error(_DETAILS_FIELDS.get(refused.code), refused.message)


def entry_new(
    request: HttpRequest, model_admin: ModelAdmin[Submission], consultation_id: int
) -> HttpResponse:
    """Step 1 of a new entry: nothing is stored until its page is sent valid."""
    _require_enter(request)
    consultation = selectors.consultations_for_entry().filter(pk=consultation_id).first()
    if consultation is None:
        raise Http404
    if request.method != "POST":
        form = EntryDetailsForm(initial={"language": "en"})
        return _details_page(request, model_admin, consultation, form, None)
    form = EntryDetailsForm(request.POST, request.FILES)
    if form.is_valid():
        try:
            submission = intake.entry_start(
                consultation=consultation,
                actor=cast("StaffRequest", request).user,
                channel=form.cleaned_data["channel"],
                received_at=form.received_at(),
                respondent=form.respondent(),
                language=form.cleaned_data["language"],
                upload=form.cleaned_data["original"],
                checked=form.checked,
            )
        except intake.EntryRefused as refused:
            _refusal_to_form(form, refused)
        else:
            messages.info(request, _("The entry is saved as you go: you can finish it later."))
            return redirect("admin:surveys_submission_enter_step", submission.pk, 2)
    return _details_page(request, model_admin, consultation, form, None)


def entry_step(
    request: HttpRequest, model_admin: ModelAdmin[Submission], submission_id: int, number: int
) -> HttpResponse:
    _require_enter(request)
    submission = selectors.entry_draft(submission_id=submission_id)
    if submission is None:
        entered = Submission.objects.filter(pk=submission_id).exclude(state="draft").first()
        if entered is not None and intake.entry_is_staff(entered):
            # Sent again after it was entered (the back button): show the entered response.
            return redirect("admin:surveys_submission_change", entered.pk)
        raise Http404
    journey = journey_cached(consultation=submission.consultation)
    step = journey.step(number)
    if step is None:
        raise Http404
    if step.kind == "about":
        return _step_details(request, model_admin, submission)
    if step.kind == "section":
        return _step_section(request, model_admin, submission, journey, step)
    if step.kind == "attachments":
        return _step_comments(request, model_admin, submission, journey, step)
    return _step_review(request, model_admin, submission, journey, step)


def _next(submission: Submission, step: Step) -> HttpResponse:
    return redirect("admin:surveys_submission_enter_step", submission.pk, step.number + 1)


def _step_details(
    request: HttpRequest, model_admin: ModelAdmin[Submission], submission: Submission
) -> HttpResponse:
    consultation = submission.consultation
    if request.method != "POST":
        form = EntryDetailsForm(
            initial=EntryDetailsForm.initial_from(submission), needs_original=False
        )
        return _details_page(request, model_admin, consultation, form, submission)
    form = EntryDetailsForm(request.POST, request.FILES, needs_original=False)
    if form.is_valid():
        try:
            intake.entry_details_save(
                submission=submission,
                actor=cast("StaffRequest", request).user,
                channel=form.cleaned_data["channel"],
                received_at=form.received_at(),
                respondent=form.respondent(),
                language=form.cleaned_data["language"],
                upload=form.cleaned_data["original"],
                checked=form.checked,
            )
        except intake.EntryRefused as refused:
            _refusal_to_form(form, refused)
        else:
            return redirect("admin:surveys_submission_enter_step", submission.pk, 2)
    return _details_page(request, model_admin, consultation, form, submission)


def _step_section(
    request: HttpRequest,
    model_admin: ModelAdmin[Submission],
    submission: Submission,
    journey: Journey,
    step: Step,
) -> HttpResponse:
    section = cast(Section, step.section)  # a section step has its section
    answers = submission_answers(submission=submission, journey=journey)
    questions = journey.section_questions(section)
    kwargs: dict[str, Any] = {
        "journey": journey,
        "questions": questions,
        "prior_answers": answers,
        "language": page_language(),
    }
    if request.method == "POST":
        form = SectionForm(request.POST, **kwargs)
        if form.is_valid():
            intake.entry_section_save(
                submission=submission,
                journey=journey,
                section=section,
                answers=form.answers(),
                step=step.number,
            )
            return _next(submission, step)
    else:
        form = SectionForm(initial=section_initial(questions, answers), **kwargs)
    return TemplateResponse(
        request,
        "admin/surveys/submission/entry_section.html",
        _context(
            request,
            model_admin,
            section.localized("title"),
            consultation=submission.consultation,
            submission=submission,
            section=section,
            form=form,
            steps=_steps(journey),
            number=step.number,
        ),
    )


def _step_comments(
    request: HttpRequest,
    model_admin: ModelAdmin[Submission],
    submission: Submission,
    journey: Journey,
    step: Step,
) -> HttpResponse:
    if request.method == "POST":
        form = GeneralCommentsForm(request.POST)
        if form.is_valid():
            try:
                intake.entry_comments_save(
                    submission=submission,
                    actor=cast("StaffRequest", request).user,
                    text=form.cleaned_data["text"],
                    step=step.number,
                )
            except intake.EntryRefused as refused:
                form.add_error("text", refused.message)
            else:
                return _next(submission, step)
    else:
        form = GeneralCommentsForm(
            initial={"text": selectors.entry_comments(submission=submission)}
        )
    return TemplateResponse(
        request,
        "admin/surveys/submission/entry_comments.html",
        _context(
            request,
            model_admin,
            _("General comments"),
            consultation=submission.consultation,
            submission=submission,
            form=form,
            steps=_steps(journey),
            number=step.number,
        ),
    )


def _step_review(
    request: HttpRequest,
    model_admin: ModelAdmin[Submission],
    submission: Submission,
    journey: Journey,
    step: Step,
    problem: str = "",
    missing: list[str] | None = None,
) -> HttpResponse:
    language = page_language()
    answers = answers_prune(
        answers=submission_answers(submission=submission, journey=journey), journey=journey
    )
    return TemplateResponse(
        request,
        "admin/surveys/submission/entry_review.html",
        _context(
            request,
            model_admin,
            _("Check the entry and enter the response"),
            consultation=submission.consultation,
            submission=submission,
            sections=answers_display(journey=journey, answers=answers, language=language),
            comments=selectors.entry_comments(submission=submission),
            originals=selectors.entry_originals(submission=submission),
            steps=_steps(journey),
            number=step.number,
            problem=problem,
            missing=[journey.by_code[code] for code in missing or [] if code in journey.by_code],
            about_missing="about" in (missing or []),
        ),
        status=400 if problem else 200,
    )


def entry_submit(
    request: HttpRequest, model_admin: ModelAdmin[Submission], submission_id: int
) -> HttpResponse:
    """Enter the response; sent twice, the second finds it entered and shows it."""
    _require_enter(request)
    submission = Submission.objects.select_related("consultation").filter(pk=submission_id).first()
    if submission is None or not intake.entry_is_staff(submission):
        raise Http404
    journey = journey_cached(consultation=submission.consultation)
    try:
        result = intake.submission_enter(
            submission=submission, journey=journey, actor=cast("StaffRequest", request).user
        )
    except SubmissionIncomplete as incomplete:
        review = journey.steps[-1]
        return _step_review(
            request,
            model_admin,
            submission,
            journey,
            review,
            problem=_("The response cannot be entered yet."),
            missing=incomplete.missing,
        )
    except intake.EntryRefused as refused:
        return _step_review(
            request, model_admin, submission, journey, journey.steps[-1], problem=refused.message
        )
    if result.created:
        messages.success(
            request,
            _("Response %(reference)s entered (received by %(channel)s).")
            % {
                "reference": result.submission.reference,
                "channel": result.submission.get_channel_display(),
            },
        )
    return redirect(reverse("admin:surveys_submission_change", args=[result.submission.pk]))


def original_download(
    request: HttpRequest, model_admin: ModelAdmin[Submission], object_id: str, document_id: int
) -> FileResponse:
    """An original letter, email or scan, to staff who may read respondents' papers."""
    return paper_download(
        request, model_admin, object_id, OriginalDocument.objects.all(), document_id
    )
