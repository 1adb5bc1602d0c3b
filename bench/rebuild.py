"""Benchmark: how soon a rebuild request starts its build, now that it is a "site.rebuild" job.

    .venv/bin/python bench/rebuild.py [--requests 20] [--no-redis]

A request (`BuildManager.request`, what *Rebuild now* calls) books a row and queues a job; the
job's handler claims the row and starts the worker process. Measured: from the request to the
first instruction of the worker process, for `tunecamp serve` alone on SQLite (its consumer is
woken by the enqueue), for a web app that only queues and a worker app on SQLite (the worker sees
the job at its next poll, TUNECAMP_JOBS_POLL, 1 s) and on Redis (a worker blocks on the queue).
The worker process is a bare `python -c` that notes the time, so its own start (printed, the
floor) is inside each number and the build itself is not. The apps are `create_app`'s; Redis runs
on a redis-server started on a loopback port (bench/jobs.py's).
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import tempfile
import time
from dataclasses import replace
from pathlib import Path

from aiohttp import web
from jobs import redis_server  # bench/ is on sys.path: this file runs as a script

from tunecamp.daemon.app import create_app
from tunecamp.daemon.config import DaemonConfig
from tunecamp.daemon.site.manager import MANAGER

STARTED = "import pathlib, sys, time; pathlib.Path(sys.argv[1]).write_text(repr(time.time()))"


async def app_of(config: DaemonConfig, marker: Path) -> web.AppRunner:
    app = create_app(config)
    runner = web.AppRunner(app)
    await runner.setup()  # resources and consumers, no socket: as `tunecamp worker` runs
    # the worker process notes when it runs, and builds nothing
    app[MANAGER].command = lambda index_only, if_changed=False: [sys.executable, "-c", STARTED, str(marker)]  # type: ignore[method-assign]
    return runner


async def measure(folder: Path, split: bool, redis_url: str, requests: int) -> list[float]:
    for name in ("content", "public"):
        (folder / name).mkdir(parents=True, exist_ok=True)
    config = DaemonConfig(
        content_dir=folder / "content",
        public_dir=folder / "public",
        data_dir=folder / "data",
        build_on_start=False,
        watch=False,
        redis_url=redis_url,
    )
    marker = folder / "started"
    runners = [await app_of(replace(config, jobs_in_process="off" if split else "auto"), marker)]
    if split:
        runners.append(await app_of(replace(config, jobs_in_process="on"), marker))
    manager = runners[0].app[MANAGER]
    waits = []
    try:
        for i in range(requests):
            marker.unlink(missing_ok=True)
            asked = time.time()
            await manager.request(f"request {i}")
            while not marker.exists() or not marker.read_text():
                await asyncio.sleep(0.002)
            waits.append(float(marker.read_text()) - asked)
            await manager.wait_idle()
    finally:
        for runner in runners:
            await runner.cleanup()
    return waits


async def floor(folder: Path) -> float:
    marker = folder / "floor"
    started = time.time()
    process = await asyncio.create_subprocess_exec(sys.executable, "-c", STARTED, str(marker))
    await process.wait()
    return float(marker.read_text()) - started


def report(name: str, waits: list[float]) -> None:
    median, worst = statistics.median(waits) * 1000, max(waits) * 1000
    print(f"  {name:<34} median {median:6.0f} ms   max {worst:6.0f} ms")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--requests", type=int, default=20)
    parser.add_argument("--no-redis", action="store_true")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="tunecamp-bench-rebuild-") as tmp:
        root = Path(tmp)
        print(f"request -> worker process running, {args.requests} requests each")
        print(f"  {'a bare python start (the floor)':<34} {asyncio.run(floor(root)) * 1000:6.0f} ms")
        report("serve alone, SQLite", asyncio.run(measure(root / "a", False, "", args.requests)))
        report("web + worker, SQLite (poll 1 s)", asyncio.run(measure(root / "b", True, "", args.requests)))
        if not args.no_redis:
            with redis_server(root) as url:
                report("web + worker, Redis", asyncio.run(measure(root / "c", True, url, args.requests)))


if __name__ == "__main__":
    main()
