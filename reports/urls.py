"""Staff report pages, under /reports/."""

from django.urls import path

from reports.audit import views as views_audit
from reports.conclusions import views as views_conclusions
from reports.conclusions import workbench as views_workbench
from reports.views import figures as views_figures
from reports.views import staff as views

app_name = "reports"

urlpatterns = [
    path("", views.report_index, name="index"),
    path("consultations/<slug:slug>/", views.consultation_reports, name="consultation"),
    path("consultations/<slug:slug>/request/", views.report_create, name="request"),
    path("<int:pk>/progress.json", views.report_progress, name="progress"),
    path("<int:pk>/retry/", views.report_retry, name="retry"),
    path("<int:pk>/files/<str:fmt>/", views.report_download, name="download"),
    path("<int:pk>/figures/", views_figures.report_figures, name="figures"),
    path("<int:pk>/figures/responses/", views_figures.report_trace, name="trace"),
    path(
        "consultations/<slug:slug>/conclusions/",
        views_conclusions.conclusions_edit,
        name="conclusions",
    ),
    path(
        "consultations/<slug:slug>/conclusions/publish/",
        views_conclusions.conclusions_publish,
        name="conclusions_publish",
    ),
    path(
        "consultations/<slug:slug>/conclusions/dispositions/",
        views_conclusions.conclusions_disposition,
        name="conclusions_disposition",
    ),
    path(
        "consultations/<slug:slug>/conclusions/waive/",
        views_conclusions.conclusions_waive,
        name="conclusions_waive",
    ),
    path(
        "consultations/<slug:slug>/conclusions/unpublish/",
        views_conclusions.conclusions_unpublish,
        name="conclusions_unpublish",
    ),
    path(
        "consultations/<slug:slug>/conclusions/audit-pack.zip",
        views_audit.conclusions_audit_pack,
        name="conclusions_audit_pack",
    ),
    path(
        "consultations/<slug:slug>/conclusions/<str:code>/",
        views_workbench.question_workbench,
        name="workbench",
    ),
]
