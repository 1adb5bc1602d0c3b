"""The inboxes against a remote server on 127.0.0.1 that signs what it sends, in both formats."""

from __future__ import annotations

import asyncio
import json
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from aiohttp.test_utils import TestClient
from fedify_peer import Peer

from tunecamp.daemon.appkeys import BUILDS, DB
from tunecamp.daemon.config import Rate
from tunecamp.daemon.federation import moderation
from tunecamp.daemon.federation.inbox import INBOX
from tunecamp.daemon.federation.service import FEDERATION
from tunecamp.daemon.federation.signatures import SignedRequest, load_public, verify
from tunecamp.daemon.federation.signing import SigningKey, sign_cavage, sign_rfc9421
from tunecamp.daemon.ratelimit import RateLimiter

from .conftest import BASE, DAEMON, Remote

AURORA = f"{BASE}/ap/artists/aurora.json"
NOTE = f"{BASE}/ap/releases/tides/note.json"
AS_CONTEXTS = ["https://www.w3.org/ns/activitystreams", "https://w3id.org/security/v1"]
SCHEMES = ["cavage", "rfc9421"]


async def rows(daemon: TestClient, sql: str, *args: Any) -> list[dict[str, Any]]:
    return await daemon.app[DB].run(lambda db: list(db.query(sql, list(args))))


async def delivered(daemon: TestClient, remote: Remote, count: int = 1, timeout: float = 5.0) -> None:
    """Wait until the remote's inboxes received `count` POSTs (the delivery worker sends them)."""
    for _ in range(int(timeout / 0.05)):
        if len(remote.received) >= count:
            return
        await asyncio.sleep(0.05)
    raise AssertionError(f"the remote received {len(remote.received)} POSTs, not {count}")


@pytest.mark.parametrize("scheme", SCHEMES)
async def test_follow_is_accepted_with_a_signed_accept_embedding_the_follow(
    daemon: TestClient, remote: Remote, scheme: str
) -> None:
    fan = remote.add("fan")
    follow = remote.activity("fan", "Follow", AURORA)
    answer = await remote.post("fan", follow, path="/users/aurora/inbox", scheme=scheme)
    assert answer.status == 202, await answer.text()
    assert [(r["actor"], r["state"]) for r in await rows(daemon, "SELECT * FROM fed_followers")] == [
        (fan, "accepted")
    ]

    await delivered(daemon, remote)
    path, headers, body = remote.received[0]
    accept = json.loads(body)
    assert accept["type"] == "Accept" and accept["actor"] == AURORA and accept["object"] == follow
    assert path == "/users/fan/inbox"  # an answer goes to the follower's own inbox
    # the Accept is signed by aurora's key, and verifies with the public key the daemon exported
    exported = json.loads((daemon.app[FEDERATION].data_dir / "federation" / "public-keys.json").read_text())
    assert exported["keys"]["aurora"]["id"] == f"{AURORA}#main-key"

    async def resolve(key_id: str, refresh: bool) -> Any:
        assert key_id == f"{AURORA}#main-key"
        return load_public(exported["keys"]["aurora"]["pem"])

    url = f"{remote.origin}{path}"
    assert await verify(SignedRequest("POST", (url,), headers, body), resolve)

    undo = remote.activity("fan", "Undo", follow)
    assert (await remote.post("fan", undo, scheme=scheme)).status == 202
    assert await rows(daemon, "SELECT * FROM fed_followers") == []


async def test_a_manually_approving_artist_holds_the_follow(daemon: TestClient, remote: Remote) -> None:
    remote.add("fan")
    quiet = f"{BASE}/ap/artists/quiet.json"
    follow = remote.activity("fan", "Follow", quiet)
    assert (await remote.post("fan", follow, path="/users/quiet/inbox")).status == 202
    assert [r["state"] for r in await rows(daemon, "SELECT * FROM fed_followers")] == ["pending"]
    await asyncio.sleep(0.3)
    assert remote.received == []  # nothing until the artist decides

    fed = daemon.app[FEDERATION]
    assert await fed.approve_follow("quiet", remote.actor_id("fan"))
    assert [r["state"] for r in await rows(daemon, "SELECT * FROM fed_followers")] == ["accepted"]
    await delivered(daemon, remote)
    assert json.loads(remote.received[0][2])["object"] == follow
    assert not await fed.approve_follow("quiet", remote.actor_id("nobody"))


async def test_rejecting_a_follow_request_removes_it_and_says_so(daemon: TestClient, remote: Remote) -> None:
    remote.add("fan")
    follow = remote.activity("fan", "Follow", f"{BASE}/ap/artists/quiet.json")
    await remote.post("fan", follow)
    assert await daemon.app[FEDERATION].reject_follow("quiet", remote.actor_id("fan"))
    assert await rows(daemon, "SELECT * FROM fed_followers") == []
    await delivered(daemon, remote)
    assert json.loads(remote.received[0][2])["type"] == "Reject"


@pytest.mark.parametrize("scheme", SCHEMES)
async def test_likes_and_boosts_are_counted_per_release_and_undone(
    daemon: TestClient, remote: Remote, scheme: str
) -> None:
    for name in ("ann", "bob"):
        remote.add(name)
    likes = [remote.activity(name, "Like", NOTE) for name in ("ann", "bob")]
    boost = remote.activity("ann", "Announce", NOTE)
    for activity in [*likes, boost]:
        assert (await remote.post(activity["actor"].rsplit("/", 1)[1], activity, scheme=scheme)).status == 202
    other = remote.activity("bob", "Like", "https://elsewhere.example/notes/1")
    assert (await remote.post("bob", other)).status == 202
    counts = await daemon.app[DB].run(moderation.reaction_counts)
    assert counts == {"tides": {"likes": 2, "boosts": 1}}

    assert (await remote.post("ann", remote.activity("ann", "Undo", likes[0]))).status == 202
    assert (await remote.post("ann", remote.activity("ann", "Undo", boost["id"], n=1))).status == 202
    assert await daemon.app[DB].run(moderation.reaction_counts) == {"tides": {"likes": 1, "boosts": 0}}

    await asyncio.sleep(0.3)  # the export follows every change
    exported = json.loads((daemon.app[FEDERATION].data_dir / "federation" / "interactions.json").read_text())
    assert exported == {"version": 1, "releases": {"tides": {"likes": 1, "boosts": 0, "replies": []}}}


async def test_a_reply_waits_for_moderation_sanitised_then_is_exported(
    daemon: TestClient, remote: Remote
) -> None:
    fan = remote.add("fan")
    note = {
        "id": f"{fan}/statuses/1",
        "type": "Note",
        "attributedTo": fan,
        "inReplyTo": NOTE,
        "content": '<p>Lovely <b>record</b><script>alert(1)</script> <a href="javascript:x">x</a></p><p>Second</p>',
        "to": ["https://www.w3.org/ns/activitystreams#Public"],
        "url": f"{remote.origin}/@fan/1",
        "published": "2026-11-21T12:00:00Z",
    }
    assert (await remote.post("fan", remote.activity("fan", "Create", note))).status == 202
    [comment] = await rows(daemon, "SELECT * FROM fed_comments")
    assert comment["status"] == "pending" and comment["release"] == "tides"
    assert "<script>" not in comment["content_html"] and "javascript:" not in comment["content_html"]
    assert comment["text"] == "Lovely record x\nSecond"
    assert comment["author_handle"] == f"@fan@localtest:{remote.server.port}"
    await asyncio.sleep(0.2)
    path = daemon.app[FEDERATION].data_dir / "federation" / "interactions.json"
    assert not path.exists() or json.loads(path.read_text())["releases"] == {}  # pending: never exported

    assert await daemon.app[FEDERATION].decide_comment(note["id"], "approved", "olivia")
    await asyncio.sleep(0.3)
    [reply] = json.loads(path.read_text())["releases"]["tides"]["replies"]
    assert reply["text"] == "Lovely record x\nSecond" and reply["author"]["name"] == "Fan"
    assert reply["url"] == f"{remote.origin}/@fan/1"


async def test_private_and_foreign_replies_are_not_kept(daemon: TestClient, remote: Remote) -> None:
    fan = remote.add("fan")
    private = {
        "id": f"{fan}/s/2",
        "type": "Note",
        "attributedTo": fan,
        "inReplyTo": NOTE,
        "content": "psst",
        "to": [fan],
    }
    assert (await remote.post("fan", remote.activity("fan", "Create", private))).status == 202
    forged = {
        **private,
        "id": f"{fan}/s/3",
        "attributedTo": "https://other.example/u",
        "to": ["https://www.w3.org/ns/activitystreams#Public"],
    }
    answer = await remote.post("fan", remote.activity("fan", "Create", forged, n=2))
    assert answer.status == 400 and "attributed" in await answer.text()
    assert await rows(daemon, "SELECT * FROM fed_comments") == []


@pytest.mark.parametrize("scheme", SCHEMES)
async def test_bad_signatures_are_401_with_a_reason(daemon: TestClient, remote: Remote, scheme: str) -> None:
    remote.add("fan")
    remote.add("other")
    like = remote.activity("fan", "Like", NOTE)
    body = json.dumps(like).encode()

    unsigned = await daemon.post("/inbox", data=body, headers={"Content-Type": "application/activity+json"})
    assert unsigned.status == 401 and "not signed" in await unsigned.text()

    # signed over the real body, sent with another one
    sign = sign_cavage if scheme == "cavage" else sign_rfc9421
    headers = sign(
        "POST",
        f"{DAEMON}/inbox",
        {"Content-Type": "application/activity+json"},
        body,
        SigningKey(remote.key_id("fan"), remote.actors["fan"].private_pem),
    )
    headers.pop("Host")
    evil = body.replace(b"tides", b"other")
    answer = await daemon.post("/inbox", data=evil, headers=headers)
    assert answer.status == 401 and "digest" in (await answer.text()).lower()

    def old_date(headers: dict[str, str]) -> None:
        headers["Date"] = (datetime.now(UTC) - timedelta(hours=3)).strftime("%a, %d %b %Y %H:%M:%S GMT")

    answer = await remote.post(
        "fan", remote.activity("fan", "Like", NOTE, n=3), scheme=scheme, change=old_date
    )
    assert answer.status == 401

    wrong_key = await remote.post(
        "fan",
        remote.activity("fan", "Like", NOTE, n=4),
        scheme=scheme,
        key_of="other",
        key_id=remote.key_id("fan"),
    )
    assert wrong_key.status == 401 and "does not verify" in await wrong_key.text()

    # signed correctly, by another actor than the activity's
    someone_else = await remote.post(
        "fan", remote.activity("fan", "Like", NOTE, n=5), scheme=scheme, key_of="other"
    )
    assert someone_else.status == 401 and "no eddsa-jcs-2022 proof" in await someone_else.text()
    assert await daemon.app[DB].run(moderation.reaction_counts) == {}


async def test_a_rotated_key_is_fetched_again_once(daemon: TestClient, remote: Remote) -> None:
    remote.add("fan")
    assert (await remote.post("fan", remote.activity("fan", "Like", NOTE))).status == 202
    fetched = len(remote.fetches)
    remote.rotate("fan")
    assert (await remote.post("fan", remote.activity("fan", "Like", NOTE, n=1))).status == 202
    assert len(remote.fetches) == fetched + 1  # once, on the verification failure
    assert (await remote.post("fan", remote.activity("fan", "Like", NOTE, n=2))).status == 202
    assert len(remote.fetches) == fetched + 1  # the new key is cached


async def test_the_same_activity_twice_is_handled_once(daemon: TestClient, remote: Remote) -> None:
    remote.add("fan")
    like = remote.activity("fan", "Like", NOTE)
    assert (await remote.post("fan", like)).status == 202
    await daemon.app[DB].run(lambda db: db.execute("DELETE FROM fed_reactions") and db.conn.commit())
    again = await remote.post("fan", like)
    assert again.status == 202 and "already" in await again.text()
    assert await daemon.app[DB].run(moderation.reaction_counts) == {}


async def test_blocked_domains_and_actors_are_refused_before_anything(
    daemon: TestClient, remote: Remote
) -> None:
    remote.add("fan")
    fed = daemon.app[FEDERATION]
    await fed.block("domain", "localtest")
    fetched = len(remote.fetches)
    answer = await remote.post("fan", remote.activity("fan", "Like", NOTE))
    assert answer.status == 403 and len(remote.fetches) == fetched  # no key was fetched
    await fed.unblock("domain", "localtest")
    assert (await remote.post("fan", remote.activity("fan", "Like", NOTE, n=1))).status == 202

    await fed.block("actor", remote.actor_id("fan"), username="aurora")
    follow = remote.activity("fan", "Follow", AURORA)
    assert (await remote.post("fan", follow, path="/users/aurora/inbox")).status == 403
    assert (
        await remote.post("fan", remote.activity("fan", "Follow", AURORA, n=1))
    ).status == 202  # shared inbox
    assert await rows(daemon, "SELECT * FROM fed_followers") == []  # but the artist's block holds there too
    await delivered(daemon, remote)
    assert json.loads(remote.received[0][2])["type"] == "Reject"


@pytest.mark.parametrize(
    ("body", "content_type", "reason"),
    [
        (b"{not json", "application/activity+json", "malformed JSON"),
        (b"[1, 2]", "application/activity+json", "JSON object"),
        (b'{"type": "Like"}', "application/activity+json", "actor"),
        (b'{"type": "Like", "actor": "https://x.example/u"}', "application/activity+json", "id"),
        (
            b'{"actor": "https://x.example/u", "id": "https://x.example/1"}',
            "application/activity+json",
            "type",
        ),
        (b'{"type": "Like"}', "text/plain", "activity+json"),
        (b"\xff\xfe", "application/activity+json", "UTF-8"),
    ],
)
async def test_malformed_activities_are_400_with_a_reason(
    daemon: TestClient, body: bytes, content_type: str, reason: str
) -> None:
    answer = await daemon.post(
        "/inbox", data=body, headers={"Content-Type": content_type, "Accept": "application/json"}
    )
    assert answer.status == 400
    assert reason in (await answer.json())["error"]


async def test_over_a_megabyte_is_413(daemon: TestClient) -> None:
    body = b'{"type": "Create", "content": "' + b"x" * (1024 * 1024) + b'"}'
    answer = await daemon.post("/inbox", data=body, headers={"Content-Type": "application/activity+json"})
    assert answer.status == 413


async def test_an_unknown_inbox_is_404(daemon: TestClient) -> None:
    answer = await daemon.post("/users/nobody/inbox", data=b"{}", headers={"Accept": "application/json"})
    assert answer.status == 404 and "nobody" in (await answer.json())["error"]


async def test_the_inbox_is_rate_limited_per_address(daemon: TestClient, remote: Remote) -> None:
    daemon.app[INBOX].limiter = RateLimiter(Rate(3, 60))
    statuses = [(await daemon.post("/inbox", data=b"{}")).status for _ in range(4)]
    assert statuses[:3] == [400, 400, 400] and statuses[3] == 429


async def test_delete_of_a_gone_actor_is_202_and_removes_what_it_left(
    daemon: TestClient, remote: Remote
) -> None:
    fan = remote.add("fan")
    await remote.post("fan", remote.activity("fan", "Follow", AURORA))
    await remote.post("fan", remote.activity("fan", "Like", NOTE))
    assert len(await rows(daemon, "SELECT * FROM fed_reactions")) == 1
    remote.actors["fan"].gone = True
    remote.rotate("fan")  # the key the daemon cached no longer verifies: it asks again, and gets 410
    delete = remote.activity("fan", "Delete", fan)
    answer = await remote.post("fan", delete)
    assert answer.status == 202 and "gone" in await answer.text()
    assert await rows(daemon, "SELECT * FROM fed_reactions") == []
    assert await rows(daemon, "SELECT * FROM fed_followers") == []

    stranger = f"{remote.origin}/users/never"
    remote.add("never")
    remote.actors["never"].gone = True
    answer = await remote.post("never", remote.activity("never", "Delete", stranger))
    assert answer.status == 202  # a Delete of an actor never seen: dropped

    remote.add("liar")
    remote.actors["liar"].gone = True
    like = await remote.post("liar", remote.activity("liar", "Like", NOTE))
    assert like.status == 401  # only a Delete of the actor itself gets through unverified


async def test_a_signed_delete_removes_the_actors_follows_likes_and_replies(
    daemon: TestClient, remote: Remote
) -> None:
    fan = remote.add("fan")
    await remote.post("fan", remote.activity("fan", "Follow", AURORA))
    await remote.post("fan", remote.activity("fan", "Like", NOTE))
    assert (await remote.post("fan", remote.activity("fan", "Delete", fan))).status == 202
    assert await rows(daemon, "SELECT * FROM fed_reactions") == []
    assert await rows(daemon, "SELECT * FROM fed_followers") == []
    assert await rows(daemon, "SELECT * FROM fed_remote_actors") == []


async def test_update_refreshes_the_actor_and_flag_is_queued(daemon: TestClient, remote: Remote) -> None:
    fan = remote.add("fan")
    await remote.post("fan", remote.activity("fan", "Like", NOTE))
    fetched = len(remote.fetches)
    assert (await remote.post("fan", remote.activity("fan", "Update", remote.document("fan")))).status == 202
    assert len(remote.fetches) == fetched + 1
    flag = remote.activity("fan", "Flag", [AURORA, NOTE], content="spam")
    assert (await remote.post("fan", flag)).status == 202
    [report] = await daemon.app[DB].run(moderation.flags)
    assert report["actor"] == fan and json.loads(report["objects"]) == [AURORA, NOTE]


async def test_other_activities_are_202_and_ignored(daemon: TestClient, remote: Remote, caplog: Any) -> None:
    remote.add("fan")
    caplog.set_level("INFO", "tunecamp.federation")
    for n in range(2):
        answer = await remote.post("fan", remote.activity("fan", "EmojiReact", NOTE, n=n))
        assert answer.status == 202
    assert sum("ignoring EmojiReact" in r.message for r in caplog.records) == 1


async def test_followers_collection_counts_publicly(daemon: TestClient, remote: Remote) -> None:
    remote.add("fan")
    await remote.post("fan", remote.activity("fan", "Follow", AURORA))
    answer = await daemon.get("/users/aurora/followers")
    document = await answer.json(content_type=None)
    assert answer.headers["Content-Type"].startswith("application/activity+json")
    assert document["totalItems"] == 1 and "orderedItems" not in document
    assert document["id"] == f"{DAEMON}/users/aurora/followers"
    assert (await (await daemon.get("/users/aurora/following")).json(content_type=None))["totalItems"] == 0
    assert (await daemon.get("/users/nobody/followers")).status == 404


async def test_a_forwarded_activity_is_believed_on_its_actors_proof(
    daemon: TestClient, remote: Remote
) -> None:
    remote.add("fan")
    remote.add("relay")
    like = remote.prove("fan", remote.activity("fan", "Like", NOTE))
    answer = await remote.post("fan", like, key_of="relay")  # signed by the relay, proved by the fan
    assert answer.status == 202, await answer.text()
    assert await daemon.app[DB].run(moderation.reaction_counts) == {"tides": {"likes": 1, "boosts": 0}}

    tampered = remote.prove("fan", remote.activity("fan", "Like", NOTE, n=1))
    tampered["object"] = "https://elsewhere.example/x"
    answer = await remote.post("fan", tampered, key_of="relay")
    assert answer.status == 401 and "does not verify" in await answer.text()

    # a proof by the relay's own key proves nothing about the fan
    forged = remote.prove("relay", remote.activity("fan", "Like", NOTE, n=2))
    answer = await remote.post("fan", forged, key_of="relay")
    assert answer.status == 401 and "no proof by a key of" in await answer.text()
    assert await daemon.app[DB].run(moderation.reaction_counts) == {"tides": {"likes": 1, "boosts": 0}}


async def test_a_like_storm_asks_for_one_rebuild_a_window(daemon: TestClient, remote: Remote) -> None:
    fed = daemon.app[FEDERATION]
    fed.exporter.rebuild_every = 4.0  # long enough for the burst below on a loaded machine
    fed.exporter.builds = lambda: daemon.app.get(BUILDS)
    remote.add("fan")

    async def fediverse_builds() -> int:
        found = await rows(daemon, "SELECT id FROM builds WHERE reason LIKE 'fediverse%'")
        return len(found)

    assert (await remote.post("fan", remote.activity("fan", "Like", NOTE))).status == 202
    await asyncio.sleep(0.4)
    assert await fediverse_builds() == 1
    for n in range(1, 4):
        assert (await remote.post("fan", remote.activity("fan", "Announce", NOTE, n=n))).status == 202
        await asyncio.sleep(0.1)
    assert await fediverse_builds() == 1  # exported, the rebuild waits for the window
    exported = json.loads((fed.data_dir / "federation" / "interactions.json").read_text())
    assert exported["releases"]["tides"]["boosts"] == 1  # one actor boosts a note once
    for _ in range(300):
        if await fediverse_builds() == 2:
            break
        await asyncio.sleep(0.1)
    assert await fediverse_builds() == 2  # the burst's last change is built too


@pytest.mark.slow
async def test_a_relay_forward_is_believed_on_its_actors_linked_data_signature(
    daemon: TestClient, remote: Remote, peer: Peer
) -> None:
    """An older relay's forward: the Like is signed inside (RsaSignature2017) by Fedify's own
    signJsonLd, the request by the relay; the daemon normalises with its bundled contexts only."""
    remote.add("relay")
    assert remote.server is not None
    host = {"Host": f"localtest:{peer.url.rsplit(':', 1)[1]}"}  # the peer names itself after the Host
    fan = f"http://{host['Host']}/users/peer"
    like = {"@context": AS_CONTEXTS, "id": f"{fan}/likes/1", "type": "Like", "actor": fan, "object": NOTE}
    signed = await peer.call("signld", headers=host, activity=like)
    assert signed["signature"]["type"] == "RsaSignature2017"
    answer = await remote.post("relay", signed, key_of="relay")
    assert answer.status == 202, await answer.text()
    assert await daemon.app[DB].run(moderation.reaction_counts) == {"tides": {"likes": 1, "boosts": 0}}

    tampered = {**signed, "id": f"{fan}/likes/2", "object": f"{BASE}/ap/releases/other/note.json"}
    answer = await remote.post("relay", tampered, key_of="relay")
    assert answer.status == 401 and "does not verify" in await answer.text()

    # a context the daemon has no copy of is never fetched: the forward is refused, naming it
    strange = {**signed, "id": f"{fan}/likes/3", "@context": [*AS_CONTEXTS, "https://evil.example/ctx"]}
    answer = await remote.post("relay", strange, key_of="relay")
    assert (
        answer.status == 401
        and "https://evil.example/ctx is not one this server knows" in await answer.text()
    )

    # signed by the relay's key inside as well proves nothing about the fan
    relay_signed = {**signed, "id": f"{fan}/likes/4"}
    relay_signed["signature"] = {**signed["signature"], "creator": remote.key_id("relay")}
    answer = await remote.post("relay", relay_signed, key_of="relay")
    assert answer.status == 401 and "has no key" in await answer.text()
    assert await daemon.app[DB].run(moderation.reaction_counts) == {"tides": {"likes": 1, "boosts": 0}}
