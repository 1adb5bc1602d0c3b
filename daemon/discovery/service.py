"""The discovery service: one crawl at a time, its record, the export, and the schedule.

A crawl runs as a background job (crawl_job.py) in whichever process runs jobs; `status` is
what this process knows of the crawl it runs itself.

One per daemon (`DISCOVERY`), made in the feature's cleanup context; `tunecamp discover` makes
its own. The seeds of a crawl are the settings' (TUNECAMP_FEDERATION_SEEDS), the Owner's (the
dashboard) and the servers of the fediverse accounts this instance federates with, which the
federation feature knows: `create_app` hands over a `SeedSource` that reads them, so this room
imports nothing of that one. Times come from `clock`, so tests can age an instance by days.
"""

from __future__ import annotations

import asyncio
import logging
import random
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from aiohttp import web

from tunecamp.daemon.db import Db
from tunecamp.daemon.discovery import store
from tunecamp.daemon.discovery.crawler import Crawler, Probe, Progress, Scope
from tunecamp.daemon.discovery.export import network_document, write_network
from tunecamp.daemon.discovery.fetch import Fetcher
from tunecamp.daemon.discovery.limits import DiscoverySettings
from tunecamp.daemon.discovery.protocol import origin_of
from tunecamp.daemon.outbound import Outbound

log = logging.getLogger("tunecamp.discovery")
SeedSource = Callable[[], Awaitable[list[str]]]
Clock = Callable[[], float]
OnExport = Callable[[], Awaitable[None]]
JITTER = 0.1  # of the interval, either way: instances started together do not crawl together


@dataclass(frozen=True)
class CrawlResult:
    requests: int
    reached: int
    failures: int
    dropped: int
    offline: int
    purged: int
    seconds: float
    probes: tuple[Probe, ...] = ()


@dataclass
class Status:
    """What the dashboard shows of the crawl running now."""

    running: bool = False
    trigger: str = ""
    probed: int = 0
    queued: int = 0
    last_error: str = ""


class Discovery:
    def __init__(
        self,
        db: Db,
        outbound: Outbound,
        settings: DiscoverySettings,
        data_dir: Path,
        *,
        clock: Clock = time.time,
        seed_source: SeedSource | None = None,
        on_export: OnExport | None = None,
    ) -> None:
        self.db, self.outbound, self.settings, self.data_dir = db, outbound, settings, data_dir
        self.clock = clock
        self.seed_source = seed_source
        self.on_export = on_export
        self.status = Status()
        self.version = package_version()
        self.sleep = asyncio.sleep  # the schedule's; tests count its delays instead of waiting
        self.generation = 0  # moves at every export: what /api/community/sites keeps is stale then
        self._lock = asyncio.Lock()

    async def seeds(self) -> list[str]:
        """Every seed origin: the settings', the Owner's, the federation's (minus this daemon's)."""
        found = list(self.settings.seeds)
        found += [row["origin"] for row in await self.db.run(store.seeds)]
        if self.seed_source is not None:
            try:
                found += [o for o in map(origin_of, await self.seed_source()) if o]
            except Exception:  # the federation's tables are a bonus; a crawl goes on without them
                log.exception("reading the federation's origins failed")
        own = set(self.settings.own)
        return [o for o in dict.fromkeys(found) if o not in own]

    async def crawl(self, trigger: str, progress: Progress | None = None) -> CrawlResult:
        async with self._lock:
            self.status = Status(running=True, trigger=trigger)
            try:
                return await self._crawl(trigger, progress)
            except Exception as exc:
                self.status.last_error = f"{type(exc).__name__}: {exc}"
                raise
            finally:
                self.status.running = False

    @property
    def busy(self) -> bool:
        return self._lock.locked()

    async def _crawl(self, trigger: str, progress: Progress | None) -> CrawlResult:
        limits, started = self.settings.limits, time.monotonic()
        now = self.clock()
        crawl_id = await self.db.run(lambda d: store.start_crawl(d, trigger, now))
        seeds = await self.seeds()
        known, blocked = await self.db.run(lambda d: (store.known(d), store.blocked(d)))
        scope = Scope(known, frozenset(blocked), frozenset(self.settings.own), now)
        fetcher = Fetcher(self.outbound, limits)
        tallies: list[store.Tally] = []

        async def record(level: list[Probe]) -> None:
            tallies.append(await self.db.run(lambda d: store.record(d, level, now, limits)))

        def seen(probe: Probe, queued: int) -> None:
            self.status.probed += 1
            self.status.queued = queued
            if progress is not None:
                progress(probe, queued)

        try:
            probes = await Crawler(fetcher, limits, scope).run(seeds, record, seen)
            offline, purged = await self.db.run(lambda d: store.sweep(d, now, limits))
            await self.export()
        except Exception as exc:  # the dashboard shows the crawl as stopped, and why
            failed = {"finished_at": self.clock(), "requests": fetcher.requests, "error": f"{exc}"[:500]}
            await self.db.run(lambda d: store.finish_crawl(d, crawl_id, failed))
            raise
        result = CrawlResult(
            requests=fetcher.requests,
            reached=sum(t.reached for t in tallies),
            failures=sum(t.failures for t in tallies),
            dropped=sum(t.dropped for t in tallies),
            offline=offline,
            purged=purged,
            seconds=time.monotonic() - started,
            probes=tuple(probes),
        )
        values: dict[str, Any] = {
            "finished_at": self.clock(),
            "requests": result.requests,
            "reached": result.reached,
            "failures": result.failures,
            "dropped": result.dropped,
            "purged": result.purged,
        }
        await self.db.run(lambda d: store.finish_crawl(d, crawl_id, values))
        log.info(
            "discovery crawl (%s): %d instances reached, %d failed, %d requests in %.1f s",
            trigger,
            result.reached,
            result.failures,
            result.requests,
            result.seconds,
        )
        return result

    async def export(self) -> bool:
        """Write network.json from the store; when it changed, tell the site (a rebuild)."""
        rows = await self.db.run(lambda d: store.instances(d, online_only=True))
        self.generation += 1
        changed = await asyncio.get_running_loop().run_in_executor(
            None, write_network, self.data_dir, network_document(rows)
        )
        if changed and self.on_export is not None:
            await self.on_export()
        return changed

    async def schedule(self, enqueue: Callable[[], Awaitable[object]]) -> None:
        """Queue a crawl every interval (with jitter), the first when the last crawl is that old.

        `enqueue` queues the "discovery.crawl" job (crawl_job.py) that whichever process runs
        jobs takes; a crawl started meanwhile elsewhere (another web process's schedule, the
        dashboard) puts the next one off instead.
        """
        interval = self.settings.interval
        delay = max(60.0, interval - await self._since_last())  # a restart does not crawl again at once
        while True:
            await self.sleep(delay * (1 + random.uniform(-JITTER, JITTER)))
            since = await self._since_last()
            if since < interval / 2:
                delay = max(60.0, interval - since)
                continue
            try:
                await enqueue()
            except Exception:  # the queue's store is down: the next turn tries again
                log.exception("the discovery crawl could not be queued")
            delay = interval

    async def _since_last(self) -> float:
        last = await self.db.run(lambda d: store.crawls(d, 1))
        return self.clock() - (last[0]["started_at"] if last else 0.0)


def package_version() -> str:
    from importlib import metadata

    try:
        return metadata.version("tunecamp")
    except metadata.PackageNotFoundError:
        return "0"


DISCOVERY_KEY = web.AppKey("discovery", Discovery)
