"""Public pages and the respondent's journey. No URL carries a response's id.

Every page of a response is the respondent's alone: ``never_cache`` tells browsers and proxies
not to keep it (``Cache-Control: no-store``), so the back button on a shared computer or a
caching proxy shows nobody else's answers.
"""

from django.urls import path
from django.views.decorators.cache import never_cache

from surveys.journey import confirmation_views, drafting, views

app_name = "surveys"

respond = "consultations/<slug:slug>/respond/"

urlpatterns = [
    path("", views.consultation_index, name="index"),
    path("consultations/<slug:slug>/", views.consultation_detail, name="detail"),
    path(respond, never_cache(views.respond_start), name="respond"),
    path(f"{respond}step/<int:number>/", never_cache(views.respond_step), name="step"),
    path(f"{respond}submit/", never_cache(views.respond_submit), name="submit"),
    path(f"{respond}done/", never_cache(views.respond_done), name="done"),
    path(f"{respond}saved/", never_cache(views.respond_saved), name="saved"),
    path(f"{respond}your-response/", never_cache(views.your_response), name="your_response"),
    path(f"{respond}again/", never_cache(views.respond_again), name="again"),
    path(f"{respond}amend/", never_cache(views.amend_start), name="amend"),
    path(f"{respond}amend/cancel/", never_cache(views.amend_cancel), name="amend_cancel"),
    path(f"{respond}withdraw/", never_cache(views.withdraw), name="withdraw"),
    path(f"{respond}resume/", never_cache(views.resume_request), name="resume_request"),
    path(
        f"{respond}attachments/<int:pk>/", never_cache(views.attachment_download), name="attachment"
    ),
    path(
        f"{respond}attachments/<int:pk>/remove/",
        never_cache(views.attachment_remove),
        name="attachment_remove",
    ),
    path("resume/<str:token>/", never_cache(views.resume), name="resume"),
    path(
        "confirm-email/<str:token>/",
        never_cache(confirmation_views.confirm_email),
        name="confirm_email",
    ),
    path(f"{respond}colleagues/", never_cache(drafting.colleagues), name="colleagues"),
    path(
        f"{respond}colleagues/<int:pk>/revoke/",
        never_cache(drafting.colleague_revoke),
        name="colleague_revoke",
    ),
    path("drafts/<str:token>/", never_cache(drafting.draft_join), name="draft_join"),
]
