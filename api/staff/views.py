"""The staff API, by personal token: submissions, their review status, reports and their files,
and requesting a report. Each view names the scope it needs (``api.auth.ScopeRequired``); the
token's owner must hold the matching permission at the time of the call."""

from __future__ import annotations

from typing import Any

from django.db.models import BooleanField, Case, Count, Exists, Max, OuterRef, Prefetch, Q, When
from django.http import FileResponse, Http404
from django.urls import reverse
from django.utils.translation import gettext
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from kombu.exceptions import OperationalError as KombuOperationalError
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError
from rest_framework import generics, status
from rest_framework.exceptions import APIException, NotFound
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from api.auth import ScopeRequired, token_has_scope
from api.negotiation import FileNegotiation
from api.pagination import KeyCursorPagination
from api.public.selectors import iso
from api.public.views import SLUG
from api.staff import serializers as shapes
from consultation.downloads import file_download
from consultation.errors import RETRY_AFTER_SECONDS
from reports.display import job_reason
from reports.jobs import services as report_services
from reports.models import Report, ReportFile, ReportFormat, ReportStatus
from surveys import privacy
from surveys.models import (
    Answer,
    ApiScope,
    Consultation,
    PrivacyActionKind,
    ReviewEvent,
    ReviewStatus,
    Submission,
    SubmissionState,
)
from surveys.names import organisation_name_shown
from surveys.querysets import counted_condition

QUEUE_OUTAGE = (KombuOperationalError, RedisConnectionError, RedisTimeoutError)
REPORT_ID = OpenApiParameter("report_id", int, OpenApiParameter.PATH)


class QueueUnavailable(APIException):
    status_code = 503
    default_detail = "Reports are unavailable just now; try again in a minute."
    default_code = "unavailable"


class StaffView(APIView):
    permission_classes = [ScopeRequired]
    required_scope = ""


def consultation_or_404(slug: str) -> Consultation:
    consultation = Consultation.objects.filter(slug=slug).first()
    if consultation is None:
        raise NotFound(gettext("No such consultation."))
    return consultation


def answers_data(submission: Submission) -> list[dict[str, Any]]:
    answers: dict[str, dict[str, Any]] = {}
    for answer in submission.answers.all():
        item = answers.setdefault(
            answer.question.code,
            {"question": answer.question.code, "choices": [], "text": "", "number": None},
        )
        if answer.choice is not None:
            item["choices"].append(answer.choice.value)
        if answer.number is not None:
            item["number"] = answer.number
        if answer.text.strip():
            item["text"] = answer.text.strip()
    return list(answers.values())


def submission_data(submission: Any, *, personal: bool) -> dict[str, Any]:
    shown = organisation_name_shown(respondent_type=submission.respondent_type, personal=False)
    data: dict[str, Any] = {
        "reference": submission.reference,
        "state": submission.state,
        "channel": submission.channel,
        "respondent_type": submission.respondent_type,
        "category": submission.category,
        "consent": submission.consent,
        "language": submission.language,
        "submitted_at": iso(submission.submitted_at),
        "received_at": iso(submission.received_at),
        "withdrawn_at": iso(submission.withdrawn_at),
        "is_late": submission.is_late,
        "counted": submission.is_counted,
        "review_status": submission.review_status,
        "exclusion_reason": submission.exclusion_reason,
        "campaign_group": submission.campaign_group.label if submission.campaign_group else None,
        "organisation_name": (submission.organisation_name or None) if shown else None,
        "personal_data_erased": submission.personal_data_erased_at is not None,
        "answers": answers_data(submission),
    }
    if personal:
        data["personal"] = {
            "contact_name": submission.contact_name,
            "organisation_name": submission.organisation_name,
            "email": submission.email,
        }
    return data


class Submissions(StaffView, generics.ListAPIView):
    """A consultation's submitted and withdrawn responses (drafts are not part of the record)."""

    required_scope = ApiScope.SUBMISSIONS_READ
    pagination_class = KeyCursorPagination
    serializer_class = shapes.SubmissionSerializer

    @extend_schema(parameters=[SLUG, shapes.SubmissionsQuerySerializer])
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().get(request, *args, **kwargs)

    def list(self, request: Request, *args: Any, slug: str = "", **kwargs: Any) -> Response:
        consultation = consultation_or_404(slug)
        query = shapes.SubmissionsQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        filters = dict(query.validated_data)
        question = filters.pop("question", "")
        submissions = Submission.objects.filter(
            consultation=consultation,
            state__in=[SubmissionState.SUBMITTED, SubmissionState.WITHDRAWN],
            **filters,
        )
        if question:
            submissions = submissions.filter(
                Exists(Answer.objects.filter(submission=OuterRef("pk"), question__code=question))
            )
        submissions = (
            submissions.annotate(
                is_counted=Case(
                    When(counted_condition(), then=True),
                    default=False,
                    output_field=BooleanField(),
                )
            )
            .select_related("campaign_group")
            .prefetch_related(
                Prefetch(
                    "answers",
                    queryset=Answer.objects.select_related("question", "choice").order_by(
                        "question__order", "choice__order", "pk"
                    ),
                )
            )
        )
        page: list[Any] = self.paginate_queryset(submissions) or []
        personal = token_has_scope(request, ApiScope.PERSONAL_DATA_READ)
        if personal and page:
            privacy.personal_data_seen(
                kind=PrivacyActionKind.STAFF_VIEW,
                operator=request.user.get_username(),
                consultation=consultation,
                references=[submission.reference for submission in page],
                details={"via": "api", "token": getattr(request.auth, "prefix", "")},
            )
        data = [submission_data(submission, personal=personal) for submission in page]
        return self.get_paginated_response(shapes.SubmissionSerializer(data, many=True).data)


class ReviewStatusView(StaffView):
    """How far the review of a consultation's responses has gone."""

    required_scope = ApiScope.REVIEW_READ

    @extend_schema(parameters=[SLUG], responses=shapes.ReviewStatusSerializer)
    def get(self, request: Request, slug: str) -> Response:
        consultation = consultation_or_404(slug)
        submissions = Submission.objects.filter(consultation=consultation)
        totals = submissions.aggregate(
            submitted=Count("pk", filter=Q(state=SubmissionState.SUBMITTED)),
            withdrawn=Count("pk", filter=Q(state=SubmissionState.WITHDRAWN)),
            counted=Count("pk", filter=counted_condition()),
        )
        submitted = submissions.filter(state=SubmissionState.SUBMITTED)
        by_status = {value: 0 for value in ReviewStatus.values}
        for value, n in submitted.values_list("review_status").annotate(n=Count("pk")).order_by():
            by_status[value] = n
        excluded = dict(
            submitted.filter(review_status=ReviewStatus.EXCLUDED)
            .values_list("exclusion_reason")
            .annotate(n=Count("pk"))
            .order_by()
        )
        last = ReviewEvent.objects.filter(submission__consultation=consultation).aggregate(
            at=Max("at")
        )["at"]
        data = {
            "consultation": consultation.slug,
            **totals,
            "by_review_status": by_status,
            "excluded_by_reason": excluded,
            "last_review_at": last,
        }
        return Response(shapes.ReviewStatusSerializer(data).data)


def report_data(report: Report) -> dict[str, Any]:
    return {
        "id": report.pk,
        "consultation": report.consultation.slug,
        "language": report.language,
        "status": report.status,
        "progress": report.progress,
        "step": gettext(report.step) if report.step else "",
        "error": job_reason(report),
        "queued_at": report.queued_at,
        "started_at": report.started_at,
        "finished_at": report.finished_at,
        "snapshot": (
            {
                "count": report.snapshot_count,
                "sha256": report.snapshot_sha256,
                "as_of": iso(report.snapshot_as_of),
            }
            if report.snapshot_as_of is not None
            else None
        ),
        "files": [
            {
                "format": report_file.format,
                "size": report_file.size,
                "url": reverse("api:staff_report_file", args=[report.pk, report_file.format]),
            }
            for report_file in report.files.all()
        ],
    }


def reports_of(**filters: Any) -> Any:
    return (
        Report.objects.filter(**filters)
        .select_related("consultation")
        .prefetch_related(Prefetch("files", queryset=ReportFile.objects.order_by("format")))
    )


class ConsultationReports(StaffView, generics.ListAPIView):
    """GET: a consultation's reports, newest first. POST: request a new report (it is built by
    the workers; poll the report for its progress)."""

    required_scopes = {"GET": ApiScope.REPORTS_READ, "POST": ApiScope.REPORTS_REQUEST}
    pagination_class = KeyCursorPagination
    serializer_class = shapes.ReportSerializer

    @extend_schema(parameters=[SLUG])
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().get(request, *args, **kwargs)

    def list(self, request: Request, *args: Any, slug: str = "", **kwargs: Any) -> Response:
        consultation = consultation_or_404(slug)
        page = self.paginate_queryset(reports_of(consultation=consultation)) or []
        data = [report_data(report) for report in page]
        return self.get_paginated_response(shapes.ReportSerializer(data, many=True).data)

    @extend_schema(
        parameters=[SLUG],
        request=shapes.ReportRequestSerializer,
        responses={202: shapes.ReportSerializer},
    )
    def post(self, request: Request, slug: str) -> Response:
        consultation = consultation_or_404(slug)
        body = shapes.ReportRequestSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        try:
            report = report_services.report_request(
                consultation=consultation,
                language=body.validated_data["language"],
                requested_by=request.user,
            )
        except QUEUE_OUTAGE as exc:
            raise QueueUnavailable(gettext("Reports are unavailable just now.")) from exc
        report.refresh_from_db()
        if report.status == ReportStatus.FAILED:
            raise QueueUnavailable(job_reason(report))
        return Response(
            shapes.ReportSerializer(report_data(reports_of(pk=report.pk).get())).data,
            status=status.HTTP_202_ACCEPTED,
        )

    def handle_exception(self, exc: Exception) -> Response:
        response: Response = super().handle_exception(exc)
        if isinstance(exc, QueueUnavailable):
            response["Retry-After"] = str(RETRY_AFTER_SECONDS)
        return response


def report_pk(raw: str) -> int:
    """A report id from the URL; anything else is a 404 (ids are positive whole numbers)."""
    if not raw.isdigit() or len(raw) > 18:
        raise NotFound(gettext("No such report."))
    return int(raw)


class ReportDetail(StaffView):
    """One report: status, progress, snapshot and files."""

    required_scope = ApiScope.REPORTS_READ

    @extend_schema(parameters=[REPORT_ID], responses=shapes.ReportSerializer)
    def get(self, request: Request, report_id: str) -> Response:
        report = reports_of().filter(pk=report_pk(report_id)).first()
        if report is None:
            raise NotFound(gettext("No such report."))
        return Response(shapes.ReportSerializer(report_data(report)).data)


class ReportFileDownload(StaffView):
    """One file of a report (``json``, ``csv``, ``xlsx`` or ``pdf``)."""

    required_scope = ApiScope.REPORTS_READ
    content_negotiation_class = FileNegotiation

    @extend_schema(
        parameters=[
            REPORT_ID,
            OpenApiParameter("fmt", str, OpenApiParameter.PATH, enum=ReportFormat.values),
        ],
        responses={(200, "application/octet-stream"): OpenApiResponse(OpenApiTypes.BINARY)},
    )
    def get(self, request: Request, report_id: str, fmt: str) -> FileResponse:
        report_file = ReportFile.objects.filter(
            report_id=report_pk(report_id), format=fmt, report__status=ReportStatus.SUCCEEDED
        ).first()
        if report_file is None:
            raise NotFound(gettext("This report has no such file (yet)."))
        try:
            return file_download(
                report_file.file,
                filename=f"report-{report_id}.{fmt}",
                content_type="application/octet-stream",
                cache_control="no-store",
            )
        except Http404 as exc:
            raise NotFound(gettext("The file is missing from storage.")) from exc
