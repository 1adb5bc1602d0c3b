"""Two daemons on one data directory and one Redis: a broadcast on one, listeners on either.

The broadcast runs where it started (ffmpeg is that process's child); the other process serves its
playlist and segments from Redis, counts its listeners in the shared count, shows it in the status
and the radio stations, refuses a second broadcast of the artist, and answers the broadcaster's
chunks with a 421 that says where they belong. Redis going away stops none of it in its process.
"""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import Awaitable, Callable
from typing import Any

import pytest
from aiohttp.test_utils import TestClient
from livestudio import Listener, Studio, chunks, wait_for

from tests.shared_state import RedisProcess
from tunecamp.daemon.app import create_app
from tunecamp.daemon.appkeys import LIVE_STATIONS
from tunecamp.daemon.config import DaemonConfig

HEARTBEATS = 20  # seconds: generous, the heartbeat is every second


async def status(client: TestClient, session: str) -> dict[str, Any]:
    response = await client.get(f"/api/live/sessions/{session}")
    assert response.status == 200, await response.text()
    return dict(await response.json())


async def test_a_broadcast_on_one_process_is_heard_and_counted_on_the_other(
    live_config: DaemonConfig,
    redis_url: str,
    make_studio: Callable[..., Awaitable[Studio]],
    aiohttp_client: Callable[..., Awaitable[TestClient]],
    webm: bytes,
) -> None:
    shared = dataclasses.replace(live_config, redis_url=redis_url, live_record=False)
    studio = await make_studio(shared)
    other = await aiohttp_client(create_app(shared))
    session = (await studio.start("Night set"))["id"]

    on_other = await (await other.get("/api/live/status", params={"artist": "aurora"})).json()
    assert on_other["live"] is True and on_other["session"] == session
    again = await other.post("/api/live/sessions", json={"title": "Twice"}, headers=studio.headers)
    assert again.status == 409 and session in (await again.json())["error"]
    misdirected = await other.post(
        f"/api/live/sessions/{session}/chunks", data=b"x", params={"seq": "0"}, headers=studio.headers
    )
    assert misdirected.status == 421, await misdirected.text()
    assert "docs/live.md" in (await misdirected.json())["error"]

    listener = Listener(other, f"/live/{session}/index.m3u8")  # plays from the other process
    await studio.broadcast(session, webm, listener)
    assert listener.segments and all(data for data in listener.segments.values())
    redirect = await other.get("/live/aurora/index.m3u8", allow_redirects=False)
    assert redirect.status == 302 and redirect.headers["Location"] == f"/live/{session}/index.m3u8"

    async def counted_on_both() -> bool:
        await listener.poll()
        here, there = await status(studio.client, session), await status(other, session)
        return here["listeners"] == 1 == there["listeners"]

    await wait_for(counted_on_both, "the listener on the other process is counted on both", HEARTBEATS)

    async def a_station_on_the_other() -> bool:
        return [s.id for s in other.app[LIVE_STATIONS]()] == [session]

    await wait_for(a_station_on_the_other, "the other process lists the broadcast as a station", HEARTBEATS)

    await studio.end(session)
    final = await listener.poll()
    assert final.rstrip().endswith("#EXT-X-ENDLIST")
    ended = await (await other.get("/api/live/status", params={"artist": "aurora"})).json()
    assert ended["live"] is False
    bad = await other.get("/live/0123456789abcdef/g1-00000.ts")
    assert bad.status == 404


async def test_redis_going_away_leaves_the_broadcast_running_where_it_is(
    live_config: DaemonConfig,
    own_redis: RedisProcess,
    make_studio: Callable[..., Awaitable[Studio]],
    aiohttp_client: Callable[..., Awaitable[TestClient]],
    webm: bytes,
    caplog: pytest.LogCaptureFixture,
) -> None:
    shared = dataclasses.replace(live_config, redis_url=own_redis.url, live_record=False)
    studio = await make_studio(shared)
    other = await aiohttp_client(create_app(shared))
    session = (await studio.start("Night set"))["id"]
    pieces = chunks(webm, 24)
    caplog.set_level(logging.WARNING, "tunecamp")
    own_redis.stop()
    for seq, piece in enumerate(pieces[:8]):  # the broadcast goes on in its process
        assert (await studio.send(session, piece, seq)).status == 200
    assert (await status(studio.client, session))["live"] is True
    assert (await other.get(f"/live/{session}/index.m3u8")).status == 404  # the other cannot know it
    await wait_for(_said(caplog, "live: Redis unreachable"), "the outage is logged", HEARTBEATS)

    own_redis.start()  # an empty Redis: the owner's heartbeat publishes the broadcast again
    for seq, piece in enumerate(pieces[8:12], start=8):
        assert (await studio.send(session, piece, seq)).status == 200

    async def heard_again() -> bool:
        return (await other.get(f"/live/{session}/index.m3u8")).status == 200

    await wait_for(heard_again, "the other process serves the broadcast again", HEARTBEATS)
    assert "live: Redis answers again" in caplog.text
    await studio.end(session)


def _said(caplog: pytest.LogCaptureFixture, text: str) -> Callable[[], Awaitable[bool]]:
    async def said() -> bool:
        return text in caplog.text

    return said
