"""Staff report pages: a consultation's reports, live progress, new requests, retries, downloads.

Thin: each view checks access, calls a selector or a service and renders. Access is denied by
default: anonymous visitors are sent to the staff login, signed-in users without the permission
get 403, and files are served only through ``report_download`` after the same check.

While the job queue (Redis) is down, a page that needs it answers "Reports are unavailable just
now" (503, ``Retry-After``) instead of an error; the pages that only read reports keep working.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.db.models import Count, Prefetch
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, JsonResponse
from django.http.response import HttpResponseBase
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST
from kombu.exceptions import OperationalError as KombuOperationalError
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

from consultation.downloads import file_download
from consultation.errors import RETRY_AFTER_SECONDS
from reports.display import job_reason
from reports.forms import ReportRequestForm
from reports.jobs import services
from reports.models import Report, ReportFile, ReportFormat, ReportStatus
from surveys.models import Consultation

VIEW_PERMISSION = "reports.view_report"
REQUEST_PERMISSION = "reports.add_report"

View = Callable[..., HttpResponseBase]

# The job queue, or a Redis cache, could not be reached.
QUEUE_OUTAGE = (KombuOperationalError, RedisConnectionError, RedisTimeoutError)


def permission_required(permission: str) -> Callable[[View], View]:
    """Anonymous: to the staff login. Signed in without ``permission``: 403."""

    def decorator(view: View) -> View:
        @wraps(view)
        def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
            if not request.user.is_authenticated:
                return redirect_to_login(request.get_full_path())
            if not request.user.has_perm(permission):
                raise PermissionDenied
            try:
                return view(request, *args, **kwargs)
            except QUEUE_OUTAGE:
                return _unavailable_page(request, reason="", slug=kwargs.get("slug"))

        return wrapped

    return decorator


@require_GET
@permission_required(VIEW_PERMISSION)
def report_index(request: HttpRequest) -> HttpResponse:
    consultations = Consultation.objects.annotate(report_count=Count("reports")).order_by(
        "-opens_at", "pk"
    )
    return render(request, "reports/index.html", {"consultations": consultations})


@require_GET
@permission_required(VIEW_PERMISSION)
def consultation_reports(request: HttpRequest, slug: str) -> HttpResponse:
    consultation = get_object_or_404(Consultation, slug=slug)
    return _reports_page(request, consultation, ReportRequestForm())


@require_POST
@permission_required(REQUEST_PERMISSION)
def report_create(request: HttpRequest, slug: str) -> HttpResponse:
    consultation = get_object_or_404(Consultation, slug=slug)
    form = ReportRequestForm(request.POST)
    if not form.is_valid():
        return _reports_page(request, consultation, form, status=400)
    report = services.report_request(
        consultation=consultation,
        language=form.cleaned_data["language"],
        requested_by=request.user,
    )
    report.refresh_from_db(fields=["status", "error"])
    if report.status == ReportStatus.FAILED:
        return _unavailable_page(request, reason=job_reason(report), slug=consultation.slug)
    messages.success(
        request,
        gettext("Report #%(id)s is queued; this page shows its progress.") % {"id": report.pk},
    )
    return redirect("reports:consultation", slug=consultation.slug)


def _unavailable_page(request: HttpRequest, *, reason: str, slug: str | None) -> HttpResponse:
    """503 with ``Retry-After``: the job queue is down; nothing the visitor did was lost."""
    response = render(
        request,
        "reports/unavailable.html",
        {
            "reason": reason,
            "back_url": reverse("reports:consultation", args=[slug]) if slug else "",
        },
        status=503,
    )
    response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    response["Cache-Control"] = "no-store"
    return response


@require_POST
@permission_required(REQUEST_PERMISSION)
def report_retry(request: HttpRequest, pk: int) -> HttpResponse:
    report = get_object_or_404(Report.objects.select_related("consultation"), pk=pk)
    try:
        services.report_retry(report=report)
    except services.ReportError as exc:
        messages.error(request, str(exc))
    else:
        report.refresh_from_db(fields=["status", "error"])
        if report.status == ReportStatus.FAILED:
            return _unavailable_page(
                request, reason=job_reason(report), slug=report.consultation.slug
            )
        messages.success(request, gettext("Report #%(id)s is queued again.") % {"id": report.pk})
    return redirect("reports:consultation", slug=report.consultation.slug)


@never_cache
@require_GET
@permission_required(VIEW_PERMISSION)
def report_progress(request: HttpRequest, pk: int) -> JsonResponse:
    report = get_object_or_404(
        Report.objects.only("pk", "status", "progress", "step", "error", "heartbeat_at"), pk=pk
    )
    return JsonResponse(
        {
            "id": report.pk,
            "status": report.status,
            "status_label": str(ReportStatus(report.status).label),
            "progress": report.progress,
            "step": gettext(report.step) if report.step else "",
            # Why the watchdog queued it again, or why it waits to retry ("" when nothing).
            "reason": job_reason(report),
            "finished": report.is_finished,
        }
    )


@never_cache
@require_GET
@permission_required(VIEW_PERMISSION)
def report_download(request: HttpRequest, pk: int, fmt: str) -> FileResponse:
    if fmt not in ReportFormat.values:
        raise Http404
    report_file = get_object_or_404(
        ReportFile.objects.select_related("report__consultation"),
        report_id=pk,
        format=fmt,
        report__status=ReportStatus.SUCCEEDED,
    )
    return file_download(
        report_file.file, filename=services.report_file_name(report=report_file.report, fmt=fmt)
    )


def _reports_page(
    request: HttpRequest, consultation: Consultation, form: ReportRequestForm, status: int = 200
) -> HttpResponse:
    reports = (
        Report.objects.filter(consultation=consultation)
        .select_related("requested_by")
        .prefetch_related(Prefetch("files", queryset=ReportFile.objects.order_by("format")))
    )
    return render(
        request,
        "reports/consultation_reports.html",
        {
            "consultation": consultation,
            "reports": reports,
            "form": form,
            "can_request": request.user.has_perm(REQUEST_PERMISSION),
        },
        status=status,
    )
