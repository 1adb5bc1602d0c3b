"""Rebuilding the site from the daemon: one build at a time.

`request()` starts a build, or, while one runs, books exactly one follow-up: any number
of requests during a build coalesce into that single next build, which sees every change
made until it starts. A failed build publishes nothing, and its errors stay visible.

Two ways to build. Asked for by a person (the admin, the dashboard, a Subsonic startScan), a
build runs in a worker process (worker.py) that streams its log as JSON lines: it resumes
from the last build's snapshot like `tunecamp build` and writes nothing when it has errors. Asked for by the
content watcher with the paths it saw, a build runs in this process, in a thread, through the
generator's `BuildSession`, which keeps the catalog between builds and renders only what the
change reached (the live preview follows a save in a blink). It too writes nothing when the
build has errors. A worker build rewrites public/ behind the session's back, so the session
saves what it built before one and starts afresh (from the worker's snapshot) after it.

Either way the catalog index is refreshed from the build's scan, and with it the rows of the
after-build refreshers `create_app` handed over (after_build.py).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import AsyncIterator, Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from aiohttp import web

from tunecamp.daemon.appkeys import BUILDS, CONFIG, DB
from tunecamp.daemon.builds import Refresher, build_options, worker_command
from tunecamp.daemon.config import DaemonConfig
from tunecamp.daemon.db import Db
from tunecamp.daemon.site.after_build import refresh_index
from tunecamp.daemon.site.runs import BuildRun, record_end, record_start, take_line

if TYPE_CHECKING:
    from tunecamp.generator.buildlock import BuildLocked
    from tunecamp.generator.session import BuildSession

log = logging.getLogger("tunecamp.builds")
HISTORY = 20  # runs kept in memory, with their logs


class BuildManager:
    def __init__(self, config: DaemonConfig, db: Db, after_build: Sequence[Refresher] = ()) -> None:
        self.config = config
        self.db = db
        self.after_build = tuple(after_build)
        self.current: BuildRun | None = None
        self.last: BuildRun | None = None
        self.runs: dict[int, BuildRun] = {}
        self._follow_up: list[tuple[str, str | None, bool, frozenset[Path] | None]] = []
        self.session: BuildSession | None = None  # the watcher's builds, kept between them
        self._task: asyncio.Task[None] | None = None
        self._changed = asyncio.Condition()
        self._process: asyncio.subprocess.Process | None = None
        self._next_local_id = -1
        self._starting = False
        # called with every finished run (the preview's live reload listens here)
        self.listeners: list[Callable[[BuildRun], None]] = []

    # --- asking for builds ---------------------------------------------------

    async def request(
        self,
        reason: str,
        requested_by: str | None = None,
        *,
        index_only: bool = False,
        if_changed: bool = False,
        changed: frozenset[Path] | None = None,
    ) -> dict[str, Any]:
        """Start a build now (its id is in the answer), or book the follow-up if one is running.

        `if_changed`: skip the build when content/ is as it was at the last published build.
        `changed`: the paths the content watcher saw; the build then rebuilds only what they reach.
        """
        if self.busy:
            self._follow_up.append((reason, requested_by, if_changed, changed))
            return {"state": "queued", "id": None, "running": self.current.id if self.current else None}
        self._starting = True  # busy from now on, before any await
        try:
            run = BuildRun(0, reason, requested_by, time.time(), index_only, if_changed, changed=changed)
            await self._start(run)
            self._task = asyncio.create_task(self._loop(run))
        finally:
            self._starting = False
        return {"state": "started", "id": run.id, "running": run.id}

    async def _start(self, run: BuildRun) -> None:
        try:
            run.id = await self.db.run(lambda db: record_start(db, run))
        except Exception as exc:  # the site can be rebuilt even when the database is down
            log.warning("build not recorded: %s", exc)
            self._next_local_id -= 1
            run.id = self._next_local_id
        self.current = self.runs[run.id] = run
        for old in sorted(self.runs)[:-HISTORY]:
            del self.runs[old]

    def warm_up(self) -> None:
        """Start the watcher's session now, from the last build's snapshot, so the first save is
        published as quickly as the next ones; a request meanwhile waits its turn."""
        if not self.busy and self.session is None:
            self._task = asyncio.create_task(self._loop(None))

    async def _warm(self) -> None:
        try:
            session = self._session()
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

    async def _loop(self, run: BuildRun | None) -> None:
        while True:
            if run is None:
                await self._warm()
            else:
                await self._run_one(run)
            if not self._follow_up:
                break
            reasons = list(dict.fromkeys(r for r, _, _, _ in self._follow_up))
            requested_by = self._follow_up[-1][1]
            if_changed = all(c for _, _, c, _ in self._follow_up)
            seen = [paths for _, _, _, paths in self._follow_up]
            # only watcher requests: the union of what they saw; anyone else's: a full build
            known = [p for p in seen if p is not None]
            changed = frozenset[Path]().union(*known) if len(known) == len(seen) else None
            self._follow_up.clear()
            run = BuildRun(
                0, "; ".join(reasons), requested_by, time.time(), False, if_changed, changed=changed
            )
            await self._start(run)
        async with self._changed:
            self._changed.notify_all()

    @property
    def busy(self) -> bool:
        return self._starting or (self._task is not None and not self._task.done())

    async def wait_idle(self) -> None:
        while self._task is not None and not self._task.done():
            await asyncio.shield(self._task)

    # --- one build -----------------------------------------------------------

    def command(self, index_only: bool, if_changed: bool = False) -> list[str]:
        c = self.config
        cmd = worker_command(
            c.content_dir, c.public_dir, c.data_dir, "--serving-url", c.url, after_build=self.after_build
        )
        if not c.build_transcode:
            cmd.append("--no-transcode")
        if index_only:
            cmd.append("--index-only")
        if if_changed:
            cmd.append("--if-changed")
        return cmd

    async def _run_one(self, run: BuildRun) -> None:
        log.info("build %s started (%s)", run.id, run.reason)
        catalog = None
        if run.changed is not None and self.config.watch and not run.index_only:
            code, done, catalog = await self._run_session(run)
        else:
            if self.session is not None:  # leave what the watcher's builds made for the worker to resume
                await asyncio.to_thread(self.session.save)
            code, done = await self._run_worker(run)
            if not done.get("skipped"):
                self.session = None  # public/ was rewritten behind it; the next one resumes from there
        run.published = bool(done.get("published"))
        run.error = run.error or done.get("error") or (None if code == 0 else f"the build exited with {code}")
        run.state = "skipped" if done.get("skipped") else "ok" if code == 0 and done.get("ok") else "failed"
        run.finished_at = time.time()
        self.current = None
        if run.state != "skipped":  # "the last build" means the last one that did something
            self.last = run
        if run.id > 0:
            with contextlib.suppress(Exception):
                await self.db.run(lambda db: record_end(db, run))
        for listener in list(self.listeners):
            try:
                listener(run)
            except Exception:  # a listener's bug must not stop the build queue
                log.exception("build listener failed")
        log.info("build %s %s%s", run.id, run.state, " and published" if run.published else "")
        async with self._changed:
            self._changed.notify_all()
        if catalog is not None:
            # after the pages reloaded (a second at 10,000 tracks); the next build waits for it
            try:
                await asyncio.to_thread(refresh_index, self.config.data_dir, catalog, self.after_build)
            except Exception:
                log.exception("the catalog index was not refreshed after build %s", run.id)

    def _session(self) -> BuildSession:
        from tunecamp.generator.session import BuildSession

        if self.session is None:
            c = self.config
            options = build_options(c.data_dir, transcode=c.build_transcode, serving_url=c.url)
            self.session = BuildSession(
                c.content_dir, c.public_dir, options, watching=True, publish_errors=False
            )
        return self.session

    async def _run_session(self, run: BuildRun) -> tuple[int, dict[str, Any], Any]:
        """A watcher's build, in this process: only what the changed paths reach is rebuilt."""
        c = self.config
        try:
            session = self._session()
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

    async def _run_worker(self, run: BuildRun) -> tuple[int, dict[str, Any]]:
        done: dict[str, Any] = {}
        try:
            process = self._process = await asyncio.create_subprocess_exec(
                *self.command(run.index_only, run.if_changed),
                stdout=asyncio.subprocess.PIPE,
                stderr=asyncio.subprocess.STDOUT,
                stdin=asyncio.subprocess.DEVNULL,
            )
            assert process.stdout is not None
            async for raw in process.stdout:
                done = take_line(run, raw.decode("utf-8", "replace").rstrip("\n")) or done
                async with self._changed:
                    self._changed.notify_all()
            code = await process.wait()
        except Exception as exc:
            log.exception("build %s could not run", run.id)
            code, run.error = -1, f"{type(exc).__name__}: {exc}"
        finally:
            self._process = None
        return code, done

    # --- following ---------------------------------------------------------------

    async def follow(self, build_id: int, since: int, timeout: float) -> dict[str, Any] | None:
        """The build's state from log line `since`, waiting up to `timeout` s for news while it runs."""
        run = self.runs.get(build_id)
        if run is None:
            return None
        if run.state == "running" and len(run.log) <= since and timeout > 0:
            async with self._changed:
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(
                        self._changed.wait_for(lambda: len(run.log) > since or run.state != "running"),
                        timeout,
                    )
        return run.as_json(since)

    def recent(self, log_lines: int) -> list[dict[str, Any]]:
        """The runs kept in memory, newest first, each with the last `log_lines` lines of its log."""
        runs = sorted(self.runs.values(), key=lambda r: -r.id)
        return [r.as_json(since=max(0, len(r.log) - log_lines)) for r in runs]

    def summary(self) -> dict[str, Any]:
        last = self.last
        return {
            "state": "running" if self.current else "idle",
            "running": self.current.id if self.current else None,
            "queued": bool(self._follow_up),
            "last": None
            if last is None
            else {
                "id": last.id,
                "state": last.state,
                "published": last.published,
                "finished_at": last.finished_at,
                "errors": sum(p["level"] == "error" for p in last.problems),
            },
        }

    async def close(self) -> None:
        """At shutdown: stop the worker (the published site is untouched by a killed build)."""
        self._follow_up.clear()
        if self.session is not None:
            self.session.close()
        if self._process is not None and self._process.returncode is None:
            self._process.terminate()
        if self._task is not None:
            with contextlib.suppress(Exception, asyncio.CancelledError):
                await asyncio.wait_for(self._task, 10)


# The manager itself, for the site feature's own modules (the watcher, live reload); the other
# features reach it through appkeys.BUILDS, typed by what they may ask of it.
MANAGER = web.AppKey("build_manager", BuildManager)


def builds_ctx(after_build: Sequence[Refresher]) -> Callable[[web.Application], AsyncIterator[None]]:
    """The cleanup context that runs the build manager, with the refreshers to run after each build."""

    async def ctx(app: web.Application) -> AsyncIterator[None]:
        manager = BuildManager(app[CONFIG], app[DB], after_build)
        app[MANAGER] = manager
        app[BUILDS] = manager
        yield
        await manager.close()

    return ctx
