"""The remote actor cache against the remote server on 127.0.0.1: TTL, shared fetches, documents that lie."""

from __future__ import annotations

import asyncio

import pytest
from aiohttp.test_utils import TestClient

from tunecamp.daemon.federation.remote import RemoteActors, RemoteError, parse_actor
from tunecamp.daemon.federation.service import FEDERATION
from tunecamp.daemon.federation.signatures import KeyGone, SignatureError

from .conftest import Remote


def cache(daemon: TestClient, now: list[float]) -> RemoteActors:
    fed = daemon.app[FEDERATION]
    return RemoteActors(fed.db, fed.remote.outbound, ttl=100, clock=lambda: now[0])


async def test_actors_are_cached_for_the_ttl_then_fetched_again(daemon: TestClient, remote: Remote) -> None:
    fan = remote.add("fan")
    now = [1000.0]
    actors = cache(daemon, now)
    first = await actors.actor(fan)
    assert first.inbox == f"{fan}/inbox" and first.shared_inbox == f"{remote.origin}/inbox"
    assert first.handle == f"@fan@localtest:{remote.server.port}"
    now[0] += 99
    await actors.actor(fan)
    assert len(remote.fetches) == 1
    restarted = cache(daemon, now)  # a new process: the database still has it
    await restarted.actor(fan)
    assert len(remote.fetches) == 1
    now[0] += 2
    await restarted.actor(fan)
    assert len(remote.fetches) == 2


async def test_concurrent_lookups_share_one_fetch(daemon: TestClient, remote: Remote) -> None:
    fan = remote.add("fan")
    actors = cache(daemon, [0.0])
    found = await asyncio.gather(*(actors.actor(fan) for _ in range(20)))
    assert {a.id for a in found} == {fan} and len(remote.fetches) == 1


async def test_keys_resolve_to_their_owner_and_gone_actors_say_so(daemon: TestClient, remote: Remote) -> None:
    fan = remote.add("fan")
    actors = cache(daemon, [0.0])
    key = await actors.key(remote.key_id("fan"))
    assert key.owner == fan and key.key.key_size == 2048
    with pytest.raises(SignatureError, match="no key"):
        await actors.key(f"{fan}#other-key")
    remote.actors["fan"].gone = True
    with pytest.raises(KeyGone):
        await actors.key(remote.key_id("fan"), refresh=True)
    with pytest.raises(KeyGone):
        await actors.key(f"{remote.origin}/users/nobody#main-key")  # 404


def test_a_document_is_believed_only_about_its_own_server() -> None:
    base = {"type": "Person", "inbox": "https://a.example/u/inbox"}
    with pytest.raises(RemoteError, match=r"not on a\.example"):
        parse_actor({**base, "id": "https://b.example/u"}, "https://a.example/u", 0)
    with pytest.raises(RemoteError, match="not an actor"):
        parse_actor({**base, "id": "https://a.example/n", "type": "Note"}, "https://a.example/n", 0)
    with pytest.raises(RemoteError, match="no inbox"):
        parse_actor({"id": "https://a.example/u", "type": "Person"}, "https://a.example/u", 0)
    with pytest.raises(RemoteError, match="JSON object"):
        parse_actor(["x"], "https://a.example/u", 0)
    # a key claimed for another owner is not this actor's key
    foreign = {"id": "https://a.example/u#k", "owner": "https://a.example/other", "publicKeyPem": "x"}
    actor = parse_actor({**base, "id": "https://a.example/u", "publicKey": foreign}, "https://a.example/u", 0)
    assert actor.public_pem is None and actor.key_id is None
