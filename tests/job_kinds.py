"""Kinds of jobs for the job queue's tests: a tiny feature, and an app factory for `tunecamp worker --app`.

The handlers act on files of the data folder, so a test and a worker process see the same: each
attempt appends a line to `jobs.log` ("start KEY PID", "done KEY PID"); a `test.block` job waits
until `release` exists; a `test.flaky` job fails (`Retry`, `Fail`, or an exception, as its payload
says) on its first `fail` attempts, unless `fixed` exists.
"""

from __future__ import annotations

import asyncio
import os
from collections.abc import Awaitable, Callable, Mapping
from pathlib import Path
from typing import Any

from aiohttp import web

from tunecamp.daemon.accounts import feature as accounts
from tunecamp.daemon.app import create_app
from tunecamp.daemon.appkeys import CONFIG
from tunecamp.daemon.config import DaemonConfig
from tunecamp.daemon.jobqueue import feature as jobqueue
from tunecamp.daemon.jobs import Fail, Job, Kind, Policy, Retry, register

POLICIES: Mapping[str, Policy] = {
    "test.record": Policy(retries=3, backoff=0.05),
    "test.block": Policy(retries=5, backoff=0.05, heartbeat=2.0, timeout=120.0),
    "test.flaky": Policy(retries=3, backoff=0.05),
    "test.slow_backoff": Policy(retries=8, backoff=1000.0),
    "test.give_up": Policy(retries=100, backoff=0.1, give_up_after=0.5),
}


def log_line(data: Path, line: str) -> None:
    with (data / "jobs.log").open("a") as f:
        f.write(f"{line}\n")


def lines(data: Path) -> list[list[str]]:
    path = data / "jobs.log"
    return [line.split() for line in path.read_text().splitlines()] if path.is_file() else []


async def eventually(check: Callable[[], Awaitable[Any]], timeout: float = 60.0) -> Any:
    """Wait (generously: the machine is shared) until `check()` is truthy; its value."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while True:
        value = await check()
        if value:
            return value
        last = value
        if loop.time() > deadline:
            raise AssertionError(f"still not so after {timeout} s: {check.__name__} (last: {last!r})")
        await asyncio.sleep(0.05)


def feature(app: web.Application) -> None:
    def data() -> Path:
        return app[CONFIG].data_dir

    async def record(job: Job) -> None:
        log_line(data(), f"done {job.key} {os.getpid()} {job.attempts}")

    async def block(job: Job) -> None:
        log_line(data(), f"start {job.key} {os.getpid()} {job.attempts}")
        while not (data() / "release").exists():
            await asyncio.sleep(0.05)
        log_line(data(), f"done {job.key} {os.getpid()} {job.attempts}")

    async def flaky(job: Job) -> None:
        log_line(data(), f"start {job.key} {os.getpid()} {job.attempts}")
        payload: dict[str, Any] = dict(job.payload)
        if job.attempts < payload.get("fail", 0) and not (data() / "fixed").exists():
            how = payload.get("how", "error")
            if how == "retry":
                raise Retry("the remote said later", delay=payload.get("delay"))
            if how == "fail":
                raise Fail("410 Gone: no use trying again")
            raise RuntimeError("boom")
        log_line(data(), f"done {job.key} {os.getpid()} {job.attempts}")

    handlers = {
        "test.record": record,
        "test.block": block,
        "test.flaky": flaky,
        "test.slow_backoff": flaky,
        "test.give_up": flaky,
    }
    for name, handler in handlers.items():
        register(app, Kind(name, handler, POLICIES[name], concurrency=4))


def create(config: DaemonConfig) -> web.Application:
    """The app of the job tests: the job queue, signing in (for the dashboard) and the test kinds."""
    return create_app(config, features=(jobqueue.setup, accounts.setup, feature))
