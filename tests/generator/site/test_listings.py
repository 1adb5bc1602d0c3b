"""The Releases page (every release, by date or title, in pages, no JavaScript) and "More from"."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from conftest import MakeAudio

from tunecamp.generator.build import build
from tunecamp.generator.options import BuildOptions
from tunecamp.generator.site import listings


@pytest.fixture
def site(tmp_path: Path, make_audio: MakeAudio, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setattr(listings, "PAGE_SIZE", 2)
    root = tmp_path / "content"
    root.mkdir()
    (root / "catalog.yaml").write_text("title: Shelf\nbase_url: https://shelf.example.net\ndownload: none\n")
    for title, artist, date in [
        ("Cedar", "Ada", "2021"),
        ("Birch", "Ada", "2023"),
        ("Alder", "Ada", "2022"),
        ("Dune", "Bob", "2024"),
        ("Elm", "Ada", "2020-05"),
    ]:
        folder = root / "releases" / title
        make_audio(folder / "01.flac", seconds=0.3, tags={"title": "One", "artist": artist})
        (folder / "release.yaml").write_text(f"status: published\ntitle: {title}\ndate: {date}\n")
    out = tmp_path / "public"
    assert build(root, out, BuildOptions(transcode=False, data_dir=tmp_path / "data")).ok
    return out


def titles(page: Path) -> list[str]:
    grid = page.read_text().split('<ul class="grid"', 1)[1].split("</ul>", 1)[0]
    return re.findall(r'class="card-title"[^>]*>\s*(?:<a[^>]*>)?([^<]+)<', grid) or re.findall(
        r"<h3[^>]*>(?:<a[^>]*>)?([^<]+)<", grid
    )


def test_every_release_by_date_then_title_in_pages(site: Path) -> None:
    assert titles(site / "releases/index.html") == ["Dune", "Birch"]
    assert titles(site / "releases-by/date/2/index.html") == ["Alder", "Cedar"]
    assert titles(site / "releases-by/date/3/index.html") == ["Elm"]
    assert titles(site / "releases-by/title/index.html") == ["Alder", "Birch"]
    assert titles(site / "releases-by/oldest/index.html") == ["Elm", "Cedar"]
    first = (site / "releases/index.html").read_text()
    assert '<a href="/releases-by/title/">By title</a>' in first
    assert 'href="/releases-by/date/2/" rel="next"' in first and "5 releases" in first
    assert 'aria-current="page">Newest first</a>' in first
    assert '<a href="/releases/" aria-current="page">Releases</a>' in first  # the menu links here
    assert "noindex" in (site / "releases-by/title/index.html").read_text()


def test_more_from_this_artist(site: Path) -> None:
    page = (site / "releases/birch/index.html").read_text()
    more = page.split('aria-labelledby="more-heading"', 1)[1]
    assert "More from Ada" in more
    assert re.findall(r'class="card-title"[^>]*>([^<]+)<', more) == ["Alder", "Cedar", "Elm"]
    assert "more-heading" not in (site / "releases/dune/index.html").read_text()  # Bob has one release
