"""Rebuilding the site from the daemon: one build at a time, instance-wide.

Asked for by a person (the admin, the dashboard, a Subsonic startScan, new fediverse keys...),
`request()` books a `builds` row and queues a "site.rebuild" job (rebuild_job.py): while a build
runs, the requests made meanwhile all merge into the one booked row, a single follow-up that sees
every change made until it starts, whichever process they were made in. The job runs where jobs
run (`tunecamp serve` on SQLite, a `tunecamp worker` on Redis): `run_booked` claims the row and
builds in a worker process (worker.py) that streams its log as JSON lines, written into the row
every half second; it resumes from the last build's snapshot like `tunecamp build` and writes
nothing when it has errors. Without a job queue (or a database), the manager runs them itself.

Asked for by the content watcher with the paths it saw, a build runs in this process through the
watcher's session (watch_session.py): it renders only what the change reached. Those stay out
of the job queue, in memory (one loop, its follow-ups coalesced), and are recorded as rows too.
Builds in one process take turns on one lock; across processes, the claim (no other row running
with a fresh heartbeat) and the generator's lock beside public/ keep them one at a time.

Either way the catalog index is refreshed from the build's scan, and with it the rows of the
after-build refreshers `create_app` handed over (after_build.py). Following builds: following.py.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import AsyncIterator, Callable, Sequence
from pathlib import Path
from typing import Any

from aiohttp import web

from tunecamp.daemon.appkeys import BUILDS, CONFIG, DB
from tunecamp.daemon.builds import Refresher, worker_command
from tunecamp.daemon.config import DaemonConfig
from tunecamp.daemon.db import Db
from tunecamp.daemon.jobs import JOBS, Jobs, Retry
from tunecamp.daemon.processes import process_id
from tunecamp.daemon.site import build_rows as rows
from tunecamp.daemon.site import rebuild_job
from tunecamp.daemon.site.after_build import refresh_index
from tunecamp.daemon.site.following import BuildViews
from tunecamp.daemon.site.runs import BuildRun
from tunecamp.daemon.site.watch_session import WatchSession
from tunecamp.daemon.site.worker_process import WorkerProcess

log = logging.getLogger("tunecamp.builds")
FLUSH = 0.5  # seconds between writes of a running build's log into its row
BEAT = 5.0  # a heartbeat at least this often, log or not


class BuildManager(BuildViews):
    def __init__(
        self,
        config: DaemonConfig,
        db: Db,
        after_build: Sequence[Refresher] = (),
        jobs: Callable[[], Jobs | None] = lambda: None,
    ) -> None:
        super().__init__(db)
        self.config = config
        self.after_build = tuple(after_build)
        self.jobs = jobs  # the queue, once the app has started it; None: the manager builds itself
        self.owner = process_id()
        self.watching = WatchSession(config)
        self._turn = asyncio.Lock()  # one build at a time in this process, the watcher's or booked
        self._follow_up: list[tuple[str, str | None, bool, frozenset[Path] | None]] = []
        self._task: asyncio.Task[None] | None = None  # the watcher's builds (and unrecorded ones)
        self._drain: asyncio.Task[None] | None = None  # booked builds, when there is no job queue
        self.worker = WorkerProcess()
        self._next_local_id = -1
        self._alive: dict[int, asyncio.Task[None]] = {}  # the rows' heartbeats, from start to end
        self.stuck = rebuild_job.Stuck()

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
        """Book a build (the answer has its row's id), merged into the one already queued if any.

        `if_changed`: skip the build when content/ is as it was at the last published build.
        `changed`: the paths the content watcher saw; the build then runs here, in its session.
        """
        if changed is None:
            now = time.time()
            try:
                booked = await self.db.run(
                    lambda d: rows.book(d, reason, requested_by, index_only, if_changed, now)
                )
            except Exception as exc:  # the site can be rebuilt even when the database is down
                log.warning("build not recorded: %s", exc)
            else:
                await self._queue(booked.id)
                with contextlib.suppress(Exception):
                    await self.refresh()
                return {"state": "queued", "id": booked.id, "running": self.running_id or booked.running}
        if self.local_busy:
            self._follow_up.append((reason, requested_by, if_changed, changed))
            return {"state": "queued", "id": None, "running": self.running_id}
        run = BuildRun(0, reason, requested_by, time.time(), index_only, if_changed, changed=changed)
        await self._start(run)
        self._task = asyncio.create_task(self._loop(run))
        return {"state": "started", "id": run.id, "running": run.id}

    async def _queue(self, row_id: int) -> bool:
        """Queue the row's job (or build booked rows here, without a queue); whether a job is new."""
        jobs = self.jobs()
        if jobs is not None:  # again for a merged row: nothing new, unless its job was lost
            try:
                return await jobs.enqueue(rebuild_job.KIND, {"build": row_id}, key=rebuild_job.key(row_id))
            except Exception as exc:  # Redis unreachable: the row waits (refresh() queues it again)
                log.warning("build %s is booked, but its job could not be queued: %s", row_id, exc)
        elif self._drain is None or self._drain.done():
            self._drain = asyncio.create_task(self._run_all_booked())
        return False

    async def refresh(self) -> None:
        await super().refresh()
        lost = self.stuck.lost(self.overview.queued, self.overview.running, time.monotonic())
        if lost is not None and self.jobs() is not None and await self._queue(lost):
            log.warning("build %s waited with nothing running: its job was lost, and is queued again", lost)

    async def _run_all_booked(self) -> None:
        while True:
            try:
                if not await self.run_booked():
                    return
            except Retry as wait:
                await asyncio.sleep(wait.delay or rebuild_job.BUSY_DELAY)

    async def run_booked(self) -> bool:
        """Claim the oldest booked row and build it (the job's handler); False when none waits.

        Raises `Retry` while another process builds."""
        async with self._turn:
            now = time.time()
            claim = await self.db.run(lambda d: rows.claim(d, self.owner, now))
            for build_id, why in claim.lost:
                log.warning("build %s: %s", build_id, why)
            if claim.busy is not None:
                raise Retry(f"build {claim.busy} is running in another process", delay=rebuild_job.BUSY_DELAY)
            if claim.row is None:
                return False  # merged into a build that ran already
            r = claim.row
            run = BuildRun(
                r["id"], r["reason"], r["requested_by"], now, bool(r["index_only"]), bool(r["if_changed"])
            )
            self.keep(run)
            self._alive[run.id] = asyncio.create_task(self._keep_alive(run))
            try:
                await self._run_one(run)
            except asyncio.CancelledError:  # stopped (shutdown, the job's timeout): booked again
                with contextlib.suppress(Exception):
                    await self.db.run(
                        lambda d: rows.give_back(d, run.id, "stopped before it finished", time.time())
                    )
                raise
            return True

    async def _start(self, run: BuildRun) -> None:
        try:
            run.id = await self.db.run(lambda db: rows.record_start(db, run, self.owner))
        except Exception as exc:  # the site can be rebuilt even when the database is down
            log.warning("build not recorded: %s", exc)
            self._next_local_id -= 1
            run.id = self._next_local_id
        else:  # alive while it waits its turn too: another process would take it for gone
            self._alive[run.id] = asyncio.create_task(self._keep_alive(run))
        self.keep(run)

    def warm_up(self) -> None:
        """Start the watcher's session now, from the last build's snapshot, so the first save is
        published as quickly as the next ones; a request meanwhile waits its turn."""
        if not self.local_busy and self.watching.session is None:
            self._task = asyncio.create_task(self._loop(None))

    async def _loop(self, run: BuildRun | None) -> None:
        while True:
            if run is None:
                async with self._turn:
                    await self.watching.warm()
            else:
                async with self._turn:
                    await self._run_one(run)
            if not self._follow_up:
                break
            reasons = list(dict.fromkeys(r for r, _, _, _ in self._follow_up))
            requested_by = self._follow_up[-1][1]
            if_changed = all(c for _, _, c, _ in self._follow_up)
            seen = [paths for _, _, _, paths in self._follow_up]
            # only watcher requests: the union of what they saw; an unrecorded one's: a full build
            known = [p for p in seen if p is not None]
            changed = frozenset[Path]().union(*known) if len(known) == len(seen) else None
            self._follow_up.clear()
            run = BuildRun(
                0, "; ".join(reasons), requested_by, time.time(), False, if_changed, changed=changed
            )
            await self._start(run)
        await self.notify()

    @property
    def local_busy(self) -> bool:
        return self._task is not None and not self._task.done()

    @property
    def busy(self) -> bool:
        """A build runs or waits, in this process or (as its row says) in any."""
        drain = self._drain is not None and not self._drain.done()
        ov = self.overview
        return (
            self.local_busy or drain or self._turn.locked() or ov.running is not None or ov.queued is not None
        )

    def summary(self) -> dict[str, Any]:
        answer = super().summary()
        answer["queued"] = answer["queued"] or bool(self._follow_up)
        return answer

    async def wait_idle(self, timeout: float = 600.0) -> None:
        """Until no build runs or waits, here or in the rows (tests, and `close`)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            for task in (self._task, self._drain):
                while task is not None and not task.done():
                    await asyncio.shield(task)
            with contextlib.suppress(Exception):
                await self.refresh()
            if not self.busy:
                return
            await asyncio.sleep(0.1)

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
        self.current = run  # a watcher's run may have waited its turn behind another
        catalog = None
        alive = self._alive.pop(run.id, None)
        try:
            if run.changed is not None and self.config.watch and not run.index_only:
                code, done, catalog = await self.watching.build(run)
            else:
                await self.watching.save()  # what the watcher's builds made, for the worker to resume
                code, done = await self.worker.run(
                    self.command(run.index_only, run.if_changed), run, self.notify
                )
                if not done.get("skipped"):
                    self.watching.drop()  # public/ was rewritten behind it; the next one resumes from there
        finally:
            if alive is not None:
                alive.cancel()
        run.published = bool(done.get("published"))
        run.error = run.error or done.get("error") or (None if code == 0 else f"the build exited with {code}")
        run.state = "skipped" if done.get("skipped") else "ok" if code == 0 and done.get("ok") else "failed"
        run.finished_at = time.time()
        self.current = None
        if run.state != "skipped":  # "the last build" means the last one that did something
            self.last = run
        if run.id > 0:
            with contextlib.suppress(Exception):
                await self.db.run(lambda db: rows.record_end(db, run))
        self.finished(run)
        log.info("build %s %s%s", run.id, run.state, " and published" if run.published else "")
        await self.notify()
        if catalog is not None:
            # after the pages reloaded (a second at 10,000 tracks); the next build waits for it
            try:
                await asyncio.to_thread(refresh_index, self.config.data_dir, catalog, self.after_build)
            except Exception:
                log.exception("the catalog index was not refreshed after build %s", run.id)

    async def _keep_alive(self, run: BuildRun) -> None:
        """The row's heartbeat, with the log and problems so far: every FLUSH s when they grew."""
        sent: tuple[int, str, int] = (-1, "", -1)
        beaten = time.monotonic()
        while True:
            await asyncio.sleep(FLUSH)
            now_seen = (len(run.log), run.log[-1] if run.log else "", len(run.problems))
            if now_seen == sent and time.monotonic() - beaten < BEAT:
                continue
            try:
                await self.db.run(lambda d: rows.beat(d, run, self.owner, time.time()))
                sent, beaten = now_seen, time.monotonic()
            except Exception as exc:  # tried again at the next flush; the lapse is far longer
                log.warning("build %s: heartbeat not written: %s", run.id, exc)

    async def close(self) -> None:
        """At shutdown: stop the worker (the published site is untouched by a killed build)."""
        self._follow_up.clear()
        await self.stop_polling()
        self.watching.drop()
        self.worker.terminate()
        for task in (self._task, self._drain):
            if task is not None:
                with contextlib.suppress(Exception, asyncio.CancelledError):
                    await asyncio.wait_for(task, 10)


# The manager itself, for the site feature's own modules (the watcher, live reload); the other
# features reach it through appkeys.BUILDS, typed by what they may ask of it.
MANAGER = web.AppKey("build_manager", BuildManager)


def builds_ctx(after_build: Sequence[Refresher]) -> Callable[[web.Application], AsyncIterator[None]]:
    """The cleanup context that runs the build manager, with the refreshers to run after each build.

    Booked builds go to the job queue when the site feature declared their kind (feature.py)."""

    async def ctx(app: web.Application) -> AsyncIterator[None]:
        manager = BuildManager(app[CONFIG], app[DB], after_build)
        if rebuild_job.registered(app):
            manager.jobs = lambda: app.get(JOBS)
        app[MANAGER] = manager
        app[BUILDS] = manager
        manager.start_polling()
        yield
        await manager.close()

    return ctx
