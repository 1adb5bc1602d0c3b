from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tunecamp.generator.watch import WatchTiming, ignored, watch


class Recorder:
    def __init__(self) -> None:
        self.batches: list[set[Path]] = []
        self.done = threading.Event()
        self.fail_next = False

    def __call__(self, changed: set[Path]) -> None:
        self.batches.append(changed)
        self.done.set()
        if self.fail_next:
            self.fail_next = False
            raise RuntimeError("broken build")

    def wait(self, count: int, timeout: float = 10) -> None:
        deadline = time.monotonic() + timeout
        while len(self.batches) < count and time.monotonic() < deadline:
            time.sleep(0.02)
        assert len(self.batches) >= count, self.batches


@pytest.fixture
def watching(tmp_path: Path) -> Iterator[tuple[Path, Recorder]]:
    root = tmp_path / "content"
    root.mkdir()
    recorder, stop, ready = Recorder(), threading.Event(), threading.Event()
    thread = threading.Thread(
        target=watch,
        args=([root], recorder, stop, WatchTiming(debounce=0.15)),
        kwargs={"ready": ready},
        daemon=True,
    )
    thread.start()
    assert ready.wait(5)
    yield root, recorder
    stop.set()
    thread.join(5)
    assert not thread.is_alive()


def test_a_burst_of_writes_is_one_or_two_rebuilds(watching: tuple[Path, Recorder]) -> None:
    root, recorder = watching
    album = root / "releases" / "new"
    album.mkdir(parents=True)
    for i in range(200):
        (album / f"{i:03}.flac").write_bytes(b"x" * 100)
    recorder.wait(1)
    time.sleep(0.5)
    assert 1 <= len(recorder.batches) <= 2
    assert {p.name for b in recorder.batches for p in b} >= {f"{i:03}.flac" for i in range(200)}


def test_editor_temp_and_hidden_files_are_ignored(watching: tuple[Path, Recorder]) -> None:
    root, recorder = watching
    for name in [".release.yaml.swp", "release.yaml~", "#notes.md#", "4913", ".hidden", "x.part"]:
        (root / name).write_text("x")
    time.sleep(0.6)
    assert recorder.batches == []
    (root / "catalog.yaml").write_text("title: x\n")
    recorder.wait(1)
    assert recorder.batches[0] == {root.resolve() / "catalog.yaml"}


def test_a_failing_rebuild_does_not_stop_the_watcher(watching: tuple[Path, Recorder]) -> None:
    root, recorder = watching
    recorder.fail_next = True
    (root / "catalog.yaml").write_text("title: [broken\n")
    recorder.wait(1)
    (root / "catalog.yaml").write_text("title: fixed\n")
    recorder.wait(2)


def test_ignored_rules(tmp_path: Path) -> None:
    assert ignored(tmp_path / ".git" / "x", [tmp_path])
    assert ignored(tmp_path / "a" / ".#notes.md", [tmp_path])
    assert not ignored(tmp_path / "releases" / "a" / "01.flac", [tmp_path])
    assert ignored(Path("/elsewhere/file"), [tmp_path])


def test_a_file_still_being_written_is_waited_for(watching: tuple[Path, Recorder]) -> None:
    root, recorder = watching
    target = root / "big.flac"
    with target.open("wb") as f:
        for _ in range(4):  # pauses longer than the debounce: only settling keeps the batch open
            f.write(b"x" * 1000)
            f.flush()
            time.sleep(0.25)
    recorder.wait(1)
    time.sleep(0.5)
    assert len(recorder.batches) == 1
    assert target.resolve() in recorder.batches[0]
