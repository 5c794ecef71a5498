"""The respondent a request comes from: their consultation, its form, their own response.

A respondent reaches a response only through their session (set when they start, or when they
open their private resume link), never through an id in the URL. The pages every step shares
(closed, not open yet, "try again") and the step's rendering are here too.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, cast

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from consultation.security import client_ip
from surveys.drafting.selectors import collaborator_active
from surveys.journey import amendments, rules, selectors, sql
from surveys.journey.errors import ConsultationClosed, ConsultationNotOpen
from surveys.journey.structure import Journey, Step, journey_cached
from surveys.models import (
    Consultation,
    ConsultationStatus,
    DraftCollaborator,
    Submission,
    SubmissionState,
)

SESSION_KEY = "surveys.responses"
AMEND_KEY = "surveys.amend.{}"
# Response id -> the colleague's invitation, for a browser that opened a colleague's link.
COLLABORATOR_KEY = "surveys.collaborator"


def published_consultation(slug: str) -> Consultation:
    try:
        return selectors.consultation_published(slug=slug)
    except Consultation.DoesNotExist as exc:
        raise Http404 from exc


def session_submission(request: HttpRequest, consultation: Consultation) -> Submission | None:
    submission_id = request.session.get(SESSION_KEY, {}).get(str(consultation.pk))
    if submission_id is None:
        return None
    submission = selectors.session_submission(
        submission_id=submission_id, consultation=consultation
    )
    if submission is not None and collaboration_ended(request, submission):
        return None
    return submission


def session_collaborator(request: HttpRequest, submission: Submission) -> DraftCollaborator | None:
    """The colleague this browser drafts ``submission`` as, or None for its owner (or when the
    colleague's access has ended: see ``collaboration_ended``)."""
    invitation = request.session.get(COLLABORATOR_KEY, {}).get(str(submission.pk))
    if invitation is None:
        return None
    return collaborator_active(collaborator_id=invitation, submission=submission)


def collaboration_ended(
    request: HttpRequest, submission: Submission, *, checked: bool = False
) -> bool:
    """True, having forgotten the response in this browser, when this browser reached it through
    a colleague's link that no longer works (revoked, or the response submitted). ``checked``:
    the caller has just found that it no longer works."""
    if str(submission.pk) not in request.session.get(COLLABORATOR_KEY, {}):
        return False
    if not checked and session_collaborator(request, submission) is not None:
        return False
    forget(request, submission)
    messages.warning(
        request,
        _(
            "Your access to a colleague's draft has ended: the invitation was withdrawn or the "
            "response has been submitted."
        ),
    )
    return True


def forget(request: HttpRequest, submission: Submission) -> None:
    """This browser no longer holds ``submission`` (as its owner or as a colleague)."""
    responses = dict(request.session.get(SESSION_KEY, {}))
    responses.pop(str(submission.consultation_id), None)
    request.session[SESSION_KEY] = responses
    invitations = dict(request.session.get(COLLABORATOR_KEY, {}))
    invitations.pop(str(submission.pk), None)
    request.session[COLLABORATOR_KEY] = invitations


def remember(
    request: HttpRequest, submission: Submission, collaborator: DraftCollaborator | None = None
) -> None:
    """This browser holds ``submission``: as its owner, or as the colleague ``collaborator``."""
    responses = dict(request.session.get(SESSION_KEY, {}))
    responses[str(submission.consultation_id)] = submission.pk
    request.session[SESSION_KEY] = responses
    invitations = dict(request.session.get(COLLABORATOR_KEY, {}))
    if collaborator is None:
        invitations.pop(str(submission.pk), None)
    else:
        invitations[str(submission.pk)] = collaborator.pk
    request.session[COLLABORATOR_KEY] = invitations


def page_language() -> str:
    return "zh-hant" if (translation.get_language() or "").startswith("zh") else "en"


def client_address(request: HttpRequest) -> str | None:
    return client_ip(request) or None


@dataclass
class Respondent:
    """The consultation, its form, and this browser's own response (if any) with its answers."""

    consultation: Consultation
    journey: Journey
    submission: Submission | None
    amendment: amendments.Amendment | None  # the working copy while amending a response
    # The colleague drafting the response in this browser; None for the respondent who started it.
    collaborator: DraftCollaborator | None = None
    _answer_rows: list[sql.AnswerRow] | None = field(default=None, repr=False)

    @property
    def amending(self) -> bool:
        return self.amendment is not None

    def answer_rows(self) -> list[sql.AnswerRow]:
        """The response's stored answer rows, read once per request."""
        if self.submission is None:
            return []
        if self._answer_rows is None:
            self._answer_rows = selectors.submission_answer_rows(submission=self.submission)
        return self._answer_rows

    def answers(self) -> dict[str, Any]:
        if self.amendment is not None:
            return dict(self.amendment.answers)
        return selectors.answers_from_rows(rows=self.answer_rows(), journey=self.journey)

    def respondent(self) -> dict[str, Any]:
        if self.amendment is not None:
            return dict(self.amendment.respondent)
        if self.submission is None:
            return {}
        return selectors.submission_respondent(submission=self.submission)


def respondent_for(request: HttpRequest, slug: str) -> Respondent:
    # A returning browser's response and its consultation come in one query; otherwise the
    # consultation alone (or 404).
    submission = selectors.session_submission_published(
        submission_ids=[int(i) for i in request.session.get(SESSION_KEY, {}).values()], slug=slug
    )
    consultation = submission.consultation if submission else published_consultation(slug)
    collaborator = None
    if submission is not None and str(submission.pk) in request.session.get(COLLABORATOR_KEY, {}):
        collaborator = session_collaborator(request, submission)
        if collaborator is None and collaboration_ended(request, submission, checked=True):
            submission = None
    amendment = None
    if submission is not None and submission.state == SubmissionState.SUBMITTED:
        stored = request.session.get(AMEND_KEY.format(submission.pk))
        amendment = amendments.Amendment.from_session(stored) if stored else None
    return Respondent(
        consultation=consultation,
        journey=journey_cached(consultation=consultation),
        submission=submission,
        amendment=amendment,
        collaborator=collaborator,
    )


def closed_page(request: HttpRequest, consultation: Consultation) -> HttpResponse:
    status = consultation.status_at(timezone.now())
    if status == ConsultationStatus.CLOSED:
        return render(
            request, "surveys/respond/closed.html", {"consultation": consultation}, status=410
        )
    return render(
        request, "surveys/respond/not_open.html", {"consultation": consultation}, status=403
    )


def blocked_page(request: HttpRequest, who: Respondent) -> HttpResponse | None:
    """The page to show instead of the form when this response cannot change now, or None."""
    now = timezone.now()
    submission = who.submission
    if submission is None or submission.state == SubmissionState.DRAFT:
        if rules.consultation_accepts_responses(consultation=who.consultation, now=now):
            return None
        return closed_page(request, who.consultation)
    if who.amending and rules.submission_can_change(submission=submission, now=now):
        return None
    if who.amending:
        return closed_page(request, who.consultation)
    return redirect("surveys:your_response", who.consultation.slug)


def journey_error_page(request: HttpRequest, who: Respondent, error: Exception) -> HttpResponse:
    if isinstance(error, (ConsultationClosed, ConsultationNotOpen)):
        return closed_page(request, who.consultation)
    return redirect("surveys:your_response", who.consultation.slug)


def step_url(who: Respondent, number: int) -> str:
    return reverse("surveys:step", args=[who.consultation.slug, number])


def render_step(
    request: HttpRequest,
    who: Respondent,
    step: Step,
    template: str,
    status: int = 200,
    **context: Any,
) -> HttpResponse:
    context.update(
        {
            "who": who,
            "consultation": who.consultation,
            "step": step,
            "total": who.journey.total,
            "back_url": step_url(who, step.number - 1) if step.number > 1 else None,
            "changing": request.GET.get("change") == "1" or request.POST.get("change") == "1",
            "late": who.consultation.status_at(timezone.now()) == ConsultationStatus.CLOSED,
        }
    )
    return render(request, template, context, status=status)


def amendment_keep(
    request: HttpRequest, who: Respondent, amendment: amendments.Amendment | None
) -> None:
    """Keep the working copy of an amendment in the session (None: forget it)."""
    key = AMEND_KEY.format(cast(Submission, who.submission).pk)  # amended: it has a response
    if amendment is None:
        request.session.pop(key, None)
    else:
        request.session[key] = amendment.as_session()
    who.amendment = amendment


def after_save(request: HttpRequest, who: Respondent, step: Step) -> HttpResponse:
    if "later" in request.POST and not who.amending:
        return redirect("surveys:saved", who.consultation.slug)
    if request.POST.get("change") == "1":
        return redirect(step_url(who, who.journey.review_step))
    return redirect(step_url(who, step.number + 1))
