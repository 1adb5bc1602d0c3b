"""data/federation/interactions.json: likes, boosts and approved replies, for the generator.

The generator never reads the daemon's database; it reads this file (the contract's format)
and renders the counts and the approved replies on each release page. Written atomically
whenever a count or an approved reply changes, then a rebuild is asked for. Changes come in
bursts (a boost storm, a moderator approving ten replies), so `schedule()` waits `delay`
seconds and writes once for all of them; and a rebuild is asked for at most once every
`rebuild_every` seconds (a like storm must not keep the machine building while the inbox
needs the CPU), the last one of a burst always following it.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import math
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from sqlite_utils import Database

from tunecamp.daemon.builds import Builds
from tunecamp.daemon.db import Db
from tunecamp.daemon.federation import moderation
from tunecamp.daemon.federation.keys import write_json_atomically

log = logging.getLogger("tunecamp.federation")
INTERACTIONS = Path("federation") / "interactions.json"


def interactions(db: Database) -> dict[str, Any]:
    releases: dict[str, dict[str, Any]] = {}
    for release, counts in moderation.reaction_counts(db).items():
        releases[release] = {**counts, "replies": []}
    for row in moderation.comments(db, "approved"):
        entry = releases.setdefault(row["release"], {"likes": 0, "boosts": 0, "replies": []})
        entry["replies"].append(
            {
                "id": row["id"],
                "url": row["url"],
                "published": row["published"],
                "text": row["text"],
                "author": {
                    "name": row["author_name"],
                    "handle": row["author_handle"],
                    "url": row["author_url"],
                    "avatar": row["author_avatar"],
                },
            }
        )
    return {"version": 1, "releases": dict(sorted(releases.items()))}


class Exporter:
    def __init__(
        self,
        db: Db,
        data_dir: Path,
        builds: Callable[[], Builds | None],
        delay: float = 5.0,
        rebuild_every: float = 60.0,
    ) -> None:
        self.db = db
        self.path = data_dir / INTERACTIONS
        self.builds = builds
        self.delay = delay
        self.rebuild_every = rebuild_every
        self._task: asyncio.Task[None] | None = None
        self._deferred: asyncio.Task[None] | None = None
        self._last_rebuild = -math.inf

    def schedule(self) -> None:
        """Export (and rebuild) in `delay` seconds, once for every change until then."""
        if self._task is None or self._task.done():
            self._task = asyncio.get_running_loop().create_task(self._later())

    async def _later(self) -> None:
        await asyncio.sleep(self.delay)
        self._task = None
        try:
            await self.export(rebuild=True)
        except Exception:  # logged, never lost: the next change exports again
            log.exception("exporting %s failed", self.path)

    async def export(self, rebuild: bool = False) -> dict[str, Any]:
        document = await self.db.run(interactions)
        await asyncio.to_thread(write_json_atomically, self.path, document)
        if rebuild:
            await self._rebuild()
        return document

    async def _rebuild(self) -> None:
        wait = self._last_rebuild + self.rebuild_every - time.monotonic()
        if wait > 0:
            if self._deferred is None or self._deferred.done():
                self._deferred = asyncio.get_running_loop().create_task(self._rebuild_later(wait))
            return
        builds = self.builds()
        if builds is not None:
            self._last_rebuild = time.monotonic()
            await builds.request("fediverse likes, boosts or replies changed")

    async def _rebuild_later(self, wait: float) -> None:
        await asyncio.sleep(wait)
        try:
            await self._rebuild()
        except Exception:
            log.exception("asking for a rebuild after %s changed failed", self.path)

    async def close(self) -> None:
        """Write what is pending now, at shutdown (without a rebuild: the next start builds)."""
        if self._deferred is not None:
            self._deferred.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._deferred
        if self._task is not None and not self._task.done():
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            await self.export()
