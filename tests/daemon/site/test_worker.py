from __future__ import annotations

import json
import shutil
import sqlite3
import subprocess
import time
from pathlib import Path
from typing import Any

import pytest
from clirun import hold_build_lock

from tunecamp.daemon.app import AFTER_BUILD
from tunecamp.daemon.builds import STATE_FILE, content_fingerprint, is_stale, worker_command
from tunecamp.daemon.config import DaemonConfig
from tunecamp.daemon.db import Db
from tunecamp.daemon.site.manager import BuildManager
from tunecamp.daemon.site.worker import main


def test_fingerprint_follows_content(tmp_path: Path) -> None:
    (tmp_path / "a.yaml").write_text("x")
    first = content_fingerprint(tmp_path)
    assert content_fingerprint(tmp_path) == first
    time.sleep(0.01)
    (tmp_path / "a.yaml").write_text("xy")
    assert content_fingerprint(tmp_path) != first
    second = content_fingerprint(tmp_path)
    (tmp_path / ".hidden").mkdir()
    (tmp_path / ".hidden" / "swap").write_text("editor junk")
    assert content_fingerprint(tmp_path) == second  # hidden folders do not count


def test_stale_until_built_with_the_same_fingerprint(tmp_path: Path) -> None:
    content, public, data = tmp_path / "c", tmp_path / "p", tmp_path / "d"
    content.mkdir()
    data.mkdir()
    assert is_stale(content, public, data)  # no site
    public.mkdir()
    (public / "index.html").write_text("x")
    assert is_stale(content, public, data)  # no record of a build
    (data / STATE_FILE).write_text(json.dumps({"fingerprint": content_fingerprint(content)}))
    assert not is_stale(content, public, data)
    (content / "new.yaml").write_text("x")
    assert is_stale(content, public, data)


def test_if_changed_skips_an_unchanged_catalog(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    content, public, data = tmp_path / "c", tmp_path / "p", tmp_path / "d"
    for d in (content, public, data):
        d.mkdir()
    (data / STATE_FILE).write_text(json.dumps({"fingerprint": content_fingerprint(content)}))
    args = ["--content", str(content), "--public", str(public), "--data", str(data), "--if-changed"]
    assert main(args) == 0
    events = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert events[-1] == {"event": "done", "ok": True, "published": False, "skipped": True}


def test_the_after_build_refreshers_run_after_the_index(
    tmp_path: Path, make_audio: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    """The daemon names them on the worker's command line (create_app hands them to the manager)."""
    content, public, data = tmp_path / "c", tmp_path / "p", tmp_path / "d"
    (content / "releases/tides").mkdir(parents=True)
    (content / "releases/tides/release.yaml").write_text("status: published\ntitle: Tides\n")
    make_audio(content / "releases/tides/01 - One.flac", tags={"title": "One"})
    folders = ["--content", str(content), "--public", str(public), "--data", str(data), "--index-only"]
    assert main(folders) == 0  # the catalog index alone
    tables = "SELECT (SELECT count(*) FROM catalog_tracks), (SELECT count(*) FROM catalog_track_media)"
    with sqlite3.connect(data / "tunecamp.db") as conn:
        assert conn.execute(tables).fetchone() == (1, 0)
    config = DaemonConfig(content_dir=content, public_dir=public, data_dir=data)
    command = BuildManager(config, Db(data / "unused.db"), AFTER_BUILD).command(index_only=True)
    named = command[command.index("--after-build") :][:2]
    assert named == ["--after-build", "tunecamp.daemon.subsonic.media_rows:refresh_media"]
    assert main([*folders, *named]) == 0
    with sqlite3.connect(data / "tunecamp.db") as conn:
        assert conn.execute(tables).fetchone() == (1, 1)
    capsys.readouterr()
    assert main([*folders, "--after-build", "tunecamp.daemon.users:ROLES"]) == 2  # not a function
    done = json.loads(capsys.readouterr().out.splitlines()[-1])
    assert not done["ok"] and "--after-build tunecamp.daemon.users:ROLES" in done["error"]


def test_a_crash_is_reported_as_a_failed_build(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    folders = [
        "--content",
        str(tmp_path / "none"),
        "--public",
        str(tmp_path / "p"),
        "--data",
        str(tmp_path / "d"),
    ]
    args = [*folders, "--preview", "nothing"]
    assert main(args) == 2
    done = json.loads(capsys.readouterr().out.splitlines()[-1])
    assert done["event"] == "done" and not done["ok"] and done["error"]


EXAMPLE = Path(__file__).resolve().parents[3] / "content"


def site_files(public: Path) -> dict[str, bytes]:
    return {str(p.relative_to(public)): p.read_bytes() for p in public.rglob("*") if p.is_file()}


def test_a_worker_build_resumes_and_a_failed_one_publishes_nothing(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A person's rebuild (admin, dashboard, startScan) rebuilds only what changed, like `tunecamp
    build`; with errors it leaves the published site exactly as it was."""
    import shutil

    content, public, data = tmp_path / "content", tmp_path / "public", tmp_path / "data"
    shutil.copytree(EXAMPLE, content)
    args = ["--content", str(content), "--public", str(public), "--data", str(data), "--no-transcode"]

    def worker() -> list[dict[str, object]]:
        code = main(args)
        events = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
        assert code in (0, 1), events
        return events

    assert worker()[-1]["published"] is True
    total = len(site_files(public))
    meta = content / "releases/morning-tides/release.yaml"
    meta.write_text(meta.read_text() + "title: Morning Tides (Live)\n")
    events = worker()
    assert events[-1]["published"] is True
    (line,) = [str(e["message"]) for e in events if "files written" in str(e.get("message"))]
    written, unchanged = int(line.split()[0]), int(line.split(", ")[1].split()[0])
    assert written > 0 and written + unchanged < total  # only the release and what lists it
    assert "Morning Tides (Live)" in (public / "releases/morning-tides/index.html").read_text()

    before = site_files(public)
    meta.write_text(meta.read_text() + "status: [broken\n")
    events = worker()
    assert events[-1]["published"] is False and events[-1]["ok"] is False
    assert any(e["event"] == "problem" and "release.yaml" in str(e["path"]) for e in events)
    assert site_files(public) == before


def test_a_worker_build_waits_for_another_build_of_the_site(tmp_path: Path) -> None:
    content, public, data = tmp_path / "content", tmp_path / "public", tmp_path / "data"
    shutil.copytree(EXAMPLE, content)
    holder = hold_build_lock(public)  # as `tunecamp build` into the daemon's public/ would
    worker = subprocess.Popen(worker_command(content, public, data, "--no-transcode", "--format", "text"),
                              stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)  # fmt: skip
    try:
        assert worker.stdout is not None
        waiting = next((line for line in worker.stdout if "waiting" in line), "")
        assert f"another build (pid {holder.pid}) is running on {public}" in waiting
        assert worker.poll() is None and not public.exists()
    finally:
        assert holder.stdin is not None
        holder.stdin.close()  # the other build ends
        holder.wait(timeout=30)
    rest, _ = worker.communicate(timeout=120)
    assert worker.returncode == 0, rest
    assert (public / "index.html").is_file() and "published" in rest
