"""The settings of discovery, and the background crawl's schedule."""

from __future__ import annotations

import asyncio
from dataclasses import replace

import pytest

from tunecamp.daemon.appkeys import DB
from tunecamp.daemon.config import ConfigError, DaemonConfig
from tunecamp.daemon.discovery import store
from tunecamp.daemon.discovery.limits import DiscoverySettings, Limits

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

    async def sleep(seconds: float) -> None:
        delays.append(seconds)
        now[0] += seconds
        if len(delays) == 3:
            raise asyncio.CancelledError

    discovery.sleep = sleep
    with pytest.raises(asyncio.CancelledError):
        await discovery.schedule()
    first, second, third = delays
    assert 54 <= first <= 66  # never crawled: a minute after the start
    assert all(0.9 * interval <= d <= 1.1 * interval for d in (second, third))
    crawls = await a.app[DB].run(lambda d: store.crawls(d))
    assert [c["trigger"] for c in crawls] == ["schedule", "schedule"]
    assert crawls[0]["reached"] == 1

    # a restart an hour after the last crawl waits for the rest of the interval
    now[0] = crawls[0]["started_at"] + 3600
    delays.clear()
    discovery.sleep = sleep
    with pytest.raises(asyncio.CancelledError):
        delays.extend([0.0, 0.0])  # the third call cancels: only the first delay is looked at
        await discovery.schedule()
    assert 0.9 * (interval - 3600) <= delays[2] <= 1.1 * (interval - 3600)


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
