"""Public pages and the respondent's journey. No URL carries a response's id."""

from django.urls import path

from surveys.journey import views

app_name = "surveys"

respond = "consultations/<slug:slug>/respond/"

urlpatterns = [
    path("", views.consultation_index, name="index"),
    path("consultations/<slug:slug>/", views.consultation_detail, name="detail"),
    path(respond, views.respond_start, name="respond"),
    path(f"{respond}step/<int:number>/", views.respond_step, name="step"),
    path(f"{respond}submit/", views.respond_submit, name="submit"),
    path(f"{respond}done/", views.respond_done, name="done"),
    path(f"{respond}saved/", views.respond_saved, name="saved"),
    path(f"{respond}your-response/", views.your_response, name="your_response"),
    path(f"{respond}again/", views.respond_again, name="again"),
    path(f"{respond}amend/", views.amend_start, name="amend"),
    path(f"{respond}amend/cancel/", views.amend_cancel, name="amend_cancel"),
    path(f"{respond}withdraw/", views.withdraw, name="withdraw"),
    path(f"{respond}resume/", views.resume_request, name="resume_request"),
    path(f"{respond}attachments/<int:pk>/", views.attachment_download, name="attachment"),
    path(
        f"{respond}attachments/<int:pk>/remove/",
        views.attachment_remove,
        name="attachment_remove",
    ),
    path("resume/<str:token>/", views.resume, name="resume"),
]
