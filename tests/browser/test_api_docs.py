"""The API's browsable docs in Debian's chromium: Swagger UI from our own static files, its
operations listed, under the site's Content Security Policy without a single violation."""

from __future__ import annotations

import os

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.browser

RECORD_VIOLATIONS = """
window.__violations = [];
document.addEventListener("securitypolicyviolation", (event) => {
  window.__violations.push(`${event.violatedDirective} ${event.blockedURI}`);
});
"""


def test_the_api_docs_list_every_operation_with_no_policy_violation(context, live_server, demo):
    context.add_init_script(RECORD_VIOLATIONS)
    page = context.new_page()
    outside: list[str] = []
    page.on(
        "request",
        lambda request: (
            outside.append(request.url) if not request.url.startswith(live_server.url) else None
        ),
    )
    response = page.goto(live_server.url + "/api/v1/docs/")
    assert response is not None and response.status == 200
    assert "content-security-policy" in {name.lower() for name in response.headers}
    expect(page.locator(".opblock").first).to_be_visible(timeout=15_000)
    assert page.locator(".opblock").count() >= 12
    expect(page.get_by_text("/api/v1/consultations/{slug}/responses/").first).to_be_visible()
    if os.environ.get("API_DOCS_SCREENSHOT"):
        page.screenshot(path=os.environ["API_DOCS_SCREENSHOT"], full_page=False)
    assert page.evaluate("() => window.__violations") == []
    assert outside == []
