"""The access matrix: every URL of the site, for every role, with the status it must answer.

Walked request by request, each in a transaction that is rolled back. Besides the status:
anonymous visitors and respondents sent away from staff pages land on the staff login; nobody but
respondent A and a superuser ever sees A's name or email address; and no request changes A's
response. ``test_every_url_is_in_the_matrix`` walks Django's URL resolver and fails when a URL
pattern is missing from the table (or the table names one that no longer exists), so a new page
cannot skip the matrix.

Statuses are in the order of ``ROLES``: anonymous, respondent (A, through A's resume link),
another respondent (B), Reviewer, Report reader, Consultation editor, superuser.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from django.urls import URLResolver, get_resolver, reverse

from surveys.models import Submission
from tests.reports.conclusions.conclusions_data import conclusions_storage
from tests.security.access_world import A_EMAIL, A_NAME, ROLES, World, build_world, rolled_back

pytestmark = pytest.mark.django_db

# One row per URL (or per URL and argument): the URL's name, or its route when it has no name;
# the method; the arguments (names of objects of the world, see ``_value``; "-" for none); then
# the status for each role, in the order of ROLES.
TABLE = """
# key                                         verb arguments            ano res oth rev rdr edi sup
# Public pages
healthz                                       GET  -                    200 200 200 200 200 200 200
set_language                                  POST -                    302 302 302 302 302 302 302
surveys:index                                 GET  -                    200 200 200 200 200 200 200
surveys:detail                                GET  slug                 200 200 200 200 200 200 200
surveys:detail                                GET  pslug                200 200 200 200 200 200 200
# Subscriptions by email and the Atom feeds: public; a link with an unknown token says so.
subscriptions:subscribe                       GET  -                    200 200 200 200 200 200 200
subscriptions:confirm                         GET  no-such-token        404 404 404 404 404 404 404
subscriptions:unsubscribe                     GET  no-such-token        404 404 404 404 404 404 404
subscriptions:unsubscribe                     POST no-such-token        404 404 404 404 404 404 404
subscriptions:feed_consultations              GET  -                    200 200 200 200 200 200 200
subscriptions:feed_conclusions                GET  -                    200 200 200 200 200 200 200
# The respondent's journey (A has submitted; so has B)
surveys:respond                               GET  slug                 302 302 302 302 302 302 302
surveys:step                                  GET  slug,1               200 302 302 200 200 200 200
surveys:step                                  POST slug,2               302 302 302 302 302 302 302
surveys:submit                                POST slug                 302 302 302 302 302 302 302
surveys:done                                  GET  slug                 302 200 200 302 302 302 302
surveys:saved                                 GET  slug                 302 200 200 302 302 302 302
surveys:your_response                         GET  slug                 302 200 200 302 302 302 302
surveys:again                                 POST slug                 302 302 302 302 302 302 302
surveys:amend                                 POST slug                 302 302 302 302 302 302 302
surveys:amend_cancel                          POST slug                 302 302 302 302 302 302 302
surveys:withdraw                              GET  slug                 302 200 200 302 302 302 302
surveys:resume_request                        GET  slug                 200 200 200 200 200 200 200
surveys:attachment                            GET  slug,attachment      404 200 404 200 404 404 200
surveys:attachment_remove                     POST slug,attachment      404 302 302 404 404 404 404
surveys:resume                                GET  token                302 302 302 302 302 302 302
# The email confirmation link: whoever holds it, signed in or not; a bad one is a clear 404.
surveys:confirm_email                         GET  confirm_token        200 200 200 200 200 200 200
surveys:confirm_email                         GET  /confirm-email/x:y/  404 404 404 404 404 404 404
# Drafting together: only the owner of a draft invites and withdraws (A's response is submitted,
# so everyone is sent back); a colleague's link that matches no invitation says so.
surveys:colleagues                            GET  slug                 302 302 302 302 302 302 302
surveys:colleagues                            POST slug                 302 302 302 302 302 302 302
surveys:colleague_revoke                      POST slug,1               302 302 302 302 302 302 302
surveys:draft_join                            GET  no-such-token        404 404 404 404 404 404 404
# Published conclusions (of the closed OTC consultation), open to everyone
conclusions:landing                           GET  pslug                200 200 200 200 200 200 200
conclusions:landing                           GET  slug                 404 404 404 404 404 404 404
conclusions:figures                           GET  pslug                200 200 200 200 200 200 200
conclusions:responses                         GET  pslug                200 200 200 200 200 200 200
conclusions:download                          GET  pslug,pdf-en         200 200 200 200 200 200 200
conclusions:download                          GET  pslug,pdf-zh-hant    200 200 200 200 200 200 200
conclusions:download                          GET  pslug,csv            200 200 200 200 200 200 200
conclusions:download                          GET  pslug,json           200 200 200 200 200 200 200
conclusions:download                          GET  pslug,xlsx           404 404 404 404 404 404 404
conclusions:attachment                        GET  pslug,named_paper    200 200 200 200 200 200 200
conclusions:attachment                        GET  pslug,withheld_paper 404 404 404 404 404 404 404
conclusions:attachment                        GET  pslug,attachment     404 404 404 404 404 404 404
# The API: the published record for everyone; staff endpoints only with a personal token (a
# signed-in session counts for nothing there: 401). tests/api/ checks the tokens' scopes.
api:schema                                    GET  -                    200 200 200 200 200 200 200
api:docs                                      GET  -                    200 200 200 200 200 200 200
api:consultations                             GET  -                    200 200 200 200 200 200 200
api:consultation                              GET  pslug                200 200 200 200 200 200 200
api:consultation                              GET  slug                 200 200 200 200 200 200 200
api:conclusions                               GET  pslug                200 200 200 200 200 200 200
api:conclusions                               GET  slug                 404 404 404 404 404 404 404
api:figures                                   GET  pslug                200 200 200 200 200 200 200
api:responses                                 GET  pslug                200 200 200 200 200 200 200
api:responses                                 GET  slug                 404 404 404 404 404 404 404
api:responses_download                        GET  pslug,jsonl          200 200 200 200 200 200 200
api:responses_download                        GET  pslug,csv            200 200 200 200 200 200 200
api:staff_submissions                         GET  slug                 401 401 401 401 401 401 401
api:staff_review                              GET  slug                 401 401 401 401 401 401 401
api:staff_reports                             GET  slug                 401 401 401 401 401 401 401
api:staff_reports                             POST slug                 401 401 401 401 401 401 401
api:staff_report                              GET  report               401 401 401 401 401 401 401
api:staff_report_file                         GET  report,pdf           401 401 401 401 401 401 401
api:not_found                                 GET  /api/v1/no-such/     404 404 404 404 404 404 404
# Staff report pages: Reviewers and Consultation editors read and request reports (roles.py),
# Report readers only read them.
reports:index                                 GET  -                    302 302 302 200 200 200 200
reports:consultation                          GET  slug                 302 302 302 200 200 200 200
reports:request                               POST slug                 302 302 302 302 403 302 302
reports:progress                              GET  report               302 302 302 200 200 200 200
reports:retry                                 POST failed_report        302 302 302 302 403 302 302
reports:download                              GET  report,pdf           302 302 302 200 200 200 200
# A report's figures: every reader; the responses behind a count: staff who read submissions.
reports:figures                               GET  report               302 302 302 200 200 200 200
reports:trace                  GET  report,?kind=left_out&value=spam    302 302 302 200 403 200 200
# Drafting and publishing the conclusions: editors only. Publishing again is refused (back to
# the page with a message); unpublishing withdraws them (rolled back here).
reports:conclusions                           GET  pslug                302 302 302 403 403 200 200
reports:conclusions_publish                   POST pslug                302 302 302 403 403 302 302
reports:conclusions_unpublish                 POST pslug                302 302 302 403 403 302 302
reports:conclusions_waive                     POST pslug                302 302 302 403 403 302 302
reports:conclusions_disposition               POST pslug                302 302 302 403 403 302 302
reports:workbench                             GET  pslug,Q1             302 302 302 403 403 200 200
reports:workbench                             POST pslug,Q1             302 302 302 403 403 302 302
# The audit pack of published conclusions: editors; before publication, back with a message.
reports:conclusions_audit_pack                GET  pslug                302 302 302 403 403 200 200
reports:conclusions_audit_pack                GET  slug                 302 302 302 403 403 302 302
# The staff admin
admin:index                                   GET  -                    302 302 302 200 200 200 200
admin:login                                   GET  -                    200 200 200 302 302 302 302
admin:logout                                  POST -                    302 302 302 200 200 200 200
admin:password_change                         GET  -                    302 302 302 200 200 200 200
admin:password_change_done                    GET  -                    302 302 302 200 200 200 200
admin:autocomplete                            GET  -                    302 302 302 403 403 403 403
admin:jsi18n                                  GET  -                    302 302 302 200 200 200 200
admin:view_on_site                            GET  ctype,otc            302 302 302 404 404 404 404
admin:app_list                                GET  surveys              302 302 302 200 200 200 200
admin:app_list                                GET  reports              302 302 302 200 200 200 200
admin:app_list                                GET  auth                 302 302 302 404 404 404 200
admin:app_list                                GET  axes                 302 302 302 404 404 404 200
admin/(?P<url>.*)$                            GET  /admin/no-such-page/ 302 302 302 404 404 404 404
# Groups and users: superusers only.
admin:auth_group_changelist                   GET  -                    302 302 302 403 403 403 200
admin:auth_group_add                          GET  -                    302 302 302 403 403 403 200
admin:auth_group_history                      GET  group                302 302 302 403 403 403 200
admin:auth_group_delete                       GET  group                302 302 302 403 403 403 200
admin:auth_group_change                       GET  group                302 302 302 403 403 403 200
admin/auth/group/<path:object_id>/            GET  group                302 302 302 302 302 302 302
admin:auth_user_password_change               GET  user                 302 302 302 403 403 403 200
admin:auth_user_changelist                    GET  -                    302 302 302 403 403 403 200
admin:auth_user_add                           GET  -                    302 302 302 403 403 403 200
admin:auth_user_history                       GET  user                 302 302 302 403 403 403 200
admin:auth_user_delete                        GET  user                 302 302 302 403 403 403 200
admin:auth_user_change                        GET  user                 302 302 302 403 403 403 200
admin/auth/user/<path:object_id>/             GET  user                 302 302 302 302 302 302 302
# Login records (django-axes): superusers only, and nobody adds or edits one.
admin:axes_accessattempt_changelist           GET  -                    302 302 302 403 403 403 200
admin:axes_accessattempt_add                  GET  -                    302 302 302 403 403 403 403
admin:axes_accessattempt_history              GET  attempt              302 302 302 403 403 403 200
admin:axes_accessattempt_delete               GET  attempt              302 302 302 403 403 403 200
admin:axes_accessattempt_change               GET  attempt              302 302 302 403 403 403 200
admin/axes/accessattempt/<path:object_id>/    GET  attempt              302 302 302 302 302 302 302
admin:axes_accesslog_changelist               GET  -                    302 302 302 403 403 403 200
admin:axes_accesslog_add                      GET  -                    302 302 302 403 403 403 403
admin:axes_accesslog_history                  GET  access_log           302 302 302 403 403 403 200
admin:axes_accesslog_delete                   GET  access_log           302 302 302 403 403 403 200
admin:axes_accesslog_change                   GET  access_log           302 302 302 403 403 403 200
admin/axes/accesslog/<path:object_id>/        GET  access_log           302 302 302 302 302 302 302
admin:axes_accessfailurelog_changelist        GET  -                    302 302 302 403 403 403 200
admin:axes_accessfailurelog_add               GET  -                    302 302 302 403 403 403 403
admin:axes_accessfailurelog_history           GET  failure_log          302 302 302 403 403 403 200
admin:axes_accessfailurelog_delete            GET  failure_log          302 302 302 403 403 403 200
admin:axes_accessfailurelog_change            GET  failure_log          302 302 302 403 403 403 200
admin/axes/accessfailurelog/<path:object_id>/ GET  failure_log          302 302 302 302 302 302 302
# Consultations: editors author them; reviewers and report readers may look.
admin:surveys_consultation_export             GET  otc,csv              302 302 302 200 403 403 200
admin:surveys_consultation_changelist         GET  -                    302 302 302 200 200 200 200
admin:surveys_consultation_add                GET  -                    302 302 302 403 403 200 200
admin:surveys_consultation_history            GET  otc                  302 302 302 200 200 200 200
# Deleting what carries answers is refused with an explanation (back to its change page).
admin:surveys_consultation_delete             GET  otc                  302 302 302 403 403 302 302
admin:surveys_consultation_change             GET  otc                  302 302 302 200 200 200 200
admin/surveys/consultation/<path:object_id>/  GET  otc                  302 302 302 302 302 302 302
admin:surveys_section_changelist              GET  -                    302 302 302 200 403 200 200
admin:surveys_section_add                     GET  -                    302 302 302 403 403 200 200
admin:surveys_section_history                 GET  section              302 302 302 200 403 200 200
admin:surveys_section_delete                  GET  section              302 302 302 403 403 302 302
admin:surveys_section_change                  GET  section              302 302 302 200 403 200 200
admin/surveys/section/<path:object_id>/       GET  section              302 302 302 302 302 302 302
admin:surveys_question_changelist             GET  -                    302 302 302 200 403 200 200
admin:surveys_question_add                    GET  -                    302 302 302 403 403 200 200
admin:surveys_question_history                GET  question             302 302 302 200 403 200 200
admin:surveys_question_delete                 GET  question             302 302 302 403 403 302 302
admin:surveys_question_change                 GET  question             302 302 302 200 403 200 200
admin/surveys/question/<path:object_id>/      GET  question             302 302 302 302 302 302 302
# Submissions: nobody adds or deletes one in the admin; report readers never see them.
admin:surveys_submission_attachment           GET  mine,attachment      302 302 302 200 403 403 200
admin:surveys_submission_changelist           GET  -                    302 302 302 200 403 200 200
admin:surveys_submission_add                  GET  -                    302 302 302 403 403 403 403
admin:surveys_submission_history              GET  mine                 302 302 302 200 403 200 200
admin:surveys_submission_delete               GET  mine                 302 302 302 403 403 403 403
admin:surveys_submission_change               GET  mine                 302 302 302 200 403 200 200
# Entering a response received by email, post or fax: staff with surveys.enter_submission (the
# Reviewers). A complete entry is entered (rolled back); the originals go to those who read papers.
admin:surveys_submission_enter                GET  -                    302 302 302 200 403 403 200
admin:surveys_submission_enter_new            GET  otc                  302 302 302 200 403 403 200
admin:surveys_submission_enter_step           GET  entry,1              302 302 302 200 403 403 200
admin:surveys_submission_enter_step           GET  entry,2              302 302 302 200 403 403 200
admin:surveys_submission_enter_step           GET  entry,99             302 302 302 404 403 403 404
admin:surveys_submission_enter_step           GET  entered,2            302 302 302 302 403 403 302
admin:surveys_submission_enter_submit         POST entry                302 302 302 302 403 403 302
admin:surveys_submission_enter_submit         GET  entry                302 302 302 405 405 405 405
admin:surveys_submission_original             GET  entered,original     302 302 302 200 403 403 200
admin/surveys/submission/<path:object_id>/    GET  mine                 302 302 302 302 302 302 302
# Themes and campaign groups: the reviewers' tools.
admin:surveys_theme_suggest                   GET  -                    302 302 302 200 403 403 200
admin:surveys_theme_changelist                GET  -                    302 302 302 200 403 403 200
admin:surveys_theme_add                       GET  -                    302 302 302 200 403 403 200
admin:surveys_theme_history                   GET  theme                302 302 302 200 403 403 200
admin:surveys_theme_delete                    GET  theme                302 302 302 403 403 403 200
admin:surveys_theme_change                    GET  theme                302 302 302 200 403 403 200
admin/surveys/theme/<path:object_id>/         GET  theme                302 302 302 302 302 302 302
admin:surveys_campaigngroup_detect            GET  -                    302 302 302 200 403 403 200
admin:surveys_campaigngroup_detection         GET  detection            302 302 302 200 403 403 200
admin:surveys_campaigngroup_changelist        GET  -                    302 302 302 200 403 403 200
admin:surveys_campaigngroup_add               GET  -                    302 302 302 403 403 403 403
admin:surveys_campaigngroup_history           GET  campaign             302 302 302 200 403 403 200
admin:surveys_campaigngroup_delete            GET  campaign             302 302 302 403 403 403 403
admin:surveys_campaigngroup_change            GET  campaign             302 302 302 200 403 403 200
admin/surveys/campaigngroup/<path:object_id>/ GET  campaign             302 302 302 302 302 302 302
# Petitions: entered with surveys.add_petition (granted one by one); reviewers read the list.
admin:surveys_petition_changelist             GET  -                    302 302 302 200 403 403 200
admin:surveys_petition_add                    GET  -                    302 302 302 403 403 403 200
admin:surveys_petition_add                    POST -                    302 302 302 403 403 403 200
admin:surveys_petition_history                GET  petition             302 302 302 200 403 403 200
admin:surveys_petition_delete                 GET  petition             302 302 302 403 403 403 403
admin:surveys_petition_change                 GET  petition             302 302 302 200 403 403 200
admin/surveys/petition/<path:object_id>/      GET  petition             302 302 302 302 302 302 302
# The review audit trail: read-only, even for superusers.
admin:surveys_reviewevent_changelist          GET  -                    302 302 302 200 403 403 200
admin:surveys_reviewevent_add                 GET  -                    302 302 302 403 403 403 403
admin:surveys_reviewevent_history             GET  event                302 302 302 200 403 403 200
admin:surveys_reviewevent_delete              GET  event                302 302 302 403 403 403 403
admin:surveys_reviewevent_change              GET  event                302 302 302 200 403 403 200
admin/surveys/reviewevent/<path:object_id>/   GET  event                302 302 302 302 302 302 302
# The registers of licensed firms: reviewers upload them (each upload replaces the last); the
# uploads (the audit) and the firms are read-only, even for superusers.
admin:surveys_registerupload_upload           GET  -                    302 302 302 200 403 403 200
admin:surveys_registerupload_changelist       GET  -                    302 302 302 200 403 403 200
admin:surveys_registerupload_add              GET  -                    302 302 302 403 403 403 403
admin:surveys_registerupload_history          GET  register_upload      302 302 302 200 403 403 200
admin:surveys_registerupload_delete           GET  register_upload      302 302 302 403 403 403 403
admin:surveys_registerupload_change           GET  register_upload      302 302 302 200 403 403 200
admin/surveys/registerupload/<path:object_id>/ GET register_upload      302 302 302 302 302 302 302
admin:surveys_registerentry_changelist        GET  -                    302 302 302 200 403 403 200
admin:surveys_registerentry_add               GET  -                    302 302 302 403 403 403 403
admin:surveys_registerentry_history           GET  register_entry       302 302 302 200 403 403 200
admin:surveys_registerentry_delete            GET  register_entry       302 302 302 403 403 403 403
admin:surveys_registerentry_change            GET  register_entry       302 302 302 200 403 403 200
admin/surveys/registerentry/<path:object_id>/ GET register_entry        302 302 302 302 302 302 302
# Bulk imports of responses: reviewers (surveys.import_submissions) and superusers; the record of
# an import is never changed or deleted. The template without a consultation goes back to the form.
admin:surveys_submissionimport_template       GET  -                    302 302 302 302 403 403 302
admin:surveys_submissionimport_import         GET  import               302 302 302 302 403 403 302
admin:surveys_submissionimport_changelist     GET  -                    302 302 302 200 403 403 200
admin:surveys_submissionimport_add            GET  -                    302 302 302 200 403 403 200
admin:surveys_submissionimport_history        GET  import               302 302 302 200 403 403 200
admin:surveys_submissionimport_delete         GET  import               302 302 302 403 403 403 403
admin:surveys_submissionimport_change         GET  import               302 302 302 200 403 403 200
admin/surveys/submissionimport/<path:object_id>/ GET import             302 302 302 302 302 302 302
# Reports in the admin: a read-only list; requests go through the report pages.
admin:reports_report_changelist               GET  -                    302 302 302 200 200 200 200
admin:reports_report_add                      GET  -                    302 302 302 403 403 403 403
admin:reports_report_history                  GET  report               302 302 302 200 200 200 200
admin:reports_report_delete                   GET  report               302 302 302 403 403 403 403
admin:reports_report_change                   GET  report               302 302 302 200 200 200 200
admin/reports/report/<path:object_id>/        GET  report               302 302 302 302 302 302 302
# What the conclusions are checked against, and the points kept as written: editors only.
admin:reports_wordingrule_changelist          GET  -                    302 302 302 403 403 200 200
admin:reports_wordingrule_add                 GET  -                    302 302 302 403 403 200 200
admin:reports_wordingrule_history             GET  wording_rule         302 302 302 403 403 200 200
admin:reports_wordingrule_delete              GET  wording_rule         302 302 302 403 403 200 200
admin:reports_wordingrule_change              GET  wording_rule         302 302 302 403 403 200 200
admin/reports/wordingrule/<path:object_id>/   GET  wording_rule         302 302 302 302 302 302 302
admin:reports_checkwaiver_changelist          GET  -                    302 302 302 403 403 200 200
admin:reports_checkwaiver_add                 GET  -                    302 302 302 403 403 403 403
admin:reports_checkwaiver_history             GET  waiver               302 302 302 403 403 200 200
admin:reports_checkwaiver_delete              GET  waiver               302 302 302 403 403 403 403
admin:reports_checkwaiver_change              GET  waiver               302 302 302 403 403 200 200
admin/reports/checkwaiver/<path:object_id>/   GET  waiver               302 302 302 302 302 302 302
# Personal API tokens: superusers (and whoever they grant it to) make and revoke them; nobody
# edits or deletes one (a revoked token stays as the record).
admin:surveys_apitoken_changelist             GET  -                    302 302 302 403 403 403 200
admin:surveys_apitoken_add                    GET  -                    302 302 302 403 403 403 200
admin:surveys_apitoken_history                GET  api_token            302 302 302 403 403 403 200
admin:surveys_apitoken_delete                 GET  api_token            302 302 302 403 403 403 403
admin:surveys_apitoken_change                 GET  api_token            302 302 302 403 403 403 200
admin/surveys/apitoken/<path:object_id>/      GET  api_token            302 302 302 302 302 302 302
# Outgoing emails carry respondents' addresses: superusers, and whoever they grant it to, only.
admin:outbox_email_changelist                 GET  -                    302 302 302 403 403 403 200
admin:outbox_email_add                        GET  -                    302 302 302 403 403 403 403
admin:outbox_email_history                    GET  email                302 302 302 403 403 403 200
admin:outbox_email_delete                     GET  email                302 302 302 403 403 403 403
admin:outbox_email_change                     GET  email                302 302 302 403 403 403 200
admin/outbox/email/<path:object_id>/          GET  email                302 302 302 302 302 302 302
# Subscribers' addresses: staff with the personal-data permission (here the superuser) see the
# subscriptions; other staff who read consultations see how many there are, no address.
admin:surveys_subscription_changelist         GET  -                    302 302 302 200 200 200 200
admin:surveys_subscription_add                GET  -                    302 302 302 403 403 403 403
admin:surveys_subscription_history            GET  subscription         302 302 302 403 403 403 200
admin:surveys_subscription_delete             GET  subscription         302 302 302 403 403 403 403
admin:surveys_subscription_change             GET  subscription         302 302 302 403 403 403 200
admin/surveys/subscription/<path:object_id>/  GET  subscription         302 302 302 302 302 302 302
"""

POST_DATA = {
    "set_language": {"language": "zh-hant", "next": "/"},
    "reports:request": {"language": "en"},
}
STAFF_AREAS = ("admin", "reports:")
PUBLIC = ("surveys:index", "surveys:detail", "conclusions:", "subscriptions:", "api:")
# Roles allowed to see respondent A's name and email address.
SEES_A = {"respondent", "superuser"}


def _parse(table: str) -> list[tuple[str, str, tuple[str, ...], tuple[int, ...]]]:
    rows = []
    for line in table.splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        key, method, arguments, *statuses = line.split()
        names = () if arguments == "-" else tuple(arguments.split(","))
        rows.append((key, method, names, tuple(int(status) for status in statuses)))
    return rows


MATRIX = _parse(TABLE)


def _value(world: World, name: str) -> object:
    if name.isdigit():
        return int(name)
    if name == "slug":
        return world.open.slug
    if name == "pslug":
        return world.published.consultation.slug
    if name == "token":
        return world.token
    if name == "confirm_token":
        return world.confirm_token
    if name in ("mine", "theirs"):
        return getattr(world, name).pk
    if name == "otc":
        return world.open.pk
    if name in world.objects:
        return world.objects[name].pk
    return name


def url_of(world: World, key: str, arguments: tuple[str, ...]) -> str:
    if "<path:object_id>" in key:  # an unnamed admin route: the object's old change URL
        return "/" + key.replace("<path:object_id>", str(_value(world, arguments[0])))
    if arguments and arguments[0].startswith("/"):
        return arguments[0]
    # A last argument "?a=b&c=d" is the URL's query string.
    query = arguments[-1] if arguments and arguments[-1].startswith("?") else ""
    names = arguments[:-1] if query else arguments
    return reverse(key, args=[_value(world, name) for name in names]) + query


def _state_of_a(world: World) -> tuple:
    mine = Submission.objects.get(pk=world.mine.pk)
    return (mine.state, mine.reference, mine.email, mine.attachments.count(), mine.answers.count())


@pytest.fixture
def world(db, django_user_model, tmp_path, settings) -> Iterator[World]:
    settings.AUDIT_PACK_SIGNING_KEY = "dGVzdC1rZXktb2YtdGhlLWFjY2Vzcy1tYXRyaXgtMzJieXRlcw=="
    with conclusions_storage(tmp_path / "private"):
        yield build_world(django_user_model)


def test_every_role_gets_exactly_what_the_matrix_says(world):
    login = reverse("admin:login")
    public_secrets = world.published.secrets()
    before = _state_of_a(world)
    wrong: list[str] = []
    for key, method, arguments, statuses in MATRIX:
        url = url_of(world, key, arguments)
        for role, expected in zip(ROLES, statuses, strict=True):
            with rolled_back():
                client = world.client(role)
                data = POST_DATA.get(key, {})
                response = client.post(url, data) if method == "POST" else client.get(url)
                problem = _check(response, expected, role, key, login)
                if not problem and key.startswith(PUBLIC) and not response.streaming:
                    body = response.content.decode(errors="replace")
                    leaked = [secret for secret in public_secrets if secret in body]
                    problem = f"a public page shows {leaked}" if leaked else ""
                if _state_of_a(world) != before:
                    problem = problem or "changed respondent A's response"
            if problem:
                wrong.append(f"{method} {url} as {role}: {problem}")
    assert wrong == [], "\n" + "\n".join(wrong)


def _check(response, expected: int, role: str, key: str, login: str) -> str:
    if response.status_code != expected:
        return f"{response.status_code}, expected {expected}"
    staff = role in ("reviewer", "report_reader", "editor", "superuser")
    if expected == 302 and not staff and key.startswith(STAFF_AREAS):
        location = response.headers.get("Location", "")
        # Signing out when not signed in goes to the admin's front page, and from there to login.
        allowed = reverse("admin:index") if key == "admin:logout" else login
        if not location.startswith(allowed):
            return f"sent to {location}, not to the staff login"
    if role not in SEES_A and not getattr(response, "streaming", False):
        body = response.content.decode(errors="replace")
        for secret in (A_NAME, A_EMAIL):
            if secret in body:
                return f"shows {secret!r}"
    return ""


def _patterns(patterns, prefix: str = "", namespace: str | None = None):
    for pattern in patterns:
        route = prefix + str(pattern.pattern)
        if isinstance(pattern, URLResolver):
            inner = ":".join(n for n in (namespace, pattern.namespace) if n) or None
            yield from _patterns(pattern.url_patterns, route, inner)
        elif pattern.name:
            yield f"{namespace}:{pattern.name}" if namespace else pattern.name
        else:
            yield route


def test_every_url_is_in_the_matrix():
    on_the_site = set(_patterns(get_resolver().url_patterns))
    in_the_matrix = {key for key, *_ in MATRIX}
    assert sorted(on_the_site - in_the_matrix) == [], "URLs missing from the access matrix"
    assert sorted(in_the_matrix - on_the_site) == [], "the matrix names URLs that do not exist"


def test_the_matrix_names_every_role_on_every_row():
    for key, method, _, statuses in MATRIX:
        assert method in ("GET", "POST"), key
        assert len(statuses) == len(ROLES), key
        assert set(statuses) <= {200, 302, 401, 403, 404, 405}, key
