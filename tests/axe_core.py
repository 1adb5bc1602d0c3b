"""axe-core in the browser tests: a Chromium the pages run it in, and what it finds on a page.

Import with `from axe_core import axe_browser, violations` (tests/ is on pytest's pythonpath).
axe-core is pinned in tests/e2e/package-lock.json and installed by `make test` (npm ci).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from chromium import launch_options
from playwright.sync_api import Browser, Page, sync_playwright

AXE = Path(__file__).resolve().parent / "e2e/node_modules/axe-core/axe.min.js"
VIOLATIONS = (
    "async () => (await axe.run(document, {resultTypes: ['violations']})).violations"
    ".map(v => `${v.impact} ${v.id}: ${v.help} (${v.nodes.map(n => n.target.join(' ')).join(', ')})`)"
)


@contextmanager
def axe_browser() -> Iterator[Browser]:
    """Headless Chromium; fails the test at once when axe-core is not installed."""
    if not AXE.is_file():
        pytest.fail(f"{AXE} is missing: run `npm ci` in tests/e2e (make test does)")
    with sync_playwright() as p:
        browser = p.chromium.launch(**launch_options())
        yield browser
        browser.close()


def violations(page: Page) -> list[str]:
    """axe-core's violations on the page as loaded, any impact, one line each."""
    page.add_script_tag(path=str(AXE))
    found: list[str] = page.evaluate(VIOLATIONS)
    return found
