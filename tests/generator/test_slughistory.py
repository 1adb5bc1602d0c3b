"""A published slug stays reachable: the old URL of a release whose slug changed redirects."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from conftest import MakeAudio

from tunecamp.generator.build import build
from tunecamp.generator.options import BuildOptions


@pytest.fixture
def content(tmp_path: Path, make_audio: MakeAudio) -> Path:
    root = tmp_path / "content"
    root.mkdir()
    (root / "catalog.yaml").write_text("title: Moves\nbase_url: https://moves.example.net\ndownload: none\n")
    make_audio(root / "releases/Night Ride/01 - Go.flac", seconds=0.3, tags={"title": "Go", "artist": "Ada"})
    (root / "releases/Night Ride/release.yaml").write_text("status: published\ntitle: Night Ride\n")
    return root


def run(content: Path, clean: bool = False) -> Path:
    out = content.parent / "public"
    options = BuildOptions(transcode=False, data_dir=content.parent / "data", clean=clean)
    report = build(content, out, options)
    assert report.ok, [str(p) for p in report.problems.errors]
    return out


def target(page: Path) -> str:
    found = re.search(r'http-equiv="refresh" content="0; url=([^"]+)"', page.read_text())
    assert found, page.read_text()
    return found.group(1)


@pytest.mark.parametrize("clean", [False, True], ids=["resumed build", "clean build"])
def test_a_changed_slug_leaves_a_redirect_at_the_old_url(content: Path, clean: bool) -> None:
    out = run(content)
    assert (out / "releases/night-ride/go/index.html").is_file()
    meta = content / "releases/Night Ride/release.yaml"
    meta.write_text(meta.read_text() + "slug: night-ride-2026\n")
    out = run(content, clean)
    assert (out / "releases/night-ride-2026/index.html").is_file()
    old = out / "releases/night-ride/index.html"
    assert target(old) == "/releases/night-ride-2026/"
    assert (
        '<link rel="canonical" href="https://moves.example.net/releases/night-ride-2026/">' in old.read_text()
    )
    assert target(out / "releases/night-ride/go/index.html") == "/releases/night-ride-2026/go/"
    assert "night-ride/" not in (out / "sitemap.xml").read_text().replace("night-ride-2026/", "")


def test_a_renamed_folder_is_the_same_release(content: Path) -> None:
    run(content)
    (content / "releases/Night Ride").rename(content / "releases/Night Ride Remastered")
    out = run(content)
    assert target(out / "releases/night-ride/index.html") == "/releases/night-ride-remastered/"


def test_a_slug_taken_by_another_release_is_that_release_not_a_redirect(
    content: Path, make_audio: MakeAudio
) -> None:
    run(content)
    meta = content / "releases/Night Ride/release.yaml"
    meta.write_text(meta.read_text() + "slug: night-ride-2026\n")
    run(content)
    other = content / "releases/Other"
    make_audio(other / "01.flac", seconds=0.3, tags={"title": "X", "artist": "Ada"})
    (other / "release.yaml").write_text("status: published\ntitle: Other\nslug: night-ride\n")
    out = run(content)
    assert "http-equiv" not in (out / "releases/night-ride/index.html").read_text()
