"""The crawl's requests: at most 4 in flight to one host (whatever its port) and 32 in all."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest
from aiohttp import web
from aiohttp.test_utils import TestServer

from tunecamp.daemon.discovery.fetch import Fetcher, FetchError
from tunecamp.daemon.discovery.limits import Limits
from tunecamp.daemon.outbound import Outbound, OutboundConfig


class Counting:
    def __init__(self) -> None:
        self.now: dict[str, int] = {}
        self.most: dict[str, int] = {}
        self.most_overall = 0

    async def answer(self, request: web.Request) -> web.Response:
        host = request.host.split(":")[0]
        self.now[host] = self.now.get(host, 0) + 1
        self.most[host] = max(self.most.get(host, 0), self.now[host])
        self.most_overall = max(self.most_overall, sum(self.now.values()))
        await asyncio.sleep(0.05)
        self.now[host] -= 1
        return web.json_response({"ok": True})


@pytest.fixture
async def servers() -> AsyncIterator[tuple[Counting, list[int]]]:
    counting = Counting()
    app = web.Application()
    app.router.add_get("/{tail:.*}", counting.answer)
    started = [TestServer(app, host="127.0.0.1") for _ in range(3)]  # one machine, three ports
    for server in started:
        await server.start_server()
    yield counting, [s.port or 0 for s in started]
    for server in started:
        await server.close()


async def test_four_per_host_whatever_the_port_and_32_overall(servers: tuple[Counting, list[int]]) -> None:
    counting, ports = servers

    async def loopback(host: str, port: int) -> list[str]:
        return ["127.0.0.1"]

    outbound = Outbound(OutboundConfig(allow_loopback=True), lookup=loopback)
    fetcher = Fetcher(outbound, Limits())
    try:
        same_host = [f"http://one.test:{p}/doc/{i}" for p in ports for i in range(10)]
        many_hosts = [f"http://h{h}.test:{ports[0]}/doc/{i}" for h in range(20) for i in range(4)]
        answers = await asyncio.gather(*(fetcher.json(u) for u in same_host + many_hosts))
    finally:
        await outbound.close()
    assert all(a == {"ok": True} for a in answers) and fetcher.requests == 110
    assert counting.most["one.test"] == 4  # 30 asked at once, over three ports
    assert max(v for h, v in counting.most.items() if h != "one.test") <= 4
    assert counting.most_overall == 32


async def test_each_call_has_its_own_size_limit(servers: tuple[Counting, list[int]]) -> None:
    _counting, ports = servers
    outbound = Outbound(OutboundConfig(allow_loopback=True))
    fetcher = Fetcher(outbound, Limits())
    try:
        assert await fetcher.json(f"http://127.0.0.1:{ports[0]}/x") == {"ok": True}
        with pytest.raises(FetchError, match="the answer is 12 bytes, more than 3"):
            await fetcher.json(f"http://127.0.0.1:{ports[0]}/x", max_bytes=3)
    finally:
        await outbound.close()
