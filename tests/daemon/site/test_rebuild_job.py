"""Rebuild requests as "site.rebuild" jobs, on either queue: booked in one process, built in another.

A web app that only queues (`jobs_in_process="off"`, as `tunecamp serve` on Redis) and worker apps
that run the jobs (as `tunecamp worker`), on one database and one Redis (tests/job_apps.py). The
builds are real worker subprocesses: a short script held by a gate file for "while a build runs",
or the real build of a small catalog when the log and the published site are what is checked.
"""

from __future__ import annotations

import asyncio
import os
import signal
import sqlite3
import subprocess
import sys
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient
from clirun import hold_build_lock
from job_apps import Workers, backend_config
from waiting import until

from tunecamp.daemon.app import create_app
from tunecamp.daemon.config import DaemonConfig
from tunecamp.daemon.jobs import JOBS
from tunecamp.daemon.site import build_rows, rebuild_job
from tunecamp.daemon.site.manager import MANAGER, BuildManager

# Logs its start and end (with times) into the marker, then waits for the gate file.
SCRIPT = """
import json, sys, time, pathlib
marker, gate = pathlib.Path(sys.argv[1]), pathlib.Path(sys.argv[2])
with marker.open("a") as f:
    f.write(f"start {time.time()}\\n")
print("building...", flush=True)
while not gate.exists():
    time.sleep(0.05)
print("held no more", flush=True)
with marker.open("a") as f:
    f.write(f"end {time.time()}\\n")
print(json.dumps({"event": "done", "ok": True, "published": True}), flush=True)
"""


@dataclass
class Pair:
    web: TestClient
    config: DaemonConfig
    start_worker: Callable[[], Awaitable[web.Application]]
    marker: Path
    gate: Path

    @property
    def builds(self) -> BuildManager:
        return self.web.app[MANAGER]

    def row(self, build_id: int) -> dict[str, Any]:
        with sqlite3.connect(self.config.data_dir / "tunecamp.db") as db:
            db.row_factory = sqlite3.Row
            return dict(db.execute("SELECT * FROM builds WHERE id = ?", [build_id]).fetchone())

    def starts(self) -> list[tuple[float, float | None]]:
        """The scripted builds' (start, end) times, in order."""
        spans: list[tuple[float, float | None]] = []
        for line in self.marker.read_text().splitlines() if self.marker.exists() else []:
            what, at = line.split()
            if what == "start":
                spans.append((float(at), None))
            else:
                spans[-1] = (spans[-1][0], float(at))
        return spans


def scripted(app: web.Application, marker: Path, gate: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def command(index_only: bool, if_changed: bool = False) -> list[str]:
        return [sys.executable, "-c", SCRIPT, str(marker), str(gate)]

    monkeypatch.setattr(app[MANAGER], "command", command)


@pytest.fixture(params=["sqlite", "redis"])
async def pair(
    request: pytest.FixtureRequest,
    config: DaemonConfig,
    tmp_path: Path,
    aiohttp_client: Callable[..., Awaitable[TestClient]],
    monkeypatch: pytest.MonkeyPatch,
) -> AsyncIterator[Pair]:
    shared = backend_config(request, config)
    marker, gate = tmp_path / "runs.txt", tmp_path / "gate"
    web_client = await aiohttp_client(create_app(replace(shared, jobs_in_process="off")))
    scripted(web_client.app, marker, gate, monkeypatch)  # never used: it only queues
    workers = Workers(shared)

    async def start_worker() -> web.Application:
        app = await workers.start()
        scripted(app, marker, gate, monkeypatch)
        return app

    yield Pair(web_client, shared, start_worker, marker, gate)
    gate.touch()
    await workers.close()


async def test_requests_while_a_build_runs_book_exactly_one_follow_up(pair: Pair) -> None:
    worker = await pair.start_worker()
    first = await pair.builds.request("first", "maria")
    assert first["state"] == "queued"
    await until(lambda: _is(pair, first["id"], "running"), "the worker to start the first build")
    # asked for in the web process and in the worker's own: all into one booked row
    answers = [
        await pair.builds.request("publish a", "maria"),
        await worker[MANAGER].request("publish b", "yann"),
        await pair.builds.request("publish a", "maria"),
        await pair.builds.request("startScan", "yann", index_only=True),
    ]
    assert {a["id"] for a in answers} == {first["id"] + 1}
    assert {a["running"] for a in answers} == {first["id"]}
    await until(_refreshed(pair, lambda s: s["queued"] and s["running"] == first["id"]), "the web summary")
    pair.gate.touch()
    follow_up = first["id"] + 1
    await until(lambda: _is(pair, follow_up, "ok"), "the follow-up to be built")
    row = pair.row(follow_up)
    assert row["reason"] == "publish a; publish b; startScan" and row["requested_by"] == "yann"
    assert row["index_only"] == 0  # a full build was asked for too
    assert pair.row(first["id"])["state"] == "ok"
    await asyncio.sleep(0.5)  # nothing else runs after it
    spans = pair.starts()
    assert len(spans) == 2
    assert spans[0][1] is not None and spans[0][1] <= spans[1][0]  # never two at a time


async def test_a_build_run_by_a_worker_is_followed_from_the_web_process(pair: Pair) -> None:
    heard: list[tuple[int, str]] = []  # the preview's live reload listens so
    pair.builds.listeners.append(lambda run: heard.append((run.id, run.state)))
    asked = await pair.builds.request("requested from the admin", "maria")
    build_id = asked["id"]
    state = await pair.builds.follow(build_id, 0, 0)
    assert state is not None and state["state"] == "queued" and state["log"] == []
    assert pair.builds.summary()["queued_id"] == build_id
    await pair.start_worker()
    state = await pair.builds.follow(build_id, 0, 20)  # answers with the first lines, written as they come
    assert state is not None and state["state"] == "running" and state["log"] == ["building..."]
    pair.gate.touch()
    lines = list(state["log"])
    while state["state"] == "running":
        state = await pair.builds.follow(build_id, state["log_next"], 20)
        assert state is not None
        lines += state["log"]
    assert state["state"] == "ok" and state["published"] and state["finished_at"] is not None
    assert lines == ["building...", "held no more"]
    assert (await pair.builds.recent(1))[0]["log"] == ["held no more"]
    await until(_refreshed(pair, lambda s: s["last"] and s["last"]["id"] == build_id), "the summary's last")
    assert pair.builds.summary()["state"] == "idle" and not pair.builds.busy

    async def told() -> bool:
        return heard == [(build_id, "ok")]

    await until(told, "the web process's listeners to hear of the build", timeout=10)
    kinds = await pair.web.app[JOBS].counts()
    assert kinds[rebuild_job.KIND].dead == 0


async def test_a_build_whose_worker_stopped_is_failed_and_run_again(pair: Pair) -> None:
    # what a worker SIGKILLed mid-build leaves: its row running, its heartbeat long lapsed
    lapsed = time.time() - 2 * build_rows.LAPSE
    with sqlite3.connect(pair.config.data_dir / "tunecamp.db") as db:
        stale = db.execute(
            "INSERT INTO builds (reason, requested_by, started_at, state, owner, heartbeat_at)"
            " VALUES ('publish a', 'maria', '2026-01-01T00:00:00+00:00', 'running', 'gone:1', ?)",
            [lapsed],
        ).lastrowid
    assert stale is not None
    await pair.web.app[JOBS].enqueue(rebuild_job.KIND, {"build": stale}, key=rebuild_job.key(stale))
    await pair.start_worker()
    pair.gate.touch()
    await until(lambda: _is(pair, stale + 1, "ok"), "the build to run again")
    failed = pair.row(stale)
    assert failed["state"] == "failed" and "the worker running it stopped" in failed["error"]
    again = pair.row(stale + 1)
    assert again["reason"] == "again: publish a" and again["requested_by"] == "maria"
    assert len(pair.starts()) == 1
    state = await pair.builds.follow(stale, 0, 0)
    assert state is not None and state["state"] == "failed" and "stopped" in state["error"]


async def test_a_worker_waits_while_another_process_builds(pair: Pair) -> None:
    # another process's build, alive: its row's heartbeat is fresh
    with sqlite3.connect(pair.config.data_dir / "tunecamp.db") as db:
        other = db.execute(
            "INSERT INTO builds (reason, started_at, state, owner, heartbeat_at)"
            " VALUES ('content changed', '2026-01-01T00:00:00+00:00', 'running', 'elsewhere:2', ?)",
            [time.time()],
        ).lastrowid
    assert other is not None
    asked = await pair.builds.request("publish a", "maria")
    assert asked["running"] == other
    await pair.start_worker()
    pair.gate.touch()
    await asyncio.sleep(2 * rebuild_job.BUSY_DELAY)
    assert pair.starts() == [] and pair.row(asked["id"])["state"] == "queued"
    with sqlite3.connect(pair.config.data_dir / "tunecamp.db") as db:  # the other build ends
        db.execute("UPDATE builds SET state = 'ok', finished_at = started_at WHERE id = ?", [other])
    await until(lambda: _is(pair, asked["id"], "ok"), "the booked build once the other ended")
    assert len(pair.starts()) == 1


async def test_following_an_unknown_build_is_a_404(pair: Pair, add_user: Any, token_for: Any) -> None:
    await add_user(pair.web.app, "owner", "owner")
    headers = {"Authorization": f"Bearer {await token_for(pair.web.app, 'owner')}"}
    for path in ("/api/admin/builds/424242", "/api/admin/builds/99999999999999999999999"):
        r = await pair.web.get(path, headers=headers)
        assert r.status == 404, path
    r = await pair.web.get("/api/admin/builds/x", headers=headers)
    assert r.status == 400
    r = await pair.web.post("/api/admin/builds", headers=headers)
    assert r.status == 202
    body = await r.json()
    assert body["state"] == "queued"
    r = await pair.web.get(f"/api/admin/builds/{body['id']}", headers=headers)
    assert r.status == 200 and (await r.json())["build"]["state"] == "queued"
    jobs = await (await pair.web.get("/api/admin/jobs", headers=headers)).json()
    assert jobs["kinds"][rebuild_job.KIND]["queued"] == 1  # the dashboard's queue page lists it
    page = await (await pair.web.get("/admin/jobs", headers=headers)).text()
    assert rebuild_job.KIND in page


async def test_a_booked_row_whose_job_was_lost_is_queued_again(
    pair: Pair, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Booked while its job could not be queued (Redis down, or flushed since): a process notices
    the row waiting with nothing running and queues its job again, once."""
    booked = await pair.builds.db.run(
        lambda d: build_rows.book(d, "lost", "maria", False, False, time.time())
    )
    jobs = pair.web.app[JOBS]

    async def queued() -> int:
        counts = (await jobs.counts()).get(rebuild_job.KIND)
        return counts.queued if counts else 0

    await pair.builds.refresh()
    await pair.builds.refresh()
    assert await queued() == 0  # not yet: a row may wait a minute for its job's turn
    monkeypatch.setattr(rebuild_job, "REQUEUE_AFTER", 0.0)
    await pair.builds.refresh()
    assert await queued() == 1
    await pair.builds.refresh()
    assert await queued() == 1  # its key: queueing it again adds nothing
    pair.gate.touch()
    await pair.start_worker()
    await until(lambda: _is(pair, booked.id, "ok"), "the lost build to be built")
    assert len(pair.starts()) == 1


async def _is(pair: Pair, build_id: int, state: str) -> bool:
    try:
        return pair.row(build_id)["state"] == state
    except TypeError:  # no such row yet
        return False


def _refreshed(pair: Pair, check: Callable[[dict[str, Any]], object]) -> Callable[[], Awaitable[bool]]:
    async def look() -> bool:
        await pair.builds.refresh()
        return bool(check(pair.builds.summary()))

    return look


@pytest.mark.slow
async def test_a_killed_worker_process_leaves_its_build_to_the_next_one(
    site_config: DaemonConfig, aiohttp_client: Callable[..., Awaitable[TestClient]]
) -> None:
    """A real `tunecamp worker` is SIGKILLed (with its build process) mid-build: a second worker on
    the same machine sees its process gone (no wait for the heartbeat to lapse), fails that build
    ("the worker running it stopped") and builds again."""
    config = replace(site_config, jobs_in_process="off", jobs_poll=0.2)
    web_client = await aiohttp_client(create_app(config))
    env = {
        **os.environ,
        "TUNECAMP_CONTENT_DIR": str(config.content_dir),
        "TUNECAMP_PUBLIC_DIR": str(config.public_dir),
        "TUNECAMP_DATA_DIR": str(config.data_dir),
        "TUNECAMP_BUILD_TRANSCODE": "false",
        "TUNECAMP_WATCH": "false",
        "TUNECAMP_JOBS_POLL": "0.2",
    }
    cli = [
        sys.executable,
        "-c",
        "from tunecamp.daemon.cli import main; main()",
        "worker",
        "--kinds",
        rebuild_job.KIND,
    ]

    def start_worker() -> subprocess.Popen[bytes]:  # a group of its own: the build process dies with it
        return subprocess.Popen(
            cli, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True
        )

    def row(build_id: int) -> dict[str, Any] | None:
        with sqlite3.connect(config.data_dir / "tunecamp.db") as db:
            db.row_factory = sqlite3.Row
            found = db.execute("SELECT * FROM builds WHERE id = ?", [build_id]).fetchone()
            return None if found is None else dict(found)

    holder = hold_build_lock(config.public_dir)  # `tunecamp build` into public/: the worker's build waits
    first = start_worker()
    try:
        asked = await web_client.app[MANAGER].request("publish a", "maria")

        async def waiting() -> bool:
            found = row(asked["id"])
            return found is not None and found["state"] == "running" and "waiting" in found["log"]

        await until(waiting, "the first worker's build to wait for the lock", timeout=60)
    finally:
        os.killpg(first.pid, signal.SIGKILL)
        first.wait()
        assert holder.stdin is not None
        holder.stdin.close()
        holder.wait(timeout=30)
    second = start_worker()
    try:

        async def built_again() -> bool:
            found = row(asked["id"] + 1)
            return found is not None and found["state"] in ("ok", "failed")

        await until(built_again, "the second worker to build again", timeout=120)
    finally:
        second.terminate()
        second.wait(timeout=30)
    stopped, again = row(asked["id"]), row(asked["id"] + 1)
    assert stopped is not None and stopped["state"] == "failed" and stopped["error"] == build_rows.GONE
    assert again is not None and again["state"] == "ok" and again["reason"] == "again: publish a", again[
        "log"
    ]
    assert (config.public_dir / "index.html").is_file()
    state = await web_client.app[MANAGER].follow(asked["id"] + 1, 0, 0)
    assert state is not None and state["published"] and any("published" in line for line in state["log"])


def test_a_booked_row_asks_for_the_most_any_request_asked(tmp_path: Path) -> None:
    from tunecamp.daemon.db import connect
    from tunecamp.daemon.migrations import apply_migrations

    db = connect(tmp_path / "t.db")
    apply_migrations(db)
    first = build_rows.book(db, "startScan", "yann", True, True, time.time())
    assert not first.merged and first.running is None

    def asked() -> tuple[str, int, int]:
        row = db.execute(
            "SELECT reason, index_only, if_changed FROM builds WHERE id = ?", [first.id]
        ).fetchone()
        return row[0], row[1], row[2]

    assert asked() == ("startScan", 1, 1)
    build_rows.book(db, "startScan", None, True, True, time.time())
    assert asked() == ("startScan", 1, 1)  # the same reason once
    build_rows.book(db, "network changed", None, True, False, time.time())
    assert asked() == ("startScan; network changed", 1, 0)  # forced: built even if content is as it was
    merged = build_rows.book(db, "publish a", "maria", False, True, time.time())
    assert merged.merged and merged.id == first.id
    assert asked() == ("startScan; network changed; publish a", 0, 0)  # a full build covers the index
    db.close()
