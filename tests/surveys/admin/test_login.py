"""Admin sign-in: repeated failures lock the account out from that address (django-axes)."""

import pytest
from django.conf import settings
from django.urls import reverse

from tests.factories import STAFF_PASSWORD

pytestmark = pytest.mark.django_db
LOGIN = reverse("admin:login")


def sign_in(client, username, password, address="198.51.100.7"):
    return client.post(
        LOGIN,
        {"username": username, "password": password, "next": reverse("admin:index")},
        REMOTE_ADDR=address,
    )


def test_five_failures_lock_the_account_out_even_with_the_right_password(client, reviewer):
    assert settings.AXES_FAILURE_LIMIT == 5
    for _ in range(4):
        response = sign_in(client, "reviewer", "wrong")
        assert response.status_code == 200
        assert "Please enter the correct username and password" in response.content.decode()
    response = sign_in(client, "reviewer", "wrong")
    assert response.status_code == 429
    assert "Too many failed sign-ins" in response.content.decode()
    response = sign_in(client, "reviewer", STAFF_PASSWORD)
    assert response.status_code == 429
    assert client.get(reverse("admin:index")).status_code == 302  # still not signed in


def test_the_lock_is_for_that_account_from_that_address(client, reviewer, editor):
    for _ in range(5):
        sign_in(client, "reviewer", "wrong")
    assert sign_in(client, "editor", STAFF_PASSWORD).status_code == 302
    client.logout()
    assert sign_in(client, "reviewer", STAFF_PASSWORD, address="203.0.113.20").status_code == 302


def test_a_success_before_the_limit_resets_the_count(client, reviewer):
    for _ in range(4):
        sign_in(client, "reviewer", "wrong")
    assert sign_in(client, "reviewer", STAFF_PASSWORD).status_code == 302
    client.logout()
    for _ in range(4):
        assert sign_in(client, "reviewer", "wrong").status_code == 200


def test_the_test_clients_login_still_works(client, reviewer):
    assert client.login(username="reviewer", password=STAFF_PASSWORD)
    assert client.get(reverse("admin:index")).status_code == 200
