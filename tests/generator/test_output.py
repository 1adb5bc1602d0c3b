from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from tunecamp.generator.output import Output, WriteStats, staging_dirs, write_in_place, write_site


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


def test_owned_source_files_are_linked_others_copied(tmp_path: Path) -> None:
    cached, master = tmp_path / "cached.mp3", tmp_path / "master.flac"
    cached.write_bytes(b"ID3 audio")
    master.write_bytes(b"fLaC master")
    os.utime(master, ns=(1_000_000_000, 1_000_000_000))
    out = tmp_path / "public"
    write_site([Output("audio/song.mp3", source=cached, owned=True), Output("dl/m.flac", source=master)], out)
    assert (out / "audio/song.mp3").read_bytes() == b"ID3 audio"
    assert (out / "audio/song.mp3").stat().st_ino == cached.stat().st_ino
    copy = out / "dl/m.flac"
    assert copy.read_bytes() == b"fLaC master" and copy.stat().st_ino != master.stat().st_ino
    assert copy.stat().st_mtime_ns == 1_000_000_000  # so the next build sees it unchanged
    stats = write_site([Output("dl/m.flac", source=master)], out)
    assert stats.unchanged == 1


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


# -- write_in_place: the incremental writer -----------------------------------------------------


def site_files(out: Path) -> dict[str, bytes]:
    return {p.relative_to(out).as_posix(): p.read_bytes() for p in out.rglob("*") if p.is_file()}


@pytest.fixture
def built(tmp_path: Path) -> Path:
    out = tmp_path / "public"
    write_site(
        [
            Output("index.html", data=b"home"),
            Output("releases/a/index.html", data=b"a"),
            Output("releases/a/t/index.html", data=b"a/t"),
            Output("releases/b/index.html", data=b"b"),
        ],
        out,
    )
    return out.resolve()


def test_in_place_writes_new_and_changed_files_and_leaves_the_rest(built: Path) -> None:
    stats = write_in_place(
        [Output("releases/a/index.html", data=b"a v2"), Output("releases/c/x/index.html", data=b"new")], built
    )
    assert site_files(built) == {
        "index.html": b"home",
        "releases/a/index.html": b"a v2",
        "releases/a/t/index.html": b"a/t",
        "releases/b/index.html": b"b",
        "releases/c/x/index.html": b"new",
    }
    assert stats == WriteStats(written=2, unchanged=0, linked=0)
    assert not list(built.rglob("*.tmp"))


def test_in_place_replaces_a_file_atomically(built: Path) -> None:
    target = built / "releases/a/index.html"
    reader = target.open("rb")  # a reader holding the old file keeps reading the old bytes
    before = target.stat().st_ino
    write_in_place([Output("releases/a/index.html", data=b"a v2")], built)
    assert target.stat().st_ino != before  # a new file renamed over the old, not rewritten in place
    assert reader.read() == b"a" and target.read_bytes() == b"a v2"
    reader.close()


def test_in_place_clears_what_a_killed_build_left_aside(built: Path) -> None:
    leftover = built.parent / f".{built.name}.incoming/releases/a/index.html"
    leftover.parent.mkdir(parents=True)
    leftover.write_bytes(b"half-written by a killed build")
    write_in_place([Output("releases/a/index.html", data=b"a v2")], built)
    assert (built / "releases/a/index.html").read_bytes() == b"a v2"
    assert not leftover.parent.exists() and not (built / "releases/a/.index.html.tmp").exists()


def test_in_place_keeps_the_mtime_of_unchanged_bytes(built: Path) -> None:
    same = built / "releases/b/index.html"
    os.utime(same, ns=(1_000_000_000, 1_000_000_000))
    stats = write_in_place([Output("releases/b/index.html", data=b"b")], built)
    assert same.stat().st_mtime_ns == 1_000_000_000
    assert stats == WriteStats(written=0, unchanged=1, linked=0)


def test_in_place_links_source_files(built: Path, tmp_path: Path) -> None:
    src = tmp_path / "song.mp3"
    src.write_bytes(b"ID3 audio")
    stats = write_in_place([Output("audio/a/song.mp3", source=src, owned=True)], built)
    target = built / "audio/a/song.mp3"
    assert target.read_bytes() == b"ID3 audio" and target.stat().st_ino == src.stat().st_ino
    assert stats == WriteStats(written=0, unchanged=0, linked=1)
    again = write_in_place([Output("audio/a/song.mp3", source=src, owned=True)], built)
    assert again == WriteStats(written=0, unchanged=1, linked=0)
    other = tmp_path / "other.mp3"
    other.write_bytes(b"ID3 other audio")
    write_in_place([Output("audio/a/song.mp3", source=other, owned=True)], built)
    assert target.stat().st_ino == other.stat().st_ino and src.read_bytes() == b"ID3 audio"


def test_in_place_removes_files_and_the_folders_they_leave_empty(built: Path) -> None:
    write_in_place([], built, remove=["releases/a/t/index.html", "releases/b/index.html"])
    assert site_files(built) == {"index.html": b"home", "releases/a/index.html": b"a"}
    assert not (built / "releases/a/t").exists() and not (built / "releases/b").exists()
    assert (built / "releases/a").is_dir()  # still holds a file

    write_in_place([], built, remove=["releases/a/index.html", "index.html"])
    assert built.is_dir() and list(built.iterdir()) == []  # the output folder itself stays


def test_in_place_writes_and_removes_in_one_call(built: Path) -> None:
    write_in_place([Output("releases/b/new.html", data=b"new")], built, remove=["releases/b/index.html"])
    assert site_files(built)["releases/b/new.html"] == b"new"
    assert not (built / "releases/b/index.html").exists()


def test_in_place_removing_a_missing_file_is_not_an_error(built: Path) -> None:
    write_in_place([], built, remove=["releases/a/gone.html"])
    assert (built / "releases/a/index.html").read_bytes() == b"a"


def test_in_place_removing_a_file_whose_folder_is_gone_is_not_an_error(built: Path) -> None:
    # someone deleted part of public/ by hand; the next incremental build must not crash on it
    shutil.rmtree(built / "releases/a")
    write_in_place([], built, remove=["releases/a/t/index.html"])
    assert site_files(built) == {"index.html": b"home", "releases/b/index.html": b"b"}


def test_in_place_removing_a_missing_file_after_its_folder_emptied_is_not_an_error(built: Path) -> None:
    # the first removal empties releases/b and takes it away; the second names a file in it
    write_in_place([], built, remove=["releases/b/index.html", "releases/b/gone.html"])
    assert not (built / "releases/b").exists()


@pytest.mark.parametrize("path", ["../x", "/etc/passwd", "a/../../x", "./index.html", ""])
def test_in_place_refuses_an_unsafe_path_in_remove(built: Path, path: str) -> None:
    victim = built.parent / "x"
    victim.write_bytes(b"not part of the site")
    with pytest.raises(ValueError, match="unsafe output path"):
        write_in_place([], built, remove=[path])
    assert victim.read_bytes() == b"not part of the site"
    assert (built / "index.html").read_bytes() == b"home"
