"""The dashboard in the browser tests: a signed-in page at a width and colour scheme, and overflow.

Import with `from dashboard_browser import OVERFLOW, signed_in` (tests/ is on pytest's pythonpath).
"""

from __future__ import annotations

from playwright.sync_api import Browser, Page

# how far the page scrolls sideways: > 0 is content wider than the viewport
OVERFLOW = "() => document.documentElement.scrollWidth - document.documentElement.clientWidth"


def signed_in(browser: Browser, url: str, width: int, scheme: str, account: tuple[str, str]) -> Page:
    """A new page of the daemon at `url`, signed in as `account` (username, password), on /admin."""
    context = browser.new_context(
        base_url=url,
        viewport={"width": width, "height": 900},
        color_scheme=scheme,  # type: ignore[arg-type]
        bypass_csp=True,  # the dashboard's CSP would refuse the injected axe script
    )
    page = context.new_page()
    page.goto("/admin/login")
    page.fill("input[name=username]", account[0])
    page.fill("input[name=password]", account[1])
    page.click("button[type=submit]")
    page.wait_for_url("**/admin")
    return page
