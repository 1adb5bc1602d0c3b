"""Who may broadcast, the limits, hostile input, listener counting and the vanished broadcaster."""

from __future__ import annotations

import asyncio
import dataclasses
from typing import Any

from livestudio import Listener, chunks, wait_for

from tunecamp.daemon.config import DaemonConfig, Rate
from tunecamp.daemon.live.api import HUB


async def test_only_the_sessions_owner_sends_chunks_or_ends_it(
    live_config: DaemonConfig, make_studio: Any, add_user: Any, token_for: Any, webm: bytes
) -> None:
    studio = await make_studio(live_config)
    session = await studio.start()
    app, url = studio.client.app, f"/api/live/sessions/{session['id']}"
    await add_user(app, "bandmate", "listener", artists=("aurora",))  # same artist, not the starter
    await add_user(app, "olivia", "owner")
    for name in ("bandmate", "olivia"):
        headers = {"Authorization": f"Bearer {await token_for(app, name)}"}
        assert (await studio.client.post(f"{url}/chunks", data=webm[:1000], headers=headers)).status == 403
        assert (await studio.client.post(f"{url}/end", headers=headers)).status == 403
    assert (await studio.client.post(f"{url}/chunks", data=webm[:1000])).status == 401
    assert (await studio.send(session["id"], webm[:1000], 0)).status == 200  # the owner still can
    assert (
        await studio.client.post(
            "/api/live/sessions/ffffffffffffffff/chunks", data=b"x", headers=studio.headers
        )
    ).status == 404


async def test_who_may_go_live_as_which_artist(
    live_config: DaemonConfig, make_studio: Any, add_user: Any, token_for: Any
) -> None:
    studio = await make_studio(live_config)
    app = studio.client.app
    await add_user(app, "fan", "listener")  # linked to no artist
    await add_user(app, "olivia", "owner")
    fan = {"Authorization": f"Bearer {await token_for(app, 'fan')}"}
    owner = {"Authorization": f"Bearer {await token_for(app, 'olivia')}"}
    post = studio.client.post
    assert (
        await post("/api/live/sessions", json={"title": "x", "artist": "aurora"}, headers=fan)
    ).status == 403
    response = await post(
        "/api/live/sessions", json={"title": "x", "artist": "someone-else"}, headers=studio.headers
    )
    assert response.status == 403 and "someone-else" in (await response.json())["error"]
    started = await post("/api/live/sessions", json={"title": "x", "artist": "aurora"}, headers=owner)
    assert started.status == 201  # an Owner broadcasts as any artist (aurora is linked to an account)
    again = await post("/api/live/sessions", json={"title": "y"}, headers=studio.headers)
    assert again.status == 409  # one broadcast per artist at a time


async def test_hostile_input_gets_a_4xx_naming_the_field(live_config: DaemonConfig, make_studio: Any) -> None:
    studio = await make_studio(live_config)
    post = studio.client.post
    for body, field in (
        ({}, "title"),
        ({"title": "   "}, "title"),
        ({"title": 5}, "title"),
        ({"title": "x" * 201}, "title"),
        ({"title": "x", "artist": "../../etc"}, "artist"),
        ({"title": "x", "record": "yes"}, "record"),
    ):
        response = await post("/api/live/sessions", json=body, headers=studio.headers)
        assert response.status == 400 and (await response.json())["error"].startswith(field), body
    session = await studio.start()
    sid = session["id"]
    assert (await studio.send(sid, b"")).status == 400
    assert (await studio.send(sid, b"x", seq=3)).status == 409  # out of order: expected 0
    bad = await studio.client.post(
        f"/api/live/sessions/{sid}/chunks?seq=-1", data=b"x", headers=studio.headers
    )
    assert bad.status == 400 and "seq" in (await bad.json())["error"]
    for path in (
        f"/live/{sid}/..%2f..%2fetc%2fpasswd",
        f"/live/{sid}/recording.webm",
        f"/live/{sid}/g1-99999.ts",
    ):
        assert (await studio.client.get(path)).status == 404, path
    assert (await studio.client.get("/api/live/status", params={"artist": "<x>"})).status == 400


async def test_chunk_size_rate_and_session_count_limits(
    config: DaemonConfig, make_studio: Any, add_user: Any, token_for: Any
) -> None:
    limited = dataclasses.replace(
        config, live_max_chunk=4096, live_chunk_rate=Rate(3, 60), live_max_sessions=1
    )
    studio = await make_studio(limited)
    session = await studio.start()
    too_big = await studio.send(session["id"], b"\x1a" * 5000)
    assert too_big.status == 413
    statuses = [(await studio.send(session["id"], b"\x1a\x45\xdf\xa3")).status for _ in range(3)]
    assert statuses == [200, 200, 429]  # the 413 counted as an attempt too
    refused = await studio.send(session["id"], b"\x1a")
    assert refused.status == 429 and int(refused.headers["Retry-After"]) >= 1
    await add_user(studio.client.app, "kettle", "listener", artists=("the-kettle-hums",))
    other = {"Authorization": f"Bearer {await token_for(studio.client.app, 'kettle')}"}
    second = await studio.client.post("/api/live/sessions", json={"title": "z"}, headers=other)
    assert second.status == 429  # the instance's one broadcast is running


async def test_listeners_are_the_distinct_players_of_the_last_30_seconds(
    live_config: DaemonConfig, make_studio: Any, webm: bytes
) -> None:
    studio = await make_studio(dataclasses.replace(live_config, live_idle_timeout=3600))
    hub = studio.client.app[HUB]
    now = [1000.0]
    hub.clock = lambda: now[0]
    session = await studio.start()
    playlist = f"/live/{session['id']}/index.m3u8"
    for listener_id in ("listener-aaaa", "listener-bbbb", "listener-aaaa", "listener-cccc"):
        assert (await studio.client.get(playlist, params={"listener": listener_id})).status == 200
    for agent in ("VLC/3.0", "VLC/3.0", "mpv"):  # players without an id: by address and user agent
        assert (await studio.client.get(playlist, headers={"User-Agent": agent})).status == 200

    async def listeners() -> int:
        status = await (await studio.client.get("/api/live/status", params={"artist": "aurora"})).json()
        return int(status["listeners"])

    assert await listeners() == 5
    now[0] += 20
    await studio.client.get(playlist, params={"listener": "listener-bbbb"})
    now[0] += 15  # 35 s after the first fetches, 15 s after bbbb's
    assert await listeners() == 1
    assert (await studio.send(session["id"], webm[:2000], 0)).status == 200
    assert (await (await studio.send(session["id"], webm[2000:4000], 1)).json())["listeners"] == 1
    ended = await studio.end(session["id"])
    assert ended["peak_listeners"] == 5


async def test_a_broadcaster_who_vanishes_is_ended_after_the_timeout(
    live_config: DaemonConfig, make_studio: Any, webm: bytes
) -> None:
    studio = await make_studio(dataclasses.replace(live_config, live_idle_timeout=0.6, live_linger=30))
    session = await studio.start()
    listener = Listener(studio.client, f"/live/{session['id']}/index.m3u8")
    for seq, piece in enumerate(chunks(webm, 10)[:6]):
        assert (await studio.send(session["id"], piece, seq)).status == 200
    hub = studio.client.app[HUB]

    async def ended() -> bool:
        return hub.sessions[session["id"]].state == "ended"

    await wait_for(ended, "the quiet session was not ended")  # then the tab is closed: nothing more
    status = await (await studio.client.get(f"/api/live/sessions/{session['id']}")).json()
    assert status["end_reason"] == "the broadcaster stopped sending"
    text = await listener.poll()
    assert text.rstrip().endswith("#EXT-X-ENDLIST") and listener.segments  # what was sent, played out
    assert (await studio.send(session["id"], b"late", 6)).status == 409
    await asyncio.sleep(0)


async def test_a_broadcast_longer_than_the_limit_is_ended(
    live_config: DaemonConfig, make_studio: Any, webm: bytes
) -> None:
    studio = await make_studio(dataclasses.replace(live_config, live_idle_timeout=3600, live_max_duration=60))
    hub = studio.client.app[HUB]
    now = [1000.0]
    hub.clock = lambda: now[0]
    session = await studio.start()
    assert (await studio.send(session["id"], webm[:3000], 0)).status == 200
    now[0] += 61
    assert (await studio.send(session["id"], webm[3000:6000], 1)).status == 200  # not quiet: too long

    async def ended() -> bool:
        return hub.sessions[session["id"]].state == "ended"

    await wait_for(ended, "the long broadcast was not ended")
    assert hub.sessions[session["id"]].end_reason == "the longest broadcast allowed"
