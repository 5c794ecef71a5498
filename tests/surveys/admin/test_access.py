"""Every admin page, custom view and action, walked as each role: who gets in and who does not.

The expectations are written out per role from the role descriptions (surveys/roles.py), not
derived from the admin classes, so a permission that slips shows up here as a wrong status.
"""

import datetime as dt

import pytest
from django.contrib import admin
from django.core.files.base import ContentFile
from django.urls import reverse
from django.utils import timezone

from reports.models import CheckWaiver, Report, WordingRule
from surveys import roles
from surveys.licensing.services import register_replace
from surveys.models import (
    Attachment,
    Channel,
    Consultation,
    QuestionKind,
    ReviewEvent,
    Submission,
    SubmissionImport,
    Subscription,
)
from surveys.review.petitions import petition_add
from tests.factories import (
    AnswerFactory,
    CampaignGroupFactory,
    ConsultationFactory,
    QuestionFactory,
    SectionFactory,
    SubmissionFactory,
    ThemeFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db

VIEWS = ("list", "add", "change", "delete", "history")
READ = {"list", "change", "history"}
ALL = set(VIEWS)
AUTHORING = ("consultation", "section", "question")

# model -> the admin views a role may open (anything else: 403 Forbidden).
EXPECTED: dict[str, dict[str, set[str]]] = {
    "no_role": {},
    "editor": {
        **dict.fromkeys(AUTHORING, ALL),
        "submission": READ,
        "report": READ,
        "subscription": {"list"},  # how many subscribers, never their addresses
        # What the conclusions are checked against, and the points kept as written.
        "wordingrule": ALL,
        "checkwaiver": READ,
    },
    "reviewer": {
        **dict.fromkeys(AUTHORING, READ),
        "submission": READ,
        "theme": {"list", "add", "change", "history"},
        "campaigngroup": READ,
        "petition": READ,  # entering one needs surveys.add_petition, granted one by one
        "reviewevent": READ,
        "registerupload": READ,
        "registerentry": READ,
        "report": READ,
        "subscription": {"list"},
        "submissionimport": {"list", "add", "change", "history"},  # never changed or deleted
    },
    "report_reader": {"consultation": READ, "report": READ, "subscription": {"list"}},
    "superuser": {
        **dict.fromkeys(AUTHORING, ALL),
        "submission": READ,  # responses are never added or deleted in the admin
        "theme": ALL,
        "campaigngroup": READ,  # groups come from detection
        "petition": {"list", "add", "change", "history"},  # entered, never edited or deleted
        "reviewevent": READ,  # the audit is read-only for everyone
        "registerupload": READ,  # uploads go through the upload page; the record is the audit
        "registerentry": READ,
        "report": READ,
        "subscription": READ,  # subscribers' addresses: with the personal-data permission
        "wordingrule": ALL,
        "checkwaiver": READ,
        "submissionimport": {"list", "add", "change", "history"},
        "user": ALL,
        "group": ALL,
    },
}


@pytest.fixture
def users(db):
    return {
        "no_role": UserFactory(username="nobody"),
        "editor": UserFactory(username="ed", roles=[roles.EDITORS]),
        "reviewer": UserFactory(username="rev", roles=[roles.REVIEWERS]),
        "report_reader": UserFactory(username="reader", roles=[roles.REPORT_READERS]),
        "superuser": UserFactory(username="root", is_superuser=True),
    }


@pytest.fixture
def objects(db, private_storage_tmp, users):
    """One object per registered model; authoring objects of a consultation without responses,
    so that deleting them is allowed (locked objects are covered in test_admin_authoring)."""
    answered = ConsultationFactory(slug="answered")
    text = QuestionFactory(section__consultation=answered, kind=QuestionKind.TEXT)
    submission = SubmissionFactory(consultation=answered, submitted=True)
    AnswerFactory(submission=submission, question=text, text="We agree.")
    attachment = Attachment.objects.create(
        submission=submission,
        file=ContentFile(b"%PDF-1.7 paper", name="paper.pdf"),
        original_name="paper.pdf",
        content_type="application/pdf",
        size=14,
        sha256="0" * 64,
    )
    fresh = ConsultationFactory(slug="fresh")
    section = SectionFactory(consultation=fresh)
    question = QuestionFactory(section=section)
    event = ReviewEvent.objects.create(submission=submission, field="review_status")
    upload = register_replace(
        register="sfc",
        file_name="sfc.csv",
        content=b"number,name\nABC123,Harbour Digital Limited\n",
        actor=users["superuser"],
    )
    return {
        "consultation": fresh,
        "section": section,
        "question": question,
        "submission": submission,
        "theme": ThemeFactory(consultation=answered),
        "campaigngroup": CampaignGroupFactory(consultation=answered),
        "petition": petition_add(
            consultation=ConsultationFactory(slug="petitioned", reference_prefix="PET"),
            actor=users["superuser"],
            standard_text="License every shop.",
            channel=Channel.POST,
            received_at=timezone.now() - dt.timedelta(days=1),
            signatories=12,
        ),
        "reviewevent": event,
        "registerupload": upload,
        "registerentry": upload.entries.get(),
        "report": Report.objects.create(consultation=answered),
        "subscription": Subscription.objects.create(
            email="follower@example.com",
            consultation=answered,
            language="en",
            token_hash="0" * 64,
            created_at=timezone.now(),
            confirmation_sent_at=timezone.now(),
        ),
        "wordingrule": WordingRule.objects.create(quantifier="majority", lowest=50),
        "checkwaiver": CheckWaiver.objects.create(
            consultation=answered,
            key="0" * 64,
            flagged="Q1 · our response: Numbers differ.",
            reason="Checked.",
            waived_by=users["editor"],
        ),
        "submissionimport": SubmissionImport.objects.create(
            consultation=answered, original_name="letters.csv", sha256="0" * 64, operator="rev"
        ),
        "user": users["no_role"],
        "group": users["editor"].groups.first(),
        "attachment": attachment,
        "text_question": text,
        "answered": answered,
    }


def admin_urls(objects):
    """(model name, view, url) for every registered model's standard pages."""
    for model in admin.site._registry:
        opts = model._meta
        name = opts.model_name
        base = f"admin:{opts.app_label}_{name}"
        yield name, "list", reverse(f"{base}_changelist")
        yield name, "add", reverse(f"{base}_add")
        obj = objects.get(name)
        if obj is None:
            continue
        for view in ("change", "delete", "history"):
            yield name, view, reverse(f"{base}_{view}", args=[obj.pk])


@pytest.mark.parametrize("role", list(EXPECTED))
def test_every_admin_page_for_each_role(client, users, objects, role):
    client.force_login(users[role])
    assert client.get(reverse("admin:index")).status_code == 200
    wrong = []
    for name, view, url in admin_urls(objects):
        if name not in {
            *AUTHORING,
            "submission",
            "theme",
            "campaigngroup",
            "petition",
            "reviewevent",
            "registerupload",
            "registerentry",
        } | {
            "report",
            "subscription",
            "submissionimport",
            "user",
            "group",
            "wordingrule",
            "checkwaiver",
        }:
            # Third-party admins (django-axes): superusers only.
            expected = 200 if role == "superuser" and view == "list" else 403
            if role == "superuser" and view != "list":
                continue
        else:
            expected = 200 if view in EXPECTED[role].get(name, set()) else 403
        status = client.get(url).status_code
        if status != expected:
            wrong.append((name, view, url, status, expected))
    assert wrong == []


def test_anonymous_visitors_are_sent_to_the_login_page(client, objects):
    urls = [url for _n, _v, url in admin_urls(objects)] + [
        reverse("admin:index"),
        reverse("admin:surveys_theme_suggest"),
        reverse("admin:surveys_campaigngroup_detect"),
        reverse("admin:surveys_consultation_export", args=[objects["answered"].pk, "csv"]),
    ]
    for url in urls:
        response = client.get(url)
        assert response.status_code == 302, url
        assert response["Location"].startswith(reverse("admin:login")), url


def custom_views(objects):
    answered = objects["answered"].pk
    submission = objects["submission"].pk
    return {
        "export_csv": reverse("admin:surveys_consultation_export", args=[answered, "csv"]),
        "export_xlsx": reverse("admin:surveys_consultation_export", args=[answered, "xlsx"]),
        "export_personal": reverse("admin:surveys_consultation_export", args=[answered, "csv"])
        + "?personal=1",
        "attachment": reverse(
            "admin:surveys_submission_attachment", args=[submission, objects["attachment"].pk]
        ),
        "suggest": reverse("admin:surveys_theme_suggest"),
        "suggest_question": reverse("admin:surveys_theme_suggest")
        + f"?question={objects['text_question'].pk}",
        "detect": reverse("admin:surveys_campaigngroup_detect"),
        "enter": reverse("admin:surveys_submission_enter"),
        "enter_new": reverse("admin:surveys_submission_enter_new", args=[answered]),
        "register_upload": reverse("admin:surveys_registerupload_upload"),
    }


CUSTOM_ALLOWED = {
    "no_role": set(),
    # Editors read how questions were answered, never the position papers naming their authors.
    "editor": set(),
    "reviewer": {
        "export_csv",
        "export_xlsx",
        "attachment",
        "suggest",
        "suggest_question",
        "detect",
        "enter",
        "enter_new",
        "register_upload",
    },
    "report_reader": set(),
    "superuser": {
        "export_csv",
        "export_xlsx",
        "export_personal",
        "attachment",
        "suggest",
        "suggest_question",
        "detect",
        "enter",
        "enter_new",
        "register_upload",
    },
}


@pytest.mark.parametrize("role", list(CUSTOM_ALLOWED))
def test_custom_views_for_each_role(client, users, objects, role):
    client.force_login(users[role])
    statuses = {name: client.get(url).status_code for name, url in custom_views(objects).items()}
    assert statuses == {
        name: 200 if name in CUSTOM_ALLOWED[role] else 403 for name in custom_views(objects)
    }


def test_personal_export_needs_the_personal_data_permission(client, objects, personal_reviewer):
    client.force_login(personal_reviewer)
    assert client.get(custom_views(objects)["export_personal"]).status_code == 200


def test_the_detect_view_runs_only_for_reviewers(client, users, objects):
    url = reverse("admin:surveys_campaigngroup_detect")
    data = {"consultation": objects["answered"].pk, "threshold": "0.8"}
    client.force_login(users["editor"])
    assert client.post(url, data).status_code == 403
    client.force_login(users["reviewer"])
    response = client.post(url, data)
    assert response.status_code == 302
    assert "campaigngroup" in response["Location"]


def action_names(client, url):
    response = client.get(url)
    if response.status_code != 200:
        return set()
    form = response.context["action_form"]
    if form is None:
        return set()
    return {value for value, _label in form.fields["action"].choices if value}


ACTIONS = {
    "submission": {
        "editor": set(),
        "reviewer": {
            "accept_selected",
            "exclude_selected",
            "reset_selected",
            "tag_selected",
            "confirm_campaigns",
            "resend_email_confirmation",
            "export_csv",
            "export_xlsx",
        },
        "report_reader": set(),
        "superuser": {
            "accept_selected",
            "exclude_selected",
            "reset_selected",
            "tag_selected",
            "confirm_campaigns",
            "resend_email_confirmation",
            "export_csv",
            "export_xlsx",
            "export_csv_personal",
        },
    },
    "consultation": {
        "editor": {"delete_selected", "build_summary_report"},
        "reviewer": {"export_csv", "export_xlsx", "detect_campaigns", "build_summary_report"},
        "report_reader": {"build_summary_report"},
        "superuser": {
            "delete_selected",
            "export_csv",
            "export_xlsx",
            "detect_campaigns",
            "build_summary_report",
        },
    },
    "campaigngroup": {
        "editor": set(),
        "reviewer": {"confirm_groups", "unconfirm_groups"},
        "report_reader": set(),
        "superuser": {"confirm_groups", "unconfirm_groups"},
    },
}


@pytest.mark.parametrize("role", ["editor", "reviewer", "report_reader", "superuser"])
def test_actions_offered_to_each_role(client, users, objects, role):
    client.force_login(users[role])
    offered = {
        model: action_names(client, reverse(f"admin:surveys_{model}_changelist"))
        for model in ACTIONS
    }
    assert offered == {model: ACTIONS[model][role] for model in ACTIONS}


@pytest.mark.parametrize(
    ("role", "changes"),
    [("editor", False), ("report_reader", False), ("reviewer", True), ("superuser", True)],
)
def test_a_forged_review_action_changes_nothing_without_the_right(
    client, users, objects, role, changes
):
    client.force_login(users[role])
    submission = objects["submission"]
    client.post(
        reverse("admin:surveys_submission_changelist"),
        {"action": "accept_selected", "_selected_action": [submission.pk], "index": 0},
    )
    submission.refresh_from_db()
    assert (submission.review_status == "accepted") is changes
    assert ReviewEvent.objects.filter(field="review_status", new_value="accepted").exists() is (
        changes
    )


@pytest.mark.parametrize("role", ["editor", "reviewer", "report_reader"])
def test_a_forged_review_form_is_refused(client, users, objects, role):
    client.force_login(users[role])
    submission = objects["submission"]
    response = client.post(
        reverse("admin:surveys_submission_change", args=[submission.pk]),
        {
            "review_status": "excluded",
            "exclusion_reason": "spam",
            "answers-TOTAL_FORMS": 0,
            "answers-INITIAL_FORMS": 0,
        },
    )
    submission.refresh_from_db()
    if role == "reviewer":
        assert response.status_code == 302
        assert submission.review_status == "excluded"
    else:
        assert response.status_code == 403
        assert submission.review_status == "new"


def test_nobody_can_delete_a_submission_or_the_audit(client, users, objects):
    client.force_login(users["superuser"])
    for url in (
        reverse("admin:surveys_submission_delete", args=[objects["submission"].pk]),
        reverse("admin:surveys_reviewevent_delete", args=[objects["reviewevent"].pk]),
    ):
        assert client.post(url, {"post": "yes"}).status_code == 403
    assert Submission.objects.filter(pk=objects["submission"].pk).exists()
    assert ReviewEvent.objects.filter(pk=objects["reviewevent"].pk).exists()
    assert Consultation.objects.filter(pk=objects["answered"].pk).exists()
