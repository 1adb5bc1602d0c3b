"""A real Fedify server (tests/peers/fedify, @fedify/fedify 2.3.6 on Node) against a real daemon
building a real catalog, both on 127.0.0.1: discovery, follow and Accept, a release's Create with
playable audio, Undo, both signature formats both ways, and a reply approved in the dashboard
that appears, escaped, on the rebuilt static page."""

from __future__ import annotations

import asyncio
import json
import socket
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from aiohttp.test_utils import TestServer
from fedify_peer import Peer

from tunecamp.daemon.app import create_app
from tunecamp.daemon.appkeys import BUILDS, DB
from tunecamp.daemon.config import DaemonConfig
from tunecamp.daemon.federation import delivery
from tunecamp.daemon.federation.delivery import DeliverySettings
from tunecamp.daemon.federation.keys import KeyStore
from tunecamp.daemon.federation.signing import SigningKey, sign_rfc9421

pytestmark = pytest.mark.slow
PASSWORD = "correct horse battery"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class Daemon:
    server: TestServer
    config: DaemonConfig
    base: str

    @property
    def host(self) -> str:
        return self.base.split("://", 1)[1]

    async def rebuild(self) -> None:
        builds = self.server.app[BUILDS]
        await builds.request("test")
        await builds.wait_idle()  # type: ignore[attr-defined]

    async def sql(self, statement: str, args: list[Any] | None = None) -> list[Any]:
        return await self.server.app[DB].run(lambda db: db.execute(statement, args or []).fetchall())


@pytest.fixture
async def daemon(tmp_path: Path, make_audio: Any) -> AsyncIterator[Daemon]:
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    content = tmp_path / "content"
    files = {
        "catalog.yaml": f"title: Loopback Label\nbase_url: {base}\ndaemon_url: {base}\n",
        "artists/aurora-lane/artist.yaml": "name: Aurora Lane\n",
        "releases/tides/release.yaml": "status: published\ntitle: Morning Tides\nartist: aurora-lane\n",
        "releases/dawn/release.yaml": "status: draft\ntitle: First Dawn\nartist: aurora-lane\ngenres: [ambient]\n",
    }
    for name, text in files.items():
        (content / name).parent.mkdir(parents=True, exist_ok=True)
        (content / name).write_text(text)
    make_audio(content / "releases/tides/01 - First Light.flac", tags={"title": "First Light"})
    make_audio(content / "releases/dawn/01 - Early.flac", freq=330, tags={"title": "Early"})
    config = DaemonConfig(
        content_dir=content,
        data_dir=tmp_path / "data",
        public_dir=tmp_path / "public",
        port=port,
        bcrypt_rounds=4,
        build_on_start=False,
        build_transcode=True,
        watch=False,
        outbound_allow_loopback=True,
    )
    app = create_app(config)
    delivery.configure(app, DeliverySettings(base_delay=0.2, max_delay=1))
    server = TestServer(app, host="127.0.0.1", port=port)
    await server.start_server()
    running = Daemon(server, config, base)
    await running.rebuild()
    actor = config.public_dir / "ap/artists/aurora-lane.json"
    deadline = time.monotonic() + 60  # the daemon makes the keys it lacks, then rebuilds with them
    while "publicKey" not in (actor.read_text() if actor.is_file() else ""):
        assert time.monotonic() < deadline, "the actor never got its public key"
        await asyncio.sleep(0.2)
    await server.app[BUILDS].wait_idle()  # type: ignore[attr-defined]
    yield running
    await server.close()


async def publish_dawn(daemon: Daemon) -> None:
    yaml = daemon.config.content_dir / "releases/dawn/release.yaml"
    yaml.write_text(yaml.read_text().replace("status: draft", "status: published"))
    await daemon.rebuild()


async def test_follow_accept_create_with_audio_update_delete_and_undo(daemon: Daemon, peer: Peer) -> None:
    handle = f"acct:aurora-lane@{daemon.host}"
    followed = await peer.call("follow", handle=handle)  # WebFinger, the actor, a signed Follow
    assert followed["actor"] == f"{daemon.base}/ap/artists/aurora-lane.json"
    accept = await peer.wait_for("Accept")
    assert accept["object"]["id"] == followed["follow"]  # the Accept embeds the whole Follow
    assert await daemon.sql("SELECT state FROM fed_followers WHERE username = 'aurora-lane'") == [
        ("accepted",)
    ]

    label = await peer.call("follow", handle=f"acct:label@{daemon.host}")  # the whole label, too
    await peer.wait_for("Accept", lambda a: a["object"]["id"] == label["follow"])

    await publish_dawn(daemon)
    create = await peer.wait_for("Create", lambda a: "dawn" in json.dumps(a.get("object", "")))
    announce = await peer.wait_for("Announce")  # the label boosts it, signed with the label's key
    assert announce["actor"] == label["actor"] and announce["object"] == create["object"]["id"]
    note = create["object"]
    audio = [a for a in note["attachment"] if str(a.get("mediaType", "")).startswith("audio/")]
    assert audio, note["attachment"]
    got = await peer.call("get", url=audio[0]["url"])
    assert got["status"] == 200 and got["type"].startswith("audio/") and got["bytes"] > 1000
    # exactly one delivery of that Create, and signed as Mastodon signs (draft-cavage) on the way out
    requests = (await peer.call("inbox"))["requests"]
    assert {r["format"] for r in requests} == {"cavage"} and all(r["status"] == 202 for r in requests)
    creates = [a for a in (await peer.call("inbox"))["received"] if a["type"] == "Create"]
    assert len(creates) == 1  # tides was there before anyone followed: never sent

    # an edit is an Update of the Note, an unpublish a Delete: Fedify verifies and takes both
    yaml = daemon.config.content_dir / "releases/dawn/release.yaml"
    yaml.write_text(yaml.read_text().replace("title: First Dawn", "title: First Dawn (Remastered)"))
    await daemon.rebuild()
    update = await peer.wait_for("Update")
    assert "Remastered" in json.dumps(update["object"]) and update["object"]["id"] == note["id"]
    yaml.write_text(yaml.read_text().replace("status: published", "status: draft"))
    await daemon.rebuild()
    delete = await peer.wait_for("Delete")
    assert delete["object"]["id"] == note["id"] and delete["object"]["type"] == "Tombstone"
    assert all(r["status"] == 202 for r in (await peer.call("inbox"))["requests"])

    await peer.call("undo", handle=handle)
    deadline = time.monotonic() + 10
    while await daemon.sql("SELECT * FROM fed_followers WHERE username = 'aurora-lane'"):
        assert time.monotonic() < deadline, "Undo did not remove the follower"
        await asyncio.sleep(0.1)


async def test_both_signature_formats_both_ways(daemon: Daemon, peer: Peer, cavage_peer: Peer) -> None:
    handle = f"acct:aurora-lane@{daemon.host}"
    # Fedify knocks with RFC 9421 first; the other one is told to knock with draft-cavage
    for p in (peer, cavage_peer):
        await p.call("follow", handle=handle)
        await p.wait_for("Accept")
    followers = await daemon.sql("SELECT actor FROM fed_followers WHERE state = 'accepted'")
    assert len(followers) == 2
    # our side signs draft-cavage (what every server takes); RFC 9421 from our key is accepted too
    store = KeyStore(daemon.server.app[DB])
    key = await store.get("aurora-lane")
    assert key is not None
    actor = f"{daemon.base}/ap/artists/aurora-lane.json"
    body = json.dumps(
        {
            "@context": "https://www.w3.org/ns/activitystreams",
            "id": f"{actor}#rfc9421-test",
            "type": "Create",
            "actor": actor,
            "to": ["https://www.w3.org/ns/activitystreams#Public"],
            "object": {
                "id": f"{actor}#note-9421",
                "type": "Note",
                "attributedTo": actor,
                "content": "signed with RFC 9421",
                "to": ["https://www.w3.org/ns/activitystreams#Public"],
            },
        }
    ).encode()
    inbox = f"{peer.url}/users/peer/inbox"
    headers = sign_rfc9421(
        "POST",
        inbox,
        {"Content-Type": "application/activity+json"},
        body,
        SigningKey(f"{actor}#main-key", key.private_key),
    )
    async with aiohttp.ClientSession() as session, session.post(inbox, data=body, headers=headers) as r:
        assert r.status == 202, await r.text()
    await peer.wait_for("Create", lambda a: a.get("id") == f"{actor}#rfc9421-test")
    formats = {r["format"] for r in (await peer.call("inbox"))["requests"]}
    assert formats == {"cavage", "rfc9421"}


async def test_a_reply_approved_in_the_dashboard_appears_escaped_on_the_page(
    daemon: Daemon, peer: Peer, add_user: Any
) -> None:
    note = f"{daemon.base}/ap/releases/tides/note.json"
    await peer.call(
        "reply", note=note, content='<p>Lovely <b>tides</b> &amp; <script>alert("x")</script></p>'
    )
    deadline = time.monotonic() + 15
    while not await daemon.sql("SELECT id FROM fed_comments WHERE status = 'pending'"):
        assert time.monotonic() < deadline, "the reply never reached the moderation queue"
        await asyncio.sleep(0.1)
    ((comment_id,),) = await daemon.sql("SELECT id FROM fed_comments")
    page = daemon.config.public_dir / "releases/tides/index.html"
    assert "Lovely" not in page.read_text()  # awaiting moderation: not on the page

    await add_user(daemon.server.app, "mina", "manager")
    jar = aiohttp.CookieJar(unsafe=True)  # cookies for an IP address
    async with aiohttp.ClientSession(base_url=daemon.base, cookie_jar=jar) as session:
        async with session.post("/admin/login", data={"username": "mina", "password": PASSWORD}) as r:
            html = await r.text()
        csrf = html.split('name="csrf-token" content="', 1)[1].split('"', 1)[0]
        async with session.post(
            "/admin/federation/releases/tides/comments",
            data={"csrf": csrf, "id": comment_id, "decision": "approve"},
        ) as r:
            assert r.status == 200 and "rebuild" in await r.text()
    deadline = time.monotonic() + 60  # exported, then the site rebuilt with it
    while "Lovely" not in page.read_text():
        assert time.monotonic() < deadline, "the approved reply never reached the page"
        await asyncio.sleep(0.3)
    await daemon.server.app[BUILDS].wait_idle()  # type: ignore[attr-defined]
    text = page.read_text()
    assert "Lovely tides" in text and "<script>alert" not in text and "<b>tides</b>" not in text
