from __future__ import annotations

import json
import time
from pathlib import Path

import pytest

from tunecamp.daemon.build_worker import STATE_FILE, content_fingerprint, is_stale, main


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
