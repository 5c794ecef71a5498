"""A section's page of the form: the respondent's answers to its questions.

Its form carries a version stamp of the section's answers as loaded. When colleagues draft a
response together and one saves the section after another has changed it since the page was
loaded, nothing is saved: the page comes back with what this person typed, what is saved now and
who saved it, so that they can reconcile the two and save again.
"""

from __future__ import annotations

from typing import Any, cast

from django.http import HttpRequest, HttpResponse

from surveys.drafting.selectors import draft_changes, section_version
from surveys.journey import amendments, services
from surveys.journey.errors import DraftConflict
from surveys.journey.forms import SectionForm, section_initial
from surveys.journey.respondent import (
    Respondent,
    after_save,
    amendment_keep,
    page_language,
    render_step,
)
from surveys.journey.selectors import answers_display, submission_answers
from surveys.journey.structure import Step
from surveys.models import Section, Submission

VERSION_FIELD = "version"


def _section_form(request: HttpRequest, who: Respondent, step: Step) -> SectionForm:
    answers = who.answers()
    questions = who.journey.section_questions(cast(Section, step.section))  # a section step's
    kwargs: dict[str, Any] = {
        "journey": who.journey,
        "questions": questions,
        "prior_answers": answers,
        "language": page_language(),
    }
    if request.method == "POST":
        return SectionForm(request.POST, **kwargs)
    return SectionForm(initial=section_initial(questions, answers), **kwargs)


def _version(who: Respondent, section: Section) -> str:
    codes = [q.code for q in who.journey.section_questions(section)]
    return section_version(answers=who.answers(), codes=codes)


def step_section(request: HttpRequest, who: Respondent, step: Step) -> HttpResponse:
    section = cast(Section, step.section)  # a section step has its section
    form = _section_form(request, who, step)
    if request.method == "POST" and form.is_valid():
        if who.amendment is not None:
            amendment_keep(
                request,
                who,
                amendments.amendment_section_set(
                    amendment=who.amendment,
                    journey=who.journey,
                    section=section,
                    answers=form.answers(),
                ),
            )
            return after_save(request, who, step)
        posted_version = request.POST.get(VERSION_FIELD, "")
        try:
            services.draft_save(
                # The pages after "About you" are reached with a response only (respond_step).
                submission=cast(Submission, who.submission),
                journey=who.journey,
                section=section,
                answers=form.answers(),
                step=step.number,
                language=page_language(),
                rows_read=who.answer_rows(),
                version=posted_version[:64] or None,
                collaborator=who.collaborator,
            )
        except DraftConflict:
            return _conflict_page(request, who, step, form)
        return after_save(request, who, step)
    return render_step(
        request,
        who,
        step,
        "surveys/respond/section.html",
        form=form,
        section=step.section,
        version="" if who.amending else _version(who, section),
    )


def _conflict_page(
    request: HttpRequest, who: Respondent, step: Step, form: SectionForm
) -> HttpResponse:
    """The section's page again with what was typed, what is saved now and who saved it, and the
    current version stamp: saving it again keeps what the page then holds."""
    section = cast(Section, step.section)
    submission = cast(Submission, who.submission)
    codes = [q.code for q in who.journey.section_questions(section)]
    current = submission_answers(submission=submission, journey=who.journey)
    saved = answers_display(journey=who.journey, answers=current, language=page_language())
    changes = [c for c in draft_changes(submission=submission) if set(codes) & set(c.questions)]
    return render_step(
        request,
        who,
        step,
        "surveys/respond/section.html",
        status=409,
        form=form,
        section=section,
        version=section_version(answers=current, codes=codes),
        conflict={
            "saved": [shown for shown in saved if shown.step.section == section],
            "by": changes[0] if changes else None,
        },
    )
