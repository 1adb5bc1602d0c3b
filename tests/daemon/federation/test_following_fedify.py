"""The label follows a real Fedify server (tests/peers/fedify) on 127.0.0.1: WebFinger and the actor
through the guarded client, our signed Follow verified by Fedify, its Accept or Reject verified by
us, the Undo; the following collection and discovery's seeds say so."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import aiohttp
import pytest
from fedify_peer import LabelSite, Peer, start_label_site

from tunecamp.daemon.appkeys import FOLLOWS, FollowTarget
from tunecamp.daemon.discovery.service import DISCOVERY_KEY

pytestmark = pytest.mark.slow
STATE = "SELECT state FROM fed_following"


@pytest.fixture
async def label_site(tmp_path: Path) -> AsyncIterator[LabelSite]:
    started = await start_label_site(tmp_path / "site")
    yield started
    await started.server.close()


def handle(peer: Peer) -> FollowTarget:
    return FollowTarget(f"acct:peer@{peer.url.split('://', 1)[1]}", peer.url)


async def test_follow_accept_and_undo_with_fedify(label_site: LabelSite, peer: Peer) -> None:
    [outcome] = await label_site.server.app[FOLLOWS].follow([handle(peer)])
    assert (outcome.actor, outcome.state, outcome.error) == (f"{peer.url}/users/peer", "pending", "")
    follow = await peer.wait_for("Follow")  # Fedify fetched our label's key and verified the signature
    assert follow["actor"] == label_site.label and follow["object"] == f"{peer.url}/users/peer"
    assert await label_site.sql(STATE) == [("pending",)]
    assert [r["status"] for r in (await peer.call("inbox"))["requests"]] == [202]

    await peer.call("accept", follow=follow["id"])  # an Accept embedding our Follow, signed by Fedify
    await label_site.until(STATE, [("accepted",)])
    async with (
        aiohttp.ClientSession() as session,
        session.get(f"{label_site.base}/users/label/following") as r,
    ):
        collection = await r.json(content_type=None)
    assert collection["totalItems"] == 1 and collection["orderedItems"] == [f"{peer.url}/users/peer"]
    assert peer.url in await label_site.server.app[DISCOVERY_KEY].seeds()  # a server the label follows

    assert await label_site.server.app[FOLLOWS].unfollow(peer.url) == 1
    undo = await peer.wait_for("Undo")  # verified by Fedify, embedding the Follow it undoes
    assert undo["actor"] == label_site.label and undo["object"]["id"] == follow["id"]
    assert await label_site.sql(STATE) == []
    assert {r["status"] for r in (await peer.call("inbox"))["requests"]} == {202}


async def test_reject_then_follow_again_with_fedify(label_site: LabelSite, peer: Peer) -> None:
    follows = label_site.server.app[FOLLOWS]
    await follows.follow([handle(peer)])
    first = await peer.wait_for("Follow")
    await peer.call("reject", follow=first["id"])
    await label_site.until(STATE, [("rejected",)])
    assert (await follows.states()) == {peer.url: {"rejected": 1}}
    seeds = await label_site.server.app[DISCOVERY_KEY].seeds()
    assert peer.url not in seeds  # refused: not a server this instance follows

    [again] = await follows.follow([handle(peer)])  # a new Follow, with a new id
    assert again.state == "pending"
    second = await peer.wait_for("Follow", lambda a: a["id"] != first["id"])
    await peer.call("accept", follow=second["id"])
    await label_site.until(STATE, [("accepted",)])
