"""The API, version 1, under /api/v1/ (namespace ``api``)."""

from django.middleware.http import ConditionalGetMiddleware
from django.urls import path
from django.utils.decorators import decorator_from_middleware
from drf_spectacular.views import SpectacularJSONAPIView

from api.docs import ApiDocs
from api.errors import not_found
from api.public import bulk
from api.public import views as public
from api.staff import views as staff

app_name = "api"

# Slugs and ids are matched as any text, so that a malformed one reaches the view and gets the
# API's JSON 404, not the site's HTML page.
# Published data carries an ETag (a hash of the body): a client that sends it back in
# If-None-Match gets 304 Not Modified without the body.
etag = decorator_from_middleware(ConditionalGetMiddleware)

urlpatterns = [
    path("openapi.json", SpectacularJSONAPIView.as_view(), name="schema"),
    path("docs/", ApiDocs.as_view(url_name="api:schema"), name="docs"),
    path("consultations/", etag(public.ConsultationList.as_view()), name="consultations"),
    path(
        "consultations/<str:slug>/",
        etag(public.ConsultationDetail.as_view()),
        name="consultation",
    ),
    path(
        "consultations/<str:slug>/conclusions/",
        etag(public.Conclusions.as_view()),
        name="conclusions",
    ),
    path("consultations/<str:slug>/figures/", etag(public.Figures.as_view()), name="figures"),
    path(
        "consultations/<str:slug>/responses/",
        etag(public.Responses.as_view()),
        name="responses",
    ),
    path(
        "consultations/<str:slug>/responses/download.<str:kind>",
        bulk.ResponsesDownload.as_view(),
        name="responses_download",
    ),
    path(
        "staff/consultations/<str:slug>/submissions/",
        staff.Submissions.as_view(),
        name="staff_submissions",
    ),
    path(
        "staff/consultations/<str:slug>/review/",
        staff.ReviewStatusView.as_view(),
        name="staff_review",
    ),
    path(
        "staff/consultations/<str:slug>/reports/",
        staff.ConsultationReports.as_view(),
        name="staff_reports",
    ),
    path("staff/reports/<str:report_id>/", staff.ReportDetail.as_view(), name="staff_report"),
    path(
        "staff/reports/<str:report_id>/files/<str:fmt>/",
        staff.ReportFileDownload.as_view(),
        name="staff_report_file",
    ),
    # Anything else under /api/v1/ is a JSON 404 too, never the site's HTML page.
    path("<path:rest>", not_found, name="not_found"),
]
