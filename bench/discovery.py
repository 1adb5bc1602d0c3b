"""Benchmark: one discovery crawl over 1,000 simulated TuneCamp instances on loopback.

    .venv/bin/python bench/discovery.py [--instances 1000] [--write docs/performance.md]

The instances are one aiohttp process (a helper this script starts) answering 1,100 host names
(`i<n>.net.test`, mapped to 127.0.0.1 by the outbound client's resolver seam) by their Host
header, each with the real protocol: /.well-known/nodeinfo and /nodeinfo/2.1, /api/community/
instance and /peers, and a catalog.json of our schema (20 releases, with an ETag). The graph is
a gossip tree with cross links: ten seeds, each instance lists ten children and three random
others, so 1,110 instances lie within three hops and the crawl must stop at its 1,000.

The crawl is the daemon's own (the discovery service, its shipped limits, a real SQLite file,
the guarded client). Printed: wall time and requests of a first crawl and of a second one (every
catalog answered 304), instances reached, peak RSS of this process; and as the baseline the same
GETs (five for each of 1,000 instances) made by a bare aiohttp client (the same 32 in flight, no
guard, no parsing, no database) in this same process, before the crawls.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import random
import re
import sys
import tempfile
import time
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import aiohttp
from load import (  # bench/ is on sys.path: this file runs as a script
    free_port,
    peak_rss_mb,
    process,
    wait_ready,
    write_section,
)

from tunecamp.daemon.db import Db
from tunecamp.daemon.discovery.limits import DiscoverySettings, Limits
from tunecamp.daemon.discovery.service import Discovery
from tunecamp.daemon.outbound import Outbound, OutboundConfig, user_agent

TARGETS = {"wall": 20.0}
HELPER = "--helper"
SCHEMA = "http://nodeinfo.diaspora.software/ns/schema/2.1"
SEEDS = 10


def origin(n: int, port: int) -> str:
    return f"http://i{n}.net.test:{port}"


def peers_of(n: int, total: int) -> list[int]:
    rng = random.Random(n)
    children = [c for c in range(SEEDS + n * 10, SEEDS + n * 10 + 10) if c < total]
    return children + [rng.randrange(total) for _ in range(3)]


# --- the helper process: every instance, by Host header --------------------------------------------


def helper(port: int, total: int) -> None:
    from aiohttp import web

    hits: Counter[str] = Counter()
    catalogs: dict[int, bytes] = {}

    def catalog(n: int) -> bytes:
        if n not in catalogs:
            base = origin(n, port)
            releases = [
                {
                    "slug": f"r{k}",
                    "title": f"Release {k} of {n}",
                    "url": f"{base}/releases/r{k}/",
                    "artists": ["a"],
                    "date": f"20{10 + k % 15:02d}-0{1 + k % 9}-01",
                    "cover": {
                        "variants": [
                            {"url": f"{base}/releases/r{k}/cover-300.jpg", "mime": "image/jpeg", "width": 300}
                        ]
                    },
                }
                for k in range(20)
            ]
            document = {
                "schema_version": 1,
                "catalog": {"title": f"Instance {n}", "url": base},
                "artists": [{"slug": "a", "name": f"Artist {n}"}],
                "releases": releases,
            }
            catalogs[n] = json.dumps(document).encode()
        return catalogs[n]

    async def answer(request: web.Request) -> web.StreamResponse:
        host = request.host.split(":")[0]
        m = re.fullmatch(r"i(\d+)\.net\.test", host)
        if m is None or int(m.group(1)) >= total:
            raise web.HTTPNotFound()
        n, path = int(m.group(1)), request.path
        hits[path] += 1
        base = origin(n, port)
        if path == "/.well-known/nodeinfo":
            return web.json_response({"links": [{"rel": SCHEMA, "href": f"{base}/nodeinfo/2.1"}]})
        if path == "/nodeinfo/2.1":
            return web.json_response({"version": "2.1", "software": {"name": "tunecamp", "version": "1.0"}})
        if path == "/api/community/instance":
            return web.json_response(
                {
                    "software": "tunecamp",
                    "version": "1.0",
                    "url": base,
                    "name": f"Instance {n}",
                    "catalogUrl": f"{base}/catalog.json",
                }
            )
        if path == "/api/community/peers":
            return web.json_response([origin(p, port) for p in peers_of(n, total)])
        if path == "/catalog.json":
            etag = f'"c{n}"'
            if request.headers.get("If-None-Match") == etag:
                hits["304"] += 1
                return web.Response(status=304, headers={"ETag": etag})
            return web.Response(body=catalog(n), content_type="application/json", headers={"ETag": etag})
        raise web.HTTPNotFound()

    async def stats(request: web.Request) -> web.Response:
        return web.json_response(dict(hits))

    for n in range(total):  # made before serving: neither the crawl nor the baseline pays for them
        catalog(n)
    app = web.Application()
    app.router.add_get("/_stats", stats)
    app.router.add_route("GET", "/{tail:.*}", answer)
    web.run_app(app, host="127.0.0.1", port=port, print=None, access_log=None)


# --- the crawl -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Result:
    instances: int
    reached: int
    requests: int
    wall: float
    second_requests: int
    second_wall: float
    not_modified: int
    baseline: float
    rss_before_mb: float
    rss_mb: float


async def crawl(tmp: Path, port: int, total: int) -> Result:
    async def loopback(host: str, _port: int) -> list[str]:
        return ["127.0.0.1"]

    outbound = Outbound(
        OutboundConfig(allow_loopback=True, timeout=10.0, user_agent=user_agent("https://bench.example")),
        lookup=loopback,
    )
    db = Db(tmp / "tunecamp.db")
    await db.open()
    seeds = tuple(origin(n, port) for n in range(SEEDS))
    settings = DiscoverySettings(seeds, 0.0, ("https://bench.example",), Limits())
    discovery = Discovery(db, outbound, settings, tmp)
    baseline = await bare_baseline(port, total)
    rss_before = peak_rss_mb()

    async def timed_crawl() -> tuple[float, int, int]:
        started = time.perf_counter()
        result = await discovery.crawl("bench")
        return time.perf_counter() - started, result.requests, result.reached

    wall, requests, reached = await timed_crawl()
    before = await helper_stats(port)
    second_wall, second_requests, _ = await timed_crawl()
    not_modified = (await helper_stats(port)).get("304", 0) - before.get("304", 0)
    rss = peak_rss_mb()
    await outbound.close()
    await db.close()
    return Result(
        total, reached, requests, wall, second_requests, second_wall, not_modified, baseline, rss_before, rss
    )


async def helper_stats(port: int) -> dict[str, int]:
    async with aiohttp.ClientSession() as session, session.get(f"http://127.0.0.1:{port}/_stats") as r:
        return dict(await r.json())


async def bare_baseline(port: int, total: int) -> float:
    """What the crawl's requests cost without the crawler: the five GETs of 1,000 instances by a
    bare aiohttp client at the crawl's concurrency (no guard, no parsing, no database)."""
    paths = ("/.well-known/nodeinfo", "/nodeinfo/2.1", "/api/community/instance", "/api/community/peers")
    urls = [
        origin(n, port) + p
        for n in range(min(total, Limits().max_instances))
        for p in (*paths, "/catalog.json")
    ]
    connector = aiohttp.TCPConnector(resolver=_Loopback(), limit=32, limit_per_host=4)
    gate = asyncio.Semaphore(32)
    started = time.perf_counter()
    async with aiohttp.ClientSession(connector=connector) as session:

        async def get(url: str) -> None:
            async with gate, session.get(url) as answer:
                await answer.read()

        await asyncio.gather(*(get(u) for u in urls))
    return time.perf_counter() - started


class _Loopback(aiohttp.abc.AbstractResolver):
    async def resolve(self, host: str, port: int = 0, family: int = 0) -> list[aiohttp.abc.ResolveResult]:
        import socket

        return [
            {
                "hostname": host,
                "host": "127.0.0.1",
                "port": port,
                "family": socket.AF_INET,
                "proto": 0,
                "flags": socket.AI_NUMERICHOST,
            }
        ]

    async def close(self) -> None:
        return None


# --- report ------------------------------------------------------------------------------------------


def table(r: Result, load: float) -> str:
    ok = lambda good: "✅" if good else "❌"  # noqa: E731
    return "\n".join(
        [
            f"Measured {time.strftime('%Y-%m-%d')} on {platform.machine()}, {os.cpu_count()} cores shared by the crawler and "
            f"the helper serving every instance, Python {platform.python_version()}; load average {load:.1f} before the run.",
            "",
            f"| One crawl, {r.instances:,} simulated instances within 3 hops of 10 seeds | Measured | Target |",
            "| --- | --- | --- |",
            f"| instances reached (the cap is 1,000) | {r.reached:,} | ≤ 1,000 {ok(r.reached <= 1000)} |",
            f"| wall time, first crawl | {r.wall:.2f} s | ≤ {TARGETS['wall']:.0f} s {ok(r.wall <= TARGETS['wall'])} |",
            f"| requests, first crawl | {r.requests:,} ({r.requests / max(r.reached, 1):.1f} per instance) | |",
            f"| wall time, second crawl (every catalog 304) | {r.second_wall:.2f} s, {r.second_requests:,} requests, {r.not_modified:,} catalogs not modified | |",
            f"| baseline: the same GETs (5 per instance), bare aiohttp, 32 in flight | {r.baseline:.2f} s ({r.wall / r.baseline:.1f}× ours) | |",
            f"| peak RSS of the process | {r.rss_mb:.0f} MB ({r.rss_before_mb:.0f} MB before the crawl) | |",
        ]
    )


async def run(args: argparse.Namespace) -> str:
    load = os.getloadavg()[0]
    total = args.instances + args.instances // 10  # more than the cap lies within reach
    port = free_port()
    with (
        tempfile.TemporaryDirectory() as name,
        process([sys.executable, __file__, HELPER, str(port), str(total)]),
    ):
        wait_ready(f"http://127.0.0.1:{port}/_stats", timeout=30)
        result = await crawl(Path(name), port, total)
        print(result, file=sys.stderr)
    return table(result, load)


def main() -> None:
    if len(sys.argv) > 1 and sys.argv[1] == HELPER:
        helper(int(sys.argv[2]), int(sys.argv[3]))
        return
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--instances", type=int, default=1000)
    parser.add_argument("--write", type=Path, help="update the Discovery section of this Markdown file")
    args = parser.parse_args()
    body = asyncio.run(run(args))
    print(body)
    if args.write:
        write_section(args.write, "Discovery", "bench/discovery.py", body)


if __name__ == "__main__":
    main()
