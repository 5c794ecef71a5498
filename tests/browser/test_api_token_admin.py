"""A superuser makes an API token in the admin, in Traditional Chinese, in Debian's chromium:
the token is shown once on the page that follows. (No axe check: like the project's other admin
browser tests; the Django admin's own breadcrumbs fail axe's link-in-text-block rule.)"""

from __future__ import annotations

import os

import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse
from playwright.sync_api import expect

from api.tokens import token_hash
from surveys.models import ApiToken
from surveys.roles import REVIEWERS, roles_sync
from tests.factories import STAFF_PASSWORD

pytestmark = pytest.mark.browser


def test_a_token_is_made_in_chinese_and_shown_once(context, live_server, transactional_db):
    from django.contrib.auth.models import Group

    roles_sync()
    users = get_user_model().objects
    users.create_superuser("root", "root@consult.example.hk", STAFF_PASSWORD)
    reviewer = users.create_user("reviewer", "r@consult.example.hk", "x" * 20, is_staff=True)
    reviewer.groups.add(Group.objects.get(name=REVIEWERS))
    context.add_cookies([{"name": "django_language", "value": "zh-hant", "url": live_server.url}])
    page = context.new_page()
    page.goto(live_server.url + reverse("admin:login"))
    page.locator("#id_username").fill("root")
    page.locator("#id_password").fill(STAFF_PASSWORD)
    page.locator("input[type=submit]").click()
    page.goto(live_server.url + reverse("admin:surveys_apitoken_add"))
    page.locator("#id_user").select_option(str(reviewer.pk))
    page.locator("#id_name").fill("每晚匯出")
    page.get_by_label("閱讀意見書（不含個人資料）").check()
    page.locator("input[name=_save]").click()
    expect(page.get_by_text("請立即複製")).to_be_visible()
    secret = page.locator("#api-token-secret").input_value()
    assert ApiToken.objects.get().key_hash == token_hash(secret)
    if os.environ.get("API_TOKEN_SCREENSHOT"):
        page.screenshot(path=os.environ["API_TOKEN_SCREENSHOT"])
