"""Hostile peers are contained without stalling the crawl.

One loopback server answers for many host names (the outbound client's resolver maps `*.test`
to 127.0.0.1, as a DNS answer would) and plays a different villain per Host header. The seed
list holds all of them and one honest Node TuneCamp server, which is found all the same.
"""

from __future__ import annotations

import asyncio
import time
from collections import Counter
from collections.abc import AsyncIterator
from dataclasses import replace

import pytest
from aiohttp import web
from aiohttp.test_utils import TestServer

from tunecamp.daemon.appkeys import DB
from tunecamp.daemon.discovery import store
from tunecamp.daemon.discovery.crawler import Probe

from .conftest import TEST_LIMITS, NodePeer, Start, map_names

NODEINFO = "http://nodeinfo.diaspora.software/ns/schema/2.1"


class Villains:
    def __init__(self) -> None:
        self.hits: Counter[str] = Counter()
        self.port = 0

    def origin(self, name: str) -> str:
        return f"http://{name}.test:{self.port}"

    def app(self) -> web.Application:
        app = web.Application()
        app.router.add_route("GET", "/{tail:.*}", self.answer)
        return app

    async def answer(self, request: web.Request) -> web.StreamResponse:
        host = request.host.split(":")[0]
        self.hits[host] += 1
        name = host.removesuffix(".test")
        path = request.path
        if name == "flood":
            return await self.tunecamp(request, peers=[f"http://p{i}.x:{self.port}" for i in range(100_000)])
        if name == "pointing":
            inside = [
                "http://10.0.0.1",
                "http://169.254.169.254",
                "http://192.168.0.1:8080",
                f"http://private.test:{self.port}",
                "http://[fd00::1]",
                "http://100.64.0.1",
            ]
            return await self.tunecamp(request, peers=inside)
        if name == "loop":
            raise web.HTTPFound(path)  # every path redirects to itself
        if name == "huge" and path == "/.well-known/nodeinfo":
            return await self.stream(request, b"x" * 65536, 16384)  # 1 GB, chunked: no length to refuse early
        if name == "bigcat" and path == "/api/catalog":
            return await self.stream(request, b"x" * 65536, 16384)
        if name == "bigcat":
            return await self.tunecamp(request, peers=[])
        if name == "slow":
            return await self.stream(request, b" ", 10**6, pause=0.2)
        if name == "badjson":
            return web.Response(text='{"links": [', content_type="application/json")
        if name == "elsewhere" and path == "/.well-known/nodeinfo":
            href = f"{self.origin('victim')}/nodeinfo/2.1"
            return web.json_response({"links": [{"rel": NODEINFO, "href": href}]})
        if name == "victim":
            return await self.tunecamp(request, peers=[])
        raise web.HTTPNotFound()

    async def tunecamp(self, request: web.Request, peers: list[str]) -> web.Response:
        if request.path in ("/.well-known/nodeinfo", "/nodeinfo/2.1"):
            return web.json_response({"version": "2.1", "software": {"name": "tunecamp", "version": "1"}})
        if request.path == "/api/community/peers":
            return web.json_response(peers)
        if request.path == "/api/community/instance":
            return web.json_response({"name": request.host})
        return web.json_response({"releases": []})

    async def stream(
        self, request: web.Request, chunk: bytes, count: int, pause: float = 0
    ) -> web.StreamResponse:
        answer = web.StreamResponse(headers={"Content-Type": "application/json"})
        await answer.prepare(request)
        try:
            for _ in range(count):
                await answer.write(chunk)
                if pause:
                    await asyncio.sleep(pause)
        except (ConnectionError, asyncio.CancelledError):
            pass  # the crawler hung up, as it should
        return answer


@pytest.fixture
async def villains() -> AsyncIterator[Villains]:
    cast = Villains()
    server = TestServer(cast.app(), host="127.0.0.1")
    await server.start_server()
    cast.port = server.port or 0
    yield cast
    await server.close()


NAMES = ["flood", "pointing", "loop", "huge", "bigcat", "slow", "badjson", "elsewhere"]


async def test_hostile_peers_are_contained(daemons: Start, villains: Villains, node_peer: NodePeer) -> None:
    [a] = await daemons(["a"], limits=replace(TEST_LIMITS, max_instances=60))
    map_names(a.app, {"private.test": "10.0.0.7", "*.test": "127.0.0.1", "*.x": "127.0.0.1"})
    seeds = [villains.origin(n) for n in NAMES] + [node_peer.origin]
    for origin in seeds:
        await a.app[DB].run(lambda d, o=origin: store.add_seed(d, o, None, 0))

    started = time.monotonic()
    result = await a.discovery.crawl("test")
    took = time.monotonic() - started
    probes: dict[str, Probe] = {p.origin: p for p in result.probes}

    # the honest peer is found, and the crawl did not wait on the villains one after another
    assert probes[node_peer.origin].outcome == "instance"
    assert took < 3 * TEST_LIMITS.timeout + 2

    # 100,000 peers: more than the 1 MB a peers list may weigh, so none is followed
    flood = probes[villains.origin("flood")]
    assert flood.outcome == "instance" and flood.peers == ()
    assert "more than 1048576" in flood.error
    # peers inside the network: refused by the guarded client before any connection
    inside = {p.origin: p for p in result.probes if p.depth == 2}
    assert len(inside) == 6 and all(p.outcome == "failed" for p in inside.values())
    assert "private" in inside["http://10.0.0.1"].error
    assert "link-local" in inside["http://169.254.169.254"].error
    assert "10.0.0.7" in inside[f"http://private.test:{villains.port}"].error
    assert villains.hits["private.test"] == 0
    # a redirect loop, a 1 GB body, a slowloris, invalid JSON
    assert "redirects" in probes[villains.origin("loop")].error
    assert "more than 1048576" in probes[villains.origin("huge")].error
    bigcat = probes[villains.origin("bigcat")]  # a catalog past 20 MB: the instance counts, its catalog not
    assert bigcat.outcome == "instance" and "catalog: the answer is more than 20971520" in bigcat.error
    assert "within 1 s" in probes[villains.origin("slow")].error
    assert probes[villains.origin("badjson")].error == "not valid JSON"
    # a NodeInfo link to another origin is not followed (its own /nodeinfo/2.1 is 404)
    elsewhere = probes[villains.origin("elsewhere")]
    assert elsewhere.outcome == "failed" and "404" in elsewhere.error
    assert villains.hits["victim.test"] == 0

    # none of them is kept but the TuneCamps among them (whose pages are empty but honest)
    rows = await a.app[DB].run(lambda d: store.instances(d))
    assert {r["origin"] for r in rows} == {
        node_peer.origin,
        villains.origin("flood"),
        villains.origin("pointing"),
        villains.origin("bigcat"),
    }
    assert result.failures == len(NAMES) - 3 + 6


async def test_a_huge_peers_list_within_the_size_is_cut_at_the_instance_cap(
    daemons: Start, villains: Villains
) -> None:
    limits = replace(TEST_LIMITS, max_instances=40, max_peers=1000, json_bytes=4 << 20)
    [a] = await daemons(["a"], limits=limits)
    map_names(a.app, {"*.test": "127.0.0.1", "*.x": "127.0.0.1"})
    await a.app[DB].run(lambda d: store.add_seed(d, villains.origin("flood"), None, 0))
    result = await a.discovery.crawl("test")
    flood = next(p for p in result.probes if p.depth == 1)
    assert len(flood.peers) == 1000  # read no further than max_peers
    assert len(result.probes) == 40  # probed no more than max_instances
    assert (
        sum(villains.hits[f"p{i}.x"] for i in range(100_000)) == 39 * 2
    )  # each: links, then 404 on the fallback
