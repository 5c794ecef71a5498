"""Top-level URLs: the public and respondent pages, the staff admin, and language switching."""

from django.contrib import admin
from django.urls import include, path

urlpatterns = [
    path("i18n/", include("django.conf.urls.i18n")),
    path("admin/", admin.site.urls),
    path("reports/", include("reports.urls")),
    path("", include("surveys.urls")),
]
