"""The dashboard in headless Chromium: sign in, publish a draft, see it on the public site."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import pytest
from aiohttp.test_utils import TestServer
from chromium import launch_options

from tunecamp.daemon.app import create_app
from tunecamp.daemon.appkeys import BUILDS
from tunecamp.daemon.config import DaemonConfig

pytestmark = pytest.mark.slow


@pytest.fixture
async def browser() -> AsyncIterator[Any]:
    from playwright.async_api import async_playwright

    async with async_playwright() as p:
        browser = await p.chromium.launch(**launch_options())
        yield browser
        await browser.close()


async def test_sign_in_publish_a_draft_and_see_it(
    aiohttp_server: Callable[..., Awaitable[TestServer]],
    site_config: DaemonConfig,
    add_user: Any,
    browser: Any,
) -> None:
    server = await aiohttp_server(create_app(site_config))
    app = server.app
    await app[BUILDS].request("first build")
    await app[BUILDS].wait_idle()
    await add_user(app, "olivia", "owner", password="olivia's long password")
    base = f"http://127.0.0.1:{server.port}"

    page = await browser.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    await page.goto(f"{base}/admin")
    assert "/admin/login" in page.url  # signed out: sent to the sign-in page
    await page.fill("input[name=username]", "olivia")
    await page.fill("input[name=password]", "olivia's long password")
    await page.click("button[type=submit]")
    await page.wait_for_url(f"{base}/admin")
    row = page.locator("tr[data-slug=drafty]")
    assert "draft" in await row.locator(".badge").inner_text()

    assert (await page.goto(f"{base}/releases/drafty/")).status == 404  # type: ignore[union-attr]
    await page.go_back()
    await page.locator("tr[data-slug=drafty] button[name=promote]").click()
    await page.wait_for_url(f"{base}/admin?flash=*")
    assert "drafty is now published" in await page.locator(".flash").inner_text()
    await app[BUILDS].wait_idle()

    response = await page.goto(f"{base}/releases/drafty/")
    assert response is not None and response.status == 200
    assert "Night Drafts" in await page.content()
    await page.goto(f"{base}/admin")
    assert "published" in await page.locator("tr[data-slug=drafty] .badge").inner_text()
    assert not errors
