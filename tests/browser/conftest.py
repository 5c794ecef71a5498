"""Playwright fixtures: Debian's chromium, one browser per session, a new context per test.

Never ``playwright install``: the browser is /usr/bin/chromium. Each page of the journey is
checked with axe-core (from npm, node_modules/axe-core) for serious and critical violations.
"""

from pathlib import Path

import pytest
from django.core.cache import cache
from playwright.sync_api import expect

from surveys.demo.loader import demo_files, demo_load

ROOT = Path(__file__).resolve().parents[2]
AXE = ROOT / "node_modules" / "axe-core" / "axe.min.js"
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    return {**browser_type_launch_args, "executable_path": CHROMIUM, "args": CHROMIUM_ARGS}


@pytest.fixture
def demo(transactional_db, live_server):
    """Both demo consultations, visible to the live server's thread."""
    cache.clear()  # rate-limit counters of earlier tests
    loaded = {}
    for path in demo_files():
        consultation, _ = demo_load(path=Path(path))
        loaded[consultation.slug] = consultation
    return loaded


def axe_violations(page) -> list[dict]:
    """The serious and critical axe-core violations on the page as it is now."""
    if not page.evaluate("() => typeof window.axe !== 'undefined'"):
        # Evaluated through the DevTools protocol: the site's CSP (rightly) refuses the inline
        # <script> that add_script_tag would insert, but does not apply to the test's own code.
        page.evaluate(AXE.read_text(encoding="utf-8") + "\n;0")
    violations = page.evaluate(
        """async () => {
            const result = await axe.run(document, {resultTypes: ["violations"]});
            return result.violations.map(v => ({
                id: v.id, impact: v.impact, help: v.help,
                nodes: v.nodes.map(n => n.target.join(" ")).slice(0, 5),
            }));
        }"""
    )
    return [v for v in violations if v["impact"] in ("serious", "critical")]


class AxeAudit:
    """Runs axe on every page a test visits; the test asserts at the end that none failed."""

    def __init__(self) -> None:
        self.pages: list[str] = []
        self.failures: dict[str, list[dict]] = {}

    def check(self, page) -> None:
        url = page.url
        self.pages.append(url)
        found = axe_violations(page)
        if found:
            self.failures[url] = found

    def assert_clean(self, *, at_least: int) -> None:
        assert len(self.pages) >= at_least, self.pages
        assert self.failures == {}, self.failures


@pytest.fixture
def axe():
    return AxeAudit()


@pytest.fixture
def pdf_file(tmp_path):
    path = tmp_path / "position-paper.pdf"
    path.write_bytes(b"%PDF-1.7\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n")
    return path


@pytest.fixture(autouse=True)
def _short_timeouts(request):
    """Fail in seconds, not half a minute: every page here is served from this machine."""
    expect.set_options(timeout=10_000)
    if "page" in request.fixturenames:
        request.getfixturevalue("page").set_default_timeout(10_000)
