"""daemon/html.py's helpers the dashboards share."""

from __future__ import annotations

import pytest
from aiohttp.test_utils import TestClient

from tunecamp.daemon.html import ago
from tunecamp.generator.site import i18n

NOW = 1_800_000_000.0


@pytest.mark.parametrize(
    ("tag", "seconds", "expected"),
    [
        ("en", 7300, "2 hours ago"),
        ("en", 5, "5 seconds ago"),
        ("de", 7300, "vor 2 Stunden"),
        ("ja", 7300, "2 時間前"),
        ("en", -30, "1 second ago"),  # a clock a little ahead is not the future
    ],
)
def test_ago_speaks_the_page_language(tag: str, seconds: float, expected: str) -> None:
    with i18n.speaking(i18n.page_locale(tag, i18n.DASHBOARD_DOMAIN)):
        assert ago(NOW - seconds, NOW) == expected


def test_never_is_a_dash() -> None:
    assert ago(None, NOW) == "—" and ago(0, NOW) == "—"


async def test_the_scripts_messages_are_served_per_language(client: TestClient) -> None:
    dashboard = await client.get("/admin/static/messages/de/dashboard.json")
    assert dashboard.status == 200 and dashboard.content_type == "application/json"
    assert (await dashboard.json())["messages"]["No microphone: %(error)s"] == "Kein Mikrofon: %(error)s"
    site = await (await client.get("/admin/static/messages/ar/site.json")).json()
    assert set(site["messages"]["%(num)s listener"]) == {"zero", "one", "two", "few", "many", "other"}
    script = await client.get("/admin/static/i18n.js")
    assert script.status == 200 and "T.t = function" in await script.text()
    for bad in ("en/site", "xx/site", "de/secrets", "de/..%2fsite", "..%2f..%2fde/site", "de/site.po%00"):
        assert (await client.get(f"/admin/static/messages/{bad}.json")).status == 404, bad


async def test_a_page_names_its_scripts_messages_in_its_language(client: TestClient) -> None:
    german = await (await client.get("/admin/login", headers={"Accept-Language": "de"})).text()
    assert '<meta name="tunecamp-messages" content="/admin/static/messages/de/dashboard.json">' in german
    assert '<script src="/admin/static/i18n.js"></script>' in german
    english = await (await client.get("/admin/login")).text()
    assert '<meta name="tunecamp-messages" content="">' in english  # the scripts' own words
