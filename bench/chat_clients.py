"""The chat bench's clients: sockets in the lobby that note each message's arrival, and the poster.

`fan_out` starts client processes (this file with `--listeners`), each holding its share of the
sockets, posts at a steady rate from this process, and gathers every (message, socket) latency on
the machine's monotonic clock. bench/community.py and bench/scale.py measure with it.
"""

from __future__ import annotations

import asyncio
import json
import re
import sys
import time
from dataclasses import dataclass

import aiohttp
from load import percentile  # bench/ is on sys.path: this file runs as a script

LISTENERS = "--listeners"
MESSAGE = re.compile(r'\{"type": ?"message"')


@dataclass(frozen=True)
class FanOut:
    clients: int
    rate: float
    sent: int
    deliveries: int
    expected: int
    p50_ms: float
    p99_ms: float
    max_ms: float
    connect_s: float


async def post_paced(
    sender: aiohttp.ClientWebSocketResponse, total: int, rate: float
) -> tuple[float, dict[int, float]]:
    """Join the lobby and post `total` messages at `rate` a second: (the start, each message's send time)."""
    await sender.send_str(json.dumps({"type": "join", "room": "lobby"}))
    sent_at: dict[int, float] = {}
    begin = time.monotonic()
    for n in range(total):
        await asyncio.sleep(max(0.0, begin + n / rate - time.monotonic()))
        sent_at[n] = time.monotonic()
        await sender.send_str(json.dumps({"type": "message", "room": "lobby", "text": f"bench {n}"}))
    return begin, sent_at


async def listeners(url: str, clients: int, total: int, timeout: float) -> None:
    """A client process: `clients` sockets join the lobby, say "ready", then note when each of the
    `total` messages reaches each socket; prints the arrivals as JSON (message number, monotonic time)."""
    arrivals: list[list[tuple[float, str]]] = [[] for _ in range(clients)]
    async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=0)) as session:
        started = time.monotonic()

        async def open_one() -> aiohttp.ClientWebSocketResponse:
            ws = await session.ws_connect(url, heartbeat=None, max_msg_size=0)
            await ws.send_str(json.dumps({"type": "join", "room": "lobby"}))
            while json.loads((await ws.receive()).data)["type"] != "joined":
                pass
            return ws

        sockets: list[aiohttp.ClientWebSocketResponse] = []
        for start in range(
            0, clients, 100
        ):  # in batches: a thousand handshakes at once only measure the backlog
            sockets += await asyncio.gather(*(open_one() for _ in range(start, min(clients, start + 100))))
        done = asyncio.Event()
        counted = [0]

        async def read(i: int, ws: aiohttp.ClientWebSocketResponse) -> None:
            async for frame in ws:
                # a message frame (not the history a join brings) of this run
                if (
                    frame.type == aiohttp.WSMsgType.TEXT
                    and MESSAGE.match(frame.data)
                    and '"bench ' in frame.data
                ):
                    arrivals[i].append((time.monotonic(), frame.data))
                    counted[0] += 1
                    if counted[0] == total * clients:
                        done.set()

        readers = [asyncio.create_task(read(i, ws)) for i, ws in enumerate(sockets)]
        print(f"ready {time.monotonic() - started:.3f}", flush=True)
        try:
            await asyncio.wait_for(done.wait(), timeout)
        except TimeoutError:
            pass
        for task in readers:
            task.cancel()
        await asyncio.gather(*(ws.close() for ws in sockets), return_exceptions=True)
    found = []
    for per_socket in arrivals:
        for at, raw in per_socket:
            data = json.loads(raw)
            if data.get("type") == "message":  # not the history frame a join may bring
                found.append((int(data["text"].split()[1]), at))
    print(json.dumps(found), flush=True)


async def fan_out(urls: list[str], clients: int, rate: float, seconds: float, processes: int) -> FanOut:
    """`clients` sockets (in `processes` client processes, on `urls` in turn) join the lobby; one
    more posts `rate` messages/s to the first url; the latency of each delivery, on the machine's
    monotonic clock."""
    url = urls[0]
    total = int(rate * seconds)
    shares = [clients // processes + (1 if i < clients % processes else 0) for i in range(processes)]
    workers = [
        await asyncio.create_subprocess_exec(
            sys.executable,
            __file__,
            LISTENERS,
            urls[i % len(urls)],
            str(n),
            str(total),
            str(seconds + 20),
            stdout=asyncio.subprocess.PIPE,
        )
        for i, n in enumerate(shares)
    ]
    ready = [(await w.stdout.readline()).decode() for w in workers]  # type: ignore[union-attr]
    if not all(line.startswith("ready") for line in ready):
        raise SystemExit(f"the client processes did not connect: {ready}")
    connect_s = max(float(line.split()[1]) for line in ready)
    async with aiohttp.ClientSession() as session:
        sender = await session.ws_connect(url, heartbeat=None)
        _, sent_at = await post_paced(sender, total, rate)
        outputs = [await w.communicate() for w in workers]
        await sender.close()
    latencies = [at - sent_at[number] for out, _ in outputs for number, at in json.loads(out)]
    return FanOut(
        clients,
        rate,
        total,
        len(latencies),
        total * clients,
        percentile(latencies, 0.5),
        percentile(latencies, 0.99),
        max(latencies) * 1000 if latencies else float("nan"),
        connect_s,
    )


if __name__ == "__main__" and len(sys.argv) > 1 and sys.argv[1] == LISTENERS:
    url, clients, total, timeout = sys.argv[2:6]
    asyncio.run(listeners(url, int(clients), int(total), float(timeout)))
