"""Public and respondent pages. Thin: each view finds the respondent's own response, validates a
form, calls one service and renders or redirects.

Views run outside a transaction (ATOMIC_REQUESTS is off), so each service has committed by the
time it returns and the emails that follow never announce a change that was rolled back.

Access: a respondent reaches a response only through their session (set when they start, or when
they open their private resume link), never through an id in the URL. The closing time is checked
on every step, in Hong Kong time, by the services and again here to show a clear page.
"""

from __future__ import annotations

import re
import secrets
from typing import Any, cast

from django.conf import settings
from django.contrib import messages
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, HttpResponseBadRequest
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST
from django_ratelimit.decorators import ratelimit

from consultation.downloads import file_download
from surveys import roles
from surveys.drafting import services as drafting_services
from surveys.journey import (
    amendments,
    attachments,
    drafting,
    resume_links,
    rules,
    selectors,
    services,
)
from surveys.journey.attachments import AttachmentRejected
from surveys.journey.errors import JourneyError, SubmissionIncomplete, SubmitNotAllowed
from surveys.journey.forms import AboutYouForm, AttachmentForm, ResumeRequestForm, SubmitForm
from surveys.journey.rates import resume_rate, submit_rate
from surveys.journey.respondent import (
    SESSION_KEY,
    Respondent,
    after_save,
    amendment_keep,
    blocked_page,
    client_address,
    closed_page,
    journey_error_page,
    page_language,
    published_consultation,
    remember,
    render_step,
    respondent_for,
    session_submission,
    step_url,
)
from surveys.journey.section_step import step_section
from surveys.journey.structure import Step, answers_prune
from surveys.models import (
    Consent,
    Consultation,
    LicenceRegister,
    RespondentCategory,
    RespondentType,
    Submission,
    SubmissionState,
)

# The "About you" page's key, as ``secrets.token_urlsafe(24)`` writes it.
START_KEY = re.compile(r"[A-Za-z0-9_-]{32}")


# --- Public pages ------------------------------------------------------------------------------


def consultation_index(request: HttpRequest) -> HttpResponse:
    groups = selectors.consultation_list()
    return render(request, "surveys/consultation_list.html", {"groups": groups})


def consultation_detail(request: HttpRequest, slug: str) -> HttpResponse:
    try:
        consultation, documents = selectors.consultation_public_detail(slug=slug)
    except Consultation.DoesNotExist as exc:
        raise Http404 from exc
    now = timezone.now()
    return render(
        request,
        "surveys/consultation_detail.html",
        {
            "consultation": consultation,
            "documents": documents,
            "status": consultation.status_at(now),
            "accepting": rules.consultation_accepts_responses(consultation=consultation, now=now),
            "has_response": session_submission(request, consultation) is not None,
        },
    )


# --- The form ----------------------------------------------------------------------------------


def respond_start(request: HttpRequest, slug: str) -> HttpResponse:
    """The "Respond" button: back to where this browser's response stopped, or step 1."""
    who = respondent_for(request, slug)
    submission = who.submission
    if submission is not None and submission.state != SubmissionState.DRAFT:
        if who.amending:
            return redirect(step_url(who, who.journey.review_step))
        return redirect("surveys:your_response", slug)
    blocked = blocked_page(request, who)
    if blocked is not None:
        return blocked
    step = min(submission.current_step, who.journey.total) if submission else 1
    return redirect(step_url(who, max(step, 1)))


@require_http_methods(["GET", "POST"])
def respond_step(request: HttpRequest, slug: str, number: int) -> HttpResponse:
    who = respondent_for(request, slug)
    step = who.journey.step(number)
    if step is None:
        raise Http404
    blocked = blocked_page(request, who)
    if blocked is not None:
        return blocked
    if number > 1 and who.submission is None:
        return redirect(step_url(who, 1))
    if who.submission is not None and not who.amending and number > who.submission.current_step:
        # No skipping ahead of the furthest page reached.
        return redirect(step_url(who, who.submission.current_step))
    handler = {
        "about": _step_about,
        "section": step_section,
        "attachments": _step_attachments,
        "review": _step_review,
    }[step.kind]
    try:
        return handler(request, who, step)
    except JourneyError as error:
        return journey_error_page(request, who, error)


def _step_about(request: HttpRequest, who: Respondent, step: Step) -> HttpResponse:
    # A page that starts a response carries a random key: sent again, it finds its draft.
    posted_key = request.POST.get("start_key", "")
    start_key = posted_key if START_KEY.fullmatch(posted_key) else secrets.token_urlsafe(24)
    if who.submission is not None or who.amendment is not None:
        start_key = ""
    if request.method == "GET":
        form = AboutYouForm(initial=who.respondent() or None)
        return render_step(
            request, who, step, "surveys/respond/about.html", form=form, start_key=start_key
        )
    if who.collaborator is not None:  # the details of whoever speaks for the response
        return drafting.about_refused(request, who, step)
    form = AboutYouForm(request.POST)
    if form.honeypot_filled():
        return HttpResponseBadRequest(_("Your response could not be accepted."))
    if not form.is_valid():
        return render_step(
            request, who, step, "surveys/respond/about.html", form=form, start_key=start_key
        )
    if who.amendment is not None:
        amendment_keep(
            request,
            who,
            amendments.amendment_respondent_set(
                amendment=who.amendment, respondent=form.respondent()
            ),
        )
    elif who.submission is None:
        submission, token = services.draft_start(
            consultation=who.consultation,
            respondent=form.respondent(),
            language=page_language(),
            client_address=client_address(request),
            site_url=request.build_absolute_uri("/"),
            start_key=posted_key if START_KEY.fullmatch(posted_key) else "",
        )
        remember(request, submission)
        who.submission = submission
        messages.info(
            request,
            _("Your answers are saved as you go. We have emailed you a link to continue later."),
        )
    else:
        services.draft_save_respondent(
            submission=who.submission, respondent=form.respondent(), language=page_language()
        )
    return after_save(request, who, step)


def _step_attachments(request: HttpRequest, who: Respondent, step: Step) -> HttpResponse:
    # The pages after "About you" are reached with a response only (respond_step).
    submission = cast(Submission, who.submission)
    form = AttachmentForm()
    if request.method == "POST" and "upload" in request.POST:
        form = AttachmentForm(request.POST, request.FILES)
        if form.is_valid():
            upload = form.cleaned_data["file"]
            try:
                attachments.attachment_add(
                    submission=submission,
                    upload=upload,
                    checked=form.checked,
                )
            except AttachmentRejected as rejected:
                form.add_error("file", rejected.message)
            else:
                messages.success(request, _("The file has been attached."))
                return redirect(request.get_full_path())
    elif request.method == "POST":
        if not who.amending:
            services.draft_advance(submission=submission, step=step.number)
        return after_save(request, who, step)
    return render_step(
        request,
        who,
        step,
        "surveys/respond/attachments.html",
        form=form,
        attachments=selectors.submission_attachments(submission=submission),
        multipart=True,
    )


def _review_context(who: Respondent) -> dict[str, Any]:
    language = page_language()
    answers = answers_prune(answers=who.answers(), journey=who.journey)
    respondent = who.respondent()
    return {
        "sections": selectors.answers_display(
            journey=who.journey, answers=answers, language=language
        ),
        "respondent": respondent,
        "respondent_labels": _respondent_labels(respondent),
        "attachments": (
            selectors.submission_attachments(submission=who.submission) if who.submission else []
        ),
        "attachments_step": who.journey.review_step - 1,
        "drafting": drafting.review_context(who),
    }


def _respondent_labels(respondent: dict[str, Any]) -> dict[str, str]:
    def label(choices: Any, value: str) -> str:
        return str(dict(choices.choices).get(value, "")) if value else ""

    return {
        "respondent_type": label(RespondentType, respondent.get("respondent_type", "")),
        "category": label(RespondentCategory, respondent.get("category", "")),
        "consent": label(Consent, respondent.get("consent", "")),
        "licence_register": label(LicenceRegister, respondent.get("licence_register", "")),
    }


def _step_review(request: HttpRequest, who: Respondent, step: Step) -> HttpResponse:
    return render_step(
        request,
        who,
        step,
        "surveys/respond/review.html",
        submit_form=SubmitForm(),
        **_review_context(who),
    )


@require_POST
@ratelimit(  # type: ignore[untyped-decorator]  # django-ratelimit ships no types
    key="ip", rate=submit_rate, method="POST", block=False
)
def respond_submit(request: HttpRequest, slug: str) -> HttpResponse:
    """Submit (or, while amending, submit the changes). A replay stores nothing new."""
    if getattr(request, "limited", False):
        return render(request, "surveys/respond/rate_limited.html", status=429)
    who = respondent_for(request, slug)
    if who.submission is None:
        return redirect("surveys:respond", slug)
    form = SubmitForm(request.POST)
    if form.honeypot_filled():
        return HttpResponseBadRequest(_("Your response could not be accepted."))
    if who.submission.state != SubmissionState.DRAFT and not who.amending:
        # A second click or a replayed request after the first one went through.
        return redirect("surveys:done", slug)
    try:
        if who.amendment is not None:
            amendments.amendment_submit(
                submission=who.submission,
                journey=who.journey,
                amendment=who.amendment,
                language=page_language(),
                site_url=request.build_absolute_uri("/"),
            )
            amendment_keep(request, who, None)
        else:
            result = drafting_services.draft_submit(
                submission=who.submission,
                journey=who.journey,
                collaborator=who.collaborator,
                client_address=client_address(request),
                site_url=request.build_absolute_uri("/"),
            )
    except SubmissionIncomplete as incomplete:
        step = who.journey.step(who.journey.review_step)
        return render_step(
            request,
            who,
            cast(Step, step),  # the review step is always there
            "surveys/respond/review.html",
            submit_form=form,
            missing=_missing_links(who, incomplete.missing),
            **_review_context(who),
        )
    except SubmitNotAllowed:
        messages.error(request, _("Only the person named to submit this response can submit it."))
        return redirect(step_url(who, who.journey.review_step))
    except JourneyError as error:
        return journey_error_page(request, who, error)
    if who.collaborator is not None:  # a colleague's access ends with the draft
        return drafting.submitted_by_colleague(request, who, result.submission)
    return redirect("surveys:done", slug)


def _missing_links(who: Respondent, codes: list[str]) -> list[dict[str, Any]]:
    missing = []
    for code in codes:
        if code == "about":
            missing.append({"text": _("Complete the “About you” step."), "url": step_url(who, 1)})
            continue
        question = who.journey.by_code[code]
        number = next(s.number for s in who.journey.steps if s.section == question.section)
        missing.append(
            {
                "text": _("Answer question %(code)s.") % {"code": code},
                "url": f"{step_url(who, number)}?change=1#id_q_{code}",
            }
        )
    return missing


def respond_done(request: HttpRequest, slug: str) -> HttpResponse:
    who = respondent_for(request, slug)
    if who.submission is None or who.submission.state != SubmissionState.SUBMITTED:
        return redirect("surveys:respond", slug)
    return render(
        request,
        "surveys/respond/done.html",
        {"consultation": who.consultation, "submission": who.submission},
    )


def respond_saved(request: HttpRequest, slug: str) -> HttpResponse:
    who = respondent_for(request, slug)
    if who.submission is None:
        return redirect("surveys:respond", slug)
    return render(
        request,
        "surveys/respond/saved.html",
        {"consultation": who.consultation, "submission": who.submission, "who": who},
    )


def your_response(request: HttpRequest, slug: str) -> HttpResponse:
    """A submitted or withdrawn response: its status, answers, and the way to change it."""
    who = respondent_for(request, slug)
    submission = who.submission
    if submission is None or submission.state == SubmissionState.DRAFT:
        return redirect("surveys:respond", slug)
    language = page_language()
    now = timezone.now()
    answers = selectors.submission_answers(submission=submission, journey=who.journey)
    return render(
        request,
        "surveys/respond/your_response.html",
        {
            "consultation": who.consultation,
            "submission": submission,
            "can_change": rules.submission_can_change(submission=submission, now=now),
            "can_start_again": submission.state == SubmissionState.WITHDRAWN
            and rules.consultation_accepts_responses(consultation=who.consultation, now=now),
            "sections": selectors.answers_display(
                journey=who.journey, answers=answers, language=language
            ),
            "respondent_labels": _respondent_labels(
                selectors.submission_respondent(submission=submission)
            ),
            "attachments": selectors.submission_attachments(submission=submission),
        },
    )


@require_POST
def respond_again(request: HttpRequest, slug: str) -> HttpResponse:
    """After a withdrawal: forget the withdrawn response in this browser and start afresh."""
    who = respondent_for(request, slug)
    if who.submission is not None and who.submission.state == SubmissionState.WITHDRAWN:
        responses = dict(request.session.get(SESSION_KEY, {}))
        responses.pop(str(who.consultation.pk), None)
        request.session[SESSION_KEY] = responses
    return redirect("surveys:respond", slug)


@require_POST
def amend_start(request: HttpRequest, slug: str) -> HttpResponse:
    who = respondent_for(request, slug)
    submission = who.submission
    if submission is None or submission.state != SubmissionState.SUBMITTED:
        return redirect("surveys:respond", slug)
    try:
        amendment = amendments.amendment_start(submission=submission, journey=who.journey)
    except JourneyError:
        return closed_page(request, who.consultation)
    amendment_keep(request, who, amendment)
    return redirect(step_url(who, who.journey.review_step))


@require_POST
def amend_cancel(request: HttpRequest, slug: str) -> HttpResponse:
    who = respondent_for(request, slug)
    if who.submission is not None:
        amendment_keep(request, who, None)
    return redirect("surveys:your_response", slug)


@require_http_methods(["GET", "POST"])
def withdraw(request: HttpRequest, slug: str) -> HttpResponse:
    who = respondent_for(request, slug)
    submission = who.submission
    if submission is None or submission.state == SubmissionState.DRAFT:
        return redirect("surveys:respond", slug)
    if submission.state == SubmissionState.WITHDRAWN:
        return redirect("surveys:your_response", slug)
    if not rules.submission_can_change(submission=submission, now=timezone.now()):
        return closed_page(request, who.consultation)
    if request.method == "POST":
        try:
            submission = services.submission_withdraw(submission=submission, notify=True)
        except JourneyError as error:
            return journey_error_page(request, who, error)
        amendment_keep(request, who, None)
        messages.success(request, _("Your response has been withdrawn."))
        return redirect("surveys:your_response", slug)
    return render(
        request,
        "surveys/respond/withdraw.html",
        {"consultation": who.consultation, "submission": submission},
    )


@ratelimit(  # type: ignore[untyped-decorator]  # django-ratelimit ships no types
    key="ip", rate=resume_rate, method="POST", block=False
)
@require_http_methods(["GET", "POST"])
def resume_request(request: HttpRequest, slug: str) -> HttpResponse:
    """Ask for the private link again. The answer is the same whether or not we hold a response."""
    consultation = published_consultation(slug)
    if getattr(request, "limited", False):
        return render(request, "surveys/respond/rate_limited.html", status=429)
    form = ResumeRequestForm(request.POST or None)
    if request.method == "POST":
        if form.honeypot_filled():
            return HttpResponseBadRequest(_("Your request could not be accepted."))
        if form.is_valid():
            resume_links.resume_link_request(
                consultation=consultation,
                email=form.cleaned_data["email"],
                site_url=request.build_absolute_uri("/"),
            )
            return render(
                request,
                "surveys/respond/resume_sent.html",
                {"consultation": consultation, "email": form.cleaned_data["email"]},
            )
    return render(
        request,
        "surveys/respond/resume_request.html",
        {"consultation": consultation, "form": form},
    )


@ratelimit(  # type: ignore[untyped-decorator]  # django-ratelimit ships no types
    key="ip", rate=resume_rate, method="GET", block=False
)
def resume(request: HttpRequest, token: str) -> HttpResponse:
    """The private link from the email: attach the response to this browser and continue."""
    if getattr(request, "limited", False):
        return render(request, "surveys/respond/rate_limited.html", status=429)
    submission = selectors.submission_by_token(token=token)
    if submission is None:
        return render(request, "surveys/respond/link_invalid.html", status=404)
    consultation = submission.consultation
    if not rules.resume_link_valid(submission=submission, now=timezone.now()):
        return closed_page(request, consultation)
    request.session.cycle_key()  # a new session id: the link may have been opened elsewhere too
    remember(request, submission)
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


def attachment_download(request: HttpRequest, slug: str, pk: int) -> FileResponse:
    """An attachment, for the respondent who uploaded it or for staff who may see responses."""
    consultation = published_consultation(slug)
    attachment = selectors.consultation_attachment(consultation=consultation, pk=pk)
    if attachment is None:
        raise Http404
    own = session_submission(request, consultation)
    is_staff = request.user.is_staff and roles.can_read_attachments(request.user)
    if not is_staff and (own is None or own.pk != attachment.submission_id):
        raise Http404
    return file_download(
        attachment.file,
        filename=attachment.original_name,
        content_type=attachment.content_type,
        cache_control="private, no-store",
    )


@require_POST
def attachment_remove(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    who = respondent_for(request, slug)
    if who.submission is None:
        raise Http404
    blocked = blocked_page(request, who)
    if blocked is not None:
        return blocked
    try:
        removed = attachments.attachment_remove(submission=who.submission, attachment_id=pk)
    except JourneyError as error:
        return journey_error_page(request, who, error)
    if not removed:
        raise Http404
    messages.success(request, _("The file has been removed."))
    return redirect(step_url(who, who.journey.review_step - 1))
