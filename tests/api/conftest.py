"""Fixtures of the API tests: one published consultation (reports built, conclusions published)
for the whole package, rolled back at its end; staff with tokens; a clean rate-limit cache."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Group
from django.core.cache import cache
from django.db import transaction

from api.tokens import api_token_create
from surveys.models import ApiScope
from surveys.roles import EDITORS, REPORT_READERS, REVIEWERS, roles_sync
from tests.reports.conclusions.conclusions_data import conclusions_storage
from tests.security.publication import Published, published_consultation


@pytest.fixture(scope="package")
def published(django_db_setup, django_db_blocker, tmp_path_factory) -> Published:
    """Built once for the package's modules (two reports and two conclusions PDFs: 45-75 s at
    load 5, which each of the four modules that use it spent before), inside a transaction that
    is rolled back when the package's tests are done. The package's tests that run after it is
    built run inside that transaction, each in its own savepoint (none commits:
    ``transactional_db`` would not work here)."""
    from django.contrib.auth import get_user_model

    with (
        django_db_blocker.unblock(),
        conclusions_storage(tmp_path_factory.mktemp("api-private")),
        transaction.atomic(),
    ):
        world = published_consultation(get_user_model(), count=30)
        yield world
        transaction.set_rollback(True)


@pytest.fixture(autouse=True)
def _fresh_rate_limits():
    cache.clear()
    yield
    cache.clear()


def staff_user(django_user_model, username: str, group: str | None = None, **extra):
    if not Group.objects.filter(name=REVIEWERS).exists():
        roles_sync()
    user = django_user_model.objects.create_user(
        username, f"{username}@consult.example.hk", "a-long-test-password", is_staff=True, **extra
    )
    if group:
        user.groups.add(Group.objects.get(name=group))
    return user


def bearer(secret: str) -> dict[str, str]:
    return {"HTTP_AUTHORIZATION": f"Bearer {secret}"}


@pytest.fixture
def reviewer_token(django_user_model) -> str:
    user = staff_user(django_user_model, "api-reviewer", REVIEWERS)
    return api_token_create(
        user=user,
        name="review export",
        scopes=[ApiScope.SUBMISSIONS_READ, ApiScope.REVIEW_READ, ApiScope.REPORTS_READ],
        created_by=None,
    ).secret


__all__ = ["EDITORS", "REPORT_READERS", "bearer", "staff_user"]
