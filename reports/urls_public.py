"""Public pages of published conclusions, included under /consultations/<slug>/conclusions/."""

from django.urls import path

from reports.views import public as views_public

app_name = "conclusions"

urlpatterns = [
    path("", views_public.conclusions_landing, name="landing"),
    path("figures/", views_public.conclusions_figures, name="figures"),
    path("responses/", views_public.conclusions_responses, name="responses"),
    path("download/<str:kind>/", views_public.conclusions_download, name="download"),
    path("attachments/<int:pk>/", views_public.conclusions_attachment, name="attachment"),
]
