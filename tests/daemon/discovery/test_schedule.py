"""The settings of discovery, and the background crawl's schedule."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import replace
from typing import Any

import pytest
from waiting import until

from tunecamp.daemon.appkeys import DB
from tunecamp.daemon.config import ConfigError, DaemonConfig
from tunecamp.daemon.discovery import store
from tunecamp.daemon.discovery.crawl_job import KIND, queue_crawl
from tunecamp.daemon.discovery.limits import DiscoverySettings, Limits
from tunecamp.daemon.jobs import JOBS

from .conftest import Start


@pytest.mark.parametrize(
    ("name", "value", "says"),
    [
        ("TUNECAMP_FEDERATION_SEEDS", "https://a.example, music.example", "'music.example' is not an origin"),
        ("TUNECAMP_FEDERATION_SEEDS", "https://a.example/path", "is not an origin"),
        ("TUNECAMP_DISCOVERY_INTERVAL", "5", "TUNECAMP_DISCOVERY_INTERVAL=5"),
        ("TUNECAMP_DISCOVERY_INTERVAL", "often", "TUNECAMP_DISCOVERY_INTERVAL='often'"),
    ],
)
def test_bad_settings_name_their_variable(name: str, value: str, says: str) -> None:
    with pytest.raises(ConfigError, match=says):
        DaemonConfig.from_env({name: value})


def test_the_seeds_are_origins_and_the_daemon_never_its_own() -> None:
    config = DaemonConfig.from_env(
        {
            "TUNECAMP_FEDERATION_SEEDS": "https://A.example/, https://a.example:443,http://b.example:8080",
            "TUNECAMP_PUBLIC_URL": "https://me.example/",
            "TUNECAMP_DISCOVERY_INTERVAL": "0",
        }
    )
    settings = DiscoverySettings.from_config(config)
    assert settings.seeds == ("https://a.example", "http://b.example:8080")
    assert settings.own == ("https://me.example",) and settings.interval == 0
    assert Limits().backoff(1) == 3600 and Limits().backoff(3) == 4 * 3600 and Limits().backoff(9) == 86400


async def test_the_schedule_crawls_every_interval_with_jitter_and_not_again_at_a_restart(
    daemons: Start,
) -> None:
    a, _b = await daemons(["a", "b"])
    discovery = a.discovery
    interval = 6 * 3600
    discovery.settings = replace(discovery.settings, interval=float(interval))
    now = [1_800_000_000.0]
    discovery.clock = lambda: now[0]
    delays: list[float] = []

    async def queue() -> bool:
        return await queue_crawl(a.app, "schedule")

    async def crawls_done(count: int) -> None:
        async def done() -> bool:
            rows = await a.app[DB].run(lambda d: store.crawls(d))
            return len(rows) == count and all(r["finished_at"] for r in rows)

        await until(done, f"crawl {count}")

    async def sleep(seconds: float) -> None:
        delays.append(seconds)
        if len(delays) > 1:  # the crawl queued before this sleep runs as a job: its turn first
            await crawls_done(len(delays) - 1)
        now[0] += seconds
        if len(delays) == 3:
            raise asyncio.CancelledError

    discovery.sleep = sleep
    with pytest.raises(asyncio.CancelledError):
        await discovery.schedule(queue)
    first, second, third = delays
    assert 54 <= first <= 66  # never crawled: a minute after the start
    assert all(0.9 * interval <= d <= 1.1 * interval for d in (second, third))
    crawls = await a.app[DB].run(lambda d: store.crawls(d))
    assert [c["trigger"] for c in crawls] == ["schedule", "schedule"]
    assert crawls[0]["reached"] == 1

    # a restart an hour after the last crawl waits for the rest of the interval
    now[0] = crawls[0]["started_at"] + 3600
    delays.clear()

    async def counted(seconds: float) -> None:
        delays.append(seconds)
        raise asyncio.CancelledError

    discovery.sleep = counted
    with pytest.raises(asyncio.CancelledError):
        await discovery.schedule(queue)
    assert 0.9 * (interval - 3600) <= delays[0] <= 1.1 * (interval - 3600)


async def test_two_processes_schedules_crawl_once(daemons: Start) -> None:
    """Every web process keeps a schedule: one that wakes just after another's crawl does not crawl."""
    a, _b = await daemons(["a", "b"])
    discovery = a.discovery
    interval = 6 * 3600
    discovery.settings = replace(discovery.settings, interval=float(interval))
    now = [1_800_000_000.0]
    discovery.clock = lambda: now[0]

    async def crawls() -> list[dict[str, Any]]:
        return await a.app[DB].run(lambda d: store.crawls(d))

    async def idle() -> bool:
        counts = (await a.app[JOBS].counts()).get(KIND)
        return counts is not None and counts.queued == counts.running == 0

    delays: list[float] = []

    async def sleep(seconds: float) -> None:
        delays.append(seconds)
        if len(delays) > 1:
            raise asyncio.CancelledError
        # meanwhile the other process's schedule queued its crawl, which ran
        assert await queue_crawl(a.app, "schedule")
        await until(lambda: _finished(crawls), "the other process's crawl")
        now[0] += 5

    discovery.sleep = sleep
    with pytest.raises(asyncio.CancelledError):
        await discovery.schedule(lambda: queue_crawl(a.app, "schedule"))
    assert len(await crawls()) == 1 and await idle()
    assert 0.9 * (interval - 5) <= delays[1] <= 1.1 * (interval - 5)  # the next turn: a whole interval on

    # and a scheduled crawl queued just after one ran (the race the check above leaves) does nothing
    assert await queue_crawl(a.app, "schedule")
    await until(idle, "the scheduled crawl job to end")
    assert len(await crawls()) == 1


async def _finished(crawls: Callable[[], Awaitable[list[dict[str, Any]]]]) -> bool:
    rows = await crawls()
    return bool(rows) and all(r["finished_at"] for r in rows)


async def test_a_crawl_that_stops_says_why(daemons: Start) -> None:
    a, _b = await daemons(["a", "b"])

    async def broken() -> None:
        raise RuntimeError("the build manager is gone")

    a.discovery.on_export = broken
    with pytest.raises(RuntimeError):
        await a.discovery.crawl("test")
    [crawl] = await a.app[DB].run(lambda d: store.crawls(d))
    assert crawl["error"] == "the build manager is gone" and crawl["requests"] == 5
    assert a.discovery.status.last_error == "RuntimeError: the build manager is gone"
    assert not a.discovery.busy
