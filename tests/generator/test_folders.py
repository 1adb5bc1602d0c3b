"""A build never eats the catalog: output folders that overlap content/ or data/ are refused.

Every refusal is checked the way an artist would notice the damage: checksums of every file
of content/ (and of the folder named as output) before and after.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from tunecamp.generator.cli import cli
from tunecamp.generator.folders import MARKER

EXAMPLE = Path(__file__).resolve().parents[2] / "content"


def checksums(root: Path) -> dict[str, str]:
    return {
        str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(root.rglob("*"))
        if p.is_file() and not p.is_symlink()
    }


@pytest.fixture
def work(tmp_path: Path) -> Path:
    """tmp/work/content (the example catalog) and tmp/work/data beside it."""
    shutil.copytree(EXAMPLE, tmp_path / "work" / "content")
    (tmp_path / "work" / "notes.txt").write_text("the artist's own notes\n")
    return tmp_path / "work"


def build(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(cli, ["build", *args, "--no-transcode"])
    return result.exit_code, " ".join(result.output.split())  # rich wraps long lines


@pytest.mark.parametrize(
    ("output", "says"),
    [
        ("content", "it is the content folder"),
        ("content/releases", "it is inside the content folder"),
        ("content/releases/morning-tides", "it is inside the content folder"),
        (".", "it contains the content folder"),  # `tunecamp build content -o .`
        ("..", "it contains the content folder"),
        ("data", "it is the data folder"),
        ("data/cache", "it overlaps"),
        ("data/private/downloads", "it overlaps"),
    ],
)
def test_output_overlapping_content_or_data_is_refused(work: Path, output: str, says: str) -> None:
    (work / "data" / "cache").mkdir(parents=True)
    before, around = checksums(work / "content"), checksums(work.parent)
    code, text = build(str(work / "content"), "-o", str(work / output), "--force")  # --force never helps
    assert code != 0
    assert says in text
    assert str((work / output).resolve()) in text
    assert str(work / "content") in text or str(work / "data") in text
    assert checksums(work / "content") == before
    assert checksums(work.parent) == around  # nothing written anywhere


def test_a_symlink_to_the_catalog_is_seen_through(work: Path) -> None:
    (work / "site").symlink_to(work / "content" / "releases")
    before = checksums(work / "content")
    code, text = build(str(work / "content"), "-o", str(work / "site"))
    assert code != 0 and "inside the content folder" in text
    assert checksums(work / "content") == before


def test_an_unrelated_non_empty_folder_needs_force(work: Path) -> None:
    photos = work / "photos"
    photos.mkdir()
    (photos / "holiday.jpg").write_bytes(b"\xff\xd8 not really a jpeg")
    code, text = build(str(work / "content"), "-o", str(photos))
    assert code != 0
    assert f"refusing to build into {photos}" in text and "--force" in text
    assert (photos / "holiday.jpg").read_bytes() == b"\xff\xd8 not really a jpeg"

    code, text = build(str(work / "content"), "-o", str(photos), "--force")
    assert code == 0, text
    assert not (photos / "holiday.jpg").exists() and (photos / MARKER).is_file()
    code, text = build(str(work / "content"), "-o", str(photos))  # a TuneCamp site now
    assert code == 0, text


def test_a_site_built_before_the_marker_is_still_rebuilt(work: Path) -> None:
    out = work / "public"
    assert build(str(work / "content"), "-o", str(out))[0] == 0
    (out / MARKER).unlink()
    code, text = build(str(work / "content"), "-o", str(out), "--clean")
    assert code == 0, text
    assert (out / MARKER).is_file()


def test_data_inside_the_output_is_refused(work: Path) -> None:
    out = work / "public"
    code, text = build(str(work / "content"), "-o", str(out), "--data", str(out / "data"))
    assert code != 0 and "contains the data folder" in text
    assert not out.exists()


def test_default_data_folder_sits_beside_the_content_not_the_output(work: Path, tmp_path: Path) -> None:
    served = tmp_path / "var" / "www" / "html"
    served.mkdir(parents=True)
    code, text = build(str(work / "content"), "-o", str(served / "site"))
    assert code == 0, text
    assert (work / "data" / "cache").is_dir()
    assert not (served / "data").exists()


def test_a_site_inside_the_data_folder_beside_its_stores_is_allowed(work: Path) -> None:
    """The Docker image's layout: /data/public beside /data/cache and /data/private."""
    code, text = build(
        str(work / "content"), "-o", str(work / "data" / "public"), "--data", str(work / "data")
    )
    assert code == 0, text
    assert (work / "data" / "public" / "index.html").is_file()


def test_masters_are_copied_never_hard_linked(work: Path) -> None:
    out = work / "public"
    master = work / "content" / "releases" / "morning-tides" / "01 - First Light.flac"
    assert build(str(work / "content"), "-o", str(out))[0] == 0
    deployed = [p for p in out.rglob("*.flac")]
    assert deployed
    for copy in deployed:
        assert copy.stat().st_ino != master.stat().st_ino
        assert copy.stat().st_nlink == 1
    original = master.read_bytes()
    deployed[0].write_bytes(b"edited on the server")
    assert master.read_bytes() == original


def test_a_master_hard_linked_by_an_older_build_is_unlinked(work: Path) -> None:
    out = work / "public"
    master = work / "content" / "releases" / "morning-tides" / "01 - First Light.flac"
    assert build(str(work / "content"), "-o", str(out))[0] == 0
    (deployed,) = [p for p in out.rglob("*.flac") if p.read_bytes() == master.read_bytes()]
    deployed.unlink()
    os.link(master, deployed)  # what builds before this change did
    (work / "content" / "releases" / "morning-tides" / "notes.md").write_text("New notes.\n")
    assert build(str(work / "content"), "-o", str(out))[0] == 0
    assert deployed.stat().st_ino != master.stat().st_ino
    assert master.stat().st_nlink == 1


def test_the_build_worker_refuses_the_catalog_as_its_public_folder(work: Path) -> None:
    before = checksums(work / "content")
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "tunecamp.daemon.site.worker",
            "--format",
            "text",
            "--no-transcode",
            "--content",
            str(work / "content"),
            "--public",
            str(work / "content"),
            "--data",
            str(work / "data"),
        ],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode != 0
    assert "it is the content folder" in result.stdout
    assert "Traceback" not in result.stdout + result.stderr
    assert checksums(work / "content") == before
