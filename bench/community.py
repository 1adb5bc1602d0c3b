"""Benchmark: community features under load: the chat's fan-out (and, later, live HLS listeners).

    .venv/bin/python bench/community.py [--parts chat] [--clients 1000] [--rate 5,20] [--seconds 10]
                                        [--redis URL|start] [--web-processes 2] [--write docs/performance.md]

Chat: `tunecamp serve` as its own process (guest posting on, rate limits lifted), 1,000
WebSocket clients on loopback joined to the lobby, and one more that posts `rate` messages a
second for `seconds` (once per rate: 5/s, a busy room, and 20/s, 20,000 deliveries a second). Every message goes through the whole path (the socket, the checks, a
SQLite insert, the broadcaster, one writer per socket); each client notes when each message
arrives. Fan-out latency is from the post to its arrival at a client, over every (message,
client) pair: p50 and p99. The daemon's RSS is read from /proc with the sockets idle and at the
end (VmHWM: the peak). The baseline is a bare aiohttp WebSocket server (a helper process this
script starts) that sends every text it receives to every socket, a task per send: no account, no
database. The clients run in two processes (--client-processes) so that reading a thousand
sockets is not itself what is measured; all share the machine's monotonic clock.

With `--redis` (a URL, or `start` for a redis-server of its own on a free loopback port) the chat
fans out through Redis (TUNECAMP_REDIS_URL), and `--web-processes N` runs N daemons on one data
directory: the client processes join them in turn, the poster posts to the first, so most
deliveries cross Redis from one process to another (docs/scaling.md). Its table has a heading of
its own, beside the single process's.

Parts are functions from the arguments to a Markdown table (PARTS); an `hls` part (500 listeners
polling a live playlist) joins them beside `chat` with its own section.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import resource
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Coroutine, Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from chat_clients import FanOut, fan_out  # bench/ is on sys.path: this file runs as a script
from load import cpu_seconds, free_port, wait_ready, write_section

TARGETS = {"chat_p99_ms": 100.0}
HELPER = "--helper"


# --- the baseline: a bare aiohttp WebSocket broadcaster ------------------------------------------


def helper(port: int) -> None:
    from aiohttp import web

    sockets: set[web.WebSocketResponse] = set()
    sends: set[asyncio.Task[None]] = set()

    async def ws(request: web.Request) -> web.WebSocketResponse:
        socket = web.WebSocketResponse()
        await socket.prepare(request)
        sockets.add(socket)
        try:
            async for frame in socket:
                data = json.loads(frame.data)
                if data.get("type") == "message":
                    # a task per send: an await per socket in turn would stall the room behind one slow reader
                    text = json.dumps({"type": "message", "text": data["text"]})
                    for other in list(sockets):
                        sends.add(task := asyncio.create_task(other.send_str(text)))
                        task.add_done_callback(sends.discard)
                elif data.get("type") == "join":
                    await socket.send_str(json.dumps({"type": "joined"}))
        finally:
            sockets.discard(socket)
        return socket

    async def health(request: web.Request) -> web.Response:
        return web.Response(text="ok")

    app = web.Application()
    app.router.add_get("/ws", ws)
    app.router.add_get("/health", health)
    web.run_app(app, host="127.0.0.1", port=port, print=None, access_log=None)


@contextmanager
def process(command: list[str], env: dict[str, str] | None = None) -> Iterator[subprocess.Popen[bytes]]:
    child = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL)
    try:
        yield child
    finally:
        child.terminate()
        try:
            child.wait(30)
        except subprocess.TimeoutExpired:
            child.kill()


def rss_mb(pid: int, field: str = "VmRSS") -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1]) / 1024
    return float("nan")


# --- the chat part ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class ChatRun:
    rates: list[tuple[FanOut, FanOut, float, float]]  # per message rate: daemon, bare, their CPU seconds
    processes: int
    rss_idle_mb: float
    rss_peak_mb: float
    rss_before_mb: float


@contextmanager
def redis_for(setting: str) -> Iterator[str]:
    """The Redis URL to use: `setting` itself, or a redis-server started here for `start`."""
    if setting != "start":
        yield setting
        return
    port = free_port()
    command = ["redis-server", "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"]
    with process(command):
        import redis

        client = redis.Redis(port=port)
        for _ in range(100):
            try:
                client.ping()
                break
            except redis.ConnectionError:
                time.sleep(0.1)
        client.close()
        yield f"redis://127.0.0.1:{port}/0"


async def chat_part(args: argparse.Namespace, tmp: Path) -> ChatRun:
    with ExitStack() as stack:
        redis_url = stack.enter_context(redis_for(args.redis)) if args.redis else ""
        return await _chat_part(args, tmp, redis_url, stack)


async def _chat_part(args: argparse.Namespace, tmp: Path, redis_url: str, stack: ExitStack) -> ChatRun:
    (tmp / "content").mkdir()
    public = tmp / "public"
    public.mkdir()
    (public / "index.html").write_text("<h1>bench</h1>")
    env = {
        **os.environ,
        "TUNECAMP_DATA_DIR": str(tmp / "data"),
        "TUNECAMP_CHAT_GUEST_POSTING": "true",
        "TUNECAMP_CHAT_RATE_USER": "100000000/1",
        "TUNECAMP_CHAT_RATE_ADDRESS": "100000000/1",
        "TUNECAMP_CHAT_SOCKETS_PER_ADDRESS": "100000",  # every client is 127.0.0.1
        "TUNECAMP_WATCH": "false",
        "TUNECAMP_LOG_LEVEL": "warning",
        "TUNECAMP_REDIS_URL": redis_url,
    }
    env.pop("SENTRY_DSN", None)
    rates = [float(r) for r in str(args.rate).split(",")]
    ours: list[tuple[FanOut, float]] = []
    ports = [free_port() for _ in range(args.web_processes)]
    daemons = []
    for port in ports:  # one after the other: the first creates the database, the next find it
        command = [sys.executable, "-c", "from tunecamp.daemon.cli import main; main()", "serve", "--no-build",
                   "--content", str(tmp / "content"), "--public", str(public), "--port", str(port)]  # fmt: skip
        daemons.append(stack.enter_context(process(command, env)))
        wait_ready(f"http://127.0.0.1:{port}/health", timeout=60)
    pids = [d.pid for d in daemons]
    before = sum(rss_mb(pid) for pid in pids)
    ws_urls = [f"ws://127.0.0.1:{port}/api/chat/ws" for port in ports]
    await fan_out(ws_urls, 10, 5, 0.4, len(ws_urls))  # warm up: imports, the database, the first inserts
    for rate in rates:
        cpu = sum(cpu_seconds(pid) for pid in pids)
        result = await fan_out(
            ws_urls, args.clients, rate, args.seconds, max(args.client_processes, len(pids))
        )
        ours.append((result, sum(cpu_seconds(pid) for pid in pids) - cpu))
        print(f"daemon: {result}", file=sys.stderr)
    peak = sum(rss_mb(pid, "VmHWM") for pid in pids)
    idle = sum(rss_mb(pid) for pid in pids)
    stack.close()  # the daemons stop before the baseline runs
    helper_port = free_port()
    bare: list[tuple[FanOut, float]] = []
    with process([sys.executable, __file__, HELPER, str(helper_port)]) as bare_server:
        wait_ready(f"http://127.0.0.1:{helper_port}/health", timeout=30)
        for rate in rates:
            cpu = cpu_seconds(bare_server.pid)
            url = f"ws://127.0.0.1:{helper_port}/ws"
            result = await fan_out([url], args.clients, rate, args.seconds, args.client_processes)
            bare.append((result, cpu_seconds(bare_server.pid) - cpu))
            print(f"bare: {result}", file=sys.stderr)
    rows = [(d, b, dc, bc) for (d, dc), (b, bc) in zip(ours, bare, strict=True)]
    return ChatRun(rows, args.client_processes, idle, peak, before)


def chat_table(run: ChatRun, load: float) -> str:
    ok = lambda good: "✅" if good else "❌"  # noqa: E731
    target = TARGETS["chat_p99_ms"]
    first = run.rates[0][0]
    lines = [
        f"Measured {time.strftime('%Y-%m-%d')} on {platform.machine()}, {os.cpu_count()} cores shared by the daemon "
        f"and the {first.clients:,} clients (in {run.processes} processes), Python {platform.python_version()}; "
        f"load average {load:.1f} before the run (other work on the machine shows in the baseline too).",
        "",
        f"| {first.clients:,} sockets in one room | Daemon | Bare aiohttp broadcast | Target |",
        "| --- | --- | --- | --- |",
    ]
    for d, b, d_cpu, b_cpu in run.rates:
        lines += [
            f"| **{d.rate:g} messages/s** ({d.rate * d.clients:,.0f} deliveries/s), deliveries | "
            f"{d.deliveries:,} of {d.expected:,} | {b.deliveries:,} of {b.expected:,} | all |",
            f"| fan-out p50 (post → arrival) | {d.p50_ms:.1f} ms | {b.p50_ms:.1f} ms | |",
            f"| fan-out p99 | {d.p99_ms:.1f} ms ({d.p99_ms / b.p99_ms:.1f}× bare) | {b.p99_ms:.1f} ms | "
            f"< {target:.0f} ms {ok(d.p99_ms < target and d.deliveries == d.expected)} |",
            f"| slowest delivery | {d.max_ms:.1f} ms | {b.max_ms:.1f} ms | |",
            f"| server CPU during the run (connecting included) | {d_cpu:.1f} s | {b_cpu:.1f} s | |",
        ]
    lines += [
        f"| {first.clients:,} sockets connected and joined | {first.connect_s:.2f} s | {run.rates[0][1].connect_s:.2f} s | |",
        f"| daemon RSS: started / with the sockets / peak | {run.rss_before_mb:.0f} / {run.rss_idle_mb:.0f} / "
        f"{run.rss_peak_mb:.0f} MB | | |",
    ]
    return "\n".join(lines)


# --- the parts, the report --------------------------------------------------------------------------


async def run_chat(args: argparse.Namespace) -> tuple[str, str]:
    load = os.getloadavg()[0]
    if args.web_processes > 1 and not args.redis:
        raise SystemExit("--web-processes: several daemons share the chat only through Redis: add --redis")
    with tempfile.TemporaryDirectory() as name:
        result = await chat_part(args, Path(name))
    if not args.redis:
        return "Community: chat", chat_table(result, load)
    where = f"{args.web_processes} daemon process{'es' if args.web_processes > 1 else ''}"
    note = f"\n\nThe chat on Redis, {where} (their CPU and RSS summed); the clients join them in turn."
    return f"Community: chat on Redis, {where}", chat_table(result, load) + note


PARTS: dict[str, Callable[[argparse.Namespace], Coroutine[Any, Any, tuple[str, str]]]] = {"chat": run_chat}


def main() -> None:
    if len(sys.argv) > 1 and sys.argv[1] == HELPER:
        helper(int(sys.argv[2]))
        return
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--parts", default=",".join(PARTS), help=f"comma-separated, of {', '.join(PARTS)}")
    parser.add_argument("--clients", type=int, default=1000, help="chat: sockets in the room")
    parser.add_argument(
        "--rate", default="5,20", help="chat: messages posted per second (comma-separated: one run each)"
    )
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument(
        "--client-processes", type=int, default=2, help="chat: processes the sockets are spread over"
    )
    parser.add_argument("--redis", default="", help="chat: fan out through this Redis URL, or `start` one")
    parser.add_argument(
        "--web-processes", type=int, default=1, help="chat: daemons sharing the room (needs --redis)"
    )
    parser.add_argument("--write", type=Path, help="update each part's section of this Markdown file")
    args = parser.parse_args()
    # a socket is a file descriptor, twice over on loopback: the daemon inherits the raised limit
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (max(soft, min(hard, 8192)), hard))
    for part in args.parts.split(","):
        if part not in PARTS:
            raise SystemExit(f"--parts: {part!r} is not one of {', '.join(PARTS)}")
        heading, body = asyncio.run(PARTS[part](args))
        print(f"## {heading}\n\n{body}\n")
        if args.write:
            write_section(args.write, heading, "bench/community.py", body)


if __name__ == "__main__":
    main()
