"""The staff API: personal tokens whose scopes mirror the roles; denied by default."""

from __future__ import annotations

import datetime as dt

import pytest
from django.contrib.auth.models import Permission
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from api.tokens import TokenError, api_token_create, api_token_revoke
from reports.models import Report, ReportStatus
from surveys.models import ApiScope, ApiToken, PrivacyAction, PrivacyActionKind
from surveys.roles import EDITORS, REPORT_READERS, REVIEWERS
from tests.api.conftest import bearer, staff_user

pytestmark = pytest.mark.django_db


def test_staff_endpoints_refuse_a_request_without_a_token_or_with_a_bad_one(client, published):
    url = reverse("api:staff_submissions", args=[published.consultation.slug])
    response = client.get(url)
    assert response.status_code == 401 and response["WWW-Authenticate"].startswith("Bearer")
    assert client.get(url, **bearer("chk_not-a-real-token")).status_code == 401
    assert client.get(url, HTTP_AUTHORIZATION="Bearer a b").status_code == 401


def test_only_the_hash_of_a_token_is_stored_and_it_is_shown_once(django_user_model):
    user = staff_user(django_user_model, "hash-check", REVIEWERS)
    issued = api_token_create(
        user=user, name="export", scopes=[ApiScope.SUBMISSIONS_READ], created_by=None
    )
    row = ApiToken.objects.get(pk=issued.token.pk)
    assert issued.secret.startswith("chk_") and issued.secret not in str(row.__dict__)
    assert issued.secret.startswith(row.prefix)


def test_a_token_cannot_carry_a_scope_its_owner_does_not_hold(django_user_model):
    reader = staff_user(django_user_model, "reader-scope", REPORT_READERS)
    with pytest.raises(TokenError, match="submissions:read"):
        api_token_create(user=reader, name="x", scopes=[ApiScope.SUBMISSIONS_READ], created_by=None)
    with pytest.raises(TokenError, match="personal_data:read"):
        api_token_create(
            user=staff_user(django_user_model, "rev-scope", REVIEWERS),
            name="x",
            scopes=[ApiScope.PERSONAL_DATA_READ],
            created_by=None,
        )


def test_submissions_without_personal_data_unless_the_token_and_its_owner_may_see_it(
    client, published, reviewer_token, django_user_model
):
    url = reverse("api:staff_submissions", args=[published.consultation.slug])
    body = client.get(url, {"page_size": 1000}, **bearer(reviewer_token)).json()
    references = {item["reference"] for item in body["results"]}
    assert published.known["confidential"].reference in references
    assert all("personal" not in item for item in body["results"])
    text = str(body)
    assert published.known["person"].contact_name not in text
    assert published.known["confidential"].email not in text

    privileged = staff_user(django_user_model, "privileged", REVIEWERS)
    privileged.user_permissions.add(*Permission.objects.filter(codename="view_personal_data"))
    secret = api_token_create(
        user=privileged,
        name="access request",
        scopes=[ApiScope.SUBMISSIONS_READ, ApiScope.PERSONAL_DATA_READ],
        created_by=None,
    ).secret
    body = client.get(url, {"page_size": 5}, **bearer(secret)).json()
    assert all("personal" in item for item in body["results"])
    seen = PrivacyAction.objects.get(kind=PrivacyActionKind.STAFF_VIEW, operator="privileged")
    assert seen.references == [item["reference"] for item in body["results"]]
    # Once the permission is taken away, the same token no longer shows personal data.
    privileged.user_permissions.clear()
    privileged = type(privileged).objects.get(pk=privileged.pk)
    body = client.get(url, {"page_size": 5}, **bearer(secret)).json()
    assert all("personal" not in item for item in body["results"])


def test_a_scope_missing_from_the_token_is_refused_with_403(client, published, django_user_model):
    editor = staff_user(django_user_model, "editor-api", EDITORS)
    secret = api_token_create(
        user=editor, name="reports", scopes=[ApiScope.REPORTS_READ], created_by=None
    ).secret
    slug = published.consultation.slug
    response = client.get(reverse("api:staff_submissions", args=[slug]), **bearer(secret))
    assert response.status_code == 403 and "submissions:read" in response.json()["detail"]
    assert (
        client.get(reverse("api:staff_reports", args=[slug]), **bearer(secret)).status_code == 200
    )
    response = client.post(
        reverse("api:staff_reports", args=[slug]),
        {"language": "en"},
        content_type="application/json",
        **bearer(secret),
    )
    assert response.status_code == 403


def test_revoked_and_expired_tokens_are_refused(client, published, django_user_model):
    user = staff_user(django_user_model, "short-lived", REVIEWERS)
    issued = api_token_create(user=user, name="x", scopes=[ApiScope.REVIEW_READ], created_by=None)
    url = reverse("api:staff_review", args=[published.consultation.slug])
    assert client.get(url, **bearer(issued.secret)).status_code == 200
    api_token_revoke(token=issued.token, revoked_by=None)
    assert client.get(url, **bearer(issued.secret)).status_code == 401
    expired = api_token_create(
        user=user,
        name="y",
        scopes=[ApiScope.REVIEW_READ],
        created_by=None,
        now=timezone.now() - dt.timedelta(days=10),
        expires_at=timezone.now() - dt.timedelta(days=1),
    )
    assert client.get(url, **bearer(expired.secret)).status_code == 401


def test_review_status_counts_the_consultations_responses(client, published, reviewer_token):
    body = client.get(
        reverse("api:staff_review", args=[published.consultation.slug]), **bearer(reviewer_token)
    ).json()
    assert body["submitted"] >= body["counted"] > 0
    assert sum(body["by_review_status"].values()) == body["submitted"]


def test_reports_with_status_and_files_and_a_file_downloads(client, published, reviewer_token):
    slug = published.consultation.slug
    body = client.get(reverse("api:staff_reports", args=[slug]), **bearer(reviewer_token)).json()
    report = next(r for r in body["results"] if r["id"] == published.publication.report_en.pk)
    assert report["status"] == "succeeded" and report["snapshot"]["sha256"]
    pdf = next(f for f in report["files"] if f["format"] == "pdf")
    response = client.get(pdf["url"], **bearer(reviewer_token))
    assert response.status_code == 200
    assert b"".join(response.streaming_content).startswith(b"%PDF")
    detail = reverse("api:staff_report", args=[report["id"]])
    assert client.get(detail, **bearer(reviewer_token)).json()["id"] == report["id"]
    assert client.get(detail).status_code == 401


def test_requesting_a_report_calls_the_report_service_and_records_who(
    client, published, django_user_model, settings
):
    settings.CELERY_TASK_ALWAYS_EAGER = False
    editor = staff_user(django_user_model, "requester", EDITORS)
    secret = api_token_create(
        user=editor, name="nightly", scopes=[ApiScope.REPORTS_REQUEST], created_by=None
    ).secret
    url = reverse("api:staff_reports", args=[published.consultation.slug])
    bad = client.post(url, {"language": "fr"}, content_type="application/json", **bearer(secret))
    assert bad.status_code == 400 and "language" in bad.json()
    before = Report.objects.count()
    response = client.post(
        url, {"language": "zh-hant"}, content_type="application/json", **bearer(secret)
    )
    assert response.status_code in {202, 503}, response.content
    report = Report.objects.latest("pk")
    assert Report.objects.count() == before + 1 and report.requested_by == editor
    if response.status_code == 202:
        assert response.json()["status"] in {ReportStatus.QUEUED, ReportStatus.RUNNING}


def test_the_command_makes_a_token_and_prints_it_once(django_user_model, capsys):
    staff_user(django_user_model, "cli-user", REPORT_READERS)
    call_command("api_token_create", "cli-user", "--name", "cli", "--scope", "reports:read")
    secret = capsys.readouterr().out.strip()
    token = ApiToken.objects.get(user__username="cli-user")
    assert secret.startswith(token.prefix) and token.scopes == ["reports:read"]
    call_command("api_token_revoke", token.prefix)
    token.refresh_from_db()
    assert token.revoked_at is not None


def test_staff_lists_cost_the_same_few_queries_whatever_the_page_size(
    client, published, reviewer_token, django_assert_max_num_queries
):
    slug = published.consultation.slug
    for url in (
        reverse("api:staff_submissions", args=[slug]),
        reverse("api:staff_reports", args=[slug]),
    ):
        with django_assert_max_num_queries(8):
            client.get(url, {"page_size": 2}, **bearer(reviewer_token))
        with django_assert_max_num_queries(8):
            body = client.get(url, {"page_size": 500}, **bearer(reviewer_token)).json()
        assert body["results"]
