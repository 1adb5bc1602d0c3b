"""One build at a time per output folder (generator/buildlock.py), with real `tunecamp build` processes.

Their ffmpeg reads its input in real time (-re), so a build holds the lock at least as long as its
audio lasts, whatever the machine's load: long enough for a second build to find it taken.
"""

from __future__ import annotations

import os
import signal
import time
from pathlib import Path

import pytest
from clirun import start_tunecamp, tunecamp
from mediacatalog import decoded_seconds, one_release_catalog

SECONDS = 3.0


@pytest.fixture
def content(tmp_path: Path, make_audio) -> Path:  # type: ignore[no-untyped-def]
    return one_release_catalog(tmp_path / "content", make_audio, SECONDS)


@pytest.fixture
def slow(tmp_path: Path, ffmpeg: str) -> dict[str, str]:
    script = tmp_path / "ffmpeg-slow"
    script.write_text(f'#!/bin/sh\nexec "{ffmpeg}" -re "$@"\n')
    script.chmod(0o755)
    return {"TUNECAMP_FFMPEG": str(script)}


def assert_site_whole(public: Path, ffmpeg: str) -> None:
    assert (public / "index.html").is_file() and (public / "releases/r/index.html").is_file()
    streams = sorted((public / "audio").rglob("*.*"))
    assert streams and all(decoded_seconds(ffmpeg, s) == pytest.approx(SECONDS, abs=0.05) for s in streams)
    assert not [
        p for p in public.parent.iterdir() if p.name in (".public.staging", ".public.old", ".public.incoming")
    ]


def test_two_builds_at_once_one_builds_and_the_other_says_which_runs(
    tmp_path: Path, content: Path, slow: dict[str, str], ffmpeg: str
) -> None:
    public = tmp_path / "public"
    builds = [start_tunecamp("build", str(content), "-o", str(public), env=slow) for _ in range(2)]
    ended = {b.pid: (*b.communicate(timeout=120), b.returncode) for b in builds}
    winner = next(pid for pid, (_, _, code) in ended.items() if code == 0)
    (_, stderr, code) = next(v for pid, v in ended.items() if pid != winner)
    assert code == 1 and "Traceback" not in stderr, stderr
    assert f"Error: another build (pid {winner}) is running on {public}" in stderr
    assert_site_whole(public, ffmpeg)


def test_the_lock_of_a_killed_build_is_taken_over(
    tmp_path: Path, content: Path, slow: dict[str, str], ffmpeg: str
) -> None:
    public, lock = tmp_path / "public", tmp_path / ".public.lock"
    killed = start_tunecamp("build", str(content), "-o", str(public), env=slow)
    deadline = time.monotonic() + 60
    while not (lock.is_file() and lock.read_text().strip() == str(killed.pid)):
        assert time.monotonic() < deadline and killed.poll() is None, "the build never took its lock"
        time.sleep(0.02)
    os.killpg(killed.pid, signal.SIGKILL)  # the build and its ffmpeg, midway
    killed.communicate(timeout=30)
    assert lock.read_text().strip() == str(killed.pid)  # what it left: a lock file naming a dead build

    result = tunecamp("build", str(content), "-o", str(public))
    assert result.returncode == 0, result.stderr
    assert_site_whole(public, ffmpeg)
    assert lock.read_text() == ""  # released: no pid of a finished build is left to mislead
