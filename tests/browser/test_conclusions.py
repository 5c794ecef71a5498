"""A new visitor finds the published conclusions in both languages, in a real browser; before
the publish step and after unpublishing, no public page reveals them."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from reports.conclusions import services as conclusion_services
from tests.browser.conftest import AXE
from tests.reports.conclusions.conclusions_data import (
    CONFIDENTIAL_ORGANISATION,
    INTRO_EN,
    INTRO_ZH,
    NAMED_ORGANISATION,
    closed_consultation,
    conclusions_storage,
    draft_complete,
    reports_build,
)

pytestmark = pytest.mark.browser


@pytest.fixture
def published_later(transactional_db, live_server, tmp_path, editor):
    with conclusions_storage(tmp_path / "private"):
        consultation, known = closed_consultation(count=40)
        reports_build(consultation)
        draft_complete(consultation, editor)
        yield consultation, known, editor


def test_a_new_visitor_finds_the_conclusions_in_both_languages(
    page, live_server, published_later, axe
):
    consultation, known, editor = published_later
    # axe-core is injected before each page's own scripts: the site's CSP blocks inline scripts,
    # and an init script is not one. Any CSP violation of these pages is caught on the console.
    page.add_init_script(path=str(AXE))
    blocked: list[str] = []
    page.on(
        "console",
        lambda message: (
            blocked.append(message.text) if "Content Security Policy" in message.text else None
        ),
    )
    landing = live_server.url + reverse("conclusions:landing", args=[consultation.slug])

    # Before publishing: nothing on the consultation page, 404 for the conclusions.
    page.goto(live_server.url + reverse("surveys:detail", args=[consultation.slug]))
    expect(page.get_by_role("heading", name="Consultation conclusions")).to_have_count(0)
    assert page.goto(landing).status == 404

    conclusion_services.conclusions_publish(consultation=consultation, user=editor)

    page.goto(live_server.url)
    page.get_by_role("link", name=re.compile("over-the-counter dealing")).click()
    expect(page.get_by_role("heading", name="Consultation conclusions")).to_be_visible()
    axe.check(page)
    page.get_by_role("link", name="Read the conclusions").click()
    expect(page.get_by_text(INTRO_EN)).to_be_visible()
    axe.check(page)
    with page.expect_download() as download:
        page.get_by_role("link", name="CSV", exact=True).click()
    assert download.value.suggested_filename.endswith(".csv")
    href = page.get_by_role("link", name="諮詢總結（繁體中文，PDF）").get_attribute("href")
    pdf = page.request.get(live_server.url + href)
    assert pdf.status == 200 and pdf.body().startswith(b"%PDF")

    page.get_by_role("link", name="See the summary figures").click()
    expect(page.get_by_role("heading", name="Summary figures")).to_be_visible()
    axe.check(page)
    page.go_back()
    page.get_by_role("link", name="Read and search the responses").click()
    expect(page.get_by_role("heading", name=NAMED_ORGANISATION)).to_be_visible()
    expect(page.get_by_text(CONFIDENTIAL_ORGANISATION)).to_have_count(0)
    axe.check(page)
    page.get_by_label("Search the responses").fill("Harbour Digital")
    page.get_by_role("button", name="Search").click()
    expect(page.locator("#result-count")).to_contain_text("1 response")

    # The same in Traditional Chinese.
    page.goto(landing)
    page.get_by_role("button", name="繁體中文").click()
    expect(page.get_by_role("heading", level=1)).to_be_visible()
    expect(page.get_by_text(INTRO_ZH)).to_be_visible()
    expect(page.get_by_text("諮詢總結").first).to_be_visible()
    axe.check(page)
    page.get_by_role("link", name="閱讀及搜尋回應").click()
    expect(page.get_by_text("應要求不公開姓名").first).to_be_visible()
    axe.assert_clean(at_least=5)
    assert blocked == []

    # Unpublished: everything is withdrawn.
    conclusion_services.conclusions_unpublish(consultation=consultation, user=editor)
    assert page.goto(landing).status == 404
    page.goto(live_server.url + reverse("surveys:detail", args=[consultation.slug]))
    expect(
        page.get_by_role("link", name=re.compile("閱讀諮詢總結|Read the conclusions"))
    ).to_have_count(0)
