"""The live pages in the listener's language: the listener's page right to left in Arabic, with its
script's messages, and the broadcaster's page, its script's messages and the API's errors in German."""

from __future__ import annotations

import re
from typing import Any

from tunecamp.daemon.config import DaemonConfig


def messages_url(html: str) -> str:
    found = re.search(r'<meta name="tunecamp-messages" content="([^"]*)"', html)
    assert found, "the page names no message file"
    return found.group(1)


async def test_the_listener_page_speaks_arabic_right_to_left(
    live_config: DaemonConfig, make_studio: Any
) -> None:
    client = (await make_studio(live_config)).client
    page = await client.get("/live/aurora/", headers={"Accept-Language": "ar-EG, en;q=0.5"})
    html = await page.text()
    assert page.status == 200 and page.headers["Content-Language"] == "ar"
    assert '<html lang="ar" dir="rtl">' in html and "مباشر الآن" in html and "قائمة تشغيل HLS" in html
    assert "<span data-live-title></span>" in html  # the script's slot survives the sentence
    assert "media-src 'self' blob:" in page.headers["Content-Security-Policy"]  # still the player's policy
    assert page.headers["Cache-Control"] == "no-cache"
    script = await (await client.get(messages_url(html))).json()
    assert script["language"] == "ar" and len(script["messages"]["%(num)s listener"]) == 6
    english = await (await client.get("/live/aurora/")).text()
    assert '<html lang="en" dir="ltr">' in english and messages_url(english) == ""
    assert '<a href="/live/aurora/index.m3u8">The HLS playlist</a>, for players like VLC' in english
    missing = await client.get("/live/not%20a%20slug/", headers={"Accept-Language": "de"})
    assert missing.status == 404 and "kein solcher Künstler" in await missing.text()


async def test_the_broadcaster_page_and_its_errors_speak_german(
    live_config: DaemonConfig, make_studio: Any
) -> None:
    studio = await make_studio(live_config)
    german = {**studio.headers, "Accept-Language": "de"}
    html = await (await studio.client.get("/admin/live", headers=german)).text()
    assert (
        'Hörer jetzt: <strong id="live-listeners">0</strong> · gesendete Blöcke: <span id="live-sent">0</span>'
        in html
    )
    script = await (await studio.client.get(messages_url(html))).json()
    assert script["messages"][
        "This browser cannot record webm/opus: use a recent Firefox or Chromium."
    ].startswith("Dieser Browser")
    bad = await studio.client.post("/api/live/sessions", json={"title": " "}, headers=german)
    assert bad.status == 400 and (await bad.json())["error"] == "title: der Titel der Übertragung, als Text"
    long = await studio.client.post("/api/live/sessions", json={"title": "x" * 5000}, headers=german)
    assert long.status == 400 and (await long.json())["error"].startswith("title: höchstens ")
    english = await studio.client.post("/api/live/sessions", json={"title": 5}, headers=studio.headers)
    assert (await english.json())["error"] == "title: the broadcast's title, as text"  # programs read English


async def test_why_a_broadcast_ended_is_said_in_german(live_config: DaemonConfig, make_studio: Any) -> None:
    studio = await make_studio(live_config)
    german = {**studio.headers, "Accept-Language": "de"}
    session = await studio.start("Abendrunde", record=False)
    await studio.end(session["id"])
    late = await studio.client.post(
        f"/api/live/sessions/{session['id']}/chunks", data=b"\x1a\x45", headers=german
    )
    assert late.status == 409
    assert (await late.json())["error"] == "die Sitzung ist beendet (der Künstler hat sie beendet)"
    html = await (await studio.client.get("/admin/live", headers=german)).text()
    assert "<td>Abendrunde</td><td>der Künstler hat sie beendet</td>" in html
    english = await (await studio.client.get("/admin/live", headers=studio.headers)).text()
    assert "<td>Abendrunde</td><td>the artist ended it</td>" in english  # stored as it was
