"""The broadcaster's page, the listener's page and its scripts, the artist's stable playlist link,
and a stream that is not webm."""

from __future__ import annotations

from typing import Any

from tunecamp.daemon.config import DaemonConfig


async def test_the_pages_and_their_scripts(
    live_config: DaemonConfig, make_studio: Any, add_user: Any, token_for: Any
) -> None:
    studio = await make_studio(live_config)
    client = studio.client
    page = await client.get("/admin/live", headers=studio.headers)
    assert page.status == 200
    html = await page.text()
    assert 'id="live-form"' in html and 'value="aurora"' in html and "/live/assets/broadcast.js" in html
    await add_user(client.app, "fan", "listener")
    fan = await client.get(
        "/admin/live", headers={"Authorization": f"Bearer {await token_for(client.app, 'fan')}"}
    )
    assert fan.status == 200 and "not linked to an artist" in await fan.text()

    listen = await client.get("/live/aurora/")
    assert listen.status == 200 and 'data-artist="aurora"' in await listen.text()
    assert "media-src 'self' blob:" in listen.headers["Content-Security-Policy"]
    for name, marker in (("broadcast.js", "MediaRecorder"), ("live.js", "tunecamp:page"), ("hls.js", "Hls")):
        script = await client.get(f"/live/assets/{name}")
        assert script.status == 200 and script.content_type == "text/javascript"
        assert marker in await script.text(), name
    assert (await client.get("/live/assets/..%2f..%2fconfig.py")).status == 404

    assert (await client.get("/live/aurora/index.m3u8")).status == 404  # not live
    session = await studio.start()
    moved = await client.get("/live/aurora/index.m3u8", allow_redirects=False)
    assert moved.status == 302 and moved.headers["Location"] == f"/live/{session['id']}/index.m3u8"
    assert (await client.get(f"/live/{session['id']}/", allow_redirects=False)).headers[
        "Location"
    ] == "/live/aurora/"


async def test_a_stream_that_is_not_webm_ends_the_session(
    live_config: DaemonConfig, make_studio: Any
) -> None:
    studio = await make_studio(live_config)
    session = await studio.start()
    statuses = []
    for seq in range(8):
        response = await studio.send(session["id"], b"not a webm stream " * 14000, seq)
        statuses.append(response.status)
        if response.status != 200:
            assert "ended" in (await response.json())["error"]
            break
    assert statuses[-1] == 409
    status = await (await studio.client.get(f"/api/live/sessions/{session['id']}")).json()
    assert status["state"] == "ended" and status["end_reason"]
