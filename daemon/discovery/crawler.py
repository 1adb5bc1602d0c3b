"""One crawl: breadth first from the seeds, level by level, within the limits.

Level by level, so each origin is reached at its shortest distance from the seeds (a seed is
depth 1) and the peers of an instance at `max_depth` are not followed. The instances known from
earlier crawls are asked again at their depth; an origin is probed at most once per crawl;
blocked origins and this daemon's own are never probed; an instance in backoff after failures
is skipped. Probing one origin:

1. its NodeInfo (the link of /.well-known/nodeinfo on the same origin, else /nodeinfo/2.1):
   only `software.name == "tunecamp"` counts; another name drops it;
2. /api/community/instance, what it says of itself;
3. /api/community/peers, the origins of the next level;
4. its catalog: `catalogUrl` when it gives one (ours: the static catalog.json), else the Node
   server's /api/catalog, asked with the validators of the last answer (304: unchanged).

A failure at 1 fails the probe; at 2–4 it loses only that part (a stale catalog is kept).
The crawler only reads the network: what it found is handed to `record` after each level.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass, field
from typing import Literal

from tunecamp.daemon.discovery.catalogs import Catalog, NotACatalog, read_catalog
from tunecamp.daemon.discovery.fetch import Fetcher, FetchError, parse_json
from tunecamp.daemon.discovery.limits import Limits
from tunecamp.daemon.discovery.protocol import (
    InstanceInfo,
    Software,
    instance_of,
    nodeinfo_link,
    peers_of,
    software_of,
    text_in,
)

Outcome = Literal["instance", "not_tunecamp", "failed", "skipped"]


@dataclass(frozen=True)
class Known:
    """What the store knows of an instance before the crawl."""

    catalog_url: str = ""
    etag: str = ""
    modified: str = ""
    next_try: float = 0.0
    depth: int = 1


@dataclass(frozen=True)
class CatalogAnswer:
    url: str
    state: Literal["fresh", "unchanged", "failed"]
    catalog: Catalog | None = None
    etag: str = ""
    modified: str = ""
    error: str = ""


@dataclass(frozen=True)
class Probe:
    origin: str
    depth: int
    outcome: Outcome
    software: Software = field(default_factory=lambda: Software("", ""))
    info: InstanceInfo = field(default_factory=InstanceInfo)
    peers: tuple[str, ...] = ()
    catalog: CatalogAnswer | None = None
    error: str = ""


@dataclass(frozen=True)
class Scope:
    """Where a crawl may go: what it knows, must avoid, and the time it runs at."""

    known: dict[str, Known] = field(default_factory=dict)
    blocked: frozenset[str] = frozenset()
    own: frozenset[str] = frozenset()
    now: float = 0.0


Record = Callable[[list[Probe]], Awaitable[None]]
Progress = Callable[[Probe, int], None]  # each probe done, with the origins queued so far


class Crawler:
    def __init__(self, fetcher: Fetcher, limits: Limits, scope: Scope) -> None:
        self.fetch = fetcher
        self.limits = limits
        self.scope = scope
        self.queued = 0  # origins admitted so far, for the progress

    async def run(
        self, seeds: Iterable[str], record: Record, progress: Progress | None = None
    ) -> list[Probe]:
        seen = set(self.scope.blocked) | set(self.scope.own)
        # the instances known from earlier crawls are asked again at their depth, after what the
        # gossip reaches (a shorter path wins): one whose only lister is down is not lost at once
        again: dict[int, list[str]] = {}
        for origin in sorted(self.scope.known):
            depth = min(max(self.scope.known[origin].depth, 1), self.limits.max_depth)
            again.setdefault(depth, []).append(origin)
        frontier = self._admit([*seeds, *again.get(1, [])], seen, self.limits.max_instances)
        self.queued, probes = len(frontier), []
        for depth in range(1, self.limits.max_depth + 1):
            level = list(await asyncio.gather(*(self._probe_counted(o, depth, progress) for o in frontier)))
            if level:
                probes += level
                await record(level)
            found = [p for probe in level if probe.outcome == "instance" for p in probe.peers]
            if depth < self.limits.max_depth:
                room = self.limits.max_instances - self.queued
                frontier = self._admit([*found, *again.get(depth + 1, [])], seen, room)
                self.queued += len(frontier)
        return probes

    @staticmethod
    def _admit(origins: Iterable[str], seen: set[str], room: int) -> list[str]:
        admitted: list[str] = []
        for origin in origins:
            if len(admitted) >= room:
                break
            if origin not in seen:
                seen.add(origin)
                admitted.append(origin)
        return admitted

    async def _probe_counted(self, origin: str, depth: int, progress: Progress | None) -> Probe:
        probe = await self.probe(origin, depth)
        if progress is not None:
            progress(probe, self.queued)
        return probe

    async def probe(self, origin: str, depth: int) -> Probe:
        known = self.scope.known.get(origin)
        if known is not None and known.next_try > self.scope.now:
            return Probe(origin, depth, "skipped", error="backing off after failures")
        try:
            software = software_of(await self.fetch.json(await self._nodeinfo_url(origin)))
        except FetchError as exc:
            return Probe(origin, depth, "failed", error=exc.reason)
        if not software.tunecamp:
            return Probe(origin, depth, "not_tunecamp", software, error=f"software is {software.name!r}")
        errors: list[str] = []
        info, peers = await asyncio.gather(self._instance(origin, errors), self._peers(origin, errors))
        catalog = await self._catalog(origin, info, known or Known())
        if catalog.error:
            errors.append(catalog.error)
        return Probe(origin, depth, "instance", software, info, peers, catalog, "; ".join(errors))

    async def _nodeinfo_url(self, origin: str) -> str:
        fallback = f"{origin}/nodeinfo/2.1"
        try:
            answer = await self.fetch.get(f"{origin}/.well-known/nodeinfo", self.limits.json_bytes)
            return nodeinfo_link(parse_json(answer), origin) or fallback
        except FetchError as exc:
            if exc.status is None and exc.reason != "not valid JSON":
                raise  # no answer at all (refused, timed out, too big): the fallback would fare no better
            return fallback

    async def _instance(self, origin: str, errors: list[str]) -> InstanceInfo:
        try:
            return instance_of(await self.fetch.json(f"{origin}/api/community/instance"), origin)
        except FetchError as exc:
            errors.append(f"instance: {exc.reason}")
            return InstanceInfo()

    async def _peers(self, origin: str, errors: list[str]) -> tuple[str, ...]:
        try:
            return tuple(
                peers_of(await self.fetch.json(f"{origin}/api/community/peers"), self.limits.max_peers)
            )
        except (FetchError, ValueError) as exc:
            errors.append(f"peers: {exc.reason if isinstance(exc, FetchError) else exc}")
            return ()

    async def _catalog(self, origin: str, info: InstanceInfo, known: Known) -> CatalogAnswer:
        url = info.catalog_url or f"{origin}/api/catalog"
        headers = {}
        if known.catalog_url == url:  # the validators belong to that URL's last answer
            if known.etag:
                headers["If-None-Match"] = known.etag
            if known.modified:
                headers["If-Modified-Since"] = known.modified
        try:
            answer = await self.fetch.get(url, self.limits.catalog_bytes, headers)
            named = {k.lower(): v for k, v in answer.headers.items()}  # a plain dict: any case
            etag, modified = text_in(named.get("etag"), 200), text_in(named.get("last-modified"), 100)
            if answer.status == 304:
                return CatalogAnswer(
                    url, "unchanged", etag=etag or known.etag, modified=modified or known.modified
                )
            catalog = read_catalog(parse_json(answer), origin, self.limits.releases_kept)
            return CatalogAnswer(url, "fresh", catalog, etag, modified)
        except (FetchError, NotACatalog) as exc:
            reason = exc.reason if isinstance(exc, FetchError) else str(exc)
            return CatalogAnswer(url, "failed", error=f"catalog: {reason}")
