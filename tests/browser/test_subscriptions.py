"""A subscriber's walk in a real browser, in Chinese, with a local SMTP server process: subscribe
on a consultation's page, receive the confirmation email, confirm, then unsubscribe. axe-core on
every page."""

from __future__ import annotations

import datetime as dt
import re
from urllib.parse import urlsplit

import pytest
from django.core.cache import cache
from django.utils import timezone
from playwright.sync_api import expect

from outbox.services import emails_send_due
from surveys.models import Subscription
from tests.factories import ConsultationFactory
from tests.integration.test_email_outbox import smtp_server  # noqa: F401 - the fixture

pytestmark = pytest.mark.browser


def test_subscribe_confirm_and_unsubscribe_in_chinese(
    page,
    live_server,
    transactional_db,
    settings,
    axe,
    tmp_path,
    smtp_server,  # noqa: F811 - the fixture imported above
):
    cache.clear()
    smtp_server.accept()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = "127.0.0.1"
    settings.EMAIL_PORT = smtp_server.port
    consultation = ConsultationFactory(
        slug="va-custody",
        title_en="Licensing VA custodian services",
        title_zh="虛擬資產託管服務發牌制度",
        opens_at=timezone.now() - dt.timedelta(days=3),
        closes_at=timezone.now() + dt.timedelta(days=30),
    )

    page.goto(f"{live_server.url}/consultations/{consultation.slug}/")
    page.get_by_role("button", name="繁體中文").click()
    expect(page.get_by_role("heading", name="以電郵接收本諮詢的通知")).to_be_visible()
    axe.check(page)
    page.get_by_label("你的電郵地址").fill("chan.tai.man@example.com")
    page.screenshot(path=tmp_path / "1-detail.png", full_page=True)
    page.get_by_role("button", name="訂閱", exact=True).click()
    expect(page.get_by_role("heading", name="請查看你的電郵")).to_be_visible()
    axe.check(page)
    assert Subscription.objects.get().confirmed_at is None

    # Beat's sweep sends the confirmation to the SMTP server.
    assert emails_send_due() == 1
    ((recipients, message),) = smtp_server.messages()
    assert recipients == "chan.tai.man@example.com"
    assert message["Subject"] == "請確認訂閱 Consult HK 通知"
    text = message.get_body(preferencelist=("plain",)).get_content()
    assert "虛擬資產託管服務發牌制度" in text
    link = re.search(r"https?://\S+/subscriptions/confirm/\S+/", text).group(0)

    page.goto(live_server.url + urlsplit(link).path)
    expect(page.get_by_role("heading", name="確認訂閱")).to_be_visible()
    axe.check(page)
    page.get_by_role("button", name="確認我的訂閱").click()
    expect(page.get_by_role("heading", name="你已訂閱")).to_be_visible()
    axe.check(page)
    page.screenshot(path=tmp_path / "2-confirmed.png", full_page=True)
    assert Subscription.objects.get().confirmed_at is not None

    page.get_by_role("link", name="立即取消訂閱").click()
    expect(page.get_by_role("heading", name="取消訂閱")).to_be_visible()
    axe.check(page)
    page.get_by_role("button", name="取消訂閱").click()
    expect(page.get_by_role("heading", name="你已取消訂閱")).to_be_visible()
    axe.check(page)
    page.screenshot(path=tmp_path / "3-unsubscribed.png", full_page=True)
    subscription = Subscription.objects.get()
    assert subscription.unsubscribed_at is not None
    assert subscription.email == ""
    axe.assert_clean(at_least=6)
