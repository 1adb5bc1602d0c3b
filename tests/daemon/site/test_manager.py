"""The build queue: one at a time, coalesced follow-ups, logs followed, failures kept visible.

The worker here is a real subprocess running a short script, so the manager is tested
as it runs; the generator's own build is covered by test_admin_flow.py.
"""

from __future__ import annotations

import asyncio
import shutil
import sys
from pathlib import Path

from clirun import hold_build_lock

from tunecamp.daemon.config import DaemonConfig
from tunecamp.daemon.db import Db
from tunecamp.daemon.site.manager import BuildManager

SCRIPT = """
import json, sys, time, pathlib
marker = pathlib.Path(sys.argv[1])
marker.write_text(marker.read_text() + "start\\n" if marker.exists() else "start\\n")
print("building...", flush=True)
problem = {"event": "problem", "level": "warning", "path": "x.yaml", "key": None, "message": "m"}
print(json.dumps(problem), flush=True)
time.sleep(float(sys.argv[2]))
ok = sys.argv[3] == "ok"
print(json.dumps({"event": "done", "ok": ok, "published": ok}), flush=True)
sys.exit(0 if ok else 1)
"""


class ScriptedBuilds(BuildManager):
    def __init__(self, config: DaemonConfig, db: Db, marker: Path, seconds: float = 0.5, outcome: str = "ok"):
        super().__init__(config, db)
        self.marker, self.seconds, self.outcome = marker, seconds, outcome

    def command(self, index_only: bool, if_changed: bool = False) -> list[str]:
        return [sys.executable, "-c", SCRIPT, str(self.marker), str(self.seconds), self.outcome]


async def _manager(tmp_path: Path, **kw: object) -> tuple[ScriptedBuilds, Db]:
    db = Db(tmp_path / "t.db")
    await db.open()
    return ScriptedBuilds(DaemonConfig(data_dir=tmp_path), db, tmp_path / "runs.txt", **kw), db  # type: ignore[arg-type]


async def test_requests_during_a_build_coalesce_into_one_follow_up(tmp_path: Path) -> None:
    builds, db = await _manager(tmp_path)
    first = await builds.request("first")
    assert first["state"] == "queued" and first["id"] > 0  # booked, and started at once
    await asyncio.sleep(0.1)
    answers = [await builds.request(f"edit {i}", "maria") for i in range(5)]
    assert {a["state"] for a in answers} == {"queued"}
    assert {a["id"] for a in answers} == {first["id"] + 1}  # one booked follow-up for them all
    assert {a["running"] for a in answers} == {first["id"]}
    assert builds.summary()["queued"] is True
    await builds.wait_idle()
    assert (tmp_path / "runs.txt").read_text().count("start") == 2  # the first, then exactly one more
    last = builds.last
    assert last is not None and last.state == "ok" and last.published
    assert last.reason == "; ".join(f"edit {i}" for i in range(5))
    assert last.problems == [{"level": "warning", "path": "x.yaml", "key": None, "message": "m"}]
    rows = await db.run(lambda d: list(d.query("SELECT state, published, log FROM builds ORDER BY id")))
    assert [(r["state"], r["published"]) for r in rows] == [("ok", 1), ("ok", 1)]
    assert "building..." in rows[0]["log"]
    await builds.close()
    await db.close()


async def test_a_failed_build_is_recorded_with_its_error(tmp_path: Path) -> None:
    builds, db = await _manager(tmp_path, seconds=0.0, outcome="fail")
    await builds.request("broken")
    await builds.wait_idle()
    assert builds.last is not None
    assert builds.last.state == "failed" and not builds.last.published
    assert "exited with 1" in (builds.last.error or "")
    assert builds.summary()["last"]["state"] == "failed"
    await builds.close()
    await db.close()


async def test_follow_waits_for_new_log_lines(tmp_path: Path) -> None:
    builds, db = await _manager(tmp_path, seconds=1.0)
    run_id = (await builds.request("follow me"))["id"]
    state = await builds.follow(run_id, 0, timeout=10)
    assert state is not None and "building..." in state["log"]
    final = await builds.follow(run_id, state["log_next"], timeout=10)  # returns when the build ends
    assert final is not None and final["state"] == "ok" and final["log"] == []
    assert await builds.follow(12345, 0, 0) is None
    await builds.close()
    await db.close()


async def test_close_stops_a_running_build(tmp_path: Path) -> None:
    builds, db = await _manager(tmp_path, seconds=60)
    await builds.request("long")
    await asyncio.sleep(0.5)
    await asyncio.wait_for(builds.close(), 15)
    assert builds.last is not None and builds.last.state == "failed"
    await db.close()


async def test_a_watcher_build_waits_for_another_build_of_the_site(tmp_path: Path) -> None:
    content, public = tmp_path / "content", tmp_path / "public"
    shutil.copytree(Path(__file__).resolve().parents[3] / "content", content)
    config = DaemonConfig(
        content_dir=content, public_dir=public, data_dir=tmp_path / "data", build_transcode=False, watch=True
    )
    db = Db(tmp_path / "t.db")
    await db.open()
    builds = BuildManager(config, db)
    holder = hold_build_lock(public)  # `tunecamp build` into the daemon's public/
    try:
        saved = frozenset({content / "releases/morning-tides/release.yaml"})
        run = builds.runs[(await builds.request("content changed", changed=saved))["id"]]
        for _ in range(300):
            if run.log:
                break
            await asyncio.sleep(0.1)
        assert run.log == [
            f"another build (pid {holder.pid}) is running on {public} "
            f"(lock file {tmp_path / '.public.lock'}); waiting for it to finish"
        ]
        assert run.state == "running" and not public.exists()
    finally:
        assert holder.stdin is not None
        holder.stdin.close()
        holder.wait(timeout=30)
    await builds.wait_idle()
    assert run.state == "ok" and run.published and (public / "index.html").is_file()
    await builds.close()
    await db.close()
