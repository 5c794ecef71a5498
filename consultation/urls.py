"""Top-level URLs: the public and respondent pages, the staff admin, and language switching."""

from django.contrib import admin
from django.urls import include, path

from consultation.health import healthz

urlpatterns = [
    path("healthz", healthz, name="healthz"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("admin/", admin.site.urls),
    path("api/v1/", include("api.urls")),
    path("reports/", include("reports.urls")),
    path("consultations/<slug:slug>/conclusions/", include("reports.urls_public")),
    path("", include("surveys.subscriptions.urls")),
    path("", include("surveys.journey.urls")),
]

# A database lost outside a view (the session saved after it) still gets the "try again" page.
handler500 = "consultation.errors.server_error"
