"""The pages of drafting a response together: the owner's "Invite colleagues" page, withdrawing
an invitation, and the colleague's private link. Thin, like ``views``: each finds the
respondent's own draft, validates a form and calls one service of ``surveys.drafting``.

Access: only the respondent who started a draft (who holds it through their own session or
resume link) invites and withdraws. A colleague's link gives that one draft to the browser that
opens it, as a colleague: it never carries the owner's resume link, and it stops working once
the invitation is withdrawn or the response submitted (``respondent.collaboration_ended``).
"""

from __future__ import annotations

from typing import Any, cast

from django.conf import settings
from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST
from django_ratelimit.decorators import ratelimit

from surveys.drafting import selectors as drafting_selectors
from surveys.drafting import services as drafting_services
from surveys.drafting.forms import InviteForm
from surveys.journey import rules
from surveys.journey.errors import InvitationRefused, JourneyError
from surveys.journey.rates import resume_rate
from surveys.journey.respondent import (
    Respondent,
    blocked_page,
    closed_page,
    forget,
    journey_error_page,
    remember,
    respondent_for,
    step_url,
)
from surveys.journey.structure import Step
from surveys.models import Submission, SubmissionState

# Each invitation sends an email, like asking for the resume link again: the same limit.
invite_rate = resume_rate


def _owner_page(request: HttpRequest, who: Respondent) -> HttpResponse | None:
    """The page to show instead of the owner's drafting pages, or None when they apply."""
    submission = who.submission
    if submission is None:
        return redirect("surveys:respond", who.consultation.slug)
    if submission.state != SubmissionState.DRAFT:
        return redirect("surveys:your_response", who.consultation.slug)
    blocked = blocked_page(request, who)
    if blocked is not None:
        return blocked
    if who.collaborator is not None:
        messages.info(
            request, _("Only the person who started this response can invite colleagues.")
        )
        return redirect(step_url(who, who.journey.review_step))
    return None


@ratelimit(  # type: ignore[untyped-decorator]  # django-ratelimit ships no types
    key="ip", rate=invite_rate, method="POST", block=False
)
@require_http_methods(["GET", "POST"])
def colleagues(request: HttpRequest, slug: str) -> HttpResponse:
    """The owner's "Invite colleagues" page: the invitations so far, and the form for another."""
    who = respondent_for(request, slug)
    refused = _owner_page(request, who)
    if refused is not None:
        return refused
    if getattr(request, "limited", False):
        return render(request, "surveys/respond/rate_limited.html", status=429)
    submission = cast(Submission, who.submission)  # _owner_page sends away one without a draft
    form = InviteForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            collaborator, _token = drafting_services.collaborator_invite(
                submission=submission,
                email=form.cleaned_data["email"],
                can_submit=form.cleaned_data["can_submit"],
                site_url=request.build_absolute_uri("/"),
            )
        except InvitationRefused as refusal:
            form.add_error("email", refusal.message)
        except JourneyError as error:
            return journey_error_page(request, who, error)
        else:
            messages.success(
                request,
                _("We have emailed an invitation to %(email)s.") % {"email": collaborator.email},
            )
            return redirect("surveys:colleagues", slug)
    return render(
        request,
        "surveys/respond/colleagues.html",
        {
            "consultation": who.consultation,
            "who": who,
            "form": form,
            "collaborators": drafting_selectors.draft_collaborators(submission=submission),
            "review_url": step_url(who, who.journey.review_step),
            "limit": drafting_selectors.MAX_COLLABORATORS,
        },
        status=400 if form.errors else 200,
    )


@require_POST
def colleague_revoke(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    """Withdraw an invitation: the colleague's link stops working at once."""
    who = respondent_for(request, slug)
    refused = _owner_page(request, who)
    if refused is not None:
        return refused
    submission = cast(Submission, who.submission)  # _owner_page sends away one without a draft
    revoked = drafting_services.collaborator_revoke(submission=submission, collaborator_id=pk)
    if revoked is None:
        raise Http404
    messages.success(
        request, _("The invitation to %(email)s has been withdrawn.") % {"email": revoked.email}
    )
    return redirect("surveys:colleagues", slug)


@ratelimit(  # type: ignore[untyped-decorator]  # django-ratelimit ships no types
    key="ip", rate=invite_rate, method="GET", block=False
)
def draft_join(request: HttpRequest, token: str) -> HttpResponse:
    """A colleague's private link: this browser drafts that one response, as that colleague."""
    if getattr(request, "limited", False):
        return render(request, "surveys/respond/rate_limited.html", status=429)
    collaborator = drafting_selectors.collaborator_by_token(token=token)
    if collaborator is None:
        return render(request, "surveys/respond/link_invalid.html", status=404)
    submission = collaborator.submission
    consultation = submission.consultation
    if not collaborator.active or submission.state != SubmissionState.DRAFT:
        return render(
            request,
            "surveys/respond/draft_link_ended.html",
            {"consultation": consultation, "revoked": not collaborator.active},
            status=410,
        )
    if not rules.resume_link_valid(submission=submission, now=timezone.now()):
        return closed_page(request, consultation)
    drafting_services.collaborator_accept(collaborator=collaborator)
    request.session.cycle_key()
    remember(request, submission, collaborator)
    # Redirect at once so that the token does not stay in the address bar or history.
    response = redirect("surveys:respond", consultation.slug)
    response.set_cookie(
        settings.LANGUAGE_COOKIE_NAME,
        submission.language,
        max_age=settings.LANGUAGE_COOKIE_AGE,
        samesite="Lax",
        secure=settings.LANGUAGE_COOKIE_SECURE,
        httponly=settings.LANGUAGE_COOKIE_HTTPONLY,
    )
    return response


def about_refused(request: HttpRequest, who: Respondent, step: Step) -> HttpResponse:
    """A colleague may change the answers, not who the response is from."""
    messages.info(
        request,
        _(
            "Only the person who started this response can change the “About you” details. "
            "You can change the answers."
        ),
    )
    return redirect(step_url(who, step.number + 1))


def review_context(who: Respondent) -> dict[str, Any]:
    """What the check-your-answers page shows of drafting together: who may submit, the
    colleagues, and every change with who made it. Nothing while amending a submitted response."""
    submission = who.submission
    if submission is None or submission.state != SubmissionState.DRAFT:
        return {}
    collaborators = drafting_selectors.draft_collaborators(submission=submission)
    return {
        "is_owner": who.collaborator is None,
        "collaborator": who.collaborator,
        "may_submit": drafting_services.may_submit(collaborator=who.collaborator),
        "owner_name": submission.contact_name or submission.email,
        "submitters": [c.email for c in collaborators if c.active and c.can_submit],
        "collaborators": collaborators,
        "changes": drafting_selectors.draft_changes(submission=submission),
    }


def submitted_by_colleague(
    request: HttpRequest, who: Respondent, submission: Submission
) -> HttpResponse:
    """The page a colleague named to submit sees once they have: the reference, and that the
    receipt goes to the respondent who started the response. This browser no longer holds it."""
    forget(request, submission)
    return render(
        request,
        "surveys/respond/done_colleague.html",
        {"consultation": who.consultation, "submission": submission},
    )
