"""An editor downloads the audit pack of published conclusions from the conclusions page, in
either language, and the pack it gets verifies."""

from __future__ import annotations

import base64
import os

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from reports.audit.verify import signing_key, verify_pack
from reports.conclusions import services as conclusion_services
from tests.browser.conftest import AxeAudit
from tests.browser.test_staff_accessibility import sign_in
from tests.reports.conclusions.conclusions_data import (
    closed_consultation,
    conclusions_storage,
    draft_complete,
    reports_build,
)

pytestmark = pytest.mark.browser

KEY = base64.b64encode(b"browser-test-key-of-32-bytes-min").decode()
BUTTON = {"en": "Download the audit pack (ZIP)", "zh-hant": "下載審計資料包（ZIP）"}


@pytest.fixture
def published(transactional_db, live_server, tmp_path, editor, settings):
    settings.AUDIT_PACK_SIGNING_KEY = KEY
    with conclusions_storage(tmp_path / "private"):
        consultation, _known = closed_consultation(count=30)
        reports_build(consultation)
        draft_complete(consultation, editor)
        conclusion_services.conclusions_publish(consultation=consultation, user=editor)
        yield consultation


@pytest.mark.parametrize("language", ["en", "zh-hant"])
def test_an_editor_downloads_a_pack_that_verifies(page, live_server, published, language):
    page.context.add_cookies(
        [{"name": "django_language", "value": language, "url": live_server.url}]
    )
    audit = AxeAudit()
    sign_in(page, live_server, "editor", audit)
    page.goto(live_server.url + reverse("reports:conclusions", args=[published.slug]))
    button = page.get_by_role("link", name=BUTTON[language])
    expect(button).to_be_visible()
    audit.check(page)
    audit.assert_clean(at_least=2)
    shots = os.environ.get("AUDIT_PACK_SCREENSHOTS")
    if shots:
        button.scroll_into_view_if_needed()
        page.screenshot(path=f"{shots}/audit-pack-{language}.png")
    with page.expect_download() as download:
        button.click()
    path = download.value.path()
    assert download.value.suggested_filename.startswith(f"audit-pack-{published.slug}-")
    assert verify_pack(str(path), signing_key(KEY)).problems == []
