"""Benchmark: 500 concurrent HLS listeners of one live broadcast (one ffmpeg), latency and CPU.

    .venv/bin/python bench/live.py [--listeners 500] [--seconds 20]

Starts `tunecamp serve` on a throwaway folder, signs in an artist's account, starts a broadcast
and feeds it a webm/opus stream in real time (one chunk a second, as a browser does). Then N
listeners, each with its own listener id, behave as players do: reload the playlist every target
duration (2 s) and fetch each new segment once. Measured: p50/p99 latency of the playlist and of
the segments, the daemon's CPU and its ffmpeg's (from /proc), and the listener count the daemon
reports. The baseline, in the same run and against the same daemon, is the same load on two static
files of the same sizes in public/ (aiohttp's FileResponse): the ratio is the figure to compare.
The load client shares the machine's cores with the daemon.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

import aiohttp
from load import (  # bench/ is on sys.path: this file runs as a script
    cpu_seconds,
    free_port,
    percentile,
    wait_ready,
)

from tunecamp.generator.media.ffmpeg import ffmpeg_path

PASSWORD = "benchmark password"


def children(pid: int) -> list[int]:
    found = []
    for task in Path(f"/proc/{pid}/task").iterdir():
        found += [int(c) for c in (task / "children").read_text().split()]
    return found


@dataclass
class Timings:
    playlist: list[float] = field(default_factory=list)
    segment: list[float] = field(default_factory=list)
    errors: int = 0


async def listener(
    session: aiohttp.ClientSession, playlist: str, ident: str, until: float, timings: Timings
) -> None:
    seen: set[str] = set()
    base = playlist.rsplit("/", 1)[0]
    await asyncio.sleep((hash(ident) % 2000) / 1000)  # players do not start in step
    while time.perf_counter() < until:
        start = time.perf_counter()
        async with session.get(playlist, params={"listener": ident}) as response:
            text = await response.text()
            timings.errors += response.status != 200
        timings.playlist.append(time.perf_counter() - start)
        for name in [line for line in text.splitlines() if line and not line.startswith("#")][-2:]:
            if name in seen:
                continue
            seen.add(name)
            start = time.perf_counter()
            async with session.get(f"{base}/{name}") as response:
                await response.read()
                timings.errors += response.status != 200
            timings.segment.append(time.perf_counter() - start)
        await asyncio.sleep(2.0)


async def feed(
    base: str, headers: dict[str, str], session_id: str, stream: bytes, stop: asyncio.Event
) -> None:
    pieces = [stream[i : i + len(stream) // 120] for i in range(0, len(stream), len(stream) // 120)]
    async with aiohttp.ClientSession(headers=headers) as http:
        for seq, piece in enumerate(pieces):  # 120 s of audio in 120 chunks: real time
            if stop.is_set():
                return
            url = f"{base}/api/live/sessions/{session_id}/chunks?seq={seq}"
            async with http.post(url, data=piece) as response:
                assert response.status == 200, await response.text()
            await asyncio.sleep(1.0)


async def load(base: str, playlist: str, listeners: int, seconds: float) -> Timings:
    timings = Timings()
    until = time.perf_counter() + seconds
    connector = aiohttp.TCPConnector(limit=listeners)
    async with aiohttp.ClientSession(connector=connector) as session:
        await asyncio.gather(
            *(listener(session, playlist, f"bench-{n:06d}", until, timings) for n in range(listeners))
        )
    return timings


def report(name: str, t: Timings, cpu: float, seconds: float) -> tuple[float, float]:
    p99 = max(percentile(t.playlist, 0.99), percentile(t.segment, 0.99))
    print(
        f"{name:<28} playlist p50 {percentile(t.playlist, 0.5):6.1f} ms p99 {percentile(t.playlist, 0.99):6.1f} ms"
        f" | segment p50 {percentile(t.segment, 0.5):6.1f} ms p99 {percentile(t.segment, 0.99):6.1f} ms"
        f" | {len(t.playlist) + len(t.segment)} requests, {t.errors} errors | daemon CPU {100 * cpu / seconds:5.1f} %"
    )
    return p99, cpu / seconds


async def main(listeners: int, seconds: float) -> None:
    with tempfile.TemporaryDirectory() as folder:
        tmp = Path(folder)
        content, public, data = tmp / "content", tmp / "public", tmp / "data"
        (content / "artists" / "bench").mkdir(parents=True)
        (content / "catalog.yaml").write_text("title: Bench\nbase_url: http://127.0.0.1\n")
        stream_file = tmp / "stream.webm"
        subprocess.run(
            [ffmpeg_path(), "-v", "error", "-f", "lavfi", "-i", "sine=frequency=440:duration=120",
             "-c:a", "libopus", "-b:a", "96k", "-f", "webm", "-live", "1", str(stream_file)], check=True,
        )  # fmt: skip
        env = {
            **os.environ,
            "TUNECAMP_DATA_DIR": str(data),
            "TUNECAMP_BCRYPT_ROUNDS": "4",
            "TUNECAMP_LOG_LEVEL": "warning",
        }
        env.pop("SENTRY_DSN", None)
        cli = [sys.executable, "-c", "from tunecamp.daemon.cli import main; main()"]
        subprocess.run([*cli, "user", "add", "bench", "--artist", "bench", "-c", str(content)],
                       input=PASSWORD + "\n", text=True, env=env, check=True, capture_output=True)  # fmt: skip
        port = free_port()
        base = f"http://127.0.0.1:{port}"
        public.mkdir()
        (public / "index.html").write_text("<h1>bench</h1>")
        daemon = subprocess.Popen(
            [*cli, "serve", "--no-build", "--no-watch", "-c", str(content), "--public", str(public),
             "--port", str(port)], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )  # fmt: skip
        try:
            wait_ready(f"{base}/health", 30)
            async with aiohttp.ClientSession() as http:
                r = await http.post(
                    f"{base}/api/auth/login", json={"username": "bench", "password": PASSWORD}
                )
                headers = {"Authorization": f"Bearer {(await r.json())['token']}"}
                r = await http.post(f"{base}/api/live/sessions", json={"title": "Bench"}, headers=headers)
                live = await r.json()
            stop = asyncio.Event()
            feeder = asyncio.create_task(feed(base, headers, live["id"], stream_file.read_bytes(), stop))
            await asyncio.sleep(7)  # three segments in the playlist
            async with aiohttp.ClientSession() as http:
                text = await (await http.get(live["playlist"])).text()
                segment = [line for line in text.splitlines() if line.endswith(".ts")][-1]
                body = await (await http.get(f"{live['playlist'].rsplit('/', 1)[0]}/{segment}")).read()
            (public / "static").mkdir()
            (public / "static" / "index.m3u8").write_text(text)
            for line in text.splitlines():
                if line.endswith(".ts"):
                    (public / "static" / line).write_bytes(body)
            ffmpeg = children(daemon.pid)[0]

            results = {}
            for name, url in (
                ("static files (baseline)", f"{base}/static/index.m3u8"),
                ("live HLS", live["playlist"]),
            ):
                before, ff_before = cpu_seconds(daemon.pid), cpu_seconds(ffmpeg)
                started = time.perf_counter()
                timings = await load(base, url, listeners, seconds)
                elapsed = time.perf_counter() - started
                results[name] = report(name, timings, cpu_seconds(daemon.pid) - before, elapsed)
                ff = (cpu_seconds(ffmpeg) - ff_before) / elapsed
            async with aiohttp.ClientSession() as http:
                status = await (await http.get(f"{base}/api/live/status", params={"artist": "bench"})).json()
            stop.set()
            await feeder
            live_p99, live_cpu = results["live HLS"]
            base_p99, base_cpu = results["static files (baseline)"]
            print(f"ffmpeg (one encoder) CPU {100 * ff:.1f} % during the live run")
            print(f"listeners the daemon counted: {status['listeners']} (of {listeners})")
            print(f"live p99 {live_p99:.1f} ms = {live_p99 / base_p99:.2f}× the static baseline's {base_p99:.1f} ms;"
                  f" daemon CPU {live_cpu / base_cpu:.2f}× the baseline's; target p99 < 50 ms:"
                  f" {'met' if live_p99 < 50 else 'NOT met'}")  # fmt: skip
        finally:
            daemon.terminate()
            daemon.wait(15)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--listeners", type=int, default=500)
    parser.add_argument("--seconds", type=float, default=20.0)
    args = parser.parse_args()
    asyncio.run(main(args.listeners, args.seconds))
