"""Rate limits: per address for the public, per token for staff; 429 with Retry-After; with the
cache down the API still answers (it fails open, see api.throttling)."""

from __future__ import annotations

import pytest
from django.urls import reverse

from api.tokens import api_token_create
from surveys.models import ApiScope
from surveys.roles import REVIEWERS
from tests.api.conftest import bearer, staff_user

pytestmark = pytest.mark.django_db


def test_an_address_over_its_limit_gets_429_with_retry_after(client, settings):
    settings.API_RATE_ANONYMOUS = "3/h"
    url = reverse("api:consultations")
    assert [client.get(url).status_code for _ in range(3)] == [200, 200, 200]
    response = client.get(url)
    assert response.status_code == 429
    assert 1 <= int(response["Retry-After"]) <= 3600
    # Another address has its own count.
    assert client.get(url, REMOTE_ADDR="198.51.100.7").status_code == 200


def test_a_token_is_counted_on_its_own_not_with_its_address(
    client, settings, django_user_model, published
):
    settings.API_RATE_ANONYMOUS = "1/h"
    settings.API_RATE_TOKEN = "2/h"
    user = staff_user(django_user_model, "limited", REVIEWERS)
    secret = api_token_create(
        user=user, name="x", scopes=[ApiScope.REPORTS_READ], created_by=None
    ).secret
    assert client.get(reverse("api:consultations")).status_code == 200
    assert client.get(reverse("api:consultations")).status_code == 429
    url = reverse("api:staff_reports", args=[published.consultation.slug])
    assert client.get(url, **bearer(secret)).status_code == 200
    assert client.get(url, **bearer(secret)).status_code == 200
    response = client.get(url, **bearer(secret))
    assert response.status_code == 429 and response["Retry-After"]


def test_with_the_cache_unreachable_the_api_still_answers(client, settings):
    settings.CACHES = {
        **settings.CACHES,
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            # Nothing listens on port 1: every cache call fails.
            "LOCATION": "redis://127.0.0.1:1/0",
            "OPTIONS": {"socket_connect_timeout": 0.2, "socket_timeout": 0.2},
        },
    }
    response = client.get(reverse("api:consultations"))
    assert response.status_code == 200
