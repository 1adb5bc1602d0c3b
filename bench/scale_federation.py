"""bench/scale.py's federation part: one fan-out delivered by the SQLite process, then by 1, 2, 4
`tunecamp worker`s on Redis (the module docstring of scale.py says what is measured)."""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import aiohttp
from load import free_port, wait_ready  # bench/ is on sys.path: this file runs as a script
from scale_processes import Processes, cpu_s, daemon_env, processes, redis_server

from tunecamp.daemon.config import DaemonConfig
from tunecamp.daemon.db import Db, connect
from tunecamp.daemon.federation import outbox
from tunecamp.daemon.federation.keys import KeyStore

AS = "https://www.w3.org/ns/activitystreams"
BASE = "https://bench.example"
ARTIST = "aurora"


# --- the helper: 500 servers on 500 loopback addresses, one port --------------------------------


def host_address(i: int) -> str:
    """127.0.1.1 onwards: every address of 127.0.0.0/8 is loopback on Linux; 127.0.0.1 is the control."""
    return f"127.0.{1 + i // 250}.{1 + i % 250}"


def inboxes_main(argv: list[str]) -> None:
    """`scale.py --inboxes PORT HOSTS LATENCY_MS`: records each POST, answers 202 after the latency."""
    from aiohttp import web

    port, hosts, latency = int(argv[0]), int(argv[1]), float(argv[2]) / 1000
    seen: dict[tuple[str, str], int] = {}
    times: list[float] = []
    signed = [0]

    async def inbox(request: web.Request) -> web.Response:
        body = json.loads(await request.read())
        key = (request.host, str(body.get("id")))
        seen[key] = seen.get(key, 0) + 1
        signed[0] += "keyId=" in request.headers.get("Signature", "")
        times.append(time.monotonic())
        if latency:
            await asyncio.sleep(latency)
        return web.Response(status=202)

    async def stats(request: web.Request) -> web.Response:
        return web.json_response({
            "requests": len(times), "distinct": len(seen), "signed": signed[0],
            "first": min(times, default=0.0), "last": max(times, default=0.0),
        })  # fmt: skip

    async def reset(request: web.Request) -> web.Response:
        seen.clear()
        times.clear()
        signed[0] = 0
        return web.Response(text="ok")

    async def serve() -> None:
        app = web.Application()
        app.router.add_post("/inbox", inbox)
        app.router.add_get("/stats", stats)
        app.router.add_post("/reset", reset)
        runner = web.AppRunner(app, access_log=None)
        await runner.setup()
        for address in ["127.0.0.1", *(host_address(i) for i in range(hosts))]:
            await web.TCPSite(runner, address, port, backlog=1024).start()
        await asyncio.Event().wait()

    asyncio.run(serve())


# --- one configuration ----------------------------------------------------------------------------


@dataclass(frozen=True)
class FanRun:
    name: str
    requests: int
    distinct: int
    expected: int
    signed: int
    seconds: float  # first POST received to the last
    cpu_s: float  # the TuneCamp processes (and Redis) from the write to the last POST

    @property
    def per_s(self) -> float:
        return self.requests / max(self.seconds, 1e-9)


async def make_key(database: Path) -> None:
    """The data folder migrated and the artist's key made, as `tunecamp keys ensure` does."""
    db = Db(database)
    await db.open()
    await KeyStore(db).ensure(ARTIST)
    await db.close()


def write_releases(database: Path, releases: int, inboxes: list[str], run: str) -> None:
    """What publishing writes for each new release: its Create, to every follower's shared inbox."""
    db = connect(database)
    with db.conn:
        for n in range(releases):
            note = f"{BASE}/ap/releases/{run}-{n}/note.json"
            body = {"@context": AS, "id": f"{BASE}/ap/releases/{run}-{n}/create.json", "type": "Create",
                    "actor": f"{BASE}/ap/artists/{ARTIST}.json",
                    "object": {"id": note, "type": "Note", "content": "<p>New release</p>"},
                    "to": [f"{AS}#Public"]}  # fmt: skip
            outbox.add(db, outbox.Activity(body["id"], ARTIST, body), inboxes)
    db.close()


async def wait_workers(redis_url: str, count: int, running: Processes) -> None:
    import redis.asyncio as aioredis

    from tunecamp.daemon.jobqueue.redis_records import workers

    client = aioredis.Redis.from_url(redis_url)
    deadline = time.monotonic() + 120
    pids = {child.pid for child in running.children}
    while len([w for w in await workers(client) if w.pid in pids]) < count:
        if time.monotonic() > deadline:
            logs = "\n".join(running.log_tail(f"worker{i}") for i in range(count))
            raise SystemExit(f"the workers did not start within 120 s\n{logs}")
        await asyncio.sleep(0.2)
    await client.aclose()


async def run_config(args: argparse.Namespace, helper: str, inboxes: list[str], name: str, workers: int,
                     tmp: Path) -> FanRun:  # fmt: skip
    folder = Path(tempfile.mkdtemp(dir=tmp))
    expected = args.releases * len(inboxes)
    with redis_server(folder) as server, processes(folder, {}) as running:
        running.env = daemon_env(
            folder, server.url if workers else "", TUNECAMP_OUTBOUND_ALLOW_LOOPBACK="true",
            TUNECAMP_JOBS_POLL="0.2",
        )  # fmt: skip
        database = DaemonConfig(data_dir=folder / "data").database_path
        await make_key(database)
        if workers:
            for i in range(workers):
                running.worker(f"worker{i}")
            await wait_workers(server.url, workers, running)
        else:
            running.serve("serve")  # SQLite: its own consumers
        async with aiohttp.ClientSession() as session:
            await session.post(f"{helper}/reset")
            write_releases(database, args.releases, inboxes, f"w{workers}")
            # the CPU from the first delivery on: the wait for a hand-over (up to 5 s) is idle polling
            deadline = time.monotonic() + 300 + expected / 20
            stats: dict[str, Any] = {"requests": 0}
            cpu, counted = 0.0, 0
            while time.monotonic() < deadline:
                stats = await (await session.get(f"{helper}/stats")).json()
                if stats["requests"] and not counted:
                    cpu, counted = running.cpu() + cpu_s(server.pid), stats["requests"]
                if stats["requests"] >= expected:
                    break
                await asyncio.sleep(0.05)
            used = (running.cpu() + cpu_s(server.pid) - cpu) * expected / max(expected - counted, 1)
            await asyncio.sleep(2)  # a duplicate would arrive now
            stats = await (await session.get(f"{helper}/stats")).json()
    run = FanRun(name, stats["requests"], stats["distinct"], expected, stats["signed"],
                 stats["last"] - stats["first"], used)  # fmt: skip
    print(f"federation: {run} ({run.per_s:.0f}/s)", file=sys.stderr)
    return run


async def part(args: argparse.Namespace, tmp: Path) -> list[FanRun]:
    port = free_port()
    helper = f"http://127.0.0.1:{port}"
    inboxes = [f"http://{host_address(i)}:{port}/inbox" for i in range(args.hosts)]
    command = [sys.executable, str(Path(__file__).with_name("scale.py")), "--inboxes", str(port), str(args.hosts),
               str(args.latency_ms)]  # fmt: skip
    with processes(tmp, {}) as helpers:
        helpers.env = dict(os.environ)
        helpers.start(command, "inboxes")
        wait_ready(f"{helper}/stats", timeout=60)
        runs = [await run_config(args, helper, inboxes, "SQLite, 1 process (tunecamp serve)", 0, tmp)]
        for count in (int(n) for n in str(args.workers).split(",")):
            label = f"Redis, {count} worker{'s' if count > 1 else ''}"
            runs.append(await run_config(args, helper, inboxes, label, count, tmp))
    return runs


def table(runs: list[FanRun], args: argparse.Namespace) -> str:
    base = runs[0]
    latency = f", each server answering in {args.latency_ms:g} ms" if args.latency_ms else ""
    lines = [
        f"| Federation fan-out: {args.releases} release{'s' if args.releases > 1 else ''} to {args.followers:,} "
        f"followers on {args.hosts} servers"
        f"{latency} | Deliveries (once each) | Deliveries/s | vs SQLite, 1 process | CPU per 1,000 deliveries |",
        "| --- | --- | --- | --- | --- |",
    ]
    for run in runs:
        once = "✅" if run.requests == run.distinct == run.expected == run.signed else "❌"
        lines.append(
            f"| {run.name} | {run.distinct:,} of {run.expected:,} ({run.requests:,} requests) {once} "
            f"| {run.per_s:,.0f} | {run.per_s / max(base.per_s, 1e-9):.2f}× "
            f"| {1e6 * run.cpu_s / max(run.requests, 1):,.0f} ms |"
        )
    return "\n".join(lines)
