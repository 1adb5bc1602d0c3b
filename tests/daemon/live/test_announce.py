"""Going live is announced to the artist's followers (a Create{Note} with the live page's link),
and the end updates it, through the federation feature's delivery queue, to an inbox on 127.0.0.1."""

from __future__ import annotations

import asyncio
import dataclasses
from collections.abc import AsyncIterator
from typing import Any

import pytest
from aiohttp import web
from aiohttp.test_utils import TestServer
from fedsite import Site
from livestudio import wait_for

from tunecamp.daemon.appkeys import DB
from tunecamp.daemon.config import DaemonConfig


@pytest.fixture
async def inbox() -> AsyncIterator[tuple[str, list[dict[str, Any]]]]:
    received: list[dict[str, Any]] = []

    async def handle(request: web.Request) -> web.Response:
        assert "Signature" in request.headers  # signed by the artist's key, like every delivery
        received.append(await request.json())
        return web.Response(status=202)

    app = web.Application()
    app.router.add_post("/inbox", handle)
    server = TestServer(app, host="127.0.0.1")
    await server.start_server()
    yield str(server.make_url("/inbox")), received
    await server.close()


async def test_going_live_and_ending_reach_the_artists_followers(
    live_config: DaemonConfig, make_studio: Any, inbox: tuple[str, list[dict[str, Any]]], webm: bytes
) -> None:
    config = dataclasses.replace(live_config, outbound_allow_loopback=True, live_record=False)
    site = Site(config.public_dir)
    site.publish("tides")  # the manifest: aurora is an actor of the site
    url, received = inbox
    studio = await make_studio(config)

    def follow(db: Any) -> None:
        db.execute(
            "INSERT INTO fed_followers (username, actor, inbox, shared_inbox, follow_id, follow, state, created_at)"
            " VALUES ('aurora', 'https://fan.example/u', ?, NULL, 'https://fan.example/u#f', '{}', 'accepted', '2026-01-01')",
            [url],
        )
        db.conn.commit()

    await studio.client.app[DB].run(follow)
    session = await studio.start("Sunday sofa set")

    async def got(count: int) -> bool:
        return len(received) >= count

    await wait_for(lambda: got(1), "no Create reached the follower")
    create = received[0]
    page = f"{config.url}/live/aurora/"
    assert create["type"] == "Create" and create["actor"] == site.actor_id("aurora")
    note = create["object"]
    assert note["type"] == "Note" and note["url"] == page and page in note["content"]
    assert "Sunday sofa set" in note["content"] and note["id"].startswith(site.actor_id("aurora") + "#")
    assert "https://www.w3.org/ns/activitystreams#Public" in note["to"]

    await studio.end(session["id"])
    await wait_for(lambda: got(2), "no Update reached the follower")
    update = received[1]
    assert update["type"] == "Update" and update["object"]["id"] == note["id"]
    assert update["object"]["updated"] and "Was live" in update["object"]["content"]
    await asyncio.sleep(0.3)
    assert len(received) == 2  # once each
