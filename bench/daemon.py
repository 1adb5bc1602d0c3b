"""Benchmark: requests/s and latency of the daemon, against a bare aiohttp hello-world.

    .venv/bin/python bench/daemon.py [--duration 3] [--concurrency 1,32,128] [--write docs/performance.md]

Starts `tunecamp serve` (logging every request, as in production) on a throwaway data folder
and a bare aiohttp app, both as separate processes on 127.0.0.1, then drives each with N
concurrent keep-alive connections from this process for a fixed time: /health (a database
round trip), an authenticated JSON call (JWT check + user lookup), and a static file (10 KB).
Absolute numbers depend on the machine (and the load client shares it); the ratio to the
hello-world, measured in the same run, is the figure to compare.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import platform
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import aiohttp
from load import (  # bench/ is on sys.path: this file runs as a script
    Result,
    free_port,
    hello_world,
    measure,
    wait_ready,
    write_section,
)

PASSWORD = "benchmark password"
NOTE = """Numbers from `bench/daemon.py` (see its docstring for what is measured): the daemon against a bare
aiohttp hello-world in the same run, the load client on the same two cores. The ratio is the figure;
absolute numbers move with the machine. What the daemon adds per request: four middlewares (the timer,
errors, authentication, the role check), one JSON log line, and for `/health` a round trip to the database
thread, for `/api/auth/me` a JWT check plus a user lookup on that thread, for static files the path
checks (`realpath` against symlinks out of `public/`) and aiohttp's `FileResponse` (a thread hop to
open the file, then `sendfile`). Static files are the slowest path here; in production a CDN serves
them (see deploy.md) and the daemon only takes the dynamic traffic."""


@contextmanager
def servers(tmp: Path) -> Iterator[tuple[str, str]]:
    (tmp / "content").mkdir()
    public = tmp / "public"
    public.mkdir()
    (public / "index.html").write_text("<h1>bench</h1>")
    (public / "404.html").write_text("<h1>404</h1>")
    (public / "file.bin").write_bytes(os.urandom(10 * 1024))
    env = {**os.environ, "TUNECAMP_DATA_DIR": str(tmp / "data"), "TUNECAMP_BCRYPT_ROUNDS": "4"}
    env.pop("SENTRY_DSN", None)
    tunecamp = [sys.executable, "-c", "from tunecamp.daemon.cli import main; main()"]
    subprocess.run([*tunecamp, "user", "add", "bench", "--role", "listener", "--password-stdin"],
                   input=f"{PASSWORD}\n".encode(), env=env, check=True, capture_output=True)  # fmt: skip
    daemon_port = free_port()
    daemon = subprocess.Popen(
        [*tunecamp, "serve", "--no-build", "--content", str(tmp / "content"), "--public", str(public),
         "--port", str(daemon_port)],
        env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    try:
        daemon_url = f"http://127.0.0.1:{daemon_port}"
        wait_ready(f"{daemon_url}/health", timeout=30)
        with hello_world() as (hello_url, _):
            yield daemon_url, hello_url
    finally:
        daemon.terminate()
        daemon.wait(timeout=60)


async def login(base: str) -> str:
    async with aiohttp.ClientSession() as session:
        r = await session.post(f"{base}/api/auth/login", json={"username": "bench", "password": PASSWORD})
        r.raise_for_status()
        return str((await r.json())["token"])


async def run(seconds: float, levels: list[int]) -> list[Result]:
    results = []
    with tempfile.TemporaryDirectory() as tmp, servers(Path(tmp)) as (daemon, hello):
        token = await login(daemon)
        targets = [
            ("hello-world (bare aiohttp)", f"{hello}/", {}),
            ("/health", f"{daemon}/health", {}),
            ("GET /api/auth/me (Bearer)", f"{daemon}/api/auth/me", {"Authorization": f"Bearer {token}"}),
            ("static file (10 KB)", f"{daemon}/file.bin", {}),
        ]
        for concurrency in levels:
            for name, url, headers in targets:
                result = await measure(name, [url], concurrency, seconds, headers)
                results.append(result)
                print(f"{name:30} c={concurrency:<4} {result.rps:8.0f} req/s  p50 {result.p50_ms:7.2f} ms  "
                      f"p99 {result.p99_ms:7.2f} ms  errors {result.errors}", file=sys.stderr)  # fmt: skip
    return results


def table(results: list[Result], seconds: float) -> str:
    hello = {r.concurrency: r.rps for r in results if r.target.startswith("hello")}
    lines = [
        f"Measured {time.strftime('%Y-%m-%d')} on {platform.machine()}, {os.cpu_count()} cores shared with "
        f"the load client, Python {platform.python_version()}, {seconds:g} s per cell.",
        "",
        "| Target | Connections | Requests/s | p50 ms | p99 ms | vs hello-world |",
        "| --- | --- | --- | --- | --- | --- |",
    ]
    for r in results:
        ratio = r.rps / hello[r.concurrency] if hello.get(r.concurrency) else float("nan")
        lines.append(f"| {r.target} | {r.concurrency} | {r.rps:,.0f} | {r.p50_ms:.2f} | {r.p99_ms:.2f} | "
                     f"{ratio:.2f}× |" + (f" ({r.errors} errors)" if r.errors else ""))  # fmt: skip
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--duration", type=float, default=3.0, help="seconds per measurement")
    parser.add_argument("--concurrency", default="1,32,128", help="comma-separated connection counts")
    parser.add_argument("--write", type=Path, help="update the Daemon section of this Markdown file")
    args = parser.parse_args()
    levels = [int(c) for c in args.concurrency.split(",")]
    results = asyncio.run(run(args.duration, levels))
    body = table(results, args.duration)
    print(body)
    if args.write:
        write_section(args.write, "Daemon", "bench/daemon.py", body, note=NOTE)


if __name__ == "__main__":
    main()
