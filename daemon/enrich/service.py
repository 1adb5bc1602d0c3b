"""A run of enrichment: releases looked up one after another, recorded for the dashboard.

Both `tunecamp enrich` and the daemon make an `Enricher` (the daemon one for its life, so
its MusicBrainz pacer is shared by every look-up of the process, or of the instance through
Redis) and call `run`, then `apply`; the daemon's look-ups run as jobs (lookup_job.py).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

from aiohttp import web

from tunecamp.daemon.db import Db
from tunecamp.daemon.enrich import applier, engine, store
from tunecamp.daemon.enrich.diff import Options
from tunecamp.daemon.enrich.fetch import Counters, Fetcher
from tunecamp.daemon.enrich.model import Diff, Proposal, ReleaseQuery
from tunecamp.daemon.enrich.pacer import Pace, Pacer
from tunecamp.daemon.enrich.settings import Context, EnrichSettings
from tunecamp.daemon.outbound import Outbound

Progress = Callable[[ReleaseQuery, Diff], None]


@dataclass(frozen=True)
class RunResult:
    run_id: int
    diffs: tuple[Diff, ...]
    counters: Counters
    context: Context


class Enricher:
    def __init__(
        self,
        db: Db,
        outbound: Outbound,
        settings: EnrichSettings,
        clock: Callable[[], float] = time.time,
        musicbrainz_pace: Pace | None = None,
    ) -> None:
        self.db = db
        self.outbound = outbound
        self.settings = settings
        self.clock = clock
        self.musicbrainz_pace = musicbrainz_pace or Pacer(settings.musicbrainz_interval)

    def context(self, refresh: bool) -> Context:
        fetch = Fetcher(
            self.outbound, self.db, ttl=self.settings.cache_seconds, refresh=refresh, clock=self.clock
        )
        return Context(self.settings, fetch, self.musicbrainz_pace)

    async def run(
        self,
        queries: list[ReleaseQuery],
        options: Options,
        trigger: str,
        progress: Progress | None = None,
        *,
        partial: bool = True,
    ) -> RunResult:
        """Look the releases up and store each diff; `partial=False`: not one a rate limit cut short
        (a job tries again after the wait instead, keeping the last complete diff meanwhile)."""
        ctx = self.context(options.refresh)
        slugs = [q.slug for q in queries]
        now = self.clock()
        run_id = await self.db.run(lambda d: store.start_run(d, trigger, slugs, now))
        await self.db.run(lambda d: store.prune_cache(d, now - self.settings.cache_seconds))
        diffs = []
        try:
            for q in queries:
                diff = await engine.look_up(ctx, q, options)
                diffs.append(diff)
                if partial or not ctx.fetch.counters.rate_limited:
                    await self._save(diff, run_id)
                if progress is not None:
                    progress(q, diff)
        finally:
            count = sum(len(d.proposals) for d in diffs)
            end = self.clock()
            await self.db.run(lambda d: store.finish_run(d, run_id, ctx.fetch.counters, count, end))
        return RunResult(run_id, tuple(diffs), ctx.fetch.counters, ctx)

    async def _save(self, diff: Diff, run_id: int) -> None:
        now = self.clock()
        await self.db.run(lambda d: store.save_diff(d, diff, run_id, now))

    async def apply(
        self, q: ReleaseQuery, proposals: list[Proposal], run_id: int, ctx: Context | None = None
    ) -> applier.Applied:
        ctx = ctx or self.context(refresh=False)
        limit = self.settings.max_image_bytes

        async def image(url: str) -> bytes | None:
            return await ctx.fetch.image("cover", url, limit)

        done = await applier.apply(q, proposals, image)
        if run_id and done.written:
            await self.db.run(lambda d: store.add_applied(d, run_id, len(proposals)))
        return done


# The daemon's one Enricher (feature.py makes it at start).
ENRICHER = web.AppKey("enricher", Enricher)
