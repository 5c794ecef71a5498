"""API tokens in the admin: made by a superuser, the secret shown once on the page after."""

from __future__ import annotations

import pytest
from django.urls import reverse

from api.tokens import token_hash
from surveys.models import ApiToken
from surveys.roles import REVIEWERS
from tests.api.conftest import staff_user

pytestmark = pytest.mark.django_db


def test_a_superuser_makes_a_token_and_sees_it_once(admin_client, django_user_model):
    reviewer = staff_user(django_user_model, "token-owner", REVIEWERS)
    url = reverse("admin:surveys_apitoken_add")
    response = admin_client.post(
        url, {"user": reviewer.pk, "name": "nightly export", "scopes": ["submissions:read"]}
    )
    assert response.status_code == 200, response.content
    token = ApiToken.objects.get(user=reviewer)
    html = response.content.decode()
    secret = html.split('id="api-token-secret" type="text" readonly size="60" value="')[1]
    secret = secret.split('"')[0]
    assert token.key_hash == token_hash(secret) and secret not in str(token.__dict__)
    assert "no-store" in response["Cache-Control"]
    # The token's page never shows it again.
    change = admin_client.get(reverse("admin:surveys_apitoken_change", args=[token.pk]))
    assert secret not in change.content.decode()


def test_a_scope_the_owner_does_not_hold_is_refused_on_the_form(admin_client, django_user_model):
    reviewer = staff_user(django_user_model, "no-personal", REVIEWERS)
    response = admin_client.post(
        reverse("admin:surveys_apitoken_add"),
        {"user": reviewer.pk, "name": "x", "scopes": ["personal_data:read"]},
    )
    assert response.status_code == 200
    assert "personal_data:read" in response.content.decode()
    assert not ApiToken.objects.exists()


def test_the_revoke_action_revokes_the_selected_tokens(admin_client, django_user_model):
    reviewer = staff_user(django_user_model, "to-revoke", REVIEWERS)
    admin_client.post(
        reverse("admin:surveys_apitoken_add"),
        {"user": reviewer.pk, "name": "x", "scopes": ["review:read"]},
    )
    token = ApiToken.objects.get()
    admin_client.post(
        reverse("admin:surveys_apitoken_changelist"),
        {"action": "revoke", "_selected_action": [token.pk]},
    )
    token.refresh_from_db()
    assert token.revoked_at is not None
