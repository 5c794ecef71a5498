"""An editor works on one question in a real browser, in English and in Chinese: picks a theme,
filters its answers, inserts a quote by click, saves, and finds the quote in the draft; a
confidential answer offers no quote; axe finds nothing serious."""

from __future__ import annotations

import os
import re

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from reports.conclusions import selectors as conclusion_selectors
from tests.browser.conftest import AXE, AxeAudit
from tests.browser.test_staff_accessibility import sign_in
from tests.reports.conclusions.conclusions_data import conclusions_storage, draft_complete
from tests.reports.conclusions.workbench_data import CONFIDENTIAL_TEXT, NAMED_TEXT, bench_build

pytestmark = pytest.mark.browser

SCREENSHOTS = os.environ.get("WORKBENCH_SCREENSHOTS", "")

WORDS = {
    "en": {
        "theme": "Fees",
        "capital": "Capital",
        "consent": "Consent",
        "confidential": "Confidential",
        "filter": "Filter",
        "insert": "Insert quote from",
        "save": "Save as a new version",
        "response_en": "Our response (English)",
        "saved": "Saved as version",
    },
    "zh-hant": {
        "theme": "費用",
        "capital": "資本",
        "consent": "公開同意",
        "confidential": "保密",
        "filter": "篩選",
        "insert": "插入",
        "save": "儲存為新版本",
        "response_en": "我們的回應（英文）",
        "saved": "已儲存為第",
    },
}


@pytest.fixture
def bench(transactional_db, live_server, tmp_path, editor):
    with conclusions_storage(tmp_path / "private"):
        built = bench_build()
        draft_complete(built.consultation, editor)
        yield built


@pytest.mark.parametrize("language", ["en", "zh-hant"])
def test_an_editor_quotes_an_answer_into_the_response_in_both_languages(
    page, live_server, bench, language
):
    words = WORDS[language]
    page.add_init_script(path=str(AXE))
    blocked: list[str] = []
    page.on(
        "console",
        lambda message: (
            blocked.append(message.text) if "Content Security Policy" in message.text else None
        ),
    )
    page.context.add_cookies(
        [{"name": "django_language", "value": language, "url": live_server.url}]
    )
    audit = AxeAudit()
    sign_in(page, live_server, "editor", audit)
    page.goto(live_server.url + reverse("reports:conclusions", args=[bench.consultation.slug]))
    page.get_by_role("link", name=re.compile(rf"{bench.question.code}\b.*")).filter(
        has_text="workbench" if language == "en" else "工作台"
    ).first.click()
    expect(page.locator("h1")).to_contain_text(bench.question.code)
    audit.check(page)

    # A confidential answer behind Capital: shown, but with no quote button.
    page.get_by_role("link", name=words["capital"], exact=True).click()
    page.get_by_label(words["consent"]).select_option("confidential")
    page.get_by_role("button", name=words["filter"]).click()
    expect(page.get_by_text(CONFIDENTIAL_TEXT)).to_be_visible()
    expect(page.locator("[data-insert-quote]")).to_have_count(0)
    audit.check(page)

    # The named firm's answer behind Fees: insert its quote into the English response.
    page.get_by_role("link", name=words["theme"], exact=True).click()
    expect(page.get_by_text(NAMED_TEXT)).to_be_visible()
    if SCREENSHOTS:
        page.screenshot(path=f"{SCREENSHOTS}/workbench-{language}.png", full_page=True)
    box = page.get_by_label(words["response_en"])
    box.fill("We will review the capital rule.")
    page.get_by_role("button", name=re.compile(words["insert"])).click()
    reference = bench.known["named"].reference
    expect(box).to_have_value(re.compile(rf"capital rule\. “.+” \[\[quote:{reference}\]\]$"))
    # Let the clicked button's hover colours finish their transition before axe measures them.
    page.mouse.move(0, 0)
    page.wait_for_timeout(400)
    audit.check(page)
    page.get_by_role("button", name=words["save"]).click()
    expect(page.get_by_text(words["saved"])).to_be_visible()
    expect(box).to_have_value(re.compile(rf"\[\[quote:{reference}\]\]"))
    if SCREENSHOTS:
        page.screenshot(path=f"{SCREENSHOTS}/workbench-saved-{language}.png", full_page=True)
    audit.check(page)

    latest = conclusion_selectors.draft_latest(consultation=bench.consultation)
    text = conclusion_selectors.draft_texts(draft=latest)[bench.question.pk]
    assert text.response_en.startswith("We will review the capital rule. “Licensing OTC")
    assert text.response_en.endswith(f"[[quote:{reference}]]")
    audit.assert_clean(at_least=4)
    assert blocked == []
