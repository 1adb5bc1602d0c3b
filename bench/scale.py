"""Benchmark: the daemon on several processes (Redis, workers, web replicas) against one process, in one run.

    .venv/bin/python bench/scale.py [--parts federation,chat] [--followers 10000] [--hosts 500]
                                    [--releases 4] [--workers 1,2,4] [--latency-ms 0]
                                    [--clients 1000] [--rate 20] [--seconds 10] [--write docs/scaling.md]

Federation fan-out (scale_federation.py): 10,000 followers on 500 servers are 500 shared inboxes
per release; `--releases` activities, each to those 500 inboxes, are written into the outbox of a
fresh data folder (as publishing writes them), and the processes of one configuration deliver them:
`tunecamp serve` alone on SQLite (its in-process job consumers: the baseline), then 1, 2 and 4
`tunecamp worker` processes on Redis. The 500 servers are one helper process listening on 500
loopback addresses (127.0.1.1-127.0.2.244, one port), answering 202 after `--latency-ms` (0: the
CPU-bound case; 100-300 ms is what real servers take) and recording each POST. Reported:
requests (each delivery exactly once), deliveries per second from the first POST received to the
last, the ratio to the SQLite process, and the CPU seconds of the TuneCamp processes and of Redis
per 1,000 deliveries.

Chat fan-out: `--clients` WebSocket clients in the lobby, one more posting `--rate` messages a second
for `--seconds` (bench/chat_clients.py's clients and sender): against one `tunecamp serve` (in-process
fan-out: the baseline), one on Redis, and two on Redis with the clients split between them (each
message crosses Redis pub/sub to the other process). Reported: deliveries, p50/p99 from post to
arrival, deliveries/s, and the servers' CPU (web processes and Redis) per 1,000 deliveries.

On a 2-core machine the processes, Redis and the load share the cores: more processes cannot add
cores, so the figure that carries over to a bigger machine is CPU per delivery, and the ratio says
what coordination costs. Run on a quiet machine; `--write` replaces the "## Measured" section.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import resource
import sys
import tempfile
import time
from collections.abc import Callable, Coroutine
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import aiohttp
import chat_clients  # bench/ is on sys.path: this file runs as a script
from load import percentile, write_section
from scale_processes import cpu_s, daemon_env, processes, redis_server

HEADING = "Measured"


# --- chat: one room across web processes --------------------------------------------------------


@dataclass(frozen=True)
class ChatRun:
    name: str
    deliveries: int
    expected: int
    p50_ms: float
    p99_ms: float
    per_s: float  # deliveries from the first post to the last arrival
    cpu_s: float  # the web processes and Redis during the run


async def fan_out(urls: list[str], clients: int, rate: float, seconds: float) -> tuple[list[float], float]:
    """Clients split over `urls` (one client process each), the sender on the first; latencies and wall time."""
    total = int(rate * seconds)
    shares = [clients // len(urls) + (1 if i < clients % len(urls) else 0) for i in range(len(urls))]
    readers = []
    for url, n in zip(urls, shares, strict=True):
        command = [chat_clients.__file__, chat_clients.LISTENERS, url, str(n), str(total), str(seconds + 30)]
        readers.append(
            await asyncio.create_subprocess_exec(sys.executable, *command, stdout=asyncio.subprocess.PIPE)
        )
    ready = [(await r.stdout.readline()).decode() for r in readers]  # type: ignore[union-attr]
    if not all(line.startswith("ready") for line in ready):
        raise SystemExit(f"the client processes did not connect: {ready}")
    async with aiohttp.ClientSession() as session:
        sender = await session.ws_connect(urls[0], heartbeat=None)
        begin, sent_at = await chat_clients.post_paced(sender, total, rate)
        outputs = [await r.communicate() for r in readers]
        await sender.close()
    arrivals = [(number, at) for out, _ in outputs for number, at in json.loads(out)]
    last = max((at for _, at in arrivals), default=begin)
    return [at - sent_at[number] for number, at in arrivals], max(last - begin, 1e-9)


async def chat_config(args: argparse.Namespace, name: str, web: int, redis: bool, tmp: Path) -> ChatRun:
    folder = Path(tempfile.mkdtemp(dir=tmp))
    limits = {
        "TUNECAMP_CHAT_GUEST_POSTING": "true",
        "TUNECAMP_CHAT_RATE_USER": "100000000/1",
        "TUNECAMP_CHAT_RATE_ADDRESS": "100000000/1",
        "TUNECAMP_CHAT_SOCKETS_PER_ADDRESS": "100000",  # every client is 127.0.0.1
    }
    with redis_server(folder) as server, processes(folder, {}) as running:
        running.env = daemon_env(folder, server.url if redis else "", **limits)
        urls = [running.serve(f"web{i}").replace("http", "ws", 1) + "/api/chat/ws" for i in range(web)]
        await fan_out(urls, 10, 5, 0.4)  # warm up: imports, the database, the first inserts
        cpu = running.cpu() + (cpu_s(server.pid) if redis else 0.0)
        latencies, wall = await fan_out(urls, args.clients, args.rate, args.seconds)
        used = running.cpu() + (cpu_s(server.pid) if redis else 0.0) - cpu
    expected = int(args.rate * args.seconds) * args.clients
    run = ChatRun(
        name, len(latencies), expected, percentile(latencies, 0.5), percentile(latencies, 0.99),
        len(latencies) / wall, used,
    )  # fmt: skip
    print(f"chat: {run}", file=sys.stderr)
    return run


async def chat_part(args: argparse.Namespace, tmp: Path) -> list[ChatRun]:
    return [
        await chat_config(args, "1 web process, in-process fan-out", 1, False, tmp),
        await chat_config(args, "1 web process on Redis", 1, True, tmp),
        await chat_config(args, "2 web processes on Redis (clients split)", 2, True, tmp),
    ]


def chat_table(runs: list[ChatRun], args: argparse.Namespace) -> str:
    base = runs[0]
    lines = [
        f"| Chat fan-out: {args.clients:,} sockets, {args.rate:g} messages/s for {args.seconds:g} s | Deliveries "
        "| p50 | p99 | Deliveries/s (offered) | Server CPU per 1,000 deliveries | Deliveries per CPU-second "
        "| vs 1 process |",
        "| --- | --- | --- | --- | --- | --- | --- | --- |",
    ]
    for run in runs:
        per_cpu = run.deliveries / max(run.cpu_s, 0.01)  # /proc counts in 10 ms ticks
        base_cpu = base.deliveries / max(base.cpu_s, 0.01)
        lines.append(
            f"| {run.name} | {run.deliveries:,} of {run.expected:,} | {run.p50_ms:.1f} ms | {run.p99_ms:.1f} ms "
            f"| {run.per_s:,.0f} | {1e6 * run.cpu_s / max(run.deliveries, 1):.0f} ms | {per_cpu:,.0f} "
            f"| {per_cpu / base_cpu:.2f}× |"
        )
    return "\n".join(lines)


# --- the parts, the report ------------------------------------------------------------------------


async def run_federation(args: argparse.Namespace, tmp: Path) -> str:
    import scale_federation

    return scale_federation.table(await scale_federation.part(args, tmp), args)


async def run_chat(args: argparse.Namespace, tmp: Path) -> str:
    return chat_table(await chat_part(args, tmp), args)


PARTS: dict[str, Callable[[argparse.Namespace, Path], Coroutine[Any, Any, str]]] = {
    "federation": run_federation,
    "chat": run_chat,
}


def report(tables: list[str], load: float) -> str:
    head = (
        f"Measured {time.strftime('%Y-%m-%d')} on {platform.machine()}, {os.cpu_count()} cores shared by every "
        f"process and the load, Python {platform.python_version()}; load average {load:.1f} before the run. "
        "With 2 cores, more processes cannot add cores: CPU per delivery is what carries over to a bigger "
        "machine (the projection below uses it)."
    )
    return "\n\n".join([head, *tables])


def parse(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--parts", default=",".join(PARTS), help=f"comma-separated, of {', '.join(PARTS)}")
    parser.add_argument(
        "--followers", type=int, default=10_000, help="federation: followers (on --hosts servers)"
    )
    parser.add_argument("--hosts", type=int, default=500, help="federation: servers, one shared inbox each")
    parser.add_argument("--releases", type=int, default=4, help="federation: activities fanned out")
    parser.add_argument("--workers", default="1,2,4", help="federation: worker processes (one run each)")
    parser.add_argument("--latency-ms", type=float, default=0.0, help="federation: each server's answer time")
    parser.add_argument("--clients", type=int, default=1000, help="chat: sockets in the room")
    parser.add_argument("--rate", type=float, default=20.0, help="chat: messages posted per second")
    parser.add_argument("--seconds", type=float, default=10.0, help="chat: how long the sender posts")
    parser.add_argument(
        "--write", type=Path, help=f'replace the "## {HEADING}" section of this Markdown file'
    )
    args = parser.parse_args(argv)
    for part in args.parts.split(","):
        if part not in PARTS:
            parser.error(f"--parts: {part!r} is not one of {', '.join(PARTS)}")
    if not 1 <= args.hosts <= 500 * 2:
        parser.error("--hosts: 1 to 1000 (loopback addresses 127.0.1.1 onwards)")
    return args


def main(argv: list[str] | None = None) -> str:
    if len(sys.argv) > 1 and sys.argv[1] == "--inboxes":
        import scale_federation

        scale_federation.inboxes_main(sys.argv[2:])
        return ""
    args = parse(argv)
    # a socket is a file descriptor, twice over on loopback: the daemons inherit the raised limit
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (max(soft, min(hard, 8192)), hard))
    load = os.getloadavg()[0]
    with tempfile.TemporaryDirectory() as name:
        tables = [asyncio.run(PARTS[part](args, Path(name))) for part in args.parts.split(",")]
    body = report(tables, load)
    print(f"## {HEADING}\n\n{body}\n")
    if args.write:
        write_section(args.write, HEADING, "bench/scale.py", body)
    return body


if __name__ == "__main__":
    main()
