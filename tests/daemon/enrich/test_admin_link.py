"""The Enrich link on the dashboard's release rows, and a Curator's assigned releases (slow: a real build)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

import pytest
from aiohttp.test_utils import TestClient

from tunecamp.daemon.app import create_app
from tunecamp.daemon.appkeys import BUILDS
from tunecamp.daemon.config import DaemonConfig

pytestmark = pytest.mark.slow
PASSWORD = "correct horse battery"


async def test_a_curator_enriches_the_releases_of_their_artists_only(
    aiohttp_client: Callable[..., Awaitable[TestClient]], site_config: DaemonConfig, add_user: Any
) -> None:
    client = await aiohttp_client(create_app(site_config))
    await client.app[BUILDS].request("first build")
    await client.app[BUILDS].wait_idle()
    await add_user(client.app, "cara", "curator", ("aurora",))
    await add_user(client.app, "otto", "curator", ("someone-else",))

    await client.post("/admin/login", data={"username": "cara", "password": PASSWORD}, allow_redirects=False)
    dashboard = await (await client.get("/admin")).text()
    assert '<a href="/admin/enrich/tides">Enrich</a>' in dashboard
    assert '<a href="/admin/enrich/drafty">Enrich</a>' in dashboard
    page = await client.get("/admin/enrich/tides")
    assert page.status == 200 and "Not looked up yet" in await page.text()

    await client.post("/admin/logout", allow_redirects=False)
    client.session.cookie_jar.clear()
    await client.post("/admin/login", data={"username": "otto", "password": PASSWORD}, allow_redirects=False)
    assert '/admin/enrich/tides"' not in await (await client.get("/admin")).text()
    assert (await client.get("/admin/enrich/tides")).status == 403
