from __future__ import annotations

import os
from pathlib import Path

import pytest

from tunecamp.generator.output import Output, staging_dirs, write_site


def test_writes_files_and_replaces_the_previous_site(tmp_path: Path) -> None:
    out = tmp_path / "public"
    write_site([Output("index.html", data=b"one"), Output("old.txt", data=b"gone soon")], out)
    stats = write_site([Output("index.html", data=b"two"), Output("a/b/c.txt", data=b"deep")], out)
    assert (out / "index.html").read_bytes() == b"two"
    assert (out / "a/b/c.txt").read_bytes() == b"deep"
    assert not (out / "old.txt").exists()
    assert stats.written == 2
    assert not any(p.exists() for p in staging_dirs(out.resolve()))


def test_unchanged_files_keep_their_mtime(tmp_path: Path) -> None:
    out = tmp_path / "public"
    write_site([Output("same.html", data=b"same"), Output("changes.html", data=b"v1")], out)
    os.utime(out / "same.html", ns=(1_000_000_000, 1_000_000_000))
    stats = write_site([Output("same.html", data=b"same"), Output("changes.html", data=b"v2")], out)
    assert (out / "same.html").stat().st_mtime_ns == 1_000_000_000
    assert stats.unchanged == 1 and stats.written == 1


def test_source_files_are_linked(tmp_path: Path) -> None:
    src = tmp_path / "song.mp3"
    src.write_bytes(b"ID3 audio")
    out = tmp_path / "public"
    write_site([Output("audio/song.mp3", source=src)], out)
    assert (out / "audio/song.mp3").read_bytes() == b"ID3 audio"
    assert (out / "audio/song.mp3").stat().st_ino == src.stat().st_ino


@pytest.mark.parametrize(
    "path", ["../escape.html", "/etc/passwd", "a/../../b", "a//b", "./a", "a\\..\\b", ""]
)
def test_hostile_output_paths_are_refused(path: str) -> None:
    with pytest.raises(ValueError, match="unsafe output path"):
        Output(path, data=b"x")


def test_a_failing_build_leaves_the_previous_site_whole(tmp_path: Path) -> None:
    out = tmp_path / "public"
    write_site([Output("index.html", data=b"good")], out)

    def outputs():
        yield Output("index.html", data=b"half")
        raise RuntimeError("renderer crashed")

    with pytest.raises(RuntimeError):
        write_site(outputs(), out)
    assert (out / "index.html").read_bytes() == b"good"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["public"]


def test_leftovers_of_a_killed_build_are_cleaned(tmp_path: Path) -> None:
    out = tmp_path / "public"
    staging, old = staging_dirs(out.resolve())
    (staging / "x").mkdir(parents=True)
    old.mkdir()
    write_site([Output("index.html", data=b"fresh")], out)
    assert not staging.exists() and not old.exists()
    assert (out / "index.html").read_bytes() == b"fresh"
