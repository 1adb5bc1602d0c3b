"""The content watcher's builds: the generator's `BuildSession`, kept in the watching process.

A watcher's build renders only what the changed paths reach, from the catalog the session keeps
between builds: a save is on the preview in a blink. That state lives in this process's memory,
so these builds are not jobs (a worker elsewhere would start from nothing each time). A full
build rewrites public/ behind the session's back: in this process the manager saves the session
before one and drops it after; in another process (a `tunecamp worker`), the build-state file it
writes on publishing tells, and the session starts afresh from that build's snapshot before its
next build.
"""

from __future__ import annotations

import asyncio
import logging
from typing import TYPE_CHECKING, Any

from tunecamp.daemon.builds import build_options, read_state
from tunecamp.daemon.config import DaemonConfig
from tunecamp.daemon.site.runs import BuildRun

if TYPE_CHECKING:
    from tunecamp.generator.buildlock import BuildLocked
    from tunecamp.generator.session import BuildSession

log = logging.getLogger("tunecamp.builds")


class WatchSession:
    def __init__(self, config: DaemonConfig) -> None:
        self.config = config
        self.session: BuildSession | None = None
        self.state: dict[str, Any] = {}  # the build-state file when the session started

    def _current(self) -> BuildSession:
        from tunecamp.generator.session import BuildSession

        if self.session is not None and read_state(self.config.data_dir) != self.state:
            log.info("the site was built by another process; the watcher's session starts afresh")
            self.drop()
        if self.session is None:
            c = self.config
            options = build_options(c.data_dir, transcode=c.build_transcode, serving_url=c.url)
            self.state = read_state(c.data_dir)
            self.session = BuildSession(
                c.content_dir, c.public_dir, options, watching=True, publish_errors=False
            )
        return self.session

    async def warm(self) -> None:
        """Start the session now, from the last build's snapshot, so the first save is quick too."""
        try:
            session = self._current()
            # another process (`tunecamp build`) building into public/: wait for it (buildlock.py)
            report = await asyncio.to_thread(
                session.build, on_locked=lambda held: log.info("%s; waiting", held)
            )
        except Exception:
            log.exception("the watcher's session could not start; the first save builds in full")
            self.session = None
            return
        rebuilt = " (site rebuilt)" if report.stats else ""
        log.info("ready for edits in %.0f ms%s", report.seconds * 1000, rebuilt)

    async def save(self) -> None:
        """Leave what the session built for a full build to resume from."""
        if self.session is not None:
            await asyncio.to_thread(self.session.save)

    def drop(self) -> None:
        if self.session is not None:
            self.session.close()
        self.session = None

    async def build(self, run: BuildRun) -> tuple[int, dict[str, Any], Any]:
        """A watcher's build: only what `run.changed` reaches is rebuilt. (exit code, done, catalog)"""
        c = self.config
        try:
            session = await asyncio.to_thread(self._current)
            loop = asyncio.get_running_loop()

            def waiting(held: BuildLocked) -> None:  # another process builds into public/: its turn first
                loop.call_soon_threadsafe(run.log.append, f"{held}; waiting for it to finish")

            report = await asyncio.to_thread(session.build, run.changed, on_locked=waiting)
        except Exception as exc:
            log.exception("build %s failed", run.id)
            self.session = None  # its state may be half updated: the next build starts afresh
            run.error = f"{type(exc).__name__}: {exc}"
            return -1, {}, None
        for p in report.problems.items:
            run.problems.append({"level": p.level, "path": str(p.path), "key": p.key, "message": p.message})
        stats = report.stats
        what = f"{stats.written + stats.linked} files written" if stats else "nothing written"
        errors = len(report.problems.errors)
        run.log.append(f"rebuilt {c.public_dir} in {report.seconds * 1000:.0f} ms: {what}, {errors} errors")
        return (0 if report.ok else 1), {"ok": report.ok, "published": stats is not None}, report.catalog
