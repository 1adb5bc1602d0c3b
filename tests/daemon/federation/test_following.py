"""The label's outgoing follows against the loopback fediverse server (`remote`): what is sent, which
Accept and Reject count, forged ones refused, posts from followed actors, and what cannot be followed."""

from __future__ import annotations

import asyncio
import json
from typing import Any
from urllib.parse import unquote

from aiohttp.test_utils import TestClient

from tunecamp.daemon.appkeys import DB, FOLLOWS, FollowTarget
from tunecamp.daemon.discovery.feature import SEED_SOURCE
from tunecamp.daemon.federation.service import FEDERATION
from tunecamp.daemon.federation.signatures import SignedRequest, load_public, verify

from .conftest import BASE, Remote

LABEL = f"{BASE}/ap/label.json"


async def following(daemon: TestClient) -> list[dict[str, Any]]:
    return await daemon.app[DB].run(lambda db: list(db.query("SELECT * FROM fed_following")))


async def sent(remote: Remote, count: int = 1) -> list[dict[str, Any]]:
    for _ in range(100):
        if len(remote.received) >= count:
            return [json.loads(body) for _, _, body in remote.received]
        await asyncio.sleep(0.05)
    raise AssertionError(f"the remote received {len(remote.received)} POSTs, not {count}")


async def follow(daemon: TestClient, remote: Remote, name: str) -> dict[str, Any]:
    """The label follows `name`; returns the Follow the remote received."""
    [outcome] = await daemon.app[FOLLOWS].follow([FollowTarget(remote.actor_id(name), remote.origin)])
    assert (outcome.actor, outcome.state, outcome.error) == (remote.actor_id(name), "pending", "")
    activity: dict[str, Any] = (await sent(remote))[-1]
    return activity


async def test_the_follow_is_signed_by_the_label_and_sent_to_the_actors_inbox(
    daemon: TestClient, remote: Remote
) -> None:
    remote.add("artist")
    activity = await follow(daemon, remote, "artist")
    path, headers, body = remote.received[0]
    assert path == "/users/artist/inbox"  # the actor's own inbox, not the shared one
    assert activity["type"] == "Follow" and activity["actor"] == LABEL
    assert activity["object"] == remote.actor_id("artist") and activity["id"].startswith(f"{LABEL}#follow-")
    key = await daemon.app[FEDERATION].keys.get("label")
    assert key is not None
    url = f"{remote.origin}{path}"
    signed = SignedRequest("POST", (url,), headers, body)
    verified = await verify(signed, lambda key_id, refresh: _key(key_id, key.public_pem))
    assert verified.key_id == f"{LABEL}#main-key"
    [row] = await following(daemon)
    assert (row["state"], row["via"], row["handle"]) == (
        "pending",
        remote.origin,
        f"@artist@{remote.origin[7:]}",
    )

    # asked again while pending: nothing sent twice, the same state
    [again] = await daemon.app[FOLLOWS].follow([FollowTarget(remote.actor_id("artist"), remote.origin)])
    assert again.state == "pending"
    await asyncio.sleep(0.3)
    assert len(remote.received) == 1


async def _key(key_id: str, pem: str) -> Any:
    return load_public(pem)


async def test_forged_answers_are_refused_and_the_real_accept_counts(
    daemon: TestClient, remote: Remote
) -> None:
    remote.add("artist")
    remote.add("mallory")
    ours = await follow(daemon, remote, "artist")
    embedded = {"id": ours["id"], "type": "Follow", "actor": LABEL, "object": remote.actor_id("artist")}

    # another account accepting our follow of the artist: refused, named
    r = await remote.post("mallory", remote.activity("mallory", "Accept", embedded))
    assert r.status == 400 and "was sent to" in await r.text()
    # the artist's Accept signed with mallory's key: the signature is not the actor's
    r = await remote.post("artist", remote.activity("artist", "Accept", embedded, n=1), key_of="mallory")
    assert r.status == 401
    # a follow id we never sent, and an embedded Follow by someone else under our id
    r = await remote.post("artist", remote.activity("artist", "Accept", f"{LABEL}#follow-forged", n=2))
    assert r.status == 202 and await r.text() == "ignored: not a follow of ours"
    other = {**embedded, "actor": remote.actor_id("mallory")}
    r = await remote.post("artist", remote.activity("artist", "Accept", other, n=3))
    assert r.status == 400
    assert [row["state"] for row in await following(daemon)] == ["pending"]

    r = await remote.post("artist", remote.activity("artist", "Accept", embedded, n=4))
    assert r.status == 202 and await r.text() == "following accepted"
    assert [row["state"] for row in await following(daemon)] == ["accepted"]
    answer = await daemon.get("/users/label/following")
    collection = await answer.json(content_type=None)
    assert collection["totalItems"] == 1 and collection["orderedItems"] == [remote.actor_id("artist")]
    assert remote.actor_id("artist") in await daemon.app[SEED_SOURCE]()  # discovery's seeds


async def test_posts_from_followed_actors_are_taken_and_a_later_reject_or_delete_ends_it(
    daemon: TestClient, remote: Remote
) -> None:
    remote.add("artist")
    ours = await follow(daemon, remote, "artist")
    r = await remote.post("artist", remote.activity("artist", "Accept", ours["id"]))  # by id, not embedded
    assert await r.text() == "following accepted"
    public = ["https://www.w3.org/ns/activitystreams#Public"]
    note = {
        "id": f"{remote.actor_id('artist')}/notes/1",
        "type": "Note",
        "attributedTo": remote.actor_id("artist"),
        "content": "<p>New single out</p>",
        "to": public,
    }
    for activity in (
        remote.activity("artist", "Create", note, to=public),
        remote.activity("artist", "Announce", f"{remote.origin}/notes/9", to=public),
    ):
        assert (await remote.post("artist", activity)).status == 202
    # the remote stopped accepting us (removed the follower): Reject of the same Follow
    r = await remote.post("artist", remote.activity("artist", "Reject", ours, n=5))
    assert await r.text() == "following rejected"
    r = await remote.post("artist", remote.activity("artist", "Delete", remote.actor_id("artist"), n=6))
    assert r.status == 202
    assert await following(daemon) == []


async def test_what_cannot_be_followed_says_why(daemon: TestClient, remote: Remote) -> None:
    remote.add("artist")
    fed = daemon.app[FEDERATION]
    # by handle, through the remote's WebFinger, before its server is blocked
    by_handle = FollowTarget(f"acct:artist@{remote.origin[7:]}", remote.origin)
    [outcome] = await daemon.app[FOLLOWS].follow([by_handle])
    assert (outcome.actor, outcome.state) == (remote.actor_id("artist"), "pending")
    await sent(remote)
    await daemon.app[FOLLOWS].unfollow(remote.origin)
    await sent(remote, 2)
    remote.received.clear()
    await fed.block("domain", "localtest", reason="test")
    cases = {
        FollowTarget(f"{BASE}/ap/label.json", BASE): "one of this site's own actors",
        FollowTarget(remote.actor_id("artist"), remote.origin): "is blocked here",
        FollowTarget("acct:nobody", remote.origin): "a handle is name@host",
        FollowTarget("acct:x@10.0.0.7", ""): "10.0.0.7",  # WebFinger at an inside address: refused
        FollowTarget(remote.actor_id("ghost"), remote.origin): "ghost",
        # an instance's WebFinger naming an actor on another host: not that instance's artist
        FollowTarget(
            "acct:artist@127.0.0.1", remote.origin.replace("localtest", "127.0.0.1")
        ): "is on localtest",
    }
    outcomes = await daemon.app[FOLLOWS].follow(list(cases))
    for outcome, expected in zip(outcomes, cases.values(), strict=True):
        assert outcome.state == "" and expected in outcome.error, outcome
    assert await following(daemon) == []
    assert remote.received == []


async def bearer(daemon: TestClient, add_user: Any, token_for: Any, name: str, role: str) -> dict[str, str]:
    """Signed in by token: this daemon's URL is https, so its session cookie is never sent over http."""
    await add_user(daemon.app, name, role)
    return {"Authorization": f"Bearer {await token_for(daemon.app, name)}"}


async def test_the_following_page_follows_by_hand_and_unfollows(
    daemon: TestClient, remote: Remote, add_user: Any, token_for: Any
) -> None:
    remote.add("artist")
    path = "/admin/federation/following"
    curator = await bearer(daemon, add_user, token_for, "cora", "curator")
    r = await daemon.post(path, data={"account": remote.actor_id("artist")}, headers=curator)
    assert r.status == 403
    assert (await daemon.get(path, headers=curator)).status == 403
    headers = await bearer(daemon, add_user, token_for, "mina", "manager")
    for bad in ("", "x" * 501):
        r = await daemon.post(path, data={"account": bad}, headers=headers, allow_redirects=False)
        assert r.status == 400 and "account" in await r.text()
    r = await daemon.post(
        path, data={"account": remote.actor_id("artist")}, headers=headers, allow_redirects=False
    )
    assert r.status == 303 and unquote(r.headers["Location"]).endswith(": pending")
    [follow] = await sent(remote)
    page = await (await daemon.get(path, headers=headers)).text()
    assert f'data-actor="{remote.actor_id("artist")}"' in page and "requested" in page and "by hand" in page

    r = await daemon.post(
        path,
        data={"actor": remote.actor_id("artist"), "unfollow": "1"},
        headers=headers,
        allow_redirects=False,
    )
    assert unquote(r.headers["Location"]).endswith(": unfollowed")
    undo = (await sent(remote, 2))[1]
    assert undo["type"] == "Undo" and undo["object"] == follow and undo["actor"] == LABEL
    assert await following(daemon) == []
