from __future__ import annotations

import os
import time
from pathlib import Path

from tunecamp.generator.buildstate import folder_digest, inputs_digest, read_inputs


def _touch(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    time.sleep(0.01)  # distinct mtimes on coarse clocks


def test_digest_follows_every_visible_file(tmp_path: Path) -> None:
    _touch(tmp_path / "releases/a/release.yaml", "status: draft\n")
    first = inputs_digest([tmp_path])
    assert inputs_digest([tmp_path]) == first
    _touch(tmp_path / "releases/a/release.yaml", "status: published\n")
    assert inputs_digest([tmp_path]) != first


def test_hidden_files_and_pycache_do_not_count(tmp_path: Path) -> None:
    _touch(tmp_path / "catalog.yaml", "title: x\n")
    before = inputs_digest([tmp_path])
    _touch(tmp_path / ".git/index", "changed by git status")
    _touch(tmp_path / "releases/a/.release.yaml.swp", "editor junk")
    _touch(tmp_path / "code/__pycache__/x.pyc", "bytecode")
    assert inputs_digest([tmp_path]) == before


def test_symlinked_folders_are_followed_and_loops_end(tmp_path: Path) -> None:
    outside = tmp_path / "elsewhere/album"
    _touch(outside / "01.flac", "v1")
    content = tmp_path / "content"
    (content / "releases").mkdir(parents=True)
    os.symlink(outside, content / "releases/album")
    os.symlink(content, content / "releases/loop")  # a loop back to the root
    before = inputs_digest([content])
    _touch(outside / "01.flac", "v2 longer")
    assert inputs_digest([content]) != before


def test_read_inputs_has_one_digest_per_release_folder_and_one_for_the_rest(tmp_path: Path) -> None:
    content = tmp_path / "content"
    for name in (
        "catalog.yaml",
        "releases/a/1.mp3",
        "releases/a/release.yaml",
        "releases/b/1.mp3",
        "artists/x/artist.yaml",
    ):
        (content / name).parent.mkdir(parents=True, exist_ok=True)
        (content / name).write_text(name)
    first = read_inputs([content], content)
    assert set(first.folders) == {"a", "b"} and first.digest != inputs_digest([tmp_path])
    assert {name: folder_digest(content, name) for name in "ab"} == first.folders
    (content / "releases/a/release.yaml").write_text("title: changed")
    second = read_inputs([content], content)
    assert second.folders["a"] != first.folders["a"] and second.folders["b"] == first.folders["b"]
    assert second.rest == first.rest and second.digest != first.digest
    # what a watch session computes from the one folder it re-read is what a full walk finds
    assert first.with_folders({"a": folder_digest(content, "a")}) == second
    (content / "releases/b/1.mp3").unlink()
    assert second.with_folders({"b": folder_digest(content, "b")}) == read_inputs([content], content)
    (content / "releases/b/1.mp3").write_text("releases/b/1.mp3")
    second = read_inputs([content], content)
    (content / "artists/x/artist.yaml").write_text("name: changed")
    third = read_inputs([content], content)
    assert third.rest != second.rest and third.folders == second.folders
